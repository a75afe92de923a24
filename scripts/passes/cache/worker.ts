/**
 * A chapter-processing worker (started by scripts/passes/process-chapters.ts
 * through chapter-worker.mjs): runs the same pipeline on the chapters it is
 * sent and answers with each result as the JSON the cache stores, writing the
 * cache entry itself. Every answer bumps a shared counter, so the main thread
 * can wait for it with Atomics.wait while staying synchronous.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { AssetRegistry } from '../../model/book/assets.ts';
import type { BookConfig } from '../../model/config/schema.ts';
import { createChapterProcessor } from '../../markdown/processor.ts';
import { runDetached } from '../run-chapter.ts';
import type { ChapterTask } from '../worker-pool.ts';
import { encodeResult, writeEntry } from './chapter-cache.ts';
import type { ChapterSettings } from '../../model/book/load.ts';

interface WorkerInput {
  config: BookConfig;
  lint: boolean;
  /** The book's settings the stages take as options (one book per worker pool). */
  settings: ChapterSettings;
  signal: SharedArrayBuffer;
  port: MessagePort;
}

const input = workerData as WorkerInput;
const signal = new Int32Array(input.signal);
const port = input.port;

function send(message: unknown) {
  port.postMessage(message);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

try {
  const processor = createChapterProcessor(input.config, { lint: input.lint, settings: input.settings });
  const registries = new Map<string, AssetRegistry>();
  port.on('message', (task: ChapterTask) => {
    try {
      let registry = registries.get(task.boundary);
      if (!registry) registries.set(task.boundary, (registry = new AssetRegistry(task.boundary)));
      const result = runDetached(processor, task, (fromFile, href) => registry.resolve(fromFile, href));
      const json = encodeResult(result);
      if (task.cacheDir && task.key) writeEntry(task.cacheDir, task.key, json);
      send({ type: 'result', index: task.index, json });
    } catch (error) {
      send({ type: 'error', index: task.index, message: (error as Error).message });
    }
  });
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'error', message: (error as Error).message });
}
