/**
 * Issue 24, item 4: bounded work by design. Each known runaway shape ends
 * quickly with an error at its line or a good result, and any other shape is
 * stopped by the chapter budget (a worker with a memory cap and a deadline)
 * with an error naming the chapter, the other chapters and the previous
 * output untouched. Shapes are generated here, never committed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VFile } from 'vfile';
import { GALLEY, ROOT, renderMarkdown, tempDir } from './helpers.ts';
import { parseSummary } from '../scripts/model/book/summary.ts';
import { nearest } from '../scripts/util/suggest.ts';
import rehypeUniqueIds from '../scripts/markdown/plugins/rehype-unique-ids.ts';
import type { Element, Root } from 'hast';
import { deflateSync } from 'node:zlib';
import { PDFDocument, PDFRawStream } from '@cantoo/pdf-lib';
import { decodeContent, MAX_DECODED_STREAM_BYTES } from '../scripts/render/pdf/read/streams.ts';
import { buildDate, BuildDateError } from '../scripts/util/build-date.ts';

const run = promisify(execFile);

/** What `fn` returns and the CPU milliseconds it took: a bound on CPU time holds on a busy machine. */
function timed<T>(fn: () => T): { value: T; ms: number } {
  const before = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(before);
  return { value, ms: (used.user + used.system) / 1000 };
}

describe('known shapes are linear', () => {
  it('renames 40,000 copies of one id with a counter per base', () => {
    // The renaming alone, on the tree rehype-raw would make (the raw HTML parse has a cost of its own).
    const tree: Root = {
      type: 'root',
      children: Array.from({ length: 40_000 }, (_, i) => ({
        type: 'element' as const,
        tagName: 'a',
        properties: { id: 'same' },
        children: [],
        position: { start: { line: i + 1, column: 1 }, end: { line: i + 1, column: 18 } },
      })),
    };
    const file = new VFile({ path: 'ids.md' });
    const { ms } = timed(() => rehypeUniqueIds()(tree, file));
    const ids = tree.children.map((node) => (node as Element).properties.id);
    expect(new Set(ids).size).toBe(40_000);
    expect(ids.at(-1)).toBe('same-40000');
    // Twenty one by one, then one message for the rest: every copy is accounted for.
    expect(file.messages).toHaveLength(21);
    expect(file.messages.at(-1)!.reason).toMatch(/used 40000 times .* 39979 more copies/);
    expect(ms).toBeLessThan(3000);
  });

  it('stops a \\def of 10,000 tokens expanded 900 times at the formula, in well under a second per try', () => {
    const tokens = Array.from({ length: 10_000 }, () => 'x').join(' ');
    const { value, ms } = timed(() =>
      renderMarkdown(`# One\n\nText.\n\n$$\n\\def\\a{${tokens}}${'\\a'.repeat(900)}\n$$\n\n$$\\def\\b{y}\\b\\b$$\n`),
    );
    const errors = value.messages.filter((m) => / error /.test(m));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^6:\d+ error .*expand to over 100,000 tokens.*\[math\]$/);
    // The small formula beside it is rendered.
    expect(value.html).toMatch(/<mi>y<\/mi><mi>y<\/mi>/);
    expect(ms).toBeLessThan(10_000);
  });

  it('counts HTML depth on the tree after rehype-raw: 5,000 <div>s opened in separate paragraphs', () => {
    const markdown = `# One\n\n${'<div>\n\ntext\n\n'.repeat(5000)}${'</div>\n'.repeat(5000)}`;
    const { value, ms } = timed(() => renderMarkdown(markdown));
    const errors = value.messages.filter((m) => / error /.test(m));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^\d+:1 error HTML elements nested more than 400 deep.*\[limit\]$/);
    // At the line of a <div> past the limit, not at 1:1.
    const line = Number(errors[0]!.split(':')[0]);
    expect(line).toBeGreaterThan(400 * 4);
    expect(markdown.split('\n')[line - 1]).toBe('<div>');
    expect(ms).toBeLessThan(30_000);
    // 300 deep is a book's business: no error.
    const fine = renderMarkdown(`# One\n\n${'<div>\n\ntext\n\n'.repeat(300)}${'</div>\n'.repeat(300)}`);
    expect(fine.messages.filter((m) => / error /.test(m))).toEqual([]);
  });

  it.each([
    ['20,000 list markers on one line', `${'* '.repeat(20_000)}[One](one.md)\n`, /list or quote markers open one line/],
    [
      '3,000 nested levels',
      `${Array.from({ length: 3000 }, (_, i) => `${'  '.repeat(i)}* [One](one.md)`).join('\n')}\n`,
      /lists nested too deep/,
    ],
    ['100,000 `>`', `${'>'.repeat(100_000)} [One](one.md)\n`, /Blockquotes nested more than/],
    ['200,000 `[`', `* [One](one.md)\n${'['.repeat(200_000)}\n`, /brackets in a row/],
  ])('parses SUMMARY.md under the chapter limits: %s', (_name, body, reason) => {
    const file = new VFile({ path: 'SUMMARY.md', value: `# Summary\n\n${body}` });
    const { value, ms } = timed(() => parseSummary(file));
    expect(value).toEqual([]);
    const errors = file.messages.filter((m) => m.fatal);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.reason).toMatch(reason);
    expect(errors[0]!.line).toBeGreaterThanOrEqual(3);
    expect(ms).toBeLessThan(5000);
  });

  it('suggests against a bounded candidate set: 2,000 broken ids against 2,000 long ones', () => {
    const stem = 'a-very-long-heading-identifier-'.repeat(4);
    const ids = Array.from({ length: 2000 }, (_, i) => `${stem}${i}`);
    const { value, ms } = timed(() => ids.map((id) => nearest(`${id}x`, ids)));
    expect(ms).toBeLessThan(10_000);
    // Still a useful hint where the target is among the candidates measured.
    expect(value[0]).toBe(ids[0]);
    expect(nearest('intrduction', ['introduction', 'summary'])).toBe('introduction');
  });
});

describe('PDF post-passes decode within a bound', () => {
  it('leaves a content stream that inflates past 32 MB undecoded, and decodes a small one', async () => {
    const doc = await PDFDocument.create();
    const stream = (bytes: Buffer) => PDFRawStream.of(doc.context.obj({ Filter: 'FlateDecode' }), deflateSync(bytes));
    const small = decodeContent(stream(Buffer.from('BT /F1 12 Tf (x) Tj ET', 'latin1')));
    expect(Buffer.from(small!).toString('latin1')).toBe('BT /F1 12 Tf (x) Tj ET');
    // 40 MB of drawing operators in 40 KB: a page of 200,000 circles is of this kind.
    const { value, ms } = timed(() =>
      decodeContent(stream(Buffer.alloc(MAX_DECODED_STREAM_BYTES + 8 * 1024 * 1024, 'q '))),
    );
    expect(value).toBeUndefined();
    expect(ms).toBeLessThan(5000);
  });
});

describe('dates a build cannot stamp', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    work = await tempDir('galley-hostile-date-');
  });
  afterAll(() => work.cleanup());

  it('names the commit dated past year 275,000, and SOURCE_DATE_EPOCH out of range', async () => {
    const repo = path.join(work.dir, 'repo');
    await mkdir(repo);
    await writeFile(path.join(repo, 'one.md'), '# One\n');
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: 'A',
      GIT_AUTHOR_EMAIL: 'a@example.com',
      GIT_COMMITTER_NAME: 'A',
      GIT_COMMITTER_EMAIL: 'a@example.com',
      GIT_AUTHOR_DATE: '@8700000000000 +0000',
      GIT_COMMITTER_DATE: '@8700000000000 +0000',
    };
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env, stdio: 'pipe' }).toString().trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'far future');
    const hash = git('rev-parse', 'HEAD');
    const noEpoch = { ...process.env, SOURCE_DATE_EPOCH: '' };
    expect(() => buildDate(repo, noEpoch)).toThrow(BuildDateError);
    expect(() => buildDate(repo, noEpoch)).toThrow(new RegExp(`\\(${hash.slice(0, 12)}\\).*past the year 9999`));
    expect(() => buildDate(repo, { SOURCE_DATE_EPOCH: '99999999999999' })).toThrow(/SOURCE_DATE_EPOCH .*9999/);
    expect(buildDate(repo, { SOURCE_DATE_EPOCH: '1767225600' }).toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });
});

describe('the chapter budget', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    work = await tempDir('galley-hostile-budget-');
  });
  afterAll(() => work.cleanup());

  it('stops a chapter over its memory budget with an error naming it; the rest and the previous output are kept', async () => {
    const book = path.join(work.dir, 'book');
    await cp(path.join(ROOT, 'tests/books/mini'), book, { recursive: true });
    // Any shape that grows without bound and no count limits first (headings, list items and cells have their own):
    // here 200,000 paragraphs, far past a 48 MB heap.
    await writeFile(
      path.join(book, 'chapters/two.md'),
      `# Two\n\n${'Some *text* in a paragraph of its own.\n\n'.repeat(200_000)}`,
    );
    const out = path.join(work.dir, 'out');
    await mkdir(out);
    await writeFile(path.join(out, 'previous.txt'), 'the last good build\n');
    const result = await run(
      process.execPath,
      [GALLEY, 'build', book, '--out', out, '--format', 'html', '--no-cache'],
      {
        env: { ...process.env, GALLEY_CHAPTER_HEAP_MB: '48', GALLEY_WORKERS: '' },
        timeout: 90_000,
      },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    expect(result.code).toBe(1);
    const errors = result.stderr.split('\n').filter((line) => / error /.test(line));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /chapters\/two\.md:1:1 error Processing this chapter went over its memory budget \(48 MB\).*\[budget\]/,
    );
    expect(await readFile(path.join(out, 'previous.txt'), 'utf8')).toBe('the last good build\n');
  }, 120_000);
});
