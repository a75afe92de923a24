import { execFile } from 'node:child_process';
import { copyFile, cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildCache } from '../scripts/model/build-cache.ts';
import { openBuildCache } from '../scripts/passes/cache/build-cache.ts';
import { compoundWords } from '../scripts/render/pdf/post/hyphen-words.ts';
import { TextLayerCache } from '../scripts/render/pdf/text-layer-cache.ts';
import { launchBrowser, type GalleyBrowser } from '../scripts/render/browser.ts';
import type { PdfResult } from '../scripts/render/pdf/pdf.ts';
import { withEnv } from '../scripts/util/env.ts';
import { renderBookPdf, ROOT, tempDir } from './light-helpers.ts';

const run = promisify(execFile);

/**
 * The text-layer cache (render/pdf/text-layer-cache.ts): after a one-word edit the text layer takes the streams of
 * the pages the edit did not reach from the cache, and the PDF is the one a build without the cache makes; an entry
 * changed on disk, or signed with another folder's secret, is not read.
 */
describe('the text-layer cache', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let galley: GalleyBrowser;
  let book: string;
  const built: Record<'cold' | 'warm' | 'fresh' | 'damaged' | 'foreign', { result: PdfResult; bytes: Buffer }> =
    Object.create(null) as never;

  // Every build writes the same file: the cache keeps one entry per PDF written.
  // Only the text layer's own cache: nothing else may spare the work.
  const render = (cache: BuildCache) => renderBookPdf(book, path.join(work.dir, 'out'), { browser: galley, cache });
  const entries = async (dir: string) =>
    (await readdir(dir)).filter((name) => name.endsWith('.entry')).map((name) => path.join(dir, name));

  beforeAll(async () => {
    work = await tempDir('galley-text-layer-cache-');
    book = path.join(work.dir, 'book');
    await cp(path.join(ROOT, 'tests', 'books', 'text-layer-cache'), book, { recursive: true });
    const kept = path.join(work.dir, 'kept');
    const other = path.join(work.dir, 'other');
    const cache = new BuildCache({ textLayer: kept });
    galley = await launchBrowser();
    await withEnv({ SOURCE_DATE_EPOCH: '1780000000' }, async () => {
      built.cold = await render(cache);
      // One word in one chapter, the same length, letters the book already has.
      const chapter = path.join(book, 'chapters', 'ch2.md');
      await writeFile(chapter, (await readFile(chapter, 'utf8')).replace('alpha', 'gamma'));
      built.warm = await render(cache);
      built.fresh = await render(new BuildCache({ textLayer: other }));
      // The entry's last byte changed: its HMAC no longer holds.
      const [entry] = await entries(kept);
      const bytes = await readFile(entry!);
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
      await writeFile(entry!, bytes);
      built.damaged = await render(new BuildCache({ textLayer: kept }));
      // A whole, valid entry for the same file, signed with another folder's secret.
      const [foreign] = await entries(other);
      await copyFile(foreign!, entry!);
      built.foreign = await render(new BuildCache({ textLayer: kept }));
    });
  }, 300_000);

  afterAll(async () => {
    await galley?.close();
    await work?.cleanup();
  });

  // Streams one build prints twice (the empty stream of each blank verso) are computed once: a cold build reuses those.
  const withinOneBuild = () => built.fresh.result.textLayer!.reused;

  it('computes every stream on a cold build, and rewrites some of them', () => {
    const { textLayer } = built.cold.result;
    expect(textLayer!.streams).toBeGreaterThanOrEqual(6);
    expect(withinOneBuild()).toBeLessThan(textLayer!.streams / 4);
    expect(textLayer!.reused).toBe(withinOneBuild());
    expect(textLayer!.rewritten).toBeGreaterThan(0);
  });

  it('reuses the streams the edit did not reach', () => {
    const { textLayer } = built.warm.result;
    expect(textLayer!.streams).toBe(built.cold.result.textLayer!.streams);
    expect(textLayer!.reused).toBeGreaterThanOrEqual(textLayer!.streams - 2);
    expect(textLayer!.reused).toBeLessThan(textLayer!.streams);
    // Streams the text layer changed came from the cache too.
    expect(textLayer!.rewritten).toBe(built.fresh.result.textLayer!.rewritten);
  });

  it('makes the PDF a build without the cache makes', async () => {
    expect(built.warm.bytes.equals(built.fresh.bytes)).toBe(true);
    expect(built.warm.bytes.equals(built.cold.bytes)).toBe(false);
    const file = path.join(work.dir, 'warm.pdf');
    await writeFile(file, built.warm.bytes);
    const { stdout } = await run('pdftotext', [file, '-']);
    expect(stdout).toContain('gamma');
    expect(stdout).not.toContain('\u00ad');
  });

  it('does not read an entry changed on disk or signed elsewhere, and makes the same PDF', () => {
    for (const name of ['damaged', 'foreign'] as const) {
      expect(built[name].result.textLayer!.reused).toBe(withinOneBuild());
      expect(built[name].bytes.equals(built.fresh.bytes)).toBe(true);
    }
  });
});

describe('a text-layer entry', () => {
  it('is taken only while the compound words it asked about get the same answers', async () => {
    const work = await tempDir('galley-text-layer-entry-');
    try {
      const dir = path.join(work.dir, 'text-layer');
      const target = path.join(work.dir, 'book.pdf');
      const first = await TextLayerCache.open(dir, target);
      first.keep('joined', { asked: [['sub-question', true]], bytes: new Uint8Array([1, 2, 3]) });
      first.keep('plain', { asked: [] });
      first.save();
      const next = await TextLayerCache.open(dir, target);
      expect(next.take('joined', (word) => word === 'sub-question')?.bytes).toEqual(new Uint8Array([1, 2, 3]));
      expect(next.take('plain', () => false)).toEqual({ asked: [] });
      // The book lost that compound: the stream is computed again.
      const later = await TextLayerCache.open(dir, target);
      expect(later.take('joined', () => false)).toBeUndefined();
      // Another PDF's file is another entry.
      expect((await TextLayerCache.open(dir, path.join(work.dir, 'other.pdf'))).take('plain', () => false)).toBe(
        undefined,
      );
    } finally {
      await work.cleanup();
    }
  });

  it('is neither read nor written with --no-cache', async () => {
    const work = await tempDir('galley-text-layer-entry-');
    try {
      await withEnv({ GALLEY_CACHE_DIR: work.dir }, () => {
        expect(openBuildCache(false).textLayer.dir).toBeUndefined();
        expect(openBuildCache(true).textLayer.dir).toBe(path.join(work.dir, 'text-layer'));
        return Promise.resolve();
      });
    } finally {
      await work.cleanup();
    }
  });
});

describe('the compound words', () => {
  it('are the words the pattern finds over the whole text', () => {
    const html =
      '<p>--a-b--c, sub-<em>question</em> x\u2010y 𝐀-𝐁 pre- and -post cross-\u00adentropy state-of-the-art é-t́e 3-4</p>'.repeat(
        3,
      );
    const plain = html.replace(/<[^>]*>/g, '').replace(/\u00ad/g, '');
    const whole = new Set(plain.match(/[\p{L}\p{M}\p{N}]+(?:[-\u2010][\p{L}\p{M}\p{N}]+)+/gu));
    expect([...compoundWords(html)].sort()).toEqual([...whole].sort());
    expect(compoundWords(html)).toContain('state-of-the-art');
    expect(compoundWords(html)).toContain('𝐀-𝐁');
  });
});
