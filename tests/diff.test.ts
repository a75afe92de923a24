import { execFileSync } from 'node:child_process';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffRevisions, type DiffReport } from '../scripts/api/diff.ts';
import { diffImages } from '../scripts/util/imagediff.ts';
import { pageKey } from '../scripts/api/diff-pages.ts';
import { diffSequences, inlineDiff } from '../scripts/util/textdiff.ts';
import { ROOT, chaptersOnThisThread, tempDir } from './helpers.ts';

const FIXTURE = path.join(ROOT, 'tests/books/errata-mini');
const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
};
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: ENV }).trim();

const LONG = Array.from(
  { length: 16 },
  (_, i) =>
    `Added paragraph ${i + 1}. Spread can also be measured by the interquartile range, the distance between the first and third quartiles, which ignores the most extreme quarter of the data at each end and so is far less sensitive to a single wild value than the range or the variance.`,
).join('\n\n');

// Chapters on the test's thread: each revision's build would otherwise start a chapter worker, the pipeline compiled
// again from the sources (about a CPU-second per build); the diff reads the output, the same bytes either way.
chaptersOnThisThread();

async function galleyTmpDirs() {
  return (await readdir(os.tmpdir())).filter((n) => n.startsWith('galley-diff-'));
}

describe('galley diff between two commits of a fixture book', () => {
  let repo: Awaited<ReturnType<typeof tempDir>>;
  let manuscript: string;
  let report: DiffReport;
  let out: string;
  let html: string;
  let before: string[];

  beforeAll(async () => {
    before = await galleyTmpDirs();
    repo = await tempDir('galley-difftest-');
    manuscript = path.join(repo.dir, 'book');
    await cp(FIXTURE, manuscript, { recursive: true });
    git(repo.dir, 'init', '-q');
    git(repo.dir, 'add', '.');
    git(repo.dir, 'commit', '-qm', 'First edition');
    const file = path.join(manuscript, 'chapters/first.md');
    const text = await readFile(file, 'utf8');
    const changed = text
      .replace(
        'has the same units as the data, which makes it easier to read.',
        'has the same units as the data, which makes it much easier to interpret.',
      )
      .replace(
        'Show that the variance never goes below zero.',
        'Show that the variance is never negative, and say when it is zero.',
      )
      .replace('depends on only two of the values.', `depends on only two of the values.\n\n${LONG}`);
    await writeFile(file, changed);
    git(repo.dir, 'commit', '-qam', 'Clarify spread');
    out = path.join(repo.dir, 'report');
    ({ report } = await diffRevisions('HEAD~1', 'HEAD', { manuscript, out }));
    html = await readFile(path.join(out, 'index.html'), 'utf8');
  }, 240_000);
  afterAll(() => repo?.cleanup());

  it('lists the changed chapter and section, with a paragraph-level diff', () => {
    expect(report.chapters.map((c) => [c.source, c.status])).toEqual([['chapters/first.md', 'changed']]);
    const spread = report.chapters[0]!.sections;
    expect(spread.map((s) => [s.id, s.title, s.status])).toEqual([['spread', 'Spread', 'changed']]);
    const hunks = spread[0]!.hunks;
    const changed = hunks.find((h) => h.kind === 'changed' && h.before.includes('easier to read'));
    expect(changed && changed.kind === 'changed' && changed.parts.filter((p) => p.kind !== 'same')).toEqual([
      { kind: 'added', text: 'much ' },
      { kind: 'removed', text: 'read' },
      { kind: 'added', text: 'interpret' },
    ]);
    expect(hunks.filter((h) => h.kind === 'added')).toHaveLength(16);
    expect(html).toContain('Spread <small>#spread · changed</small>');
    expect(html).toContain('which makes it <ins>much </ins>easier to <del>read</del><ins>interpret</ins>.');
  });

  it('names the changed question by its number', () => {
    expect(report.chapters[0]!.sections[0]!.questions).toEqual(['2.2.2']);
    expect(html).toContain('Questions: 2.2.2');
  });

  it('reports changed PDF pages with before, after and highlighted diff images', async () => {
    const pages = report.pages!;
    expect(pages.after).toBeGreaterThan(pages.before);
    const changed = pages.list.filter((p) => p.status === 'changed');
    expect(changed.length).toBeGreaterThan(0);
    const chapterPage = changed.find((p) => p.chapter === '2 First steps');
    expect(chapterPage, JSON.stringify(pages.list)).toBeDefined();
    for (const image of [chapterPage!.images!.before!, chapterPage!.images!.after!, chapterPage!.images!.diff!]) {
      const png = PNG.sync.read(await readFile(path.join(out, image)));
      // Legible: a page at least 1000 px high, shown so and opening full size on click.
      expect(png.height).toBeGreaterThanOrEqual(1000);
      expect(png.width).toBeGreaterThan(500);
      expect(html).toContain(`src="${image}"`);
      expect(html).toContain(`<a class="full" href="${image}" target="_blank"`);
    }
    expect(chapterPage!.size).toEqual({
      width: PNG.sync.read(await readFile(path.join(out, chapterPage!.images!.after!))).width,
      height: PNG.sync.read(await readFile(path.join(out, chapterPage!.images!.after!))).height,
    });
    // The text change is shown beside the page that prints it, and only there.
    const interpret = (p: { hunks?: { kind: string; after?: string }[] }) =>
      (p.hunks ?? []).some((h) => h.kind === 'changed' && h.after!.includes('much easier to interpret'));
    const showing = pages.list.filter((p) => p.status !== 'moved' && interpret(p));
    expect(showing.length).toBe(1);
    const section = html
      .split('<section class="page ')
      .find((part) => part.includes(`src="${showing[0]!.images!.after!}"`))!;
    expect(section).toContain('which makes it <ins>much </ins>easier to <del>read</del><ins>interpret</ins>.');
    expect(
      section.match(/<span class="box" style="left:[\d.]+%;top:[\d.]+%;width:[\d.]+%;height:[\d.]+%"><\/span>/g)
        ?.length,
    ).toBe(2 * showing[0]!.boxes!.length);
    expect(chapterPage!.boxes!.length).toBeGreaterThan(0);
    // The highlight is drawn: the diff image has red pixels inside a box.
    const diff = PNG.sync.read(await readFile(path.join(out, chapterPage!.images!.diff!)));
    const box = chapterPage!.boxes![0]!;
    let red = 0;
    for (let y = box.y; y < box.y + box.height; y++) {
      for (let x = box.x; x < box.x + box.width; x++) {
        const i = (diff.width * y + x) * 4;
        if (diff.data[i]! > 200 && diff.data[i + 1]! < 60) red++;
      }
    }
    expect(red).toBeGreaterThan(10);
  });

  it('reports pages that only moved as moved, not changed', () => {
    const list = report.pages!.list;
    const moved = list.filter((p) => p.status === 'moved');
    // The second chapter did not change: all its pages moved.
    expect(moved.length).toBeGreaterThanOrEqual(3);
    expect(moved.every((p) => p.after! > p.before!)).toBe(true);
    expect(list.filter((p) => p.status !== 'moved' && p.chapter === '3 Second thoughts')).toEqual([]);
    expect(html).toMatch(/Moved without change \(\d+\)/);
  });

  it('removes its worktrees and temporary folders', async () => {
    expect(git(repo.dir, 'worktree', 'list').split('\n')).toHaveLength(1);
    expect(await galleyTmpDirs()).toEqual(before);
    expect((JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as DiffReport).after.subject).toBe(
      'Clarify spread',
    );
  });

  it('cleans up when a revision does not build, and says why', async () => {
    await writeFile(path.join(manuscript, 'SUMMARY.md'), '# Summary\n\n* [Gone](missing.md)\n');
    git(repo.dir, 'commit', '-qam', 'Break the TOC');
    await expect(
      diffRevisions('HEAD~1', 'HEAD', { manuscript, out: path.join(repo.dir, 'report-2'), pdf: false }),
    ).rejects.toThrow(/HEAD does not build \(\d+ errors?\):[\s\S]*SUMMARY\.md:3:3 .*missing\.md/);
    await expect(
      diffRevisions('no-such-ref', 'HEAD', { manuscript, out: path.join(repo.dir, 'report-3') }),
    ).rejects.toThrow('`no-such-ref` is not a commit');
    expect(git(repo.dir, 'worktree', 'list').split('\n')).toHaveLength(1);
    expect(await galleyTmpDirs()).toEqual(before);
    expect(existsSync(path.join(repo.dir, 'report-2'))).toBe(false);
  }, 120_000);
});

describe('diff building blocks', () => {
  it('finds a shortest edit script', () => {
    const ops = diffSequences(['a', 'b', 'c', 'd'], ['a', 'c', 'x', 'd']);
    expect(ops.map((o) => o.op)).toEqual(['equal', 'delete', 'equal', 'insert', 'equal']);
  });

  it('diffs words, keeping the text between changes', () => {
    expect(inlineDiff('the quick brown fox', 'the slow brown fox')).toEqual([
      { kind: 'same', text: 'the ' },
      { kind: 'removed', text: 'quick' },
      { kind: 'added', text: 'slow' },
      { kind: 'same', text: ' brown fox' },
    ]);
  });

  it('leaves running heads and folios out of a page key', () => {
    const heads = new Set(['errata mini', 'first steps']);
    const key = pageKey('Some text here.\nMore text.\n', heads);
    expect(pageKey('First steps\n\nSome text here.\nMore text.\n\n7\n', heads)).toBe(key);
    expect(pageKey('Errata Mini\nSome text\nhere. More text.\nxii\n', heads)).toBe(key);
    expect(key).toBe([...'Sometexthere.Moretext.'].sort().join(''));
    // A number in the middle of the page is content (a TOC's page numbers).
    expect(pageKey('Contents\nFirst steps\n7\nSecond thoughts\n11\nxii\n', heads)).toBe(
      [...'Contents7Secondthoughts'].sort().join(''),
    );
  });

  it('outlines the changed area of an image', () => {
    const make = (mark: boolean) => {
      const png = new PNG({ width: 40, height: 40 });
      png.data.fill(255);
      if (mark) {
        for (let y = 10; y < 14; y++)
          for (let x = 5; x < 20; x++) png.data.fill(0, (40 * y + x) * 4, (40 * y + x) * 4 + 3);
      }
      return PNG.sync.write(png);
    };
    const result = diffImages(make(false), make(true));
    expect(result.changed).toBe(60);
    expect(result.boxes).toEqual([{ x: 2, y: 7, width: 21, height: 10 }]);
  });
});
