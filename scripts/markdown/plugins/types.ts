import type { Difficulty } from '../../model/book/types.ts';
import type { BibEntry } from './remark-citations.ts';

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

declare module 'vfile' {
  interface DataMap {
    chapter: ChapterContext;
    frontmatter: Record<string, unknown>;
    /** The copyright footer line found at the end of the source, if any. */
    sourceFooter: { text: string; line: number; column: number };
    questions: CollectedQuestion[];
    formulas: number;
    /**
     * Set by the loader, needed while processing: the folder no path may
     * leave, the bibliography for citations, names of code languages.
     */
    boundary: string;
    bibliography: globalThis.Map<string, BibEntry>;
    languageNames: Record<string, string>;
    /** How heading ids are made: GitHub's slugs, or mdBook's for mdBook books. */
    slugStyle: 'github' | 'mdbook';
  }
}
