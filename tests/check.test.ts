import { execFile } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../scripts/api/check.ts';
import { chaptersOnThisThread, GALLEY, ROOT, runGalleyInProcess, tempDir } from './helpers.ts';
import { sharedBuild } from './shared-builds.ts';

const run = promisify(execFile);
const FAULTS = path.join(ROOT, 'tests/books/faults');

chaptersOnThisThread();

async function galley(args: string[], cwd = ROOT) {
  try {
    const { stdout } = await run(process.execPath, [GALLEY, ...args], { cwd, env: { ...process.env, CI: '1' } });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

/** Each injected fault in tests/books/faults, once, at its position. */
const EXPECTED = [
  'SUMMARY.md:1:1 warning unreachable-file',
  'SUMMARY.md:4:3 warning toc-title',
  'SUMMARY.md:5:3 error toc-missing-file',
  'ch/one.md:3:5 error broken-link',
  'ch/one.md:3:38 error broken-link',
  'ch/one.md:4:5 error broken-link',
  'ch/one.md:6:1 warning image-alt',
  'ch/one.md:8:1 error broken-image',
  'ch/one.md:10:1 warning heading-increment',
  'ch/one.md:12:26 warning no-undefined-references',
  'ch/one.md:15:1 warning footnote-match',
  'ch/one.md:18:1 warning question-tag',
  'ch/one.md:21:20 warning trailing-whitespace',
  'ch/one.md:23:1 error copyright-footer',
  'ch/two.md:5:22 error math',
  'ch/two.md:7:1 warning raw-html',
  'ch/two.md:9:1 error copyright-footer',
  'ch/two.md:9:32 warning final-newline',
];

describe('galley check', () => {
  it('reports each injected fault once, at its line', async () => {
    const { diagnostics } = await check({ manuscript: FAULTS, quiet: true });
    expect(diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.ruleId}`)).toEqual(EXPECTED);
    expect(diagnostics.find((d) => d.ruleId === 'broken-link' && d.line === 4)?.message).toMatch(
      /Did you mean `two\.md`\?/,
    );
    expect(diagnostics.find((d) => d.ruleId === 'broken-image')?.message).toMatch(/differs in case/);
  });

  it('passes on the sample book', async () => {
    const { diagnostics } = await check({ manuscript: path.join(ROOT, 'manuscript'), quiet: true });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('prints JSON, vfile-reporter text and GitHub annotations, exiting 1 on errors', async () => {
    const json = await galley(['check', '--manuscript', FAULTS, '--format', 'json']);
    expect(json.code).toBe(1);
    const list = JSON.parse(json.stdout) as object[];
    expect(Object.keys(list[0] ?? {}).sort()).toEqual(['column', 'file', 'line', 'message', 'ruleId', 'severity']);
    expect(list).toHaveLength(EXPECTED.length);

    // The same `main()` in this process for the other two formats: the process and its exit status are the JSON
    // run's; what differs is only how the report is written (a spawned `galley` is about a CPU-second each).
    const text = await runGalleyInProcess(['check', '--manuscript', FAULTS], ROOT);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^tests\/books\/faults\/ch\/one\.md$/m);
    expect(text.stdout).toMatch(/^3:5 +error +Link to .* broken-link$/m);
    expect(text.stdout).toMatch(/^18 messages \(✖ 8 errors, ⚠ 10 warnings\)$/m);

    const github = await runGalleyInProcess(['check', '--manuscript', FAULTS, '--format', 'github'], ROOT);
    expect(github.code).toBe(1);
    expect(github.stdout).toMatch(
      /^::error file=tests\/books\/faults\/ch\/one\.md,line=3,col=5,title=broken-link::Link to/m,
    );
    expect(github.stdout).toMatch(/^::warning file=tests\/books\/faults\/SUMMARY\.md,line=4,col=3,title=toc-title::/m);
  });

  describe('on a copy', () => {
    let work: { dir: string; cleanup: () => Promise<void> };
    beforeAll(async () => {
      work = await tempDir();
    });
    afterAll(() => work.cleanup());

    it('lets book.yaml turn rules off or into errors', async () => {
      const dir = path.join(work.dir, 'severity');
      await cp(FAULTS, dir, { recursive: true });
      const yaml = await readFile(path.join(dir, 'book.yaml'), 'utf8');
      await writeFile(
        path.join(dir, 'book.yaml'),
        `${yaml}checks:\n  heading-increment: off\n  toc-title: error\n  broken-link: warn\n`,
      );
      const { diagnostics } = await check({ manuscript: dir, quiet: true });
      expect(diagnostics.some((d) => d.ruleId === 'heading-increment')).toBe(false);
      expect(diagnostics.find((d) => d.ruleId === 'toc-title')?.severity).toBe('error');
      expect(diagnostics.filter((d) => d.ruleId === 'broken-link').every((d) => d.severity === 'warning')).toBe(true);
    });

    it('--fix corrects whitespace, final newlines and footers', async () => {
      const dir = path.join(work.dir, 'fix');
      await cp(FAULTS, dir, { recursive: true });
      const { fixed, diagnostics } = await check({ manuscript: dir, fix: true, quiet: true });
      expect(fixed).toEqual(['ch/one.md', 'ch/two.md']);
      const rules = diagnostics.map((d) => d.ruleId);
      for (const gone of ['trailing-whitespace', 'final-newline', 'copyright-footer'])
        expect(rules).not.toContain(gone);
      expect(await readFile(path.join(dir, 'ch/two.md'), 'utf8')).toMatch(
        /no final newline\.\n\nCopyright ©2026 Tester\n$/,
      );
      expect(await readFile(path.join(dir, 'ch/one.md'), 'utf8')).toMatch(/\nCopyright ©2026 Tester\n$/);
    });

    it('--changed-since reports only files changed since a git ref', async () => {
      const dir = path.join(work.dir, 'git');
      await cp(FAULTS, dir, { recursive: true });
      const git = (...args: string[]) =>
        run('git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', ...args], { cwd: dir });
      await git('init', '-q');
      await git('add', '.');
      await git('commit', '-qm', 'base');
      await writeFile(
        path.join(dir, 'ch/two.md'),
        '# Two\n\n## Section\n\nSee [nowhere](nowhere.md).\n\nCopyright ©2026 Tester\n',
      );
      const { diagnostics } = await check({ manuscript: dir, changedSince: 'HEAD', quiet: true });
      expect(diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.ruleId}`)).toEqual([
        'ch/two.md:5:5 broken-link',
      ]);
      const all = await check({ manuscript: dir, quiet: true });
      expect(all.diagnostics.some((d) => d.file === 'ch/one.md')).toBe(true);
    });
  });

  it('--artifacts checks footers and rights in the built web pages, EPUB and PDF', async () => {
    const work = await tempDir();
    try {
      // The run's shared build of the mini book (every format), copied: this test changes its pages.
      const shared = await sharedBuild('mini');
      expect(shared.ok).toBe(true);
      const manuscript = shared.manuscript;
      await cp(shared.dir, work.dir, { recursive: true });
      const clean = await check({ manuscript, artifacts: true, out: work.dir, quiet: true });
      expect(clean.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      for (const name of ['html/chapters-two.xhtml', 'web/chapters-one.html']) {
        const page = path.join(work.dir, name);
        await writeFile(page, (await readFile(page, 'utf8')).replace(/<footer[\s\S]*<\/footer>/, ''));
      }
      const tampered = await check({ manuscript, artifacts: true, out: work.dir, quiet: true });
      expect(tampered.diagnostics.filter((d) => d.ruleId === 'copyright-footer').map((d) => d.message)).toEqual([
        'Web page chapters-two.xhtml does not carry the copyright footer “Copyright ©2026 Test Author”',
        'Web page chapters-one.html does not carry the copyright footer “Copyright ©2026 Test Author”',
      ]);
    } finally {
      await work.cleanup();
    }
  });
});
