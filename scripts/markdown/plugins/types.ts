import type { ChapterStats, Difficulty } from '../../model/book/types.ts';
import type { DiagramFence } from './remark-mermaid.ts';

export interface ChapterContext {
  key: string;
  source: string;
  number?: string;
  /** The book's language, for the words Galley adds (badge names). */
  language?: string;
  /** The chapter's title from the TOC (or front matter): a first heading that matches it is the page's title. */
  title?: string;
  /** The title is Galley's, not the author's (HonKit's implicit "Introduction"): the first heading is the page's title. */
  titleFromHeading?: boolean;
  /** Whose numbers questions continue: Galley's chapter and section numbers, or the author's in the headings. */
  numbering?: 'galley' | 'author' | 'none';
  /** The number the author gave the chapter ("5.1"), for questions before any numbered heading. */
  authorNumber?: string;
  /** Resolves a local image reference to its path inside the outputs, or explains why not. */
  resolveAsset?: (href: string) => { target: string } | { error: string };
}

export interface CollectedQuestion {
  id: string;
  number: string;
  difficulty: Difficulty;
  text: string;
  /** Ids the question had before (formulas once dropped from ids): alias anchors in the chapter. */
  aliases?: string[];
}

/** One `:index[…]` place (remark-index-terms): what the book's index lists, and the marker's id. */
export interface IndexTerm {
  id: string;
  term: string;
  sub?: string;
  /** "see …": the entry points to another term instead of a page. */
  see?: string;
  /** "see also …". */
  also?: string;
  line?: number;
  column?: number;
}

/** What rehype-collect records, so book passes, navigation and the summary never walk the tree again. */
export interface Collected {
  headings: { id: string; depth: number; text: string }[];
  ids: string[];
  stats: ChapterStats;
}

/**
 * The `file.data` contract of the chapter pipeline, in one place. Two kinds
 * of key, each set by one party:
 * - `ChapterInput`: set per chapter by whoever runs the pipeline (process-chapters);
 * - `ChapterOutput`: written by the stages, read by the collector and the book
 *   passes; a cached or worker result carries exactly these keys back.
 * Per-book settings are not here: the stages take them as options
 * (`ChapterSettings`, given to createChapterProcessor).
 */
export interface ChapterInput {
  chapter: ChapterContext;
  frontmatter: Record<string, unknown>;
}

export interface ChapterOutput {
  /** remark-source-footer: the copyright footer line found at the end of the source, if any. */
  sourceFooter: { text: string; line: number; column: number };
  /** rehype-questions. */
  questions: CollectedQuestion[];
  /** rehype-math; rehype-collect reads it, so math runs first. */
  formulas: number;
  /** rehype-collect, last. */
  collected: Collected;
  /** remark-imports and the includes: bytes and count they brought in (model/book/included.ts). */
  included: { bytes: number; count: number; refused?: boolean };
  /** remark-crossrefs: the bibliography keys the chapter cites, in order of first citation. */
  citations: string[];
  /** remark-index-terms: the chapter's index terms in reading order. */
  indexTerms: IndexTerm[];
  /** remark-mermaid: the chapter's diagram fences in reading order (render/diagrams draws them). */
  diagrams: DiagramFence[];
}

declare module 'vfile' {
  // The union of the two kinds above.
  interface DataMap extends ChapterInput, ChapterOutput {}
}

/** Keys of `ChapterInput`: never taken for loader data, never stored as output. */
export const INPUT_KEYS: ReadonlySet<string> = new Set(
  Object.keys({ chapter: true, frontmatter: true } satisfies Record<keyof ChapterInput, true>),
);

/** Keys of `ChapterOutput`, checked against it by the compiler: what the collector and the cache carry. */
export const OUTPUT_KEYS: ReadonlySet<string> = new Set(
  Object.keys({
    sourceFooter: true,
    questions: true,
    formulas: true,
    collected: true,
    included: true,
    citations: true,
    indexTerms: true,
    diagrams: true,
  } satisfies Record<keyof ChapterOutput, true>),
);
