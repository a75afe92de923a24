/**
 * The build cache: one object per build (or per `galley dev` session) that
 * every stage is handed, instead of state kept in modules. It names the
 * folders of the three caches on disk (chapter results, settled pages, the
 * EPUB's deflate pack: passes/cache/, render/epub/deflate-cache.ts) and holds
 * what one build learns about its own objects on the way (chapter keys,
 * unparsed trees, page markup) and what it did (stats for progress lines,
 * tests and the benchmark). Two builds in one process share nothing unless
 * they are given the same object.
 */
import type { Element, Root } from 'hast';
import type { Chapter } from './book/types.ts';

/** What render/epub/epub.ts's accessibility metadata counts in a page. */
export interface PageSurvey {
  images: number;
  imagesWithoutAlt: number;
  math: boolean;
}

/** A page's markup per edition variant (safe for XML: render/xhtml.ts `bodyMarkup`), and its survey. */
export interface PageMarkup {
  /** The page body as the HTML intermediate writes it inside `<main>`. */
  html?: string;
  /** The same for the EPUB, which may adapt the tree (MathML 3, right-to-left code). */
  epub?: string;
  survey?: PageSurvey;
}

export interface ProcessStats {
  chapters: number;
  /** Chapters taken from the cache. */
  hits: number;
  /** Chapters processed (on any thread). */
  processed: number;
  /** Of those, processed on worker threads. */
  onWorkers: number;
  workers: number;
}

export interface SettleStats {
  /** Chapters whose page came from the page cache. */
  settled: number;
  /** The others, which went through the passes. */
  open: number;
}

/** What the diagram step did, added up over the editions drawn with this cache. */
export interface DiagramStats {
  /** Diagram fences in the chapters drawn this build (a cached page's are in its markup already). */
  diagrams: number;
  /** Of those, taken from the diagram cache (a drawing, or Mermaid’s refusal to draw it). */
  hits: number;
  /** Drawn in Chromium now. */
  drawn: number;
  /** Diagram pages opened (0 when every diagram was cached). */
  pages: number;
}

/** Included files' hashes, remembered by their stat in the chapter cache folder (passes/cache/stat-digest.ts). */
export interface FileDigests {
  readonly dir?: string;
  /** The file's SHA-256 (hex); undefined when it cannot be read as a file. */
  digest(file: string): string | undefined;
  /** Writes what was learnt, if anything. */
  save(): void;
}

export interface BuildCacheFolders {
  /** The chapter cache folder; undefined for none (`--no-cache`, a folder git tracks or a link). */
  chapters?: string;
  /** The EPUB deflate pack folder; undefined for none. */
  deflate?: string;
  /** The drawn diagrams' folder; undefined for none. */
  diagrams?: string;
  /** The finished PDFs' folder (render/pdf/print-cache.ts); undefined for none. */
  print?: string;
  /** The PDF text layer's results per content stream (render/pdf/text-layer-cache.ts); undefined for none. */
  textLayer?: string;
}

/** What the PDF text layer took from its cache, added up over the PDFs made with this cache. */
export interface TextLayerCacheStats {
  /** Content streams the text layer looked at (in every finish: an adjust round may finish a print it drops). */
  streams: number;
  /** Of those, taken from the cache. */
  reused: number;
  /** Of all, those the text layer changed (soft hyphens out, hyphenated words joined), computed or reused. */
  rewritten: number;
}

export class BuildCache {
  readonly chapters: {
    readonly dir?: string;
    /** Each chapter's cache key, from the last `processChapters` that computed it. */
    readonly keys: WeakMap<Chapter, string>;
    /** Chapters taken from the cache whose trees are not parsed yet (`lazyTrees`). */
    readonly unparsed: WeakMap<Chapter, () => Root | undefined>;
    stats?: ProcessStats;
    /** Opened by the first `processChapters` with this cache; a `galley dev` session keeps it warm. */
    digests?: FileDigests;
  };
  readonly pages: { stats?: SettleStats } = {};
  readonly deflate: { readonly dir?: string };
  readonly diagrams: { readonly dir?: string; stats?: DiagramStats };
  /** Finished PDFs by composed document; `hits` counts the prints this cache spared. */
  readonly print: { readonly dir?: string; hits: number };
  /** The text layer's results by content stream; `stats` says how many it took from there. */
  readonly textLayer: { readonly dir?: string; stats: TextLayerCacheStats };
  /**
   * Each page body serialised once: the HTML intermediate and the EPUB write
   * the same markup unless the EPUB adapts it; the page cache seeds it for
   * pages whose tree was never decoded. Kept per body object, so a new page
   * model (a dev update) makes new entries and the old ones go with it.
   */
  readonly markup = new WeakMap<Element, PageMarkup>();

  constructor(folders: BuildCacheFolders = {}) {
    this.chapters = { dir: folders.chapters, keys: new WeakMap(), unparsed: new WeakMap() };
    this.deflate = { dir: folders.deflate };
    this.diagrams = { dir: folders.diagrams };
    this.print = { dir: folders.print, hits: 0 };
    this.textLayer = { dir: folders.textLayer, stats: { streams: 0, reused: 0, rewritten: 0 } };
  }
}
