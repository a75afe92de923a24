import { availableParallelism } from 'node:os';
import { linkOnPath } from '../util/atomic.ts';
import { planWorkers } from './worker-plan.ts';
import { chapterBudget, overBudgetMessage, type ChapterBudget } from './chapter-budget.ts';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { VFile } from 'vfile';
import type { Root as HastRoot } from 'hast';
import { AssetRegistry } from '../model/book/assets.ts';
import { chapterSettings, type ChapterSettings, type LoadedBook } from '../model/book/load.ts';
import type { Chapter } from '../model/book/types.ts';
import { createChapterProcessor, type ChapterProcessor } from '../markdown/processor.ts';
import { report } from '../util/messages.ts';
import { MAX_INCLUDED_BYTES_PER_BOOK } from '../model/book/included.ts';
import { trackedByGit } from '../util/cache-location.ts';
import { INPUT_KEYS, OUTPUT_KEYS, type ChapterContext } from '../markdown/plugins/types.ts';
import {
  cacheKey,
  decodeResult,
  defaultCacheDir,
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
import { dependenciesUnchanged, trackDependencies, untracked, type Dependency } from './cache/dependencies.ts';

type Resolver = (fromFile: string, href: string) => { target: string } | { error: string };

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

/** Everything the pipeline added to or changed on `file.data`, given what was there before it ran. */
function producedData(file: VFile, before: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(file.data)) {
    if (INPUT_KEYS.has(key) || value === undefined) continue;
    if (key in before && before[key] === value) continue;
    data[key] = value;
  }
  return data;
}

/** Runs the pipeline on a file whose `data.chapter` is set; a crash becomes an error on the chapter, never a dead build. */
function runPipeline(
  processor: ChapterProcessor,
  file: VFile,
  boundary: string,
): { tree: HastRoot; dependencies: Dependency[] } {
  const { value, dependencies } = trackDependencies(boundary, () => {
    try {
      return processor.runSync(processor.parse(file), file);
    } catch (error) {
      // A crash in one chapter must not take the build down without saying where.
      report(
        file,
        'error',
        `Internal error while processing this chapter: ${(error as Error).message}`,
        { line: 1, column: 1 },
        'internal',
      );
      return { type: 'root', children: [] } as HastRoot;
    }
  });
  return { tree: value, dependencies };
}

/** The chapter context plugins read, with an image resolver that records what it was asked and answered. */
function chapterContext(
  context: Omit<ChapterContext, 'resolveAsset'>,
  file: VFile,
  resolve: Resolver,
  refs: AssetRef[],
): ChapterContext {
  return {
    ...context,
    resolveAsset: (href) => {
      const result = untracked(() => resolve(file.path, href));
      refs.push('error' in result ? { href, error: result.error } : { href, target: result.target });
      return result;
    },
  };
}

/** What the book passes and renderers need, read off what the pipeline left on the chapter. */
function finishChapter(chapter: Chapter) {
  const collected = chapter.file.data.collected;
  chapter.headings = collected?.headings ?? [];
  chapter.ids = new Set(collected?.ids ?? []);
  chapter.stats = collected?.stats ?? chapter.stats;
  chapter.questions = (chapter.file.data.questions ?? []).map((q) => ({ ...q, chapter }));
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
export function processChapter(
  book: LoadedBook,
  chapter: Chapter,
  processor = createChapterProcessor(book.config, { settings: chapterSettings(book.context) }),
) {
  inPlace(book, chapter, processor);
}

/** One chapter's work, as plain data a worker thread can receive. */
export interface ChapterTask {
  index: number;
  path: string;
  cwd: string;
  value: string;
  frontmatter: Record<string, unknown>;
  /** What the loader put on `file.data`. */
  data: Record<string, unknown>;
  context: Omit<ChapterContext, 'resolveAsset'>;
  boundary: string;
  /** Cache key and folder, when the worker is to store the result. */
  key?: string;
  cacheDir?: string;
}

/**
 * Processes a chapter away from the book (in a worker, or on the main thread
 * in a parallel build): a fresh file, images resolved against a registry of
 * its own; the result is applied to the book later, in reading order.
 */
export function runDetached(processor: ChapterProcessor, task: ChapterTask, resolve: Resolver): ChapterResult {
  const file = new VFile({ path: task.path, cwd: task.cwd, value: task.value });
  Object.assign(file.data, task.data);
  const assets: AssetRef[] = [];
  file.data.chapter = chapterContext(task.context, file, resolve, assets);
  file.data.frontmatter = task.frontmatter;
  const { tree, dependencies } = runPipeline(processor, file, task.boundary);
  return { tree, messages: storeMessages(file), data: producedData(file, task.data), assets, dependencies };
}

/**
 * Puts a result on its chapter as if the pipeline had just run there. It is
 * stale, and `false` says to process the chapter again, when an included
 * file changed or an image no longer resolves as it did (images are resolved
 * again through the book's registry, so `book.assets` is the same).
 */
export function applyResult(book: LoadedBook, chapter: Chapter, result: ChapterResult | LazyResult): boolean {
  const file = chapter.file;
  if (!dependenciesUnchanged(result.dependencies)) return false;
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

/** Chapters taken from the cache whose trees are not parsed yet (`lazyTrees`). */
const unparsed = new WeakMap<Chapter, () => HastRoot | undefined>();
/** Each chapter's cache key, from the last `processChapters` that computed it. */
const cacheKeys = new WeakMap<Chapter, string>();

/** The chapter's cache key (what its processing depends on), when the cache is on. */
export function chapterCacheKey(chapter: Chapter): string | undefined {
  return cacheKeys.get(chapter);
}

/** Whether the chapter's tree is still in the cache entry, unparsed. */
export function treePending(chapter: Chapter): boolean {
  return unparsed.has(chapter);
}

/**
 * Parses a chapter's tree left in the cache (`lazyTrees`) and puts it on the
 * chapter; false when the entry's tree turned out damaged (the caller then
 * builds without lazy trees, which processes the chapter again).
 */
export function loadTree(chapter: Chapter): boolean {
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
   * Reuse and store per-chapter results: `true` (the default) for
   * `chapters/` in the user's cache folder (`$GALLEY_CACHE_DIR`, else
   * `$XDG_CACHE_HOME/galley` or `~/.cache/galley`), a folder path, or `false` to ignore
   * every entry and write none (`--no-cache`).
   */
  cache?: boolean | string;
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

export interface ProcessStats {
  chapters: number;
  /** Chapters taken from the cache. */
  hits: number;
  /** Chapters processed (on any thread). */
  processed: number;
  /** Of those, processed on worker threads. */
  onWorkers: number;
  workers: number;
}

/** A worker that sends nothing for this long is given up on; the main thread does its chapters. */
const STALL_MS = 30_000;
/** With `mainThread: false`, how long to wait for a worker to start before doing the work here after all. */
const READY_MS = 30_000;

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

/** The chapter cache folder `cache` (ProcessOptions) means, or undefined for none. */
export function chapterCacheDir(cache: boolean | string | undefined): string | undefined {
  const wanted = cache === false ? undefined : typeof cache === 'string' ? cache : defaultCacheDir();
  // A cache folder git tracks came with the sources (a pull request can write it): never read nor written. Nor one
  // that is a link or lies under one (a committed `.galley-cache` link would send the writes elsewhere).
  return wanted && !linkOnPath(wanted) && !trackedByGit(wanted) ? wanted : undefined;
}

let last: ProcessStats | undefined;

/** What the last `processChapters` call in this thread did (cache hits, worker share): for progress lines, tests and the benchmark. */
export function lastProcessStats(): ProcessStats | undefined {
  return last;
}

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
  const cacheDir = chapterCacheDir(options.cache);
  const settings = chapterSettings(book.context);
  const processor = createChapterProcessor(book.config, { lint, settings });
  const chapters = book.chapters;
  const stats: ProcessStats = { chapters: chapters.length, hits: 0, processed: 0, onWorkers: 0, workers: 0 };
  last = stats;
  const keys = chapters.map((chapter) =>
    cacheDir
      ? cacheKey({
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
        })
      : undefined,
  );

  /** Serial: in place, in order, so the result is the plain loop's by construction. */
  const serial = (index: number) => {
    const result = inPlace(book, chapters[index]!, processor);
    stats.processed++;
    const key = keys[index];
    if (cacheDir && key) writeEntry(cacheDir, key, encodeResult(result));
  };

  chapters.forEach((chapter, index) => {
    const key = keys[index];
    if (key) cacheKeys.set(chapter, key);
    else cacheKeys.delete(chapter);
    unparsed.delete(chapter);
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
    chapters.forEach((chapter, index) => {
      const hit = cached[index];
      if (hit && applyResult(book, chapter, hit)) stats.hits++;
      else serial(index);
      onChapter?.(chapter, index);
    });
  } else {
    // Under the budget the main thread processes nothing itself: it could not be stopped.
    const mainThread = !budgeted && (options.mainThread ?? process.env.GALLEY_WORKERS_ONLY !== '1');
    await processParallel({
      book,
      processor,
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
    });
  }
  checkBookIncludes(book);
  if (cacheDir) pruneCache(cacheDir);
  return stats;
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

interface PoolWorker {
  worker: Worker;
  port: MessagePort;
  ready: boolean;
  dead: boolean;
  inFlight: Set<number>;
  /** When the chapter at the head of `inFlight` started (ms). */
  since: number;
  /** Why the worker ended, once it has. */
  failure?: 'memory' | 'time' | 'crash';
  detail?: string;
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'result'; index: number; json: string }
  | { type: 'error'; index?: number; message: string };

interface ParallelRun {
  book: LoadedBook;
  processor: ChapterProcessor;
  keys: (string | undefined)[];
  cached: (ChapterResult | LazyResult | undefined)[];
  misses: number[];
  threads: number;
  cacheDir: string | undefined;
  stats: ProcessStats;
  serial: (index: number) => void;
  onChapter: ((chapter: Chapter, index: number) => void) | undefined;
  lint: boolean;
  mainThread: boolean;
  /** Each chapter's memory and time on a worker; a chapter over it gets an error, the rest go on. */
  budget?: ChapterBudget;
}

/** `Atomics.waitAsync` (Node 16+), which the ES2022 library types leave out. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      array: Int32Array,
      index: number,
      value: number,
      timeout: number,
    ): { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
  }
).waitAsync;

// Compiled, the worker is plain JavaScript; run from the TypeScript sources (tests, tsx), it needs tsx registered first.
const WORKER_ENTRY = new URL(
  import.meta.url.endsWith('.ts') ? './cache/chapter-worker.mjs' : './cache/worker.js',
  import.meta.url,
);

async function processParallel(run: ParallelRun) {
  const { book, processor, keys, cached, misses, threads, cacheDir, stats, serial, onChapter, lint, budget } = run;
  const started = Date.now();
  const chapters = book.chapters;
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const pool: PoolWorker[] = [];
  const spawn = () => {
    const { port1, port2 } = new MessageChannel();
    try {
      const worker = new Worker(WORKER_ENTRY, {
        workerData: {
          config: book.config,
          lint,
          settings: chapterSettings(book.context),
          signal: signal.buffer,
          port: port2,
        },
        transferList: [port2],
        // A worker holds one chapter at a time: a young generation as large as the main thread's keeps its GC as cheap.
        // Its old generation is the chapter's memory budget: over it, V8 stops the worker, not the build.
        resourceLimits: { maxYoungGenerationSizeMb: 48, ...(budget ? { maxOldGenerationSizeMb: budget.heapMb } : {}) },
      });
      const entry: PoolWorker = { worker, port: port1, ready: false, dead: false, inFlight: new Set(), since: 0 };
      // Delivered asynchronously, possibly after this function returns: it must never throw.
      worker.on('error', (error: Error & { code?: string }) => {
        entry.dead = true;
        entry.failure ??= error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'crash';
        entry.detail ??= error.message;
      });
      worker.on('exit', () => {
        entry.dead = true;
        if (entry.inFlight.size > 0) entry.failure ??= 'crash';
      });
      worker.unref();
      pool.push(entry);
    } catch {
      port1.close();
    }
  };
  for (let i = 0; i < threads; i++) spawn();
  stats.workers = pool.length;

  const results = new Map<number, ChapterResult>();
  const queue = [...misses];
  const local = new AssetRegistry(book.boundary);
  const resolveHere: Resolver = (fromFile, href) => local.resolve(fromFile, href);
  let next = 0;

  const task = (index: number): ChapterTask => {
    const chapter = chapters[index]!;
    return {
      index,
      path: chapter.file.path,
      cwd: chapter.file.cwd,
      value: String(chapter.file.value),
      frontmatter: chapter.frontmatter,
      data: loaderData(chapter.file, OUTPUT_KEYS),
      context: baseContext(book, chapter),
      boundary: book.boundary,
      key: keys[index],
      cacheDir,
    };
  };
  const giveUp = (entry: PoolWorker) => {
    entry.dead = true;
    for (const index of entry.inFlight) if (!results.has(index) && index >= next) queue.unshift(index);
    entry.inFlight.clear();
  };
  const poll = (): boolean => {
    let progress = false;
    for (const entry of pool) {
      for (let received = receiveMessageOnPort(entry.port); received; received = receiveMessageOnPort(entry.port)) {
        progress = true;
        const message = received.message as WorkerMessage;
        if (message.type === 'ready') {
          entry.ready = true;
        } else if (message.type === 'result') {
          entry.inFlight.delete(message.index);
          // The next chapter it holds starts now.
          entry.since = Date.now();
          if (results.has(message.index) || message.index < next) continue;
          // The same JSON the worker stored in the cache, read back the same way.
          const result = decodeResult(message.json);
          if (result) {
            results.set(message.index, result);
            stats.onWorkers++;
          } else {
            queue.unshift(message.index);
          }
        } else {
          giveUp(entry);
        }
      }
    }
    return progress;
  };
  const feed = () => {
    for (const entry of pool) {
      if (!entry.ready || entry.dead) continue;
      // Two in flight, so the worker never idles while the main thread is busy with a chapter of its own.
      while (entry.inFlight.size < 2 && queue.length > 0) {
        const index = queue.shift()!;
        try {
          entry.port.postMessage(task(index));
          if (entry.inFlight.size === 0) entry.since = Date.now();
          entry.inFlight.add(index);
        } catch {
          // Loader data that cannot be cloned: this chapter stays on the main thread.
          queue.unshift(index);
          return;
        }
      }
    }
  };
  const flush = () => {
    while (next < chapters.length) {
      const chapter = chapters[next]!;
      const result = cached[next] ?? results.get(next);
      if (!result) return;
      results.delete(next);
      if (applyResult(book, chapter, result)) {
        if (cached[next]) stats.hits++;
        else stats.processed++;
      } else {
        serial(next);
      }
      onChapter?.(chapter, next);
      next++;
    }
  };

  /** An empty chapter carrying the error: never cached, so the next build tries the chapter again. */
  const failed = (index: number, message: string): ChapterResult => {
    const chapter = chapters[index]!;
    const file = new VFile({ path: chapter.file.path, cwd: chapter.file.cwd });
    report(file, 'error', message, { line: 1, column: 1 }, 'budget');
    return {
      tree: { type: 'root', children: [] },
      messages: storeMessages(file),
      data: {},
      assets: [],
      dependencies: [],
    };
  };
  let respawns = 0;
  /** A worker gone over the budget: the chapter it was on fails, the others it held go back to the queue. */
  const overBudget = (entry: PoolWorker) => {
    if (!budget || entry.inFlight.size === 0) return;
    const [culprit, ...others] = [...entry.inFlight];
    entry.inFlight.clear();
    if (!results.has(culprit!) && culprit! >= next)
      results.set(culprit!, failed(culprit!, overBudgetMessage(entry.failure ?? 'crash', budget, entry.detail)));
    for (const index of others.reverse()) if (!results.has(index) && index >= next) queue.unshift(index);
    // A fresh worker for the rest (bounded: each replacement follows a chapter that failed).
    if (queue.length > 0 && entry.ready && respawns++ < misses.length) spawn();
  };
  const enforce = () => {
    if (!budget) return;
    for (const entry of pool) {
      if (!entry.dead && entry.inFlight.size > 0 && Date.now() - entry.since > budget.seconds * 1000) {
        entry.dead = true;
        entry.failure = 'time';
        void entry.worker.terminate().catch(() => undefined);
      }
      if (entry.dead && entry.inFlight.size > 0 && entry.failure) overBudget(entry);
    }
  };

  try {
    let waited = 0;
    while (next < chapters.length) {
      poll();
      enforce();
      feed();
      flush();
      if (next >= chapters.length) break;
      const here =
        run.mainThread || pool.every((e) => e.dead) || (!pool.some((e) => e.ready) && Date.now() - started > READY_MS);
      // Over the budget, a worker that died holding chapters is dealt with above; one that never started is not.
      if (queue.length > 0 && here) {
        const index = queue.shift()!;
        const result = runDetached(processor, task(index), resolveHere);
        const key = keys[index];
        if (cacheDir && key) writeEntry(cacheDir, key, encodeResult(result));
        results.set(index, result);
        waited = 0;
        continue;
      }
      // Nothing left to do here: wait for the workers' chapters.
      const busy = pool.filter((e) => !e.dead && e.inFlight.size > 0);
      if (busy.length === 0 && here) {
        // Outstanding chapters no live worker holds (one died): take them back.
        for (let i = next; i < chapters.length; i++)
          if (!cached[i] && !results.has(i) && !queue.includes(i)) queue.push(i);
        if (queue.length === 0) break;
        continue;
      }
      const seen = Atomics.load(signal, 0);
      if (poll()) {
        waited = 0;
        continue;
      }
      // Waiting asynchronously lets a worker's `error` and `exit` events (its heap over the budget) arrive.
      const wait = waitAsync(signal, 0, seen, 250);
      // The wait alone does not keep the process alive (the workers are unref'd): a timer does.
      const alive = setTimeout(() => undefined, 300);
      const outcome = wait.async ? await wait.value : wait.value;
      clearTimeout(alive);
      if (outcome === 'timed-out') {
        waited += 250;
        if (waited >= STALL_MS && !budget)
          for (const entry of pool) if (!entry.dead && (entry.inFlight.size > 0 || !entry.ready)) giveUp(entry);
      } else {
        waited = 0;
      }
    }
    flush();
  } finally {
    for (const entry of pool) {
      entry.port.close();
      void entry.worker.terminate().catch(() => undefined);
    }
  }
}
