import { availableParallelism } from 'node:os';
import { isMainThread, MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { VFile } from 'vfile';
import type { Root as HastRoot } from 'hast';
import { AssetRegistry } from '../book/assets.ts';
import type { LoadedBook } from '../book/load.ts';
import type { Chapter } from '../book/types.ts';
import type { BookConfig } from '../config/schema.ts';
import { createChapterProcessor, type ChapterProcessor } from '../markdown/processor.ts';
import { report } from '../util/messages.ts';
import type { ChapterContext } from '../plugins/types.ts';
import { cacheKey, defaultCacheDir, readEntry, restoreMessages, storeMessages, writeEntry, type AssetRef, type ChapterResult } from '../cache/chapter-cache.ts';

type Resolver = (fromFile: string, href: string) => { target: string } | { error: string };

/** Runs the pipeline on a file whose `data.chapter` is set; a crash becomes an error on the chapter, never a dead build. */
function runPipeline(processor: ChapterProcessor, file: VFile): HastRoot {
  try {
    return processor.runSync(processor.parse(file), file);
  } catch (error) {
    // A crash in one chapter must not take the build down without saying where.
    report(file, 'error', `Internal error while processing this chapter: ${(error as Error).message}`, { line: 1, column: 1 }, 'internal');
    return { type: 'root', children: [] };
  }
}

/** The chapter context plugins read, with an image resolver that records what it was asked and answered. */
function chapterContext(context: Omit<ChapterContext, 'resolveAsset'>, file: VFile, resolve: Resolver, refs: AssetRef[]): ChapterContext {
  return {
    ...context,
    resolveAsset: (href) => {
      const result = resolve(file.path, href);
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
  return { key: chapter.key, source: chapter.source, number: chapter.number, language: book.config.language };
}

function pickData(file: VFile): ChapterResult['data'] {
  const data: ChapterResult['data'] = {};
  if (file.data.collected !== undefined) data.collected = file.data.collected;
  if (file.data.questions !== undefined) data.questions = file.data.questions;
  if (file.data.formulas !== undefined) data.formulas = file.data.formulas;
  if (file.data.sourceFooter !== undefined) data.sourceFooter = file.data.sourceFooter;
  return data;
}

function inPlace(book: LoadedBook, chapter: Chapter, processor: ChapterProcessor): { refs: AssetRef[]; from: number } {
  const file = chapter.file;
  const refs: AssetRef[] = [];
  const from = file.messages.length;
  file.data.chapter = chapterContext(baseContext(book, chapter), file, (fromFile, href) => book.registry.resolve(fromFile, href), refs);
  file.data.frontmatter = chapter.frontmatter;
  chapter.tree = runPipeline(processor, file);
  finishChapter(chapter);
  return { refs, from };
}

/** Runs the per-chapter pipeline on one chapter and stores what it produced on the chapter. */
export function processChapter(book: LoadedBook, chapter: Chapter, processor = createChapterProcessor(book.config)) {
  inPlace(book, chapter, processor);
}

/** One chapter's work, as plain data a worker thread can receive. */
export interface ChapterTask {
  index: number;
  path: string;
  cwd: string;
  value: string;
  frontmatter: Record<string, unknown>;
  context: Omit<ChapterContext, 'resolveAsset'>;
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
  const assets: AssetRef[] = [];
  file.data.chapter = chapterContext(task.context, file, resolve, assets);
  file.data.frontmatter = task.frontmatter;
  const tree = runPipeline(processor, file);
  return { tree, messages: storeMessages(file), data: pickData(file), assets };
}

/**
 * Puts a result on its chapter as if the pipeline had just run there: the
 * images are resolved again through the book's registry (so `book.assets`
 * is the same) and must resolve as they did, else the result is stale
 * (an image changed on disk) and `false` says to process the chapter again.
 */
export function applyResult(book: LoadedBook, chapter: Chapter, result: ChapterResult): boolean {
  const file = chapter.file;
  for (const ref of result.assets) {
    const now = book.registry.resolve(file.path, ref.href);
    if ('error' in now ? now.error !== ref.error : now.target !== ref.target) return false;
  }
  restoreMessages(file, result.messages);
  file.data.chapter = chapterContext(baseContext(book, chapter), file, (fromFile, href) => book.registry.resolve(fromFile, href), []);
  file.data.frontmatter = chapter.frontmatter;
  const { collected, questions, formulas, sourceFooter } = result.data;
  if (collected !== undefined) file.data.collected = collected;
  if (questions !== undefined) file.data.questions = questions;
  if (formulas !== undefined) file.data.formulas = formulas;
  if (sourceFooter !== undefined) file.data.sourceFooter = sourceFooter;
  chapter.tree = result.tree;
  finishChapter(chapter);
  return true;
}

export interface ProcessOptions {
  lint?: boolean;
  /**
   * Reuse and store per-chapter results: `true` (the default) for
   * `.galley-cache/chapters/` (or `$GALLEY_CACHE_DIR/chapters/`), a folder
   * path, or `false` to ignore every entry (`--no-cache`).
   */
  cache?: boolean | string;
  /**
   * Extra threads processing chapters besides the main one: `'auto'` (the
   * default) uses one worker on a machine with two or more cores when there
   * is enough work to pay for its start-up, 0 never; `GALLEY_WORKERS`
   * overrides `'auto'`.
   */
  workers?: number | 'auto';
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

/** Work below this (characters of Markdown to process) is done faster by one thread than by two plus a worker's start-up. */
const PARALLEL_MIN_CHARS = 600_000;
const PARALLEL_MIN_CHAPTERS = 16;
/** A worker that sends nothing for this long is given up on; the main thread does its chapters. */
const STALL_MS = 30_000;

function workerCount(option: ProcessOptions['workers'], chars: number, chapters: number): number {
  if (!isMainThread) return 0;
  if (typeof option === 'number') return Math.max(0, Math.floor(option));
  const env = process.env.GALLEY_WORKERS;
  if (env !== undefined && /^\d+$/.test(env.trim())) return Number(env.trim());
  if (chars < PARALLEL_MIN_CHARS || chapters < PARALLEL_MIN_CHAPTERS) return 0;
  return Math.min(2, availableParallelism()) - 1;
}

/**
 * Processes every chapter of the book, in reading order as far as the book
 * can tell: cached results are reused, the rest go through the pipeline,
 * on worker threads as well as this one when that pays. Whatever the mix,
 * the chapters end up exactly as a clean serial run leaves them.
 * Synchronous, like the serial loop it replaces: workers are driven with
 * `receiveMessageOnPort` and `Atomics.wait`.
 */
export function processChapters(book: LoadedBook, onChapter?: (chapter: Chapter, index: number) => void, options: ProcessOptions = {}): ProcessStats {
  const lint = options.lint ?? false;
  const cacheDir = options.cache === false || options.cache === undefined ? undefined : typeof options.cache === 'string' ? options.cache : defaultCacheDir();
  const processor = createChapterProcessor(book.config, { lint });
  const chapters = book.chapters;
  const stats: ProcessStats = { chapters: chapters.length, hits: 0, processed: 0, onWorkers: 0, workers: 0 };
  const keys = chapters.map((chapter) =>
    cacheDir
      ? cacheKey({ config: book.config, lint, boundary: book.boundary, path: chapter.file.path, key: chapter.key, source: chapter.source, number: chapter.number, language: book.config.language, frontmatter: chapter.frontmatter, text: String(chapter.file.value) })
      : undefined,
  );

  /** Serial: in place, in order, so the result is the plain loop's by construction. */
  const serial = (index: number) => {
    const chapter = chapters[index]!;
    const { refs, from } = inPlace(book, chapter, processor);
    stats.processed++;
    const key = keys[index];
    if (cacheDir && key) {
      const result: ChapterResult = { tree: chapter.tree!, messages: storeMessages(chapter.file, from), data: pickData(chapter.file), assets: refs };
      writeEntry(cacheDir, key, JSON.stringify(result));
    }
  };

  const cached: (ChapterResult | undefined)[] = chapters.map((_, index) => {
    const key = keys[index];
    if (!cacheDir || !key) return undefined;
    const outcome = readEntry(cacheDir, key);
    return 'result' in outcome ? outcome.result : undefined;
  });
  const misses = chapters.map((_, i) => i).filter((i) => !cached[i]);
  const chars = misses.reduce((sum, i) => sum + String(chapters[i]!.file.value).length, 0);
  const threads = workerCount(options.workers, chars, misses.length);

  if (threads === 0) {
    chapters.forEach((chapter, index) => {
      const hit = cached[index];
      if (hit && applyResult(book, chapter, hit)) stats.hits++;
      else serial(index);
      onChapter?.(chapter, index);
    });
    return stats;
  }
  processParallel(book, processor, keys, cached, misses, threads, cacheDir, stats, serial, onChapter, lint);
  return stats;
}

interface PoolWorker {
  worker: Worker;
  port: MessagePort;
  ready: boolean;
  dead: boolean;
  inFlight: Set<number>;
}

type WorkerMessage = { type: 'ready' } | { type: 'result'; index: number; json: string } | { type: 'error'; index?: number; message: string };

function processParallel(
  book: LoadedBook,
  processor: ChapterProcessor,
  keys: (string | undefined)[],
  cached: (ChapterResult | undefined)[],
  misses: number[],
  threads: number,
  cacheDir: string | undefined,
  stats: ProcessStats,
  serial: (index: number) => void,
  onChapter: ((chapter: Chapter, index: number) => void) | undefined,
  lint: boolean,
) {
  const chapters = book.chapters;
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const pool: PoolWorker[] = [];
  for (let i = 0; i < threads; i++) {
    const { port1, port2 } = new MessageChannel();
    try {
      const worker = new Worker(new URL('../cache/chapter-worker.mjs', import.meta.url), {
        workerData: { config: book.config satisfies BookConfig, lint, boundary: book.boundary, signal: signal.buffer, port: port2 },
        transferList: [port2],
        stdout: false,
        stderr: false,
      });
      const entry: PoolWorker = { worker, port: port1, ready: false, dead: false, inFlight: new Set() };
      // Delivered asynchronously, possibly after this function returns: never let it throw.
      worker.on('error', () => {
        entry.dead = true;
      });
      worker.unref();
      pool.push(entry);
    } catch {
      port1.close();
    }
  }
  stats.workers = pool.length;

  const results = new Map<number, ChapterResult>();
  const queue = [...misses];
  const local = new AssetRegistry(book.boundary);
  const resolveLocal: Resolver = (fromFile, href) => local.resolve(fromFile, href);
  let next = 0;

  const task = (index: number): ChapterTask => {
    const chapter = chapters[index]!;
    return { index, path: chapter.file.path, cwd: chapter.file.cwd, value: String(chapter.file.value), frontmatter: chapter.frontmatter, context: baseContext(book, chapter), key: keys[index], cacheDir };
  };
  const kill = (entry: PoolWorker) => {
    entry.dead = true;
    for (const index of entry.inFlight) if (!results.has(index)) queue.unshift(index);
    entry.inFlight.clear();
  };
  const poll = (): boolean => {
    let progress = false;
    for (const entry of pool) {
      for (let received = receiveMessageOnPort(entry.port); received; received = receiveMessageOnPort(entry.port)) {
        progress = true;
        const message = received.message as WorkerMessage;
        if (message.type === 'ready') entry.ready = true;
        else if (message.type === 'result') {
          entry.inFlight.delete(message.index);
          if (results.has(message.index) || next > message.index) continue;
          // The same JSON the worker stored in the cache.
          try {
            results.set(message.index, JSON.parse(message.json) as ChapterResult);
            stats.onWorkers++;
          } catch {
            queue.unshift(message.index);
          }
        } else {
          kill(entry);
        }
      }
    }
    return progress;
  };
  const feed = () => {
    for (const entry of pool) {
      if (!entry.ready || entry.dead) continue;
      // Two in flight, so a worker never idles while the main thread is busy with a chapter of its own.
      while (entry.inFlight.size < 2 && queue.length > 0) {
        const index = queue.shift()!;
        entry.inFlight.add(index);
        entry.port.postMessage(task(index));
      }
    }
  };
  const flush = () => {
    while (next < chapters.length) {
      const chapter = chapters[next]!;
      const hit = cached[next];
      if (hit) {
        if (applyResult(book, chapter, hit)) stats.hits++;
        else serial(next);
      } else {
        const result = results.get(next);
        if (!result) return;
        results.delete(next);
        if (applyResult(book, chapter, result)) stats.processed++;
        else serial(next);
      }
      onChapter?.(chapter, next);
      next++;
    }
  };

  try {
    let waited = 0;
    while (next < chapters.length) {
      poll();
      feed();
      flush();
      if (next >= chapters.length) break;
      if (queue.length > 0) {
        const index = queue.shift()!;
        const result = runDetached(processor, task(index), resolveLocal);
        const key = keys[index];
        if (cacheDir && key) writeEntry(cacheDir, key, JSON.stringify(result));
        results.set(index, result);
        waited = 0;
        continue;
      }
      // Nothing left to do here: wait for the workers' chapters.
      const busy = pool.filter((e) => !e.dead && e.inFlight.size > 0);
      if (busy.length === 0) {
        // Every outstanding chapter belongs to no live worker: take them back.
        for (let i = next; i < chapters.length; i++) if (!cached[i] && !results.has(i) && !queue.includes(i)) queue.push(i);
        if (queue.length === 0) break;
        continue;
      }
      const seen = Atomics.load(signal, 0);
      if (poll()) {
        waited = 0;
        continue;
      }
      if (Atomics.wait(signal, 0, seen, 250) === 'timed-out') {
        waited += 250;
        if (waited >= STALL_MS) for (const entry of busy) kill(entry);
      } else waited = 0;
    }
    flush();
  } finally {
    for (const entry of pool) {
      entry.port.close();
      void entry.worker.terminate().catch(() => undefined);
    }
  }
}
