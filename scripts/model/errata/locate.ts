import type { Book, Chapter, Heading, Question } from '../book/types.ts';
import { nearest } from '../../util/suggest.ts';

export interface ResolvedLocation {
  chapter: Chapter;
  /** The anchor, when the location names one. */
  id?: string;
  question?: Question;
  heading?: Heading;
  /** `part-2-ml-fundamentals.xhtml#metrics`: where the location lands in every output. */
  href: string;
  /** What a reader is shown: `Question 5.3.2`, a section title, or the chapter's title. */
  label: string;
}

export type Resolution = { ok: true; location: ResolvedLocation } | { ok: false; reason: string };

/** Reading-order label of a chapter: `5 Machine learning fundamentals`, `Preface`. */
export function chapterLabel(chapter: Chapter): string {
  return chapter.number ? `${chapter.number} ${chapter.title}` : chapter.title;
}

function describe(chapter: Chapter, id: string | undefined, words: { question: string }): ResolvedLocation {
  const href = id ? `${chapter.outName}#${id}` : chapter.outName;
  if (!id) return { chapter, href, label: chapter.title };
  const question = chapter.questions.find((q) => q.id === id || q.aliases?.includes(id));
  if (question) return { chapter, id, question, href, label: `${words.question} ${question.number}` };
  const heading = chapter.headings.find((h) => h.id === id);
  if (heading && heading.depth > 1) return { chapter, id, heading, href, label: heading.text };
  return { chapter, id, heading, href, label: chapter.title };
}

/**
 * Resolves an erratum's location against the processed book (after the
 * chapter pipeline, so headings and question ids are known):
 * `chapter.md#anchor`, `chapter.md`, or a bare id found in exactly one chapter
 * (question ids are unique within a book). A miss gets a "did you mean".
 */
export function resolveLocation(
  book: Pick<Book, 'chapters'>,
  location: string,
  words = { question: 'Question' },
): Resolution {
  const value = location.trim();
  const hash = value.indexOf('#');
  const filePart = hash < 0 ? value : value.slice(0, hash);
  const id = hash < 0 ? undefined : value.slice(hash + 1);
  if (hash >= 0 && !id) return { ok: false, reason: `\`${location}\` has an empty anchor after \`#\`` };
  if (!filePart && id) return resolveLocation(book, id, words);
  if (!value) return { ok: false, reason: 'The location is empty: write `part/chapter.md#anchor` or a question id' };
  const isFile = /\.(md|markdown)$/i.test(filePart);
  if (filePart && !isFile) {
    if (hash >= 0)
      return { ok: false, reason: `\`${filePart}\` is not a chapter file: write \`part/chapter.md#anchor\`` };
    // A bare id: a question id (or any anchor) that occurs in exactly one chapter.
    const holders = book.chapters.filter((c) => c.ids.has(value));
    if (holders.length === 1) return { ok: true, location: describe(holders[0]!, value, words) };
    if (holders.length > 1) {
      return {
        ok: false,
        reason: `\`${value}\` is an anchor in ${holders.length} chapters (${holders.map((c) => c.source).join(', ')}): write \`chapter.md#${value}\``,
      };
    }
    const hint = nearest(
      value,
      book.chapters.flatMap((c) => c.questions.map((q) => q.id)),
    );
    return {
      ok: false,
      reason: `No question or anchor \`${value}\` in the book${hint ? `; did you mean \`${hint}\`?` : ''}`,
    };
  }
  const source = (filePart || '').replace(/^\.\//, '');
  const chapter = book.chapters.find((c) => c.source === source);
  if (!chapter) {
    const hint = nearest(
      source,
      book.chapters.map((c) => c.source),
    );
    return {
      ok: false,
      reason: `No chapter \`${source}\` in the book's SUMMARY.md${hint ? `; did you mean \`${hint}\`?` : ''}`,
    };
  }
  if (id === undefined) return { ok: true, location: describe(chapter, undefined, words) };
  if (!chapter.ids.has(id)) {
    const hint = nearest(id, chapter.ids);
    return {
      ok: false,
      reason: `No anchor \`#${id}\` in ${chapter.source}${hint ? `; did you mean \`#${hint}\`?` : ''}`,
    };
  }
  return { ok: true, location: describe(chapter, id, words) };
}
