/** In-process measurements `npm run bench` runs in child processes (tools/bench/child.mjs). */
import { performance } from 'node:perf_hooks';
import { loadBook } from '../../scripts/model/book/load.ts';
import { processChapters, type ProcessStats } from '../../scripts/passes/process-chapters.ts';

/** The chapter loop alone on a freshly loaded book: serial (`workers` 0) or with worker threads. */
export async function processMeasure(
  manuscript: string,
  workers: number,
  cacheDir?: string,
): Promise<{ seconds: number; cpuSeconds: number; stats: ProcessStats }> {
  const book = await loadBook(manuscript);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const stats = await processChapters(book, undefined, { cache: cacheDir ?? false, workers });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, stats };
}
