import { cp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOK_MINI, writeBook } from '../tools/bench/generate.ts';
import { loadBook } from '../scripts/model/book/load.ts';
import {
  cacheKey,
  decodeEntry,
  encodeEntry,
  encodeResult,
  pruneCache,
  readEntry,
  writeEntry,
} from '../scripts/passes/cache/chapter-cache.ts';
import { processChapters } from '../scripts/passes/process-chapters.ts';
import { buildOutput, expectSameOutput, type BuildOutput } from './build-output.ts';
import { ROOT, tempDir } from './helpers.ts';

async function entries(dir: string): Promise<string[]> {
  return (
    (await readdir(dir, { recursive: true }).catch(() => [] as string[]))
      // Chapter entries only: the page cache (pages/) sits beside them.
      .filter((n) => n.endsWith('.json') && !n.startsWith(`pages${path.sep}`))
      .map((n) => path.join(dir, n))
      .sort()
  );
}

describe('chapter cache and parallel processing', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  let book: string;
  let serial: BuildOutput;
  let chapters: number;
  /** The last build's output: its cache's stats say what it reused. */
  let last: BuildOutput;
  const built = async (...args: Parameters<typeof buildOutput>) => (last = await buildOutput(...args));
  const lastProcessStats = () => last.cache.chapters.stats;
  beforeAll(async () => {
    work = await tempDir();
    book = path.join(work.dir, 'book');
    // Half the mini benchmark book: still every kind of content, in two parts, at half the cost of each build.
    chapters = (await writeBook(book, { ...BOOK_MINI, chapters: 6, words: 6_000, parts: 2 })).chapters.length;
    // The clean serial reference: no entry to read (a fresh folder), no worker. It fills its cache folder, which
    // the first test reads warm and the corruption test copies.
    serial = await built(book, path.join(work.dir, 'out-serial'), {
      GALLEY_CACHE_DIR: path.join(work.dir, 'cache-serial'),
      GALLEY_WORKERS: '0',
    });
    expect(lastProcessStats()).toMatchObject({ chapters, hits: 0, processed: chapters, workers: 0 });
  });
  afterAll(() => work.cleanup());

  it('a cached build gives the same bytes and messages as a clean serial one', async () => {
    // The cold build that wrote this folder is the serial reference itself.
    const cache = path.join(work.dir, 'cache-serial');
    expect((await entries(cache)).length).toBe(chapters);
    expectSameOutput(
      await built(book, path.join(work.dir, 'out-warm'), { GALLEY_CACHE_DIR: cache, GALLEY_WORKERS: '0' }),
      serial,
    );
    expect(lastProcessStats()).toMatchObject({ hits: chapters, processed: 0 });
  });

  it('a parallel build (every chapter on a worker thread) gives the same bytes, and its entries serve a serial build', async () => {
    const cache = path.join(work.dir, 'cache-parallel');
    expectSameOutput(
      await built(book, path.join(work.dir, 'out-parallel'), {
        GALLEY_CACHE_DIR: cache,
        GALLEY_WORKERS: '1',
        GALLEY_WORKERS_ONLY: '1',
      }),
      serial,
    );
    expect(lastProcessStats()).toMatchObject({ workers: 1, onWorkers: chapters, hits: 0 });
    expect((await entries(cache)).length).toBe(chapters);
    expectSameOutput(
      await built(book, path.join(work.dir, 'out-parallel-warm'), {
        GALLEY_CACHE_DIR: cache,
        GALLEY_WORKERS: '0',
      }),
      serial,
    );
    expect(lastProcessStats()).toMatchObject({ hits: chapters });
    // Main thread and worker sharing the work, cache off.
    const loaded = await loadBook(book);
    const stats = await processChapters(loaded, undefined, { cache: false, workers: 1 });
    expect(stats.processed).toBe(chapters);
  }, 120_000);

  it('ignores and replaces a corrupt entry: truncated, altered, garbage or of the wrong shape', async () => {
    // A copy of the clean build's cache folder (its key file included), whose entries are damaged here.
    const cache = path.join(work.dir, 'cache-corrupt');
    await cp(path.join(work.dir, 'cache-serial'), cache, { recursive: true });
    const files = await entries(cache);
    expect(files).toHaveLength(chapters);
    const [truncated, altered, garbage, shape] = files;
    const text = await readFile(truncated!, 'utf8');
    await writeFile(truncated!, text.slice(0, Math.floor(text.length / 2)));
    const other = await readFile(altered!, 'utf8');
    await writeFile(
      altered!,
      other.replace(/"value":"[A-Z]/, (m) => m.slice(0, -1) + (m.endsWith('X') ? 'Y' : 'X')),
    );
    await writeFile(garbage!, '\u0000\u0001 not an entry at all');
    const key = path.basename(shape!, '.json');
    await writeFile(shape!, encodeEntry(key, '{"tree":{"type":"root","children":[]},"messages":"none"}'));
    expect(decodeEntry(key, await readFile(shape!, 'utf8'))).toEqual({ corrupt: 'not a chapter result' });

    // Without the page cache, every chapter's tree is read, damaged or not.
    await rm(path.join(cache, 'pages'), { recursive: true, force: true });
    expectSameOutput(
      await built(book, path.join(work.dir, 'out-c2'), { GALLEY_CACHE_DIR: cache, GALLEY_WORKERS: '0' }),
      serial,
    );
    // A damaged summary is found (and the chapter processed) on the first read; a damaged tree when the tree is
    // needed, and the build then starts over without lazy trees, which processes the chapter. The four, between them.
    const stats = lastProcessStats()!;
    expect(stats.processed).toBeGreaterThanOrEqual(2);
    expect(stats.hits + stats.processed).toBe(chapters);
    // Rewritten whole: the next build takes every chapter from the cache.
    for (const file of [truncated, altered, garbage, shape])
      expect('result' in readEntry(path.join(cache, 'chapters'), path.basename(file!, '.json'))).toBe(true);
    expectSameOutput(
      await built(book, path.join(work.dir, 'out-c3'), { GALLEY_CACHE_DIR: cache, GALLEY_WORKERS: '0' }),
      serial,
    );
    expect(lastProcessStats()).toMatchObject({ hits: chapters });
  });

  it('misses only the edited chapter, and notices a changed image', async () => {
    const copy = path.join(work.dir, 'book-edit');
    await cp(book, copy, { recursive: true });
    const cache = path.join(work.dir, 'cache-edit');
    await built(copy, path.join(work.dir, 'out-e1'), { GALLEY_CACHE_DIR: cache, GALLEY_WORKERS: '0' });
    const loaded = await loadBook(copy);
    const edited = loaded.chapters[3]!;
    await writeFile(edited.file.path, `${await readFile(edited.file.path, 'utf8')}\nOne more sentence.\n`);
    const after = await built(copy, path.join(work.dir, 'out-e2'), {
      GALLEY_CACHE_DIR: cache,
      GALLEY_WORKERS: '0',
    });
    expect(lastProcessStats()).toMatchObject({ hits: chapters - 1, processed: 1 });
    expectSameOutput(
      after,
      await built(copy, path.join(work.dir, 'out-e2-clean'), {
        GALLEY_CACHE_DIR: path.join(work.dir, 'cache-edit-clean'),
        GALLEY_WORKERS: '0',
      }),
    );

    // Images are named by content: new bytes, new name in every chapter that shows it.
    const image = path.join(copy, 'images/diagram-1.svg');
    await writeFile(
      image,
      (await readFile(image, 'utf8')).replace('<title>Figure 1</title>', '<title>Figure 1, redrawn</title>'),
    );
    const redrawn = await built(copy, path.join(work.dir, 'out-e3'), {
      GALLEY_CACHE_DIR: cache,
      GALLEY_WORKERS: '0',
    });
    expect(lastProcessStats()!.processed).toBeGreaterThan(0);
    expectSameOutput(
      redrawn,
      await built(copy, path.join(work.dir, 'out-e3-clean'), {
        GALLEY_CACHE_DIR: path.join(work.dir, 'cache-edit-clean-2'),
        GALLEY_WORKERS: '0',
      }),
    );
  });

  it('notices a change in an included file (HonKit include)', async () => {
    const copy = path.join(work.dir, 'honkit');
    await cp(path.join(ROOT, 'tests/books/honkit-mini'), copy, { recursive: true });
    const cache = path.join(work.dir, 'cache-include');
    const first = await built(copy, path.join(work.dir, 'out-i1'), {
      GALLEY_CACHE_DIR: cache,
      GALLEY_WORKERS: '0',
    });
    expect(
      [...first.files].some(
        ([name, bytes]) =>
          name.endsWith('.xhtml') && bytes.toString('utf8').includes('Shared <strong>included</strong> text.'),
      ),
    ).toBe(true);
    await writeFile(path.join(copy, 'shared.md'), 'Shared text, **changed** since.\n');
    const second = await built(copy, path.join(work.dir, 'out-i2'), {
      GALLEY_CACHE_DIR: cache,
      GALLEY_WORKERS: '0',
    });
    expect(
      [...second.files].some(
        ([name, bytes]) =>
          name.endsWith('.xhtml') && bytes.toString('utf8').includes('Shared text, <strong>changed</strong> since.'),
      ),
    ).toBe(true);
    expectSameOutput(
      second,
      await built(copy, path.join(work.dir, 'out-i2-clean'), {
        GALLEY_CACHE_DIR: path.join(work.dir, 'cache-include-clean'),
        GALLEY_WORKERS: '0',
      }),
    );
  });

  it('keys on everything processing reads: text, config, lint, chapter number', async () => {
    const loaded = await loadBook(book);
    const chapter = loaded.chapters[2]!;
    const inputs = {
      config: loaded.config,
      lint: false,
      boundary: loaded.boundary,
      path: chapter.file.path,
      key: chapter.key,
      source: chapter.source,
      number: chapter.number,
      language: 'en',
      frontmatter: chapter.frontmatter,
      data: {},
      text: String(chapter.file.value),
    };
    const key = cacheKey(inputs);
    expect(cacheKey({ ...inputs })).toBe(key);
    expect(cacheKey({ ...inputs, text: `${inputs.text} ` })).not.toBe(key);
    expect(cacheKey({ ...inputs, lint: true })).not.toBe(key);
    expect(cacheKey({ ...inputs, number: '99' })).not.toBe(key);
    expect(cacheKey({ ...inputs, config: { ...loaded.config, language: 'fr' } })).not.toBe(key);
    expect(cacheKey({ ...inputs, data: { bibliography: new Map([['k', { title: 'T' }]]) } })).not.toBe(key);
  });

  it('prunes the entries used longest ago, at most once a day, down to 80% of the limit', async () => {
    const dir = path.join(work.dir, 'cache-prune');
    const keys = Array.from({ length: 10 }, (_, i) => `${String(i).padStart(2, '0')}${'a'.repeat(62)}`);
    const now = Date.now();
    for (const [i, key] of keys.entries()) {
      expect(
        writeEntry(
          dir,
          key,
          encodeResult({
            tree: { type: 'root', children: [] },
            messages: [],
            assets: [],
            dependencies: [],
            data: { pad: 'x'.repeat(900) },
          }),
        ),
      ).toBe(true);
      // Entry i was last used i hours ago.
      const when = new Date(now - i * 3_600_000);
      await utimes(path.join(dir, key.slice(0, 2), `${key}.json`), when, when);
    }
    await writeFile(path.join(dir, keys[0]!.slice(0, 2), `${keys[0]}.json.tmp-1-0-0`), 'left by a killed build');
    await utimes(
      path.join(dir, keys[0]!.slice(0, 2), `${keys[0]}.json.tmp-1-0-0`),
      new Date(now - 7_200_000),
      new Date(now - 7_200_000),
    );
    const size = (await stat(path.join(dir, keys[0]!.slice(0, 2), `${keys[0]}.json`))).size;
    const result = pruneCache(dir, { maxBytes: size * 5, now });
    const left = (await entries(dir)).map((f) => path.basename(f, '.json'));
    expect(left).toEqual(keys.slice(0, 4)); // 4 entries fit in 80% of 5
    expect(result.removed).toBe(7); // 6 entries and the temporary file
    // Reading an entry marks it used, so it outlives older ones.
    expect('result' in readEntry(dir, keys[3]!)).toBe(true);
    expect(pruneCache(dir, { maxBytes: 1, now: now + 1000 }).removed).toBe(0); // pruned less than a day ago
    expect(pruneCache(dir, { maxBytes: size * 2, now: now + 2 * 86_400_000 }).removed).toBe(3);
    expect((await entries(dir)).map((f) => path.basename(f, '.json'))).toEqual([keys[3]]);
  });

  it('with the cache off, reads and writes nothing', async () => {
    const cache = path.join(work.dir, 'cache-off');
    const saved = process.env.GALLEY_CACHE_DIR;
    process.env.GALLEY_CACHE_DIR = cache;
    try {
      const loaded = await loadBook(book);
      const stats = await processChapters(loaded, undefined, { cache: false, workers: 0 });
      expect(stats).toMatchObject({ hits: 0, processed: chapters });
      await expect(stat(cache)).rejects.toThrow();
    } finally {
      if (saved === undefined) delete process.env.GALLEY_CACHE_DIR;
      else process.env.GALLEY_CACHE_DIR = saved;
    }
  });
});
