import type { Root as HastRoot } from 'hast';
import type { VFile } from 'vfile';
import type { Position } from 'unist';
import type { BookConfig } from '../config/schema.ts';

export type Matter = 'front' | 'body' | 'back';

/** Whose numbers print: Galley's from the TOC, the author's in the titles, or none. */
export type NumberingMode = 'galley' | 'author' | 'none';

export interface TocEntry {
  kind: 'chapter' | 'part' | 'draft';
  title: string;
  /** Source path relative to the manuscript root, with forward slashes. */
  source?: string;
  /** Number from the TOC (`2`, `2.1`), body matter only. */
  number?: string;
  matter: Matter;
  depth: number;
  children: TocEntry[];
  position?: Position;
  chapter?: Chapter;
  /** Key of the page this entry renders to (chapters and parts). */
  pageKey?: string;
  /** A chapter entry that is a part ("Part I. Overview" with entries under it): a part page with the file's text. */
  part?: boolean;
  /** Added by Galley, not written by the author (HonKit's README as "Introduction"): the file's first heading is its page title. */
  implicit?: boolean;
}

export type Difficulty = 'E' | 'M' | 'H';

export interface Question {
  id: string;
  number: string;
  difficulty: Difficulty;
  /** Plain text of the question, for indexes and search (formulas as their TeX). */
  text: string;
  /** Older ids of the question, kept as alias anchors. */
  aliases?: string[];
  chapter: Chapter;
}

export interface Heading {
  id: string;
  depth: number;
  text: string;
}

export interface Chapter {
  /** Unique, filesystem- and URL-safe name derived from the source path. */
  key: string;
  source: string;
  entry: TocEntry;
  file: VFile;
  title: string;
  matter: Matter;
  number?: string;
  /** The number the author wrote in the title or first heading ("5.1.3"), whatever the numbering. */
  authorNumber?: string;
  frontmatter: Record<string, unknown>;
  /** Output file name inside each format (`<key>.xhtml`). */
  outName: string;
  tree?: HastRoot;
  headings: Heading[];
  questions: Question[];
  /** Bibliography keys the chapter cites (`[@key]`), in order of first citation. */
  citations?: string[];
  /** Ids present in the chapter, for link checks. */
  ids: Set<string>;
  /** Counts for the build summary. */
  stats: ChapterStats;
}

/** What a chapter holds, counted for the build summary (rehype-collect). */
export interface ChapterStats {
  formulas: number;
  images: number;
  footnotes: number;
  codeBlocks: number;
  tables: number;
  words: number;
  /** Optional: chapter-cache entries made before listings were counted read as none. */
  listings?: number;
}

export interface Asset {
  /** Absolute real path on disk (inside the manuscript). */
  absolute: string;
  /** Path inside every output (`images/…`), named by content so sources cannot choose it. */
  target: string;
  mediaType: string;
  bytes: Buffer;
}

export interface Book {
  /** The book's own folder: SUMMARY.md and chapter paths are relative to it. */
  root: string;
  /** The folder no resource path may leave (the manuscript, for an edition inside it). */
  boundary: string;
  /** Whose conventions the manuscript follows: Galley's book.yaml, HonKit's book.json, mdBook's book.toml, or none. */
  dialect: 'galley' | 'honkit' | 'mdbook' | 'bare';
  /** Whose numbers print: Galley's from the TOC, the author's in the titles, or none (`numbering` in book.yaml, decided when `auto`). */
  numbering: NumberingMode;
  config: BookConfig;
  configFile: VFile;
  summaryFile: VFile;
  toc: TocEntry[];
  chapters: Chapter[];
  assets: Map<string, Asset>;
  /** The cover image from book.yaml, once resolved. */
  cover?: Asset;
  /** Every file that can carry messages, in a stable order. */
  files: VFile[];
}
