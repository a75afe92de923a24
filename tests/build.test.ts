import { execFile } from 'node:child_process';
import { cp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XMLValidator } from 'fast-xml-parser';
import { build } from '../scripts/api/build.ts';
import { chaptersOnThisThread, GALLEY, ROOT, tempDir } from './helpers.ts';
import { sharedBuild, sharedBuildJson } from './shared-builds.ts';

const run = promisify(execFile);
const MINI = path.join(ROOT, 'tests/books/mini');

chaptersOnThisThread();

async function galley(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [GALLEY, ...args], {
      cwd: ROOT,
      env: { ...process.env, CI: '1' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('end-to-end build of a mini-book', () => {
  let out: { dir: string; cleanup: () => Promise<void> };
  let result: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    out = await tempDir();
    result = await build({ manuscript: MINI, out: out.dir, formats: ['html'], quiet: true });
  });
  afterAll(() => out.cleanup());

  it('succeeds and counts what it built', () => {
    expect(result.ok).toBe(true);
    expect(result.summary).toMatchObject({
      chapters: 5,
      questions: { E: 1, M: 1, H: 1 },
      formulas: 1,
      images: 1,
      footnotes: 1,
    });
    expect(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.ruleId}`)).toEqual([
      'SUMMARY.md:10:3 toc-entry',
    ]);
  });

  it('writes one well-formed page per TOC entry, with no script or remote resource', async () => {
    const files = (await readdir(path.join(out.dir, 'html'))).filter((f) => f.endsWith('.xhtml')).sort();
    expect(files).toEqual([
      'chapters-one-b.xhtml',
      'chapters-one.xhtml',
      'chapters-two.xhtml',
      'part-1-part-one.xhtml',
      'preface.xhtml',
      'questions.xhtml',
    ]);
    for (const name of [...files, 'index.html']) {
      const text = await readFile(path.join(out.dir, 'html', name), 'utf8');
      expect(XMLValidator.validate(text), name).toBe(true);
      expect(text).not.toMatch(/<script|\bon[a-z]+=/i);
      expect(text).not.toMatch(/(src|href)="(https?:)?\/\//);
      expect(text, name).toContain('Copyright ©2026 Test Author');
    }
  });

  it('rewrites links between chapters and keeps anchors', async () => {
    const preface = await readFile(path.join(out.dir, 'html/preface.xhtml'), 'utf8');
    expect(preface).toContain('href="chapters-one.xhtml"');
    expect(preface).toContain('href="chapters-one.xhtml#details"');
    const one = await readFile(path.join(out.dir, 'html/chapters-one.xhtml'), 'utf8');
    expect(one).toContain('id="details"');
    expect(one).toMatch(/<img src="images\/square-[0-9a-f]{10}\.svg" alt="A square"\/>/);
    const image = (await readdir(path.join(out.dir, 'html/images')))[0]!;
    expect(await readFile(path.join(out.dir, 'html/images', image), 'utf8')).toContain(
      '<svg xmlns="http://www.w3.org/2000/svg"',
    );
  });

  it('lists every question by difficulty with links back', async () => {
    const page = await readFile(path.join(out.dir, 'html/questions.xhtml'), 'utf8');
    // Entries point at the question's number (issue 19: the PDF measures the page there), inside the question itself.
    expect(page).toContain('href="chapters-one.xhtml#qn-q-what-is-energy"');
    expect(page).toContain('href="chapters-two.xhtml#qn-q-prove-it"');
    const one = await readFile(path.join(out.dir, 'html/chapters-one.xhtml'), 'utf8');
    expect(one).toMatch(/<li[^>]* id="q-what-is-energy"[^>]*>(?:(?!<\/li>)[\s\S])*id="qn-q-what-is-energy"/);
    expect(page.indexOf('difficulty-easy')).toBeLessThan(page.indexOf('difficulty-hard'));
  });
});

describe('the CLI on bad input', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  /** `galley build` of the mini book into `ok/`: its summary is tested, then a failed build must leave it alone. */
  let good: Awaited<ReturnType<typeof galley>>;
  beforeAll(async () => {
    work = await tempDir();
    good = await galley(['build', '--manuscript', MINI, '--out', path.join(work.dir, 'ok'), '--format', 'html']);
  });
  afterAll(() => work.cleanup());

  async function brokenCopy(name: string, file: string, content: string) {
    const dir = path.join(work.dir, name);
    await cp(MINI, dir, { recursive: true });
    await writeFile(path.join(dir, file), content);
    return dir;
  }

  it('builds the mini-book and prints the summary', () => {
    const { code, stdout } = good;
    expect(code).toBe(0);
    expect(stdout).toMatch(/Built 5 chapters/);
    expect(stdout).toMatch(/questions: 3 \(easy 1, medium 1, hard 1\)/);
  });

  it('a broken book.yaml: one error with file and line, exit 1', async () => {
    const dir = await brokenCopy('yaml', 'book.yaml', 'title: Mini\nauthors: [A]\nlanguage: en\nunknown_key: 1\n');
    const { code, stderr } = await galley(['build', '--manuscript', dir, '--out', path.join(work.dir, 'out-yaml')]);
    expect(code).toBe(1);
    const errors = stderr.split('\n').filter((l) => / error /.test(l));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/book\.yaml:4:1 error Unknown key `unknown_key`.*\[book-config\]$/);
  });

  it('a missing TOC file: one error at its SUMMARY.md line, exit 1', async () => {
    const dir = await brokenCopy('toc', 'SUMMARY.md', '# Summary\n\n* [Preface](preface.md)\n* [Gone](gone.md)\n');
    const { code, stderr } = await galley(['build', '--manuscript', dir, '--out', path.join(work.dir, 'out-toc')]);
    expect(code).toBe(1);
    const errors = stderr.split('\n').filter((l) => / error /.test(l));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /SUMMARY\.md:4:3 error TOC entry “Gone” points to `gone\.md`, which does not exist.*\[toc-missing-file\]$/,
    );
  });

  it('a bad formula: one error at its file:line:column, exit 1', async () => {
    const dir = await brokenCopy('math', 'chapters/two.md', '# Second chapter\n\nBroken: $$\\frac{1}{$$ here.\n');
    const { code, stderr } = await galley(['build', '--manuscript', dir, '--out', path.join(work.dir, 'out-math')]);
    expect(code).toBe(1);
    const errors = stderr.split('\n').filter((l) => / error /.test(l));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/chapters\/two\.md:3:\d+ error Formula does not parse: .*\[math\]$/);
  });

  it('a failed build leaves the previous output as it was', async () => {
    const outDir = path.join(work.dir, 'ok');
    expect(good.code).toBe(0);
    const before = await stat(path.join(outDir, 'html/chapters-two.xhtml'));
    const dir = await brokenCopy('math2', 'chapters/two.md', '# Two\n\n$$\\frac{$$\n');
    expect((await galley(['build', '--manuscript', dir, '--out', outDir])).code).toBe(1);
    const after = await stat(path.join(outDir, 'html/chapters-two.xhtml'));
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(await readFile(path.join(outDir, 'html/chapters-two.xhtml'), 'utf8')).toContain('Prove it.');
  });
});

describe('a real HonKit book (algorithm-archive)', () => {
  // The run's shared build of the corpus (`galley build`, HTML, web and EPUB), which other files read too.
  it('processes to HTML without a crash, reporting its problems as messages', async () => {
    const shared = await sharedBuild('corpus');
    const json = await sharedBuildJson('corpus');
    const [edition] = json.editions;
    expect(json.editions).toHaveLength(1);
    expect(edition!.summary.chapters).toBeGreaterThan(40);
    expect(json.diagnostics.some((d) => d.ruleId === 'internal')).toBe(false);
    expect(json.diagnostics.length).toBeGreaterThan(0);
    const html = path.join(shared.dir, 'html');
    const pages = (await readdir(html)).filter((f) => f.endsWith('.xhtml'));
    expect(pages).toHaveLength(edition!.summary.pages);
    for (const name of pages)
      expect(XMLValidator.validate(await readFile(path.join(html, name), 'utf8')), name).toBe(true);
    // 40-odd chapters and 1,000 formulas, processed cold in a fresh checkout: minutes on a loaded 2-core machine.
  }, 600_000);
});
