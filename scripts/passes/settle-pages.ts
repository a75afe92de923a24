/**
 * The book passes and the page model for a build that takes unchanged pages
 * from the page cache (passes/cache/page-cache.ts): a chapter whose page key
 * is cached is "settled": its tree stays unparsed, the passes' messages,
 * headings and ids come from the entry, and the renderers take its markup.
 * Every other chapter goes through the same passes as in a plain build
 * (`BookPipeline.run`), one chapter at a time, so the result is the plain
 * build's: tests/page-cache.test.ts compares the bytes.
 */
import type { LoadedBook } from '../model/book/load.ts';
import type { Chapter, Question } from '../model/book/types.ts';
import { bookPages, type Page } from '../model/pages.ts';
import { pruneCache, restoreMessages, storeMessages } from './cache/chapter-cache.ts';
import type { BuildCache } from '../model/build-cache.ts';
import { dependenciesUnchanged, trackDependencies } from './cache/dependencies.ts';
import { statDigests } from './cache/stat-digest.ts';
import { trackedByGit } from '../util/cache-location.ts';
import {
  bookDigest,
  pageCacheDir,
  pageKey,
  readPage,
  writePage,
  type PageEntry,
  type PageVariant,
} from './cache/page-cache.ts';
import { resolveCover } from './cover.ts';
import { resolveLinks } from './links.ts';
import { crossrefTargets, resolveCrossrefs } from './crossrefs.ts';
import { chapterCacheKey, loadTree, treePending } from './process-chapters.ts';
import { buildQuestionsIndex, isQuestionsIndex, linkQuestionsBack, questionParts } from './questions-index.ts';

export type { PageVariant };

/** What a build with the page cache knows after the passes. */
export interface SettledPages {
  pages: Page[];
  /** The page cache folder. */
  dir: string;
  /** Chapters whose page came from the cache, with its entry. */
  settled: Map<Chapter, PageEntry>;
  /** The other chapters with a page key: what their entry is to hold besides the markup, once rendered. */
  fresh: Map<Chapter, Pick<PageEntry, 'messages' | 'dependencies' | 'questions'> & { key: string }>;
}

/**
 * Runs the book passes over a book processed with `lazyTrees`, settling every
 * chapter it can; undefined when a cached tree it needed turned out damaged.
 */
export function settlePages(
  book: LoadedBook,
  cache: BuildCache,
  chaptersDir: string,
  variants: PageVariant[],
  /** What rendering adds to a chapter's page (its diagrams' keys), part of its key. */
  inputs?: (chapter: Chapter) => string[],
): SettledPages | undefined {
  const dir = pageCacheDir(chaptersDir);
  const usable = !trackedByGit(dir);
  const digest = bookDigest(book, isQuestionsIndex);
  // A questions index copies the words of every question: its page is new when any chapter with questions is.
  const questionKeys = book.chapters
    .filter((c) => c.questions.length > 0)
    .map((c) => chapterCacheKey(cache, c) ?? `uncached:${c.source}`);
  const keys = new Map<Chapter, string>();
  const settled = new Map<Chapter, PageEntry>();
  const digests = statDigests(cache);
  for (const chapter of book.chapters) {
    const own = chapterCacheKey(cache, chapter);
    if (!own || !usable) continue;
    const key = pageKey(digest, own, [
      ...(isQuestionsIndex(chapter) ? questionKeys : []),
      ...(inputs?.(chapter) ?? []),
    ]);
    keys.set(chapter, key);
    // Only a chapter whose tree was left unparsed can be settled: one processed now is new anyway.
    if (!treePending(cache, chapter)) continue;
    const entry = readPage(dir, key);
    if (!entry || !dependenciesUnchanged(entry.dependencies, (f) => digests.digest(f))) continue;
    const complete = variants.every((v) => entry.markup[v] !== undefined);
    if (!complete || (variants.includes('epub') && !entry.markup.survey)) continue;
    settled.set(chapter, entry);
  }
  digests.save();

  // Link-backs go to the first index, made while an index is built: with one index new, every index is built.
  const indexes = book.chapters.filter(isQuestionsIndex);
  if (indexes.some((c) => !settled.has(c))) for (const index of indexes) settled.delete(index);
  const open = book.chapters.filter((c) => !settled.has(c));
  for (const chapter of open) if (!loadTree(cache, chapter)) return undefined;
  const rebuilt = indexes.filter((c) => !settled.has(c));
  // The index shows every question's words and whether its number links back: from the entry of a settled
  // chapter, else from the chapter's tree.
  const known = (q: Question) => settled.get(q.chapter)?.questions?.[q.id];
  if (rebuilt.length > 0) {
    for (const chapter of book.chapters) {
      if (chapter.questions.every((q) => known(q)) || loadTree(cache, chapter)) continue;
      return undefined;
    }
  }

  // The passes, in a plain build's order; each open chapter's link check on its own, to know what it reported and probed.
  const fresh: SettledPages['fresh'] = new Map();
  const targets = crossrefTargets(book);
  for (const chapter of open) {
    const from = chapter.file.messages.length;
    const { dependencies } = trackDependencies(book.boundary, () => {
      resolveLinks(book, [chapter]);
      resolveCrossrefs(book, [chapter], targets);
    });
    const key = keys.get(chapter);
    if (key) fresh.set(chapter, { key, messages: storeMessages(chapter.file, from), dependencies });
  }
  if (rebuilt.length > 0) buildQuestionsIndex(book, rebuilt, known);
  else linkQuestionsBack(book, open);
  if (indexes.length > 0) {
    for (const chapter of open) {
      const entry = fresh.get(chapter);
      if (entry && chapter.questions.length > 0) entry.questions = questionParts(chapter);
    }
  }
  resolveCover(book);
  for (const [chapter, entry] of settled) {
    restoreMessages(chapter.file, entry.messages);
    chapter.headings = entry.headings;
    chapter.ids = new Set(entry.ids);
  }
  const pages = bookPages(book, new Map([...settled].map(([chapter, entry]) => [chapter, entry.headingId])));
  cache.pages.stats = { settled: settled.size, open: open.length };
  return { pages, dir, settled, fresh };
}

/** Before rendering: the markup of every page the page cache holds, so no renderer serialises (or needs) its tree. */
export function seedSettledPages(pages: Page[], settled: SettledPages, cache: BuildCache): void {
  for (const page of pages) {
    const entry = page.chapter && settled.settled.get(page.chapter);
    if (entry) cache.markup.set(page.body, { ...entry.markup });
  }
}

/** After rendering: an entry for every page made now, with the markup the renderers made of it. */
export function storeFreshPages(pages: Page[], settled: SettledPages, cache: BuildCache): void {
  for (const page of pages) {
    const chapter = page.chapter;
    const fresh = chapter && settled.fresh.get(chapter);
    const markup = cache.markup.get(page.body);
    if (!chapter || !fresh || markup?.html === undefined) continue;
    writePage(settled.dir, fresh.key, {
      messages: fresh.messages,
      dependencies: fresh.dependencies,
      headings: chapter.headings,
      ids: [...chapter.ids],
      headingId: page.headingId,
      markup: { html: markup.html, epub: markup.epub, survey: markup.survey },
      questions: fresh.questions,
    });
  }
  pruneCache(settled.dir);
}
