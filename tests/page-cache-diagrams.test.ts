/**
 * The page cache keeps a page with its Mermaid drawings in place, so a page's key must hold what shapes them: the
 * diagram cache's key of each drawing (render/diagrams/diagrams.ts), which holds Mermaid's version and settings, the
 * fonts and the browser that draws. Another browser is played by a launcher that starts the same Chromium at
 * another device scale factor, which measures the labels differently: the drawings change, the Markdown does not.
 */
import { chmod, cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../scripts/render/browser.ts';
import { buildOutput, expectSameOutput, type BuildOutput } from './build-output.ts';
import { ROOT, tempDir, withoutSharedChromium } from './light-helpers.ts';

interface Output extends BuildOutput {
  settled: number;
  drawn: number;
}

/** A whole HTML and EPUB build with `chromium` drawing, warm from `cache` or clean (`undefined`). */
async function buildWith(book: string, out: string, cache: string | undefined, chromium: string): Promise<Output> {
  const saved = process.env.PUPPETEER_EXECUTABLE_PATH;
  process.env.PUPPETEER_EXECUTABLE_PATH = chromium;
  try {
    const output = await withoutSharedChromium(() =>
      buildOutput(
        book,
        out,
        { GALLEY_WORKERS: '0', ...(cache ? { GALLEY_CACHE_DIR: cache } : {}) },
        { noCache: !cache },
      ),
    );
    return {
      ...output,
      settled: output.cache.pages.stats?.settled ?? 0,
      drawn: output.cache.diagrams.stats?.drawn ?? 0,
    };
  } finally {
    if (saved === undefined) delete process.env.PUPPETEER_EXECUTABLE_PATH;
    else process.env.PUPPETEER_EXECUTABLE_PATH = saved;
  }
}

const page = (output: Output, name: string) => output.files.get(`html/${name}.xhtml`)!.toString('utf8');

/** The fixture book in a temporary folder, a cache folder beside it, and a launcher playing another Chromium. */
async function fixture() {
  const work = await tempDir('galley-page-diagrams-');
  const book = path.join(work.dir, 'book');
  await cp(path.join(ROOT, 'tests', 'books', 'page-diagrams'), book, { recursive: true });
  const chromium = findChromium();
  const other = path.join(work.dir, 'other-chromium');
  await writeFile(other, `#!/bin/sh\nexec '${chromium}' --force-device-scale-factor=3 "$@"\n`);
  await chmod(other, 0o755);
  return { work, book, cache: path.join(work.dir, 'cache'), chromium, other };
}

describe('page cache: a page with diagrams', () => {
  let f: Awaited<ReturnType<typeof fixture>>;
  let first: Output;

  beforeAll(async () => {
    f = await fixture();
    first = await buildWith(f.book, path.join(f.work.dir, 'first'), f.cache, f.chromium);
    expect(first.drawn).toBe(2);
    expect(first.settled).toBe(0);
  }, 120_000);
  afterAll(() => f.work.cleanup());

  it('is new when the browser that draws is another, byte for byte a clean build with that browser', async () => {
    const warm = await buildWith(f.book, path.join(f.work.dir, 'warm'), f.cache, f.other);
    const clean = await buildWith(f.book, path.join(f.work.dir, 'clean'), undefined, f.other);
    // The other browser draws differently: a page taken from the cache would keep the first drawing.
    expect(page(clean, 'drawn')).toContain('<svg');
    expect(page(clean, 'drawn')).not.toBe(page(first, 'drawn'));
    expectSameOutput(warm, clean);
    // Only the page without a diagram is reused; both drawings are made again.
    expect(warm.settled).toBe(1);
    expect(warm.drawn).toBe(2);
  }, 120_000);

  it("is not new when only another chapter's drawing changed, even to need another font", async () => {
    const before = await buildWith(f.book, path.join(f.work.dir, 'before'), f.cache, f.chromium);
    expect(before.settled).toBe(3);
    const file = path.join(f.book, 'other.md');
    await writeFile(file, (await readFile(file, 'utf8')).replace('stop[Stop]', 'stop[Stop 🌳]'));
    const after = await buildWith(f.book, path.join(f.work.dir, 'after'), f.cache, f.chromium);
    expect(page(after, 'other')).toContain('🌳');
    // The edited chapter's drawing is new; the other drawing's key, and so its page's, did not move.
    expect(after.drawn).toBe(1);
    expect(after.settled).toBe(2);
    expect(page(after, 'drawn')).toBe(page(before, 'drawn'));
  }, 120_000);
});
