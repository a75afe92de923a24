import type { InlinePart } from '../util/textdiff.ts';

/** What `galley diff` found changed, chapter by chapter: shared by the diff and the page matching of its hunks. */
export type Hunk =
  | { kind: 'changed'; before: string; after: string; parts: InlinePart[]; question?: string }
  | { kind: 'removed'; before: string; question?: string }
  | { kind: 'added'; after: string; question?: string };

export interface SectionDiff {
  id: string;
  title: string;
  status: 'added' | 'removed' | 'changed';
  hunks: Hunk[];
  /** Numbers (or ids) of the questions whose text changed. */
  questions: string[];
}

export interface ChapterDiff {
  source: string;
  title: string;
  number?: string;
  status: 'added' | 'removed' | 'changed';
  sections: SectionDiff[];
}
