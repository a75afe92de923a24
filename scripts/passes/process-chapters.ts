import { availableParallelism } from 'node:os';
import { planWorkers } from './worker-plan.ts';
import { chapterBudget } from './chapter-budget.ts';
import { processParallel, type ChapterTask, type Resolver } from './worker-pool.ts';
import { BuildCache, type FileDigests, type ProcessStats } from '../model/build-cache.ts';
import { chapterCacheDir, openBuildCache } from './cache/build-cache.ts';
import { VFile } from 'vfile';
import { chapterSettings, type ChapterSettings, type LoadedBook } from '../model/book/load.ts';
import type { Chapter } from '../model/book/types.ts';
import type { ChapterProcessor } from '../markdown/processor.ts';
import { report } from '../util/messages.ts';
import { MAX_INCLUDED_BYTES_PER_BOOK } from '../model/book/included.ts';
import { INPUT_KEYS, OUTPUT_KEYS, type ChapterContext } from '../markdown/plugins/types.ts';
import {
  cacheKey,
  encodeResult,
  pruneCache,
  readEntry,
  readEntryLazy,
  restoreMessages,
  storeMessages,
  writeEntry,
  type AssetRef,
  type ChapterResult,
  type LazyResult,
} from './cache/chapter-cache.ts';
import { dependenciesUnchanged } from './cache/dependencies.ts';
import { statDigests } from './cache/stat-digest.ts';
import { chapterContext, producedData, runDetached, runPipeline } from './run-chapter.ts';

/** The settings that are set, by name: what the cache key digests. */
function definedSettings(settings: ChapterSettings): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

/**
 * What the loader left on a chapter's file for the pipeline to read (boundary, bibliography, dialect settings).
 * What the pipeline produces (`produced`, OUTPUT_KEYS) is never mistaken for loader input when a chapter is
 * processed a second time (`galley dev` re-reads the file first, but a caller may not).
 */
function loaderData(file: VFile, produced?: ReadonlySet<string>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(file.data)) {
    if (INPUT_KEYS.has(key) || value === undefined || produced?.has(key)) continue;
    data[key] = value;
  }
  return data;
}

/** What the book passes and renderers need, read off what the pipeline left on the chapter. */
function finishChapter(chapter: Chapter) {
  const collected = chapter.file.data.collected;
  chapter.headings = collected?.headings ?? [];
  chapter.ids = new Set(collected?.ids ?? []);
  chapter.stats = collected?.stats ?? chapter.stats;
  chapter.questions = (chapter.file.data.questions ?? []).map((q) => ({ ...q, chapter }));
  chapter.citations = chapter.file.data.citations ?? [];
  const h1 = chapter.headings.find((h) => h.depth === 1);
  if (!chapter.frontmatter.title && !chapter.entry.title && h1) chapter.title = h1.text;
}

function baseContext(book: LoadedBook, chapter: Chapter): Omit<ChapterContext, 'resolveAsset'> {
  const context: Omit<ChapterContext, 'resolveAsset'> = {
    key: chapter.key,
    source: chapter.source,
    number: chapter.number,
    language: book.config.language,
  };
  // Only what differs from a plain Galley chapter, so such chapters' cache keys and contexts stay as they were.
  if (chapter.title) context.title = chapter.title;
  if (chapter.entry.implicit) context.titleFromHeading = true;
  if (book.numbering !== 'galley') context.numbering = book.numbering;
  if (chapter.authorNumber) context.authorNumber = chapter.authorNumber;
  return context;
}

const bookResolver =
  (book: LoadedBook): Resolver =>
  (fromFile, href) =>
    book.registry.resolve(fromFile, href);

/** Processes a chapter where it is, as the plain serial loop always has; returns what a cache entry needs. */
function inPlace(book: LoadedBook, chapter: Chapter, processor: ChapterProcessor): ChapterResult {
  const file = chapter.file;
  const refs: AssetRef[] = [];
  const from = file.messages.length;
  const before = loaderData(file, OUTPUT_KEYS);
  file.data.chapter = chapterContext(baseContext(book, chapter), file, bookResolver(book), refs);
  file.data.frontmatter = chapter.frontmatter;
  const { tree, dependencies } = runPipeline(processor, file, book.boundary);
  chapter.tree = tree;
  finishChapter(chapter);
  return { tree, messages: storeMessages(file, from), data: producedData(file, before), assets: refs, dependencies };
}

/** Runs the per-chapter pipeline on one chapter and stores what it produced on the chapter. */
export function processChapter(book: LoadedBook, chapter: Chapter, processor: ChapterProcessor) {
  inPlace(book, chapter, processor);
}

export type { ChapterTask };

/**
 * Puts a result on its chapter as if the pipeline had just run there. It is
 * stale, and `false` says to process the chapter again, when an included
 * file changed or an image no longer resolves as it did (images are resolved
 * again through the book's registry, so `book.assets` is the same).
 */
export function applyResult(
  book: LoadedBook,
  chapter: Chapter,
  result: ChapterResult | LazyResult,
  unparsed: BuildCache['chapters']['unparsed'],
  digests?: FileDigests,
): boolean {
  const file = chapter.file;
  if (!dependenciesUnchanged(result.dependencies, digests && ((f) => digests.digest(f)))) return false;
  for (const ref of result.assets) {
    const now = book.registry.resolve(file.path, ref.href);
    if ('error' in now ? now.error !== ref.error : now.target !== ref.target) return false;
  }
  restoreMessages(file, result.messages);
  file.data.chapter = chapterContext(baseContext(book, chapter), file, bookResolver(book), []);
  file.data.frontmatter = chapter.frontmatter;
  Object.assign(file.data, result.data);
  if (typeof result.tree === 'function') {
    // Parsed when a pass or renderer needs it (`loadTree`), never for a chapter whose pages come from the page cache.
    chapter.tree = undefined;
    unparsed.set(chapter, result.tree);
  } else {
    chapter.tree = result.tree;
    unparsed.delete(chapter);
  }
  finishChapter(chapter);
  return true;
}

/** The chapter's cache key (what its processing depends on), when the cache is on. */
export function chapterCacheKey(cache: BuildCache, chapter: Chapter): string | undefined {
  return cache.chapters.keys.get(chapter);
}

/** Whether the chapter's tree is still in the cache entry, unparsed. */
export function treePending(cache: BuildCache, chapter: Chapter): boolean {
  return cache.chapters.unparsed.has(chapter);
}

/**
 * Parses a chapter's tree left in the cache (`lazyTrees`) and puts it on the
 * chapter; false when the entry's tree turned out damaged (the caller then
 * builds without lazy trees, which processes the chapter again).
 */
export function loadTree(cache: BuildCache, chapter: Chapter): boolean {
  const unparsed = cache.chapters.unparsed;
  const load = unparsed.get(chapter);
  if (!load) return chapter.tree !== undefined;
  const tree = load();
  if (!tree) return false;
  unparsed.delete(chapter);
  chapter.tree = tree;
  return true;
}

export interface ProcessOptions {
  lint?: boolean;
  /**
   * The build's cache (its chapter folder, keys and unparsed trees; the stats
   * of this call land on it), or as `openBuildCache` takes it: `true` (the
   * default) for `chapters/` in the user's cache folder (`$GALLEY_CACHE_DIR`,
   * else `$XDG_CACHE_HOME/galley` or `~/.cache/galley`), a folder path, or
   * `false` to ignore every entry and write none (`--no-cache`).
   */
  cache?: BuildCache | boolean | string;
  /**
   * Extra threads processing chapters besides the main one: `'auto'` (the
   * default) starts as many as the predicted time says pay for their
   * start-up (`planWorkers`: characters to process, measured costs,
   * `os.availableParallelism()`), 0 never; `GALLEY_WORKERS` overrides `'auto'`.
   */
  workers?: number | 'auto';
  /**
   * Whether the main thread processes chapters too (the default) or only
   * waits for the workers: for tests and measurements that must see chapters
   * go through a worker; `GALLEY_WORKERS_ONLY=1` sets it to false.
   */
  mainThread?: boolean;
  /**
   * Leave the trees of chapters taken from the cache unparsed until
   * `loadTree` asks for them: for a build whose page cache holds those
   * chapters' pages already (passes/pipeline.ts).
   */
  lazyTrees?: boolean;
}

export type { ProcessStats };

/** Workers are off only when asked for explicitly (`workers: 0`, `GALLEY_WORKERS=0`): then nothing bounds a chapter. */
function workersAllowed(option: ProcessOptions['workers']): boolean {
  if (typeof option === 'number') return option > 0;
  return process.env.GALLEY_WORKERS?.trim() !== '0';
}

function workerCount(option: ProcessOptions['workers'], chars: number, chapters: number): number {
  if (typeof option === 'number') return Math.max(0, Math.floor(option));
  const env = process.env.GALLEY_WORKERS;
  if (env !== undefined && /^\d+$/.test(env.trim())) return Number(env.trim());
  // From the measured cost of a character and of a worker, and the cores there are (scripts/passes/worker-plan.ts).
  return planWorkers({ chars, chapters, cores: availableParallelism() }).workers;
}

export { chapterCacheDir };

/**
 * Processes every chapter of the book: cached results are reused, the rest go
 * through the pipeline, on a worker thread as well as this one when that
 * pays. Whatever the mix, the chapters, their files' messages and data, and
 * `book.assets` end up as a clean serial run leaves them, and `onChapter`
 * is called in reading order. Synchronous, like the serial loop it replaces:
 * workers are driven with `receiveMessageOnPort` and `Atomics.wait`.
 */
export async function processChapters(
  book: LoadedBook,
  onChapter?: (chapter: Chapter, index: number) => void,
  options: ProcessOptions = {},
): Promise<ProcessStats> {
  const lint = options.lint ?? false;
  const cache = options.cache instanceof BuildCache ? options.cache : openBuildCache(options.cache);
  const cacheDir = cache.chapters.dir;
  // Included files of cached chapters are checked through the stat-keyed memo of this cache folder.
  const fileDigests = statDigests(cache);
  const settings = chapterSettings(book.context);
  let processor: ChapterProcessor | undefined;
  /**
   * The pipeline on this thread, loaded when a chapter is first processed here: under the budget every chapter
   * goes to a worker and a cached build processes none, so this thread need not load the pipeline at all.
   */
  const processorHere = async () => {
    const { createChapterProcessor } = await import('../markdown/processor.ts');
    return (processor ??= createChapterProcessor(book.config, { lint, settings }));
  };
  const chapters = book.chapters;
  const stats: ProcessStats = { chapters: chapters.length, hits: 0, processed: 0, onWorkers: 0, workers: 0 };
  cache.chapters.stats = stats;
  // Values every chapter shares (the bibliography) are hashed once for this round of keys.
  const digests = new WeakMap<object, string>();
  const keys = chapters.map((chapter) =>
    cacheDir
      ? cacheKey(
          {
            config: book.config,
            lint,
            boundary: book.boundary,
            path: chapter.file.path,
            key: chapter.key,
            source: chapter.source,
            number: chapter.number,
            language: book.config.language,
            frontmatter: chapter.frontmatter,
            context: baseContext(book, chapter),
            // The book's settings the stages take as options count like what the loader left on the file.
            data: { ...loaderData(chapter.file, OUTPUT_KEYS), ...definedSettings(settings) },
            text: String(chapter.file.value),
          },
          digests,
        )
      : undefined,
  );

  /** Serial: in place, in order, so the result is the plain loop's by construction. */
  const serial = async (index: number) => {
    const result = inPlace(book, chapters[index]!, await processorHere());
    stats.processed++;
    const key = keys[index];
    if (cacheDir && key) writeEntry(cacheDir, key, encodeResult(result));
  };

  chapters.forEach((chapter, index) => {
    const key = keys[index];
    if (key) cache.chapters.keys.set(chapter, key);
    else cache.chapters.keys.delete(chapter);
    cache.chapters.unparsed.delete(chapter);
  });
  const cached: (ChapterResult | LazyResult | undefined)[] = chapters.map((_, index) => {
    const key = keys[index];
    if (!cacheDir || !key) return undefined;
    const outcome = options.lazyTrees ? readEntryLazy(cacheDir, key) : readEntry(cacheDir, key);
    return 'result' in outcome ? outcome.result : undefined;
  });
  const misses = chapters.map((_, i) => i).filter((i) => !cached[i]);
  const chars = misses.reduce((sum, i) => sum + String(chapters[i]!.file.value).length, 0);
  const planned = workerCount(options.workers, chars, misses.length);
  // Unless workers are switched off outright, every chapter to process goes through a worker under the budget.
  const budgeted = misses.length > 0 && workersAllowed(options.workers);
  const threads = budgeted ? Math.max(1, planned) : planned;

  if (threads === 0) {
    for (const [index, chapter] of chapters.entries()) {
      const hit = cached[index];
      if (hit && applyResult(book, chapter, hit, cache.chapters.unparsed, fileDigests)) stats.hits++;
      else await serial(index);
      onChapter?.(chapter, index);
    }
  } else {
    // Under the budget the main thread processes nothing itself: it could not be stopped.
    const mainThread = !budgeted && (options.mainThread ?? process.env.GALLEY_WORKERS_ONLY !== '1');
    await processParallel({
      book,
      keys,
      cached,
      misses,
      threads,
      cacheDir,
      stats,
      serial,
      onChapter,
      lint,
      mainThread,
      budget: budgeted ? chapterBudget() : undefined,
      task: (index) => chapterTask(book, index, keys[index], cacheDir),
      apply: (chapter, result) => applyResult(book, chapter, result, cache.chapters.unparsed, fileDigests),
      detached: async (task, resolve) => runDetached(await processorHere(), task, resolve),
    });
  }
  checkBookIncludes(book);
  if (cacheDir) pruneCache(cacheDir);
  fileDigests.save();
  return stats;
}

/** A chapter's work for a worker thread, or for the main thread processing it as one. */
function chapterTask(
  book: LoadedBook,
  index: number,
  key: string | undefined,
  cacheDir: string | undefined,
): ChapterTask {
  const chapter = book.chapters[index]!;
  return {
    index,
    path: chapter.file.path,
    cwd: chapter.file.cwd,
    value: String(chapter.file.value),
    frontmatter: chapter.frontmatter,
    data: loaderData(chapter.file, OUTPUT_KEYS),
    context: baseContext(book, chapter),
    boundary: book.boundary,
    key,
    cacheDir,
  };
}

/** Every chapter's includes together are bounded too: an error at the chapter whose includes cross the limit. */
function checkBookIncludes(book: LoadedBook) {
  let total = 0;
  for (const chapter of book.chapters) {
    total += chapter.file.data.included?.bytes ?? 0;
    if (total > MAX_INCLUDED_BYTES_PER_BOOK) {
      const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
      report(
        chapter.file,
        'error',
        `Includes of the whole book reach ${mb(total)} at this chapter, over the ${mb(MAX_INCLUDED_BYTES_PER_BOOK)} limit for a book: include less`,
        { line: 1, column: 1 },
        'limit',
      );
      return;
    }
  }
}
