import type { Difficulty } from '../book/types.ts';

export interface ChapterContext {
  key: string;
  source: string;
  number?: string;
  /** The book's language, for the words Galley adds (badge names). */
  language?: string;
  /** Resolves a local image reference to its path inside the outputs, or explains why not. */
  resolveAsset?: (href: string) => { target: string } | { error: string };
}

export interface CollectedQuestion {
  id: string;
  number: string;
  difficulty: Difficulty;
  text: string;
}

declare module 'vfile' {
  interface DataMap {
    chapter: ChapterContext;
    frontmatter: Record<string, unknown>;
    /** The copyright footer line found at the end of the source, if any. */
    sourceFooter: { text: string; line: number; column: number };
    questions: CollectedQuestion[];
    formulas: number;
  }
}
