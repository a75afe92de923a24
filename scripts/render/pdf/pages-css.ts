import type { PdfConfig } from '../../model/config/schema.ts';
import { presetOf } from '../../model/config/presets.ts';

/** Lengths in millimetres; CSS gets them back as `…mm`. */
const UNIT_MM: Record<string, number> = { mm: 1, cm: 10, in: 25.4, pt: 25.4 / 72, px: 25.4 / 96 };

export function toMm(length: string): number {
  const match = /^(\d+(?:\.\d+)?)(mm|cm|in|pt|px)$/.exec(length.trim());
  if (!match) throw new Error(`Not a CSS length: ${length}`);
  return Number(match[1]) * UNIT_MM[match[2]!]!;
}

const mm = (value: number) => `${Number(value.toFixed(3))}mm`;

export interface Margins {
  top: number;
  bottom: number;
  inner: number;
  outer: number;
}

export interface Geometry {
  /** Trim size, the finished page. */
  width: number;
  height: number;
  margins: Margins;
  /** Bleed beyond the trim on every side (0 when none). */
  bleed: number;
  /** Room beyond the trim for bleed and crop marks: the sheet is trim + 2 × this. */
  extra: number;
  cropMarks: boolean;
  /** Crop marks were asked for and the preset's service refuses them. */
  cropMarksRefused?: boolean;
  /** Base font size in points, from the trim width. */
  fontSize: number;
}

const TRIMS: Record<string, [number, number]> = {
  '6x9in': [152.4, 228.6],
  '5.5x8.5in': [139.7, 215.9],
  '7x10in': [177.8, 254],
  A5: [148, 210],
  A4: [210, 297],
  Letter: [215.9, 279.4],
};

/** Margins a book designer would start from: generous inner (binding) margin, room for heads and folios. */
function defaultMargins(width: number): Margins {
  if (width >= 200) return { top: 24, bottom: 24, inner: 27, outer: 21 };
  if (width >= 170) return { top: 21, bottom: 21, inner: 23, outer: 18 };
  return { top: 19, bottom: 19, inner: 20, outer: 15 };
}

/** Crop marks sit outside the bleed; this much paper beyond the trim holds both. */
const MARK_AREA_MM = 10;

/**
 * The page for book.yaml's `output.pdf`. A preset (model/config/presets.ts) raises the margins to the service's minimums (the gutter for `pageCount` pages: thicker books need more), turns
 * bleed on where the service prints every file with it, and takes crop marks off where they are refused.
 */
export function pageGeometry(pdf: PdfConfig, printMarks = false, pageCount = 0): Geometry {
  const preset = presetOf(pdf);
  const trim = pdf.trim;
  const [width, height] = typeof trim === 'string' ? TRIMS[trim]! : [toMm(trim.width), toMm(trim.height)];
  const defaults = defaultMargins(width);
  const asked = printMarks || pdf.crop_marks;
  const cropMarks = asked && !preset?.noCropMarks;
  // Printers want 3 mm of bleed with marks unless the book says otherwise.
  // A preset's service gives its own bleed (0.125 in) for a book that bleeds.
  const bleed = pdf.bleed
    ? toMm(pdf.bleed)
    : preset && (preset.bleedByDefault || asked)
      ? preset.bleed * 25.4
      : cropMarks
        ? 3
        : 0;
  if (preset) {
    const outside = (bleed > 0 ? preset.outside.bleed : preset.outside.plain) * 25.4;
    defaults.top = Math.max(defaults.top, outside);
    defaults.bottom = Math.max(defaults.bottom, outside);
    defaults.outer = Math.max(defaults.outer, outside);
    defaults.inner = Math.max(defaults.inner, preset.gutter(pageCount) * 25.4);
  }
  const margins: Margins = {
    top: pdf.margins.top ? toMm(pdf.margins.top) : defaults.top,
    bottom: pdf.margins.bottom ? toMm(pdf.margins.bottom) : defaults.bottom,
    inner: pdf.margins.inner ? toMm(pdf.margins.inner) : defaults.inner,
    outer: pdf.margins.outer ? toMm(pdf.margins.outer) : defaults.outer,
  };
  const extra = cropMarks ? Math.max(MARK_AREA_MM, bleed + 6) : bleed;
  const fontSize = width >= 200 ? 11 : width >= 170 ? 10.5 : 10;
  return { width, height, margins, bleed, extra, cropMarks, cropMarksRefused: asked && !cropMarks, fontSize };
}

/** A CSS string literal. */
export function cssString(text: string): string {
  return `"${text
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/[\n\r\f]+/g, ' ')
    .replace(/[\u0000-\u001f\u007f]/g, '')}"`;
}

export type PageGroupKind = 'plain-front' | 'blank-front' | 'blank' | 'part' | 'front-chapter' | 'chapter';

export interface PageGroup {
  /** CSS page name (`ch-3`). */
  name: string;
  kind: PageGroupKind;
  /** Running head on recto pages (the chapter title). */
  head?: string;
}

export interface PageCssOptions {
  geometry: Geometry;
  /** Running head on verso pages: the book title. */
  bookTitle: string;
  groups: PageGroup[];
  /** Right-to-left books open the other way: rectos are left-hand pages. */
  rtl: boolean;
  /** Body folios in Persian digits (output.pdf.persian_digits). */
  persianDigits?: boolean;
  /** A script without italic (Persian, Arabic): running heads in its own font, upright (render/script-css.ts). */
  noItalic?: boolean;
}

/**
 * The page rules for one book: size and mirrored margins, then one named page
 * per chapter. Chromium prints named pages and margin boxes natively but has
 * no `string-set` and no `:first` per named page, so each chapter also counts
 * its own pages (`galley-N`) and a counter style prints nothing for its first
 * page and the title for the rest: no running head on chapter openings,
 * without any script. Front matter holds the page counter at 0 and counts in
 * `galley-front` instead, so the body starts at 1 and front folios are roman.
 */
export function pageCss(options: PageCssOptions): string {
  const { geometry: g, groups } = options;
  const sheetW = g.width + 2 * g.extra;
  const sheetH = g.height + 2 * g.extra;
  const top = g.margins.top + g.extra;
  const bottom = g.margins.bottom + g.extra;
  const inner = g.margins.inner + g.extra;
  const outer = g.margins.outer + g.extra;
  const verso = options.rtl ? 'right' : 'left';
  const lines: string[] = [];
  lines.push(
    `/* Generated by Galley from book.yaml (output.pdf): trim ${mm(g.width)} × ${mm(g.height)}${g.bleed ? `, bleed ${mm(g.bleed)}` : ''}${g.cropMarks ? ', crop marks' : ''}. */`,
    `:root { --galley-font-size: ${g.fontSize}pt; --galley-head-gap: ${mm(Math.min(g.margins.top * 0.45, 8))}; --galley-content-height: ${mm(g.height - g.margins.top - g.margins.bottom - 2)}; }`,
    `@page {`,
    `  size: ${mm(sheetW)} ${mm(sheetH)};`,
    `  margin: ${mm(top)} ${mm(outer)} ${mm(bottom)} ${mm(inner)};`,
    `}`,
    `@page :left { margin-left: ${mm(outer)}; margin-right: ${mm(inner)}; }`,
    `@page :right { margin-left: ${mm(inner)}; margin-right: ${mm(outer)}; }`,
    // A wide table turned sideways (output.pdf.wide_tables: rotate): laid out landscape, the sheet stays portrait.
    `@page galley-rotated { size: ${mm(sheetH)} ${mm(sheetW)}; page-orientation: rotate-left; margin: ${mm(outer)} ${mm(top)} ${mm(inner)} ${mm(bottom)}; }`,
  );
  // The book title on versos, shared by every chapter: its counter says whether this is the opening page.
  lines.push(`@counter-style galley-book-head { system: fixed 1; symbols: ""; fallback: galley-book-head-text; }`);
  lines.push(`@counter-style galley-book-head-text { system: cyclic; symbols: ${cssString(options.bookTitle)}; }`);
  const headFont = options.noItalic ? '"Galley Persian", "Galley Serif", serif' : '"Galley Serif", serif';
  const headBox = (corner: string) =>
    `font-family: ${headFont}; font-size: 8.5pt; font-style: ${options.noItalic ? 'normal' : 'italic'}; letter-spacing: ${options.noItalic ? '0' : '0.02em'}; color: ${options.noItalic ? '#555' : '#333'}; vertical-align: bottom; padding-bottom: var(--galley-head-gap); white-space: nowrap; text-align: ${corner};`;
  const folioBox = (corner: string) =>
    `font-family: ${headFont}; font-size: 9pt; font-variant-numeric: lining-nums tabular-nums; color: #222; vertical-align: top; padding-top: var(--galley-head-gap); text-align: ${corner};`;
  for (const [index, group] of groups.entries()) {
    const counter = `galley-${index}`;
    const front = group.kind === 'plain-front' || group.kind === 'blank-front' || group.kind === 'front-chapter';
    const increments = [
      front ? 'page 0 galley-front 1' : '',
      group.kind === 'front-chapter' || group.kind === 'chapter' ? `${counter} 1` : '',
    ]
      .filter(Boolean)
      .join(' ');
    lines.push(`@page ${group.name} {${increments ? ` counter-increment: ${increments};` : ''} }`);
    if (group.kind !== 'front-chapter' && group.kind !== 'chapter') continue;
    // Persian has no roman numerals: front matter counts in Persian digits too.
    const folio =
      group.kind === 'front-chapter'
        ? `counter(galley-front, ${options.persianDigits ? 'persian' : 'lower-roman'})`
        : options.persianDigits
          ? 'counter(page, persian)'
          : 'counter(page)';
    lines.push(
      `@counter-style galley-head-${index} { system: fixed 1; symbols: ""; fallback: galley-head-${index}-text; }`,
    );
    lines.push(`@counter-style galley-head-${index}-text { system: cyclic; symbols: ${cssString(group.head ?? '')}; }`);
    for (const page of ['left', 'right'] as const) {
      const head =
        page === verso ? `counter(${counter}, galley-book-head)` : `counter(${counter}, galley-head-${index})`;
      // The outer edge of a left-hand page is its left side, whichever way the book reads.
      const edge = page;
      lines.push(
        `@page ${group.name}:${page} {`,
        `  @top-${edge} { content: ${head}; ${headBox(edge)} }`,
        `  @bottom-${edge} { content: ${folio}; ${folioBox(edge)} }`,
        `}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}
