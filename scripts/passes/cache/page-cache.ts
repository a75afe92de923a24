/**
 * Finished pages kept between builds: for each chapter, the serialised
 * markup of its page (HTML intermediate and EPUB variants), and what the
 * book passes did to the chapter (the messages they reported, the headings
 * and ids it ended with, the files they probed). A warm build whose chapter
 * and book-wide context did not change takes all of that from here and never
 * parses the chapter's tree.
 *
 * The key is honest about what a page depends on:
 * - the chapter's own cache key (its text, front matter, settings, toolchain:
 *   everything its processing read, chapter-cache.ts);
 * - a digest of everything the book passes and page model read of the other
 *   chapters and of the book (`bookDigest`): the whole config, the contents,
 *   every chapter's name, title, number, matter and ids (link targets), and
 *   which chapters are question indexes;
 * - for a questions index, the cache keys of every chapter with questions,
 *   whose words it copies.
 * Files the passes probed on disk (a link to a file that is not a chapter)
 * are checked again before an entry is used. Entries carry an HMAC like the
 * chapter cache's, so a damaged or forged entry is a miss, never a wrong page.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ElementContent } from 'hast';
import type { LoadedBook } from '../../model/book/load.ts';
import type { Chapter, Heading, TocEntry } from '../../model/book/types.ts';
import type { StoredMessage } from './chapter-cache.ts';
import { toolchainVersion } from '../../util/toolchain-version.ts';
import type { PageMarkup, PageSurvey } from '../../model/build-cache.ts';
import { cacheSecret } from '../../util/cache-location.ts';
import { decodeSigned, encodeSigned, writeCacheFile } from '../../util/signed-entry.ts';
import type { Dependency } from './dependencies.ts';

const PAGE_FORMAT = 'galley-page-cache/3';
const HEADER = 'galley-page 1';

/** Which renderings of a page an entry holds. */
export type PageVariant = 'html' | 'epub';

export type { PageMarkup, PageSurvey };

export interface PageEntry {
  /** What the book passes reported on the chapter, in order. */
  messages: StoredMessage[];
  /** Files the book passes probed for the chapter (links to files that are not chapters). */
  dependencies: Dependency[];
  /** The chapter's headings and ids once every pass and the page model were done with it. */
  headings: Heading[];
  ids: string[];
  /** Id of the page's main heading. */
  headingId: string;
  markup: PageMarkup;
  /** What a questions index shows of each of the chapter's questions, by id (when the book has an index). */
  questions?: Record<string, { linked: boolean; content: ElementContent[] }>;
}

/** `pages/` beside the chapter cache's `chapters/`. */
export function pageCacheDir(chaptersDir: string): string {
  return path.join(path.dirname(chaptersDir), 'pages');
}

function tocShape(entries: TocEntry[]): unknown[] {
  return entries.map((e) => [
    e.kind,
    e.title,
    e.source,
    e.number,
    e.matter,
    e.part ?? false,
    e.implicit ?? false,
    e.chapter?.key,
    tocShape(e.children),
  ]);
}

/**
 * What the book passes (links, questions index, link-backs) and the page model
 * read of the book besides a chapter itself. Any change here makes every page
 * new: a renamed heading another chapter may link to, a retitled chapter (the
 * pager), a setting.
 */
export function bookDigest(book: LoadedBook, isQuestionsIndex: (chapter: Chapter) => boolean): string {
  const chapters = book.chapters.map((c) => [
    c.key,
    c.source,
    c.outName,
    c.title,
    c.number ?? null,
    c.matter,
    isQuestionsIndex(c),
    [...c.ids],
    // Numeric citations are numbered across the book, and the bibliography lists every chapter's works.
    c.citations ?? [],
    c.frontmatter.generate === 'bibliography',
  ]);
  return createHash('sha256')
    .update(
      JSON.stringify([
        PAGE_FORMAT,
        toolchainVersion(),
        book.config,
        book.root,
        book.boundary,
        book.numbering,
        tocShape(book.toc),
        chapters,
      ]),
    )
    .digest('hex');
}

/** The key of a chapter's page: its own cache key, the book's digest, and what else it reads (`extra`). */
export function pageKey(digest: string, chapterKey: string, extra: string[] = []): string {
  return createHash('sha256')
    .update(JSON.stringify([digest, chapterKey, extra]))
    .digest('hex');
}

const entryFile = (dir: string, key: string) => path.join(dir, key.slice(0, 2), `${key}.json`);
/** The signed entry's label: the format and the key, so an entry renamed to another key is refused. */
const label = (key: string) => `${HEADER} ${key}`;

function isEntry(value: unknown): value is PageEntry {
  const v = value as PageEntry;
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray(v.messages) &&
    Array.isArray(v.dependencies) &&
    Array.isArray(v.headings) &&
    Array.isArray(v.ids) &&
    typeof v.headingId === 'string' &&
    typeof v.markup === 'object' &&
    v.markup !== null
  );
}

/** The entry under `key`, or undefined when there is none or it is damaged. */
export function readPage(dir: string, key: string): PageEntry | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(entryFile(dir, key));
  } catch {
    return undefined;
  }
  const [json] = decodeSigned(cacheSecret(dir), label(key), key, bytes) ?? [];
  if (!json) return undefined;
  try {
    const value: unknown = JSON.parse(json.toString('utf8'));
    if (!isEntry(value)) return undefined;
    // Stored once when the EPUB's markup is the HTML's (`writePage`).
    if ((value.markup.epub as unknown) === SAME) value.markup.epub = value.markup.html;
    return value;
  } catch {
    return undefined;
  }
}

/** Stands for the EPUB's markup where it is the HTML intermediate's (most pages): a page's markup is kept once. */
const SAME = 0;

/** Writes an entry atomically; a cache that cannot be written is skipped silently. */
export function writePage(dir: string, key: string, entry: PageEntry): void {
  const { markup } = entry;
  const same = markup.epub !== undefined && markup.epub === markup.html;
  const json = JSON.stringify(same ? { ...entry, markup: { ...markup, epub: SAME } } : entry);
  writeCacheFile(entryFile(dir, key), encodeSigned(cacheSecret(dir), label(key), key, [json]));
}
