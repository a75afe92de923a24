/**
 * Mermaid fences as `galley build` draws them, so a pull request's diagram
 * that will not draw fails `galley check`, not the build after the merge.
 * Only a browser says so exactly: Mermaid's parser needs a DOM (DOMPurify),
 * and a drawing can still fail after a clean parse (a render error, a
 * `foreignObject`). So this is the build's own step (render/diagrams): the
 * same messages at the same fences, drawings from the diagram cache cost
 * nothing, and each new drawing lands in that cache for the build. Decision
 * 0016, "Round six: check and diagrams".
 */
import type { LoadedBook } from '../model/book/load.ts';
import type { Chapter } from '../model/book/types.ts';
import type { BuildCache } from '../model/build-cache.ts';
import type { GalleyBrowser } from '../render/browser.ts';

/**
 * A diagram not checked because no Chromium is installed: a warning (book.yaml's `checks:` can make it an error);
 * the build, which cannot draw it either, errs.
 */
export const DIAGRAM_UNCHECKED = 'diagram-unchecked';

export interface DiagramCheckOptions {
  /** Called only when a diagram is not in the cache. */
  browser: () => Promise<GalleyBrowser>;
  /** The chapters whose diagrams to draw (`--changed-since`); every chapter when unset. */
  only?: (chapter: Chapter) => boolean;
}

/**
 * Draws the book's diagrams (or takes them from the cache); a diagram that will not draw is an error at its fence.
 * A book without a fence loads none of the drawing code and asks for no browser.
 */
export async function checkDiagrams(book: LoadedBook, cache: BuildCache, options: DiagramCheckOptions): Promise<void> {
  const { only } = options;
  const chapters = book.chapters.filter(
    (chapter) => (chapter.file.data.diagrams?.length ?? 0) > 0 && (!only || only(chapter)),
  );
  if (chapters.length === 0) return;
  const { drawDiagrams } = await import('../render/diagrams/diagrams.ts');
  // The drawings go into the chapters' trees, which `check` writes nowhere; the messages go to the chapters' files.
  await drawDiagrams({ ...book, chapters }, cache, { browser: options.browser, noBrowserRule: DIAGRAM_UNCHECKED });
}
