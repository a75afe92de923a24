/**
 * The `galley` command line as an author meets it, run as the compiled
 * package runs (lib/galley.js): --version, the positional book folder, exit
 * codes (0 done, 1 a problem in the book, 2 a usage error), `build --json`,
 * `galley init` and `dev --open`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, cp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GALLEY, ROOT, tempDir } from './light-helpers.ts';

const exec = promisify(execFile);

/**
 * What these tests read is the command line (arguments, exit codes, output), not how chapters are spread over
 * threads (tests/cache.test.ts and tests/hostile-bounds.test.ts run the worker pool): each `galley` processes its
 * chapters on its main thread, which spares a worker's start-up (about half a CPU-second) per build or check.
 */
const ENV = { CI: '1', GALLEY_WORKERS: '0' };

async function galley(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [GALLEY, ...args], {
      cwd,
      env: { ...process.env, ...ENV, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `galley check mini --format json`, which two tests read: run once. */
let cleanCheck: ReturnType<typeof galley> | undefined;
const checkMini = () => (cleanCheck ??= galley(['check', 'mini', '--format', 'json'], work.dir));

let work: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  work = await tempDir('galley-cli-');
  await cp(path.join(ROOT, 'tests/books/mini'), path.join(work.dir, 'mini'), { recursive: true });
});
afterAll(() => work?.cleanup());

describe('galley --version and --help', () => {
  it('prints the package version and exits 0', async () => {
    const { version } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const result = await galley([flag], work.dir);
      expect(result).toMatchObject({ code: 0, stdout: `${version}\n` });
    }
  });

  it('lists every command and the exit codes', async () => {
    const { code, stdout } = await galley(['--help'], work.dir);
    expect(code).toBe(0);
    for (const command of ['init', 'build', 'dev', 'check', 'errata', 'diff', 'release'])
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect(stdout).toContain('Exit codes: 0 done, 1 a problem in the book, 2 a usage error.');
  });

  it('documents the errata kinds the schema accepts', async () => {
    const [{ ERRATA_KINDS }, { ERRATA_KINDS_HELP }] = await Promise.all([
      import('../scripts/model/errata/schema.ts'),
      import('../scripts/commands/errata.ts'),
    ]);
    expect(ERRATA_KINDS_HELP).toBe(ERRATA_KINDS.join(', '));
  });
});

describe('exit codes', () => {
  it('exits 2 for usage errors, with a message', async () => {
    const cases: [string[], RegExp][] = [
      [[], /Usage: galley/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['build', '--bogus'], /unknown option '--bogus'/],
      [['build', 'mini', 'extra'], /too many arguments/],
      [['check', '--format', 'xml', 'mini'], /Allowed choices are text, json, github/],
      [['build', '--format', 'docx', 'mini'], /Unknown format `docx`/],
      [['dev', '--port', '70000', 'mini'], /--port must be a whole number/],
      [['build', 'missing-book'], /no book folder at `missing-book`/],
      [['check', 'mini', '--manuscript', 'other'], /the book folder is given twice/],
      [['diff'], /missing required argument 'ref-a'/],
    ];
    for (const [args, message] of cases) {
      const result = await galley(args, work.dir);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
  });

  it('exits 1 for a problem in the book and 0 for a clean one', async () => {
    const broken = path.join(work.dir, 'broken');
    await cp(path.join(work.dir, 'mini'), broken, { recursive: true });
    await writeFile(path.join(broken, 'chapters/two.md'), '# Two\n\nSee [nowhere](missing.md).\n');
    expect((await galley(['check', 'broken'], work.dir)).code).toBe(1);
    expect((await checkMini()).code).toBe(0);
  });
});

describe('the book folder as an argument', () => {
  it('is the same as --manuscript, for check and build', async () => {
    const byFlag = await galley(['check', '--manuscript', 'mini', '--format', 'json'], work.dir);
    const byArgument = await checkMini();
    expect(byArgument.code).toBe(byFlag.code);
    expect(byArgument.stdout).toBe(byFlag.stdout);
    // Both given and the same folder is fine.
    expect((await galley(['check', 'mini', '--manuscript', 'mini', '--format', 'json'], work.dir)).code).toBe(0);
  });
});

describe('galley build --json', () => {
  it('prints the summary and the artifacts as JSON, and nothing else on stdout', async () => {
    const result = await galley(['build', 'mini', '--out', 'out-json', '--format', 'html', '--json'], work.dir);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as {
      ok: boolean;
      editions: {
        code: string;
        summary: { chapters: number; questions: Record<string, number> };
        artifacts: { format: string; path: string }[];
      }[];
      diagnostics: unknown[];
    };
    expect(json.ok).toBe(true);
    expect(json.editions.map((e) => e.code)).toEqual(['en']);
    const [edition] = json.editions;
    expect(edition!.summary.chapters).toBeGreaterThan(2);
    expect(Object.keys(edition!.summary.questions).sort()).toEqual(['E', 'H', 'M']);
    expect(edition!.artifacts).toEqual([{ format: 'html', path: path.join(work.dir, 'out-json', 'html') }]);
    expect(Array.isArray(json.diagnostics)).toBe(true);
  });

  it('still prints JSON, with ok false, when the build fails', async () => {
    const bad = path.join(work.dir, 'bad-yaml');
    await cp(path.join(work.dir, 'mini'), bad, { recursive: true });
    await writeFile(path.join(bad, 'book.yaml'), 'title: [unclosed\n');
    const result = await galley(['build', 'bad-yaml', '--out', 'out-bad', '--format', 'html', '--json'], work.dir);
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout) as { ok: boolean; diagnostics: { file: string; severity: string }[] };
    expect(json.ok).toBe(false);
    expect(json.diagnostics.some((d) => d.file === 'book.yaml' && d.severity === 'error')).toBe(true);
  });
});

describe('galley init', () => {
  it('writes a starter book that checks clean, and prints the next three commands', async () => {
    const result = await galley(
      ['init', 'my-book', '--title', 'A Book: "Quoted"', '--author', 'Ada Writer', '--language', 'fr'],
      work.dir,
    );
    expect(result.code).toBe(0);
    const dir = path.join(work.dir, 'my-book');
    const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
      .sort();
    expect(files).toEqual([
      '.github/workflows/check.yml',
      '.gitignore',
      'SUMMARY.md',
      'book.yaml',
      'chapters/first-steps.md',
      'errata.yaml',
      'images/growth.svg',
      'preface.md',
    ]);
    const next = result.stdout.split('\n').filter((line) => line.startsWith('  galley '));
    expect(next.map((line) => line.trim().split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'galley dev my-book',
      'galley check my-book',
      'galley build my-book',
    ]);

    const check = await galley(['check', 'my-book', '--format', 'json'], work.dir);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toEqual([]);
    const built = await galley(['build', 'my-book', '--out', 'out-init', '--format', 'html', '--json'], work.dir);
    expect(built.code).toBe(0);
    const summary = (
      JSON.parse(built.stdout) as {
        editions: { summary: { questions: Record<'E' | 'M' | 'H', number>; formulas: number; images: number } }[];
      }
    ).editions[0]!.summary;
    // The chapter shows a question, a formula and a figure.
    expect(summary.questions.E + summary.questions.M + summary.questions.H).toBeGreaterThan(0);
    expect(summary.formulas).toBeGreaterThan(0);
    expect(summary.images).toBe(1);
    const page = await readFile(path.join(work.dir, 'out-init/html/index.html'), 'utf8');
    expect(page).toMatch(/A Book: (&quot;|&#x22;|")Quoted/);
    expect(await readFile(path.join(dir, 'book.yaml'), 'utf8')).toMatch(/^language: "fr"$/m);
  });

  it('refuses a folder that is not empty (exit 2, nothing written) unless given --force; a new git repository counts as empty', async () => {
    const dir = path.join(work.dir, 'taken');
    await mkdir(dir);
    await writeFile(path.join(dir, 'notes.txt'), 'mine\n');
    const refused = await galley(['init', 'taken'], work.dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('taken is not empty');
    expect(await readdir(dir)).toEqual(['notes.txt']);
    const forced = await galley(['init', 'taken', '--force'], work.dir);
    expect(forced.code).toBe(0);
    expect((await readdir(dir)).sort()).toContain('book.yaml');
    expect(await readFile(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine\n');

    const repo = path.join(work.dir, 'repo');
    await mkdir(path.join(repo, '.git'), { recursive: true });
    const here = await galley(['init'], repo);
    expect(here.code).toBe(0);
    // The next commands name the folder, since without one they read manuscript/.
    expect(here.stdout).toContain('  galley check .');
    expect((await galley(['check', '.'], repo)).code).toBe(0);
    expect(await readFile(path.join(repo, 'book.yaml'), 'utf8')).toMatch(/^title: "Repo"$/m);
  });
});

describe('galley dev --open', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('opens the served URL with the browser BROWSER names', async () => {
    const opened = path.join(work.dir, 'opened.txt');
    const browser = path.join(work.dir, 'fake-browser.sh');
    await writeFile(browser, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
    await chmod(browser, 0o755);
    child = spawn(process.execPath, [GALLEY, 'dev', 'mini', '--out', 'out-dev', '--port', '0', '--open', '--quiet'], {
      cwd: work.dir,
      env: { ...process.env, ...ENV, BROWSER: browser },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`galley dev did not start: ${stdout} ${stderr}`)), 60_000);
      child!.stdout!.on('data', () => {
        const found = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]!);
        }
      });
      child!.once('exit', (code) => reject(new Error(`galley dev exited with ${code}: ${stderr}`)));
    });
    let seen = '';
    for (let i = 0; i < 100 && !seen; i++) {
      seen = await readFile(opened, 'utf8').catch(() => '');
      if (!seen) await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen).toBe(url);
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 120_000);
});
