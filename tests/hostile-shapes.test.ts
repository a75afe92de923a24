/**
 * Issue 24, item 4: the shapes the chapter budget used to stop after its full
 * 40 s (300,000 headings, a 1000×1000 table, 100,000 questions) end in
 * seconds: a clear error at the line where a chapter passes a count limit, and
 * a list of tens of thousands of items processes in linear time.
 */
import { execFile } from 'node:child_process';
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GALLEY, ROOT, renderMarkdown, tempDir } from './helpers.ts';
import { cpuMilliseconds, endedChildrenCpuSeconds } from './light-helpers.ts';

const run = promisify(execFile);

const circles = () =>
  `<svg xmlns="http://www.w3.org/2000/svg">${Array.from({ length: 200_000 }, (_, i) => `<circle cx="${i % 1000}" cy="${(i / 1000) | 0}" r="3"/>`).join('\n')}</svg>`;

const SHAPES: { name: string; body: () => string; error: RegExp; svg?: () => string; code?: number }[] = [
  {
    name: '300,000 headings',
    body: () => `# Two\n\n${Array.from({ length: 300_000 }, (_, i) => `## h${i}\n`).join('\n')}`,
    // "# Two" is the first heading; the 20,001st is at line 40,001.
    error: /chapters\/two\.md:40001:1 error More than 20000 headings in one chapter/,
  },
  {
    name: 'a 1000×1000 table',
    body: () => {
      const row = `|${'a|'.repeat(1000)}`;
      return `# Two\n\n${row}\n|${'-|'.repeat(1000)}\n${`${row}\n`.repeat(999)}`;
    },
    error: /chapters\/two\.md:3:1 error More than 100000 table cells in one table/,
  },
  {
    name: 'an SVG of 200,000 circles',
    body: () => '# Two\n\nText.\n\n![Circles](circles.svg)\n',
    svg: circles,
    // A broken image, as any: a placeholder and a warning in a build, an error in `galley check`.
    code: 0,
    error: /chapters\/two\.md:5:1 warning .*SVG `circles\.svg` has 200001 elements, over the limit of 50000/,
  },
  {
    name: '100,000 questions',
    body: () => `# Two\n\n${Array.from({ length: 100_000 }, (_, i) => `- [E] Question ${i}?`).join('\n')}\n`,
    error: /chapters\/two\.md:20003:1 error More than 20000 list items in one chapter/,
  },
];

describe('shapes that ran to the chapter budget', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    work = await tempDir('galley-hostile-shapes-');
  });
  afterAll(() => work.cleanup());

  for (const [index, shape] of SHAPES.entries()) {
    it(`stops ${shape.name} at its line in seconds`, async () => {
      const book = path.join(work.dir, `book-${index}`);
      await cp(path.join(ROOT, 'tests/books/mini'), book, { recursive: true });
      await writeFile(path.join(book, 'chapters/two.md'), shape.body());
      if (shape.svg) await writeFile(path.join(book, 'chapters/circles.svg'), shape.svg());
      const started = endedChildrenCpuSeconds();
      const result = await run(
        process.execPath,
        [GALLEY, 'build', book, '--out', path.join(work.dir, `out-${index}`), '--format', 'html', '--no-cache'],
        { timeout: 60_000 },
      ).then(
        ({ stderr }) => ({ code: 0, stderr }),
        (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
      );
      const seconds = endedChildrenCpuSeconds() - started;
      expect(result.code).toBe(shape.code ?? 1);
      const errors = result.stderr.split('\n').filter((line) => / error /.test(line));
      expect(errors).toHaveLength(shape.code === 0 ? 0 : 1);
      expect(result.stderr).toMatch(shape.error);
      // The build's CPU time, which a busy machine does not stretch: each ran 44–51 s to the budget before.
      expect(seconds).toBeGreaterThan(0);
      expect(seconds).toBeLessThan(10);
    }, 70_000);
  }
});

describe('list items', () => {
  it('processes 4,000 questions in linear time, tight and loose lists as before', async () => {
    const items = (n: number) => `${Array.from({ length: n }, (_, i) => `- [E] Question ${i}?`).join('\n')}\n`;
    const time = async (n: number) => {
      const { value: html, ms } = await cpuMilliseconds(() => renderMarkdown(`# One\n\n${items(n)}`).html);
      expect(html.match(/<li /g)).toHaveLength(n);
      return ms;
    };
    await time(250);
    const small = await time(1_000);
    const large = await time(4_000);
    // Four times the items: about four times the time (it was sixteen: each item scanned every sibling).
    expect(large / small).toBeLessThan(8);
    const tight = renderMarkdown('- a\n- b\n').html;
    expect(tight).toMatch(/<li>a<\/li>/);
    const loose = renderMarkdown('- a\n\n- b\n').html;
    expect(loose).toMatch(/<li>\s*<p>a<\/p>\s*<\/li>/);
  }, 60_000);
});
