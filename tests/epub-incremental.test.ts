import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOK_MINI, writeBook } from '../tools/bench/generate.ts';
import { prepare } from '../scripts/api/build.ts';
import { openDeflatePack } from '../scripts/render/epub/deflate-cache.ts';
import { renderEpub } from '../scripts/render/epub/epub.ts';
import { crc32, zipArchive } from '../scripts/render/epub/zip.ts';
import { chaptersOnThisThread, tempDir } from './helpers.ts';
import { BuildCache } from '../scripts/model/build-cache.ts';

const EPOCH = '1767225600';

// The pack is under test here, not the worker pool.
chaptersOnThisThread();

/**
 * The book prepared once per version of its sources (with the chapter cache off): these tests are about the EPUB's
 * deflate pack, not the Markdown, and writing an EPUB leaves the pages as they were (asserted below).
 */
let prepared: { manuscript: string; version: number; result: ReturnType<typeof prepare> } | undefined;
/** Bumped whenever a test edits the book's sources. */
let sourceVersion = 0;
function preparedBook(manuscript: string) {
  if (prepared?.manuscript !== manuscript || prepared.version !== sourceVersion)
    prepared = { manuscript, version: sourceVersion, result: prepare(manuscript, undefined, { cache: false }) };
  return prepared.result;
}

/** Writes the book's EPUB with SOURCE_DATE_EPOCH fixed; `cache` false is a clean build. */
async function epubOf(manuscript: string, out: string, cache: string | boolean) {
  const saved = process.env.SOURCE_DATE_EPOCH;
  process.env.SOURCE_DATE_EPOCH = EPOCH;
  try {
    const { book, pages } = await preparedBook(manuscript);
    // `true`: the default, a pack in the user's cache folder; a folder; `false`: none.
    const options = cache === true ? {} : { cache: new BuildCache({ deflate: cache || undefined }) };
    const result = await renderEpub(book, pages, out, options);
    return { ...result, data: await readFile(result.path) };
  } finally {
    if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = saved;
  }
}

async function packFiles(dir: string) {
  return (await readdir(dir)).filter((n) => n.endsWith('.pack')).map((n) => path.join(dir, n));
}

describe('incremental EPUB: deflated entries kept between builds', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  let book: string;
  let chapterFile: string;
  beforeAll(async () => {
    work = await tempDir('galley-epub-incremental-');
    book = path.join(work.dir, 'book');
    const generated = await writeBook(book, BOOK_MINI);
    chapterFile = path.join(book, generated.chapters[1]!);
  });
  afterAll(() => work.cleanup());

  it('a cold, a warm and an edited-then-warm build give the bytes of a clean build', async () => {
    const packs = path.join(work.dir, 'packs');
    const clean = await epubOf(book, path.join(work.dir, 'clean'), false);
    expect(clean.entries!.reused).toBe(0);

    const cold = await epubOf(book, path.join(work.dir, 'cold'), packs);
    expect(cold.data.equals(clean.data)).toBe(true);
    expect(cold.entries!.reused).toBe(0);
    expect(await packFiles(packs)).toHaveLength(1);

    const warm = await epubOf(book, path.join(work.dir, 'warm'), packs);
    expect(warm.data.equals(clean.data)).toBe(true);
    expect(warm.entries!.deflated).toBe(0);
    expect(warm.entries!.reused).toBe(cold.entries!.deflated);

    // An author edits one chapter: only its page (and what lists pages, if anything changed there) is deflated again.
    await writeFile(chapterFile, `${await readFile(chapterFile, 'utf8')}\nA sentence added by the test.\n`);
    sourceVersion++;
    const edited = await epubOf(book, path.join(work.dir, 'edited'), packs);
    const editedClean = await epubOf(book, path.join(work.dir, 'edited-clean'), false);
    expect(edited.data.equals(editedClean.data)).toBe(true);
    expect(edited.data.equals(clean.data)).toBe(false);
    expect(edited.entries!.deflated).toBeGreaterThanOrEqual(1);
    expect(edited.entries!.deflated).toBeLessThanOrEqual(2);
    expect(edited.entries!.reused).toBe(cold.entries!.deflated - edited.entries!.deflated);
  }, 120_000);

  it('adapts pages for the EPUB without touching the shared page trees', async () => {
    // The pages every EPUB above was written from: no earlier EPUB may have changed them either.
    const { book: loaded, pages } = await preparedBook(book);
    const before = JSON.stringify(pages.map((p) => p.body));
    expect(before).toContain('"tagName":"math"');
    const result = await renderEpub(loaded, pages, path.join(work.dir, 'shared'), { cache: new BuildCache() });
    expect(JSON.stringify(pages.map((p) => p.body))).toBe(before);
    const zip = await JSZip.loadAsync(await readFile(result.path));
    const xhtml = (
      await Promise.all(
        Object.keys(zip.files)
          .filter((n) => n.endsWith('.xhtml'))
          .map((n) => zip.file(n)!.async('string')),
      )
    ).join('');
    // The EPUB's version did change (display math made focusable), the shared tree did not.
    expect(xhtml).toMatch(/class="math-display"[^>]*tabindex="0"|tabindex="0"[^>]*class="math-display"/);
    expect(before).not.toContain('"tabIndex":0');
  }, 120_000);

  it('a damaged pack costs deflating, never a wrong EPUB: altered, truncated or garbage', async () => {
    const packs = path.join(work.dir, 'packs-damaged');
    const clean = await epubOf(book, path.join(work.dir, 'd-clean'), false);
    await epubOf(book, path.join(work.dir, 'd-cold'), packs);
    const [pack] = await packFiles(packs);
    const original = await readFile(pack!);

    // Altered deflated bytes under a plain checksum made to match: the pack's HMAC (keyed by the folder's secret) fails.
    const newline = original.indexOf(0x0a);
    const body = Buffer.from(original.subarray(newline + 1));
    const firstLength = body.readUInt32LE(40);
    expect(firstLength).toBeGreaterThan(4);
    body[44 + Math.floor(firstLength / 2)]! ^= 0xff;
    const header = original.subarray(0, newline).toString('utf8').split('\t');
    header[2] = (await import('node:crypto')).createHash('sha256').update(body).digest('hex');
    await writeFile(pack!, Buffer.concat([Buffer.from(`${header.join('\t')}\n`), body]));
    const altered = await epubOf(book, path.join(work.dir, 'd-altered'), packs);
    expect(altered.data.equals(clean.data)).toBe(true);
    expect(altered.entries!.deflated).toBeGreaterThanOrEqual(1);

    for (const damage of [original.subarray(0, Math.floor(original.length / 2)), Buffer.from('not a pack at all')]) {
      await writeFile(pack!, damage);
      const result = await epubOf(book, path.join(work.dir, 'd-other'), packs);
      expect(result.data.equals(clean.data)).toBe(true);
      expect(result.entries!.reused).toBe(0);
    }
  }, 120_000);

  it('with the cache off, writes no pack; on by default, beside the chapter cache', async () => {
    const saved = process.env.GALLEY_CACHE_DIR;
    const cacheRoot = path.join(work.dir, 'cache-root');
    process.env.GALLEY_CACHE_DIR = cacheRoot;
    try {
      await epubOf(book, path.join(work.dir, 'off'), false);
      expect(await readdir(cacheRoot).catch(() => [])).toEqual([]);
      await epubOf(book, path.join(work.dir, 'on'), true);
      expect(await packFiles(path.join(cacheRoot, 'deflate'))).toHaveLength(1);
    } finally {
      if (saved === undefined) delete process.env.GALLEY_CACHE_DIR;
      else process.env.GALLEY_CACHE_DIR = saved;
    }
  }, 120_000);
});

describe('zipArchive', () => {
  it('writes entries any zip reader takes back, with UTC dates, sizes in the local headers and no data descriptors', async () => {
    const date = new Date(Date.UTC(2031, 11, 31, 23, 58, 30));
    const pack = openDeflatePack(undefined, 'test');
    const text = Buffer.from('<p>Ünïcode text, repeated. '.repeat(200), 'utf8');
    const entries = [
      pack.entry('mimetype', Buffer.from('application/epub+zip'), 0),
      pack.entry('OEBPS/', new Uint8Array(0), 0),
      pack.entry('OEBPS/page.xhtml', text, 8),
      pack.entry('OEBPS/ünï.txt', Buffer.from('x'), 8),
    ];
    const bytes = zipArchive(entries, date);
    const zip = await JSZip.loadAsync(bytes);
    expect(Object.keys(zip.files)).toEqual(['mimetype', 'OEBPS/', 'OEBPS/page.xhtml', 'OEBPS/ünï.txt']);
    expect(await zip.file('OEBPS/page.xhtml')!.async('nodebuffer')).toEqual(text);
    expect(await zip.file('mimetype')!.async('string')).toBe('application/epub+zip');
    expect(zip.files['OEBPS/']!.dir).toBe(true);
    // Local header of the first entry: stored, no flags, sizes and CRC present, no extra field.
    expect(bytes.readUInt16LE(6)).toBe(0);
    expect(bytes.readUInt16LE(8)).toBe(0);
    expect(bytes.readUInt32LE(14)).toBe(crc32(Buffer.from('application/epub+zip')));
    expect(bytes.readUInt32LE(22)).toBe(20);
    expect(bytes.readUInt16LE(28)).toBe(0);
    // DOS time and date from the UTC fields, whatever the machine's zone.
    const time = bytes.readUInt16LE(10);
    const day = bytes.readUInt16LE(12);
    expect([time >> 11, (time >> 5) & 63, (time & 31) * 2]).toEqual([23, 58, 30]);
    expect([(day >> 9) + 1980, (day >> 5) & 15, day & 31]).toEqual([2031, 12, 31]);
  });

  it('computes the zip CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});
