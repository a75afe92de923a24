/**
 * Time spent in each step of the chapter pipeline (parse, then each plugin's
 * transformer), on a book processed twice in this process (the second pass
 * with the JIT warm), to say which plugins a faster pipeline must change.
 *
 *   npx tsx tools/bench/plugins.ts <manuscript>
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { unified, type Plugin } from 'unified';
import { loadBook } from '../../scripts/model/book/load.ts';
import { createChapterProcessor, type ChapterProcessor } from '../../scripts/markdown/processor.ts';
import type { ChapterContext } from '../../scripts/markdown/plugins/types.ts';

export interface PluginTimes {
  /** Milliseconds per step, in pipeline order, `parse` first. */
  steps: [string, number][];
  total: number;
}

type Transformer = (...args: unknown[]) => unknown;

/** The book's pipeline rebuilt with every transformer timed. */
function timedProcessor(original: ChapterProcessor, times: Map<string, number>): ChapterProcessor {
  const processor = unified();
  original.attachers.forEach(([plugin, ...options], index) => {
    const name = `${index + 1}. ${plugin.name || 'anonymous'}`;
    const wrapped = function (this: unknown, ...args: unknown[]) {
      const transformer = (plugin as unknown as (...a: unknown[]) => Transformer | undefined).apply(this, args);
      if (typeof transformer !== 'function') return transformer;
      return function (this: unknown, ...targs: unknown[]) {
        const started = performance.now();
        try {
          return transformer.apply(this, targs);
        } finally {
          times.set(name, (times.get(name) ?? 0) + performance.now() - started);
        }
      };
    };
    Object.defineProperty(wrapped, 'name', { value: plugin.name });
    processor.use(wrapped as Plugin, ...(options as []));
  });
  return processor.freeze() as unknown as ChapterProcessor;
}

export async function pluginTimes(manuscript: string): Promise<PluginTimes> {
  let result: PluginTimes = { steps: [], total: 0 };
  for (let round = 0; round < 2; round++) {
    const book = await loadBook(manuscript);
    const times = new Map<string, number>([['parse', 0]]);
    const processor = timedProcessor(createChapterProcessor(book.config), times);
    for (const chapter of book.chapters) {
      const file = chapter.file;
      const context: ChapterContext = {
        key: chapter.key,
        source: chapter.source,
        number: chapter.number,
        language: book.config.language,
        resolveAsset: (href) => book.registry.resolve(file.path, href),
      };
      file.data.chapter = context;
      file.data.frontmatter = chapter.frontmatter;
      const started = performance.now();
      const tree = processor.parse(file);
      times.set('parse', times.get('parse')! + performance.now() - started);
      processor.runSync(tree, file);
    }
    const steps = [...times];
    result = { steps, total: steps.reduce((sum, [, ms]) => sum + ms, 0) };
  }
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const manuscript = process.argv[2];
  if (!manuscript) {
    process.stderr.write('usage: tsx tools/bench/plugins.ts <manuscript>\n');
    process.exit(2);
  }
  const { steps, total } = await pluginTimes(manuscript);
  process.stdout.write(`Chapter pipeline, JIT warm (second pass), ${total.toFixed(0)} ms in all:\n`);
  for (const [name, ms] of [...steps].sort((a, b) => b[1] - a[1])) {
    process.stdout.write(
      `  ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(6)} ms  ${name}\n`,
    );
  }
}
