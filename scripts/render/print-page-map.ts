/**
 * Where each printed page of the PDF starts, in terms the EPUB can find again:
 * the PDF renderer reads it from its own text (render/pdf/page-starts.ts) when the same run
 * also makes the EPUB, which places a page-break marker there and lists the
 * markers in its `page-list` (render/epub/page-list.ts).
 */

/** One printed page's start. */
export interface PageStart {
  /** 0-based index of the page in the PDF. */
  index: number;
  /** The folio printed on it (roman front matter, arabic body, Persian digits when the edition asks). */
  label: string;
  /** Key of the book page (one EPUB content document) the marker goes in. */
  key: string;
  /** Characters before the marker in that page's body, counted by `countedText` (no spaces, no soft hyphens). */
  offset: number;
  /** The counted characters that follow in print, to find the place again if the EPUB's text moved. */
  probe: string;
  /** The page starts with an element that has no text of its own (an image, a diagram, math): `tag:n`. */
  element?: string;
  /** A page with nothing of its own (a blank verso): the marker goes at the end of `key`'s body. */
  atEnd?: boolean;
}

export interface PrintPageMap {
  /** Pages in print order, from the first page whose content the EPUB holds. */
  starts: PageStart[];
  /** Pages the PDF has. */
  pages: number;
}

/** Elements marked as a whole: their inside gets no marker (MathML and SVG cannot hold an HTML span). */
export const WHOLE_ELEMENTS = ['img', 'svg', 'math', 'video', 'audio', 'canvas', 'iframe', 'object'];

/** The text both sides count: whitespace and soft hyphens (print-only, from hyphenation) are left out. */
export const UNCOUNTED = /[\s\u00ad]/gu;

/** Print-only text: a page reference's filled slot ("on page 5"), empty in the EPUB. */
export const PRINT_ONLY_CLASS = 'page-ref';
