import type { PdfConfig } from './schema.ts';

/**
 * What each print-on-demand service asks of an interior and a cover, from its published help pages
 * (docs/decisions/0014-print-for-presses.md cites each figure and marks the ones that are estimates).
 * Lengths in inches, as the services publish them.
 */
export type PresetName = NonNullable<PdfConfig['preset']>;
export type Paper = PdfConfig['paper'];

export interface PrintPreset {
  name: PresetName;
  /** How reports name the service. */
  service: string;
  /** The inside margin for a page count (it grows with the book's thickness). */
  gutter: (pages: number) => number;
  /** Top, bottom and outside margins at least this, without and with bleed. */
  outside: { plain: number; bleed: number };
  /** Text must stay this far inside the trim. */
  safe: number;
  /** Bleed added on every side when the book asks for bleed (0: this service takes no bleed). */
  bleed: number;
  /** The interior bleeds even when book.yaml gives no `bleed` (Lulu builds every file to bleed size). */
  bleedByDefault: boolean;
  /** Crop and registration marks are refused in the interior. */
  noCropMarks: boolean;
  /** The interior must end on a blank page (one is added). */
  blankLastPage: boolean;
  pages: { min: number; max: number };
  /** Below this page count nothing may print on the spine. */
  spineTextMin: number;
  /** Inches per interior page, for the spine. */
  caliper: Record<Paper, number>;
  /** The cover's bleed on every side. */
  coverBleed: number;
  /** The barcode's clear zone on the back cover, from its bottom outer corner inside the trim. */
  barcode: { width: number; height: number; inset: number };
  /** Images print at least this many pixels per inch at their printed size. */
  minDpi: number;
}

/** KDP's gutter table: 24–150 pages 0.375 in, 151–300 0.5, 301–500 0.625, 501–700 0.75, 701–828 0.875. */
function kdpGutter(pages: number): number {
  if (pages <= 150) return 0.375;
  if (pages <= 300) return 0.5;
  if (pages <= 500) return 0.625;
  if (pages <= 700) return 0.75;
  return 0.875;
}

export const PRESETS: Record<PresetName, PrintPreset> = {
  kdp: {
    name: 'kdp',
    service: 'KDP',
    gutter: kdpGutter,
    outside: { plain: 0.25, bleed: 0.375 },
    safe: 0.25,
    bleed: 0.125,
    bleedByDefault: false,
    noCropMarks: false,
    blankLastPage: false,
    pages: { min: 24, max: 828 },
    spineTextMin: 79,
    caliper: { white: 0.002252, cream: 0.0025, colour: 0.002347 },
    coverBleed: 0.125,
    barcode: { width: 2, height: 1.2, inset: 0.25 },
    minDpi: 300,
  },
  ingramspark: {
    name: 'ingramspark',
    service: 'IngramSpark',
    // 0.5 in on every side; the binding side grows as KDP's does for thick books.
    gutter: (pages) => Math.max(0.5, kdpGutter(pages)),
    outside: { plain: 0.5, bleed: 0.5 },
    safe: 0.5,
    bleed: 0.125,
    bleedByDefault: false,
    noCropMarks: true,
    blankLastPage: true,
    pages: { min: 18, max: 1200 },
    spineTextMin: 48,
    caliper: { white: 0.002252, cream: 0.0025, colour: 0.002347 },
    coverBleed: 0.125,
    barcode: { width: 2, height: 1.2, inset: 0.25 },
    minDpi: 300,
  },
  lulu: {
    name: 'lulu',
    service: 'Lulu',
    // A 0.5 in safety margin plus a gutter addition for thicker books.
    gutter: (pages) =>
      0.5 + (pages <= 60 ? 0 : pages <= 150 ? 0.125 : pages <= 400 ? 0.5 : pages <= 600 ? 0.625 : 0.75),
    outside: { plain: 0.5, bleed: 0.5 },
    safe: 0.5,
    bleed: 0.125,
    bleedByDefault: true,
    noCropMarks: true,
    blankLastPage: false,
    pages: { min: 32, max: 800 },
    spineTextMin: 80,
    caliper: { white: 0.0025, cream: 0.0025, colour: 0.0025 },
    coverBleed: 0.125,
    barcode: { width: 2, height: 1.2, inset: 0.25 },
    minDpi: 300,
  },
  'a4-office': {
    name: 'a4-office',
    service: 'an office printer (A4)',
    gutter: () => 25 / 25.4,
    outside: { plain: 20 / 25.4, bleed: 20 / 25.4 },
    safe: 5 / 25.4,
    bleed: 0,
    bleedByDefault: false,
    noCropMarks: true,
    blankLastPage: false,
    pages: { min: 1, max: 10_000 },
    spineTextMin: 100,
    // 80 g/m² office paper: about 0.1 mm a sheet.
    caliper: { white: 0.002, cream: 0.002, colour: 0.002 },
    coverBleed: 0,
    barcode: { width: 2, height: 1.2, inset: 0.25 },
    minDpi: 300,
  },
};

export function presetOf(pdf: PdfConfig): PrintPreset | undefined {
  return pdf.preset ? PRESETS[pdf.preset] : undefined;
}

/** Spine width in inches: interior pages × the paper's thickness per page. */
export function spineWidth(preset: PrintPreset, paper: Paper, pages: number): number {
  return pages * preset.caliper[paper];
}

/** The cover spread's size in inches: back, spine and front side by side, with bleed all round. */
export function coverSize(
  preset: PrintPreset,
  paper: Paper,
  pages: number,
  trim: { width: number; height: number },
): { width: number; height: number; spine: number; bleed: number } {
  const spine = spineWidth(preset, paper, pages);
  const bleed = preset.coverBleed;
  return { width: 2 * trim.width + spine + 2 * bleed, height: trim.height + 2 * bleed, spine, bleed };
}
