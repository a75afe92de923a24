import type { LoadedBook } from '../book/load.ts';
import type { Chapter } from '../book/types.ts';
import { createChapterProcessor } from '../markdown/processor.ts';
import { report } from '../util/messages.ts';

/** Runs the per-chapter pipeline on one chapter and stores what it produced on the chapter. */
export function processChapter(book: LoadedBook, chapter: Chapter, processor = createChapterProcessor(book.config)) {
  const file = chapter.file;
  file.data.chapter = {
    key: chapter.key,
    source: chapter.source,
    number: chapter.number,
    language: book.config.language,
    resolveAsset: (href) => book.registry.resolve(chapter.file.path, href),
  };
  file.data.frontmatter = chapter.frontmatter;
  try {
    const tree = processor.runSync(processor.parse(file), file);
    chapter.tree = tree;
  } catch (error) {
    // A crash in one chapter must not take the build down without saying where.
    report(file, 'error', `Internal error while processing this chapter: ${(error as Error).message}`, { line: 1, column: 1 }, 'internal');
    chapter.tree = { type: 'root', children: [] };
  }
  const collected = file.data.collected;
  chapter.headings = collected?.headings ?? [];
  chapter.ids = new Set(collected?.ids ?? []);
  chapter.stats = collected?.stats ?? chapter.stats;
  chapter.questions = (file.data.questions ?? []).map((q) => ({ ...q, chapter }));
  const h1 = chapter.headings.find((h) => h.depth === 1);
  if (!chapter.frontmatter.title && !chapter.entry.title && h1) chapter.title = h1.text;
}

export function processChapters(book: LoadedBook, onChapter?: (chapter: Chapter, index: number) => void, options: { lint?: boolean } = {}) {
  const processor = createChapterProcessor(book.config, options);
  book.chapters.forEach((chapter, index) => {
    processChapter(book, chapter, processor);
    onChapter?.(chapter, index);
  });
}
