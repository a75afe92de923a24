/**
 * `galley mdbook`, mdBook's `[output.galley]` backend: the RenderContext JSON
 * of mdBook 0.4 (`book.sections`) and 0.5 (`book.items`) made for the
 * fixture books by tools/mdbook-context/make-context.ts, fed on stdin.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEpubcheck } from '../scripts/checks/epubcheck.ts';
import { parseRenderContext, summaryMarkdown } from '../scripts/model/dialects/mdbook-context.ts';
import { GALLEY, ROOT, tempDir } from './light-helpers.ts';

const exec = promisify(execFile);
const FIXTURES = path.join(ROOT, 'tests', 'fixtures', 'mdbook-context');
const BOOK = path.join(ROOT, 'tests', 'books', 'mdbook-backend');

let work: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  work = await tempDir('galley-mdbook-');
});
afterAll(() => work?.cleanup());

async function fixture(name: string, destination: string, root = BOOK): Promise<Record<string, unknown>> {
  const json = await readFile(path.join(FIXTURES, name), 'utf8');
  return { ...(JSON.parse(json) as Record<string, unknown>), root, destination };
}

/** Runs a command with `input` on stdin, as mdBook runs a backend: in the destination folder. */
function run(bin: string, args: string[], input: string, cwd: string) {
  return new Promise<{ code: number; stderr: string }>((resolve, reject) => {
    // A fixed date: the 0.4 and 0.5 contexts hold the same book, so they give the same EPUB, checked once. Chapters
    // on the main thread: the backend is under test, not the worker pool (same output, no worker start-up).
    const env = { ...process.env, SOURCE_DATE_EPOCH: '1767225600', GALLEY_WORKERS: '0' };
    const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
    child.stdin.end(input);
  });
}

describe('the RenderContext', () => {
  it('reads the 0.4 and 0.5 shapes into the same contents', async () => {
    const old = parseRenderContext(JSON.stringify(await fixture('mdbook-backend-0.4.json', '/d')));
    const current = parseRenderContext(JSON.stringify(await fixture('mdbook-backend-0.5.json', '/d')));
    expect(old.items).toEqual(current.items);
    expect(current.items.map((i) => i.kind)).toEqual(['chapter', 'part', 'chapter', 'separator', 'chapter', 'chapter']);
    expect(current.book).toMatchObject({ title: 'Backend Book', authors: ['Ferris'], language: 'en' });
  });

  it('writes a SUMMARY.md with prefix, part, nested, draft, separator and suffix entries', async () => {
    const summary = summaryMarkdown(parseRenderContext(JSON.stringify(await fixture('mdbook-backend-0.5.json', '/d'))));
    expect(summary).toBe(
      [
        '# Summary',
        '',
        '[Preface](<preface.md>)',
        '',
        '# Getting going',
        '',
        '- [Start](<start.md>)',
        '    - [Usage](<usage.md>)',
        '    - [Later]()',
        '',
        '---',
        '',
        '- [Listings](<listings.md>)',
        '',
        '[Colophon](<colophon.md>)',
        '',
      ].join('\n'),
    );
  });

  it('refuses an unknown version, a wrong shape and missing chapters, saying which', async () => {
    const base = await fixture('mdbook-backend-0.5.json', '/d');
    expect(() => parseRenderContext(JSON.stringify({ ...base, version: '1.0.0' }))).toThrow(
      /mdBook 1\.0\.0 is not supported: Galley reads the RenderContext of mdBook 0\.4 and 0\.5/,
    );
    expect(() => parseRenderContext('{"version": ')).toThrow(/not JSON/);
    expect(() => parseRenderContext(JSON.stringify({ ...base, book: {} }))).toThrow(/neither book\.items/);
    const items = (base.book as { items: unknown[] }).items;
    const broken = { ...base, book: { items: [{ Chapter: { name: 'X', content: 3 } }, ...items] } };
    expect(() => parseRenderContext(JSON.stringify(broken))).toThrow(/book\.items\[0\]/);
  });
});

/** EPUBCheck's report per distinct EPUB (by its bytes' SHA-256): the same bytes give the same report. */
const reports = new Map<string, ReturnType<typeof runEpubcheck>>();
async function epubcheckOnce(file: string) {
  const digest = createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
  if (!reports.has(digest)) reports.set(digest, runEpubcheck(file));
  return reports.get(digest)!;
}

describe('galley mdbook', () => {
  for (const version of ['0.4', '0.5']) {
    it(`builds an EPUB (EPUBCheck clean) and a PDF from the ${version} context into the destination`, async () => {
      const destination = path.join(work.dir, `book-${version}`);
      const context = await fixture(`mdbook-backend-${version}.json`, destination);
      const { mkdir } = await import('node:fs/promises');
      await mkdir(destination, { recursive: true });
      const result = await run(GALLEY, ['mdbook'], JSON.stringify(context), destination);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`[INFO] (mdbook-galley): Galley built epub, pdf from mdBook ${version}`);
      expect(result.stderr).not.toContain('[ERROR]');
      // additional-css came along: its two addresses out of the book are dropped, each reported at its line.
      expect(result.stderr.match(/^\[WARN\].*$/gm)).toEqual([
        expect.stringMatching(/^\[WARN\] \(mdbook-galley\): theme\/custom\.css:5:1: `@import .* is dropped/),
        expect.stringMatching(
          /^\[WARN\] \(mdbook-galley\): theme\/custom\.css:7:15: `url\('\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd'\)` is dropped: it leads out/,
        ),
      ]);
      const epub = path.join(destination, 'backend-book.epub');
      const check = await epubcheckOnce(epub);
      expect([check.fatals, check.errors]).toEqual([0, 0]);
      // The image resolved against src/ made it into the book, and the expanded include is the listing.
      const { stdout: list } = await exec('unzip', ['-l', epub]);
      expect(list).toMatch(/OEBPS\/images\/chart-[0-9a-f]+\.png/);
      const { stdout: listing } = await exec('unzip', ['-p', epub, 'OEBPS/listings.xhtml']);
      expect(listing).toContain('println!');
      const { stdout: css } = await exec('unzip', ['-p', epub, 'OEBPS/css/author.css']);
      expect(css).toContain('.author-note');
      expect(css).toContain('url("data:image/png;base64,');
      expect(css).not.toMatch(/passwd|fonts\.example\.com/);
      const { stdout: info } = await exec('pdfinfo', [path.join(destination, 'backend-book.pdf')]);
      expect(Number(/^Pages:\s+(\d+)/m.exec(info)?.[1])).toBeGreaterThan(3);
    }, 180_000);
  }

  it('exits 1 with mdBook-style errors for a broken chapter, a chapter path out of the book and an unknown version', async () => {
    const destination = path.join(work.dir, 'broken');
    const context = await fixture('mdbook-backend-0.5.json', destination);
    const items = (context.book as { items: { Chapter?: { content: string; path: string } }[] }).items;
    items[2]!.Chapter!.content = '# Start\n\n![gone](images/missing.png)\n';
    const broken = await run(
      GALLEY,
      ['mdbook'],
      JSON.stringify({
        ...context,
        config: { ...(context.config as object), output: { galley: { formats: ['html'] } } },
      }),
      work.dir,
    );
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(
      /^\[ERROR\] \(mdbook-galley\): src\/start\.md:3:1: Image `images\/missing\.png` not found/m,
    );
    expect(broken.stderr).toMatch(/^\[ERROR\] \(mdbook-galley\): Galley's build failed: 1 error$/m);

    items[2]!.Chapter!.path = '../../outside.md';
    const outside = await run(GALLEY, ['mdbook'], JSON.stringify(context), work.dir);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain(
      '[ERROR] (mdbook-galley): chapter path "../../outside.md" is not a Markdown file inside',
    );

    // The `mdbook-galley` name mdBook finds on PATH is the same command.
    const future = await run(
      path.join(ROOT, 'lib', 'mdbook-galley.js'),
      [],
      JSON.stringify({ ...context, version: '1.0.0' }),
      work.dir,
    );
    expect(future.code).toBe(1);
    expect(future.stderr).toContain('[ERROR] (mdbook-galley): mdBook 1.0.0 is not supported');
  }, 120_000);
});
