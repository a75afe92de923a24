/**
 * The chapter worker pool: chapters to process go to worker threads (under
 * the budget of passes/chapter-budget.ts when one is given), results come
 * back in any order and are applied in reading order. What a chapter task is,
 * how a result is applied and how the main thread processes one are handed in
 * (`ParallelRun`) by passes/process-chapters.ts, which decides what to process.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { VFile } from 'vfile';
import { AssetRegistry } from '../model/book/assets.ts';
import { chapterSettings, type LoadedBook } from '../model/book/load.ts';
import type { Chapter } from '../model/book/types.ts';
import type { ProcessStats } from '../model/build-cache.ts';
import type { ChapterContext } from '../markdown/plugins/types.ts';
import { report } from '../util/messages.ts';
import { overBudgetMessage, type ChapterBudget } from './chapter-budget.ts';
import { workerEntry } from './worker-entry.ts';
import {
  decodeResult,
  encodeResult,
  storeMessages,
  writeEntry,
  type ChapterResult,
  type LazyResult,
} from './cache/chapter-cache.ts';

export type Resolver = (fromFile: string, href: string) => { target: string } | { error: string };

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

/** A worker that sends nothing for this long is given up on; the main thread does its chapters. */
const STALL_MS = 30_000;
/** With `mainThread: false`, how long to wait for a worker to start before doing the work here after all. */
const READY_MS = 30_000;

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

export interface ParallelRun {
  book: LoadedBook;
  keys: (string | undefined)[];
  cached: (ChapterResult | LazyResult | undefined)[];
  misses: number[];
  threads: number;
  cacheDir: string | undefined;
  stats: ProcessStats;
  serial: (index: number) => Promise<void>;
  onChapter: ((chapter: Chapter, index: number) => void) | undefined;
  lint: boolean;
  mainThread: boolean;
  /** Each chapter's memory and time on a worker; a chapter over it gets an error, the rest go on. */
  budget?: ChapterBudget;
  /** The chapter's work as plain data (what a worker receives). */
  task: (index: number) => ChapterTask;
  /** Puts a result on its chapter; false when it is stale and the chapter must be processed again. */
  apply: (chapter: Chapter, result: ChapterResult | LazyResult) => boolean;
  /** Processes a task here, on the main thread, as a worker would. */
  detached: (task: ChapterTask, resolve: Resolver) => Promise<ChapterResult>;
}

/** `Atomics.waitAsync` (Node 16+), which the ES2022 library types leave out. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync: (
      array: Int32Array,
      index: number,
      value: number,
      timeout: number,
    ) => { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
  }
).waitAsync;

export async function processParallel(run: ParallelRun) {
  const { book, keys, cached, misses, threads, cacheDir, stats, serial, onChapter, lint, budget, task } = run;
  const started = Date.now();
  const chapters = book.chapters;
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const pool: PoolWorker[] = [];
  const workerModule = workerEntry(import.meta.url);
  const spawn = () => {
    const { port1, port2 } = new MessageChannel();
    try {
      const worker = new Worker(workerModule, {
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
  const flush = async () => {
    while (next < chapters.length) {
      const chapter = chapters[next]!;
      const result = cached[next] ?? results.get(next);
      if (!result) return;
      results.delete(next);
      if (run.apply(chapter, result)) {
        if (cached[next]) stats.hits++;
        else stats.processed++;
      } else {
        await serial(next);
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
      await flush();
      if (next >= chapters.length) break;
      const here =
        run.mainThread || pool.every((e) => e.dead) || (!pool.some((e) => e.ready) && Date.now() - started > READY_MS);
      // Over the budget, a worker that died holding chapters is dealt with above; one that never started is not.
      if (queue.length > 0 && here) {
        const index = queue.shift()!;
        const result = await run.detached(task(index), resolveHere);
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
    await flush();
  } finally {
    for (const entry of pool) {
      entry.port.close();
      void entry.worker.terminate().catch(() => undefined);
    }
  }
}
