/**
 * One chapter through the per-chapter pipeline, apart from the book: what a
 * chapter worker runs (passes/cache/worker.ts) and what the main thread runs
 * in its place. It imports no book loader, config schema or worker pool, so a
 * worker thread, started afresh by every build, loads only the pipeline.
 */
import { VFile } from 'vfile';
import type { Root as HastRoot } from 'hast';
import type { ChapterProcessor } from '../markdown/processor.ts';
import { INPUT_KEYS, type ChapterContext } from '../markdown/plugins/types.ts';
import { report } from '../util/messages.ts';
import { storeMessages, type AssetRef, type ChapterResult } from './cache/chapter-cache.ts';
import { trackDependencies, untracked, type Dependency } from './cache/dependencies.ts';
import type { ChapterTask, Resolver } from './worker-pool.ts';

/** Everything the pipeline added to or changed on `file.data`, given what was there before it ran. */
export function producedData(file: VFile, before: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(file.data)) {
    if (INPUT_KEYS.has(key) || value === undefined) continue;
    if (key in before && before[key] === value) continue;
    data[key] = value;
  }
  return data;
}

/** Runs the pipeline on a file whose `data.chapter` is set; a crash becomes an error on the chapter, never a dead build. */
export function runPipeline(
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
      return { type: 'root', children: [] } satisfies HastRoot;
    }
  });
  return { tree: value, dependencies };
}

/** The chapter context plugins read, with an image resolver that records what it was asked and answered. */
export function chapterContext(
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
