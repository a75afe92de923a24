import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { EMOJI_SUBSETS, SYMBOLS_RANGE } from './symbol-fonts.ts';

const require = createRequire(import.meta.url);

export interface FontFile {
  family: string;
  weight: number;
  style: 'normal' | 'italic';
  /** Package and file inside it, or (a book's own font) `path`, the file inside the manuscript. */
  pkg: string;
  file: string;
  path?: string;
  /** Name in the outputs' fonts/ folder. */
  target: string;
  licence: string;
  unicodeRange?: string;
}

const LATIN =
  'U+0000-00FF, U+0131, U+0152-0153, U+02BB-02BC, U+02C6, U+02DA, U+02DC, U+0304, U+0308, U+0329, U+2000-206F, U+20AC, U+2122, U+2191, U+2193, U+2212, U+2215, U+FEFF, U+FFFD';
const LATIN_EXT =
  'U+0100-02BA, U+02BD-02C5, U+02C7-02CC, U+02CE-02D7, U+02DD-02FF, U+0304, U+0308, U+0329, U+1D00-1DBF, U+1E00-1E9F, U+1EF2-1EFF, U+2020, U+20A0-20AB, U+20AD-20C0, U+2113, U+2C60-2C7F, U+A720-A7FF';
const ARABIC =
  'U+0600-06FF, U+0750-077F, U+0870-088E, U+0890-0891, U+0897-08E1, U+08E3-08FF, U+200C-200E, U+2010-2011, U+204F, U+2E41, U+FB50-FDFF, U+FE70-FE74, U+FE76-FEFC, U+102E0-102FB, U+10E60-10E7E, U+10EC2-10EC4, U+10EFC-10EFF, U+1EE00-1EEFF';

const serif = (weight: number, style: 'normal' | 'italic', subset = 'latin'): FontFile => ({
  family: 'Galley Serif',
  weight,
  style,
  pkg: '@fontsource/source-serif-4',
  file: `files/source-serif-4-${subset}-${weight}-${style}.woff2`,
  target: `source-serif-4-${subset}-${weight}-${style}.woff2`,
  licence: 'SIL Open Font License 1.1 (Source Serif 4, Adobe)',
  unicodeRange: subset === 'latin' ? LATIN : LATIN_EXT,
});

/** Every font the book embeds, all from npm packages so each build has the same bytes. */
export const FONTS: FontFile[] = [
  serif(400, 'normal'),
  serif(400, 'italic'),
  serif(700, 'normal'),
  serif(700, 'italic'),
  serif(400, 'normal', 'latin-ext'),
  {
    family: 'Galley Mono',
    weight: 400,
    style: 'normal',
    pkg: '@fontsource/ibm-plex-mono',
    file: 'files/ibm-plex-mono-latin-400-normal.woff2',
    target: 'ibm-plex-mono-latin-400-normal.woff2',
    licence: 'SIL Open Font License 1.1 (IBM Plex Mono)',
    unicodeRange: LATIN,
  },
  {
    family: 'Galley Mono',
    weight: 700,
    style: 'normal',
    pkg: '@fontsource/ibm-plex-mono',
    file: 'files/ibm-plex-mono-latin-700-normal.woff2',
    target: 'ibm-plex-mono-latin-700-normal.woff2',
    licence: 'SIL Open Font License 1.1 (IBM Plex Mono)',
    unicodeRange: LATIN,
  },
  // The whole STIX Two Math font with its OpenType MATH table (fontsource's CSS limits it to Latin; the file does not), so no unicode-range.
  {
    family: 'Galley Math',
    weight: 400,
    style: 'normal',
    pkg: '@fontsource/stix-two-math',
    file: 'files/stix-two-math-latin-400-normal.woff2',
    target: 'stix-two-math-400-normal.woff2',
    licence: 'SIL Open Font License 1.1 (STIX Two Math, The STIX Fonts Project)',
  },
];

/** Noto Sans Symbols 2's symbols subset: always embedded, because the callouts' icons come from it. */
export const SYMBOL_FONTS: FontFile[] = [
  {
    family: 'Galley Symbols',
    weight: 400,
    style: 'normal',
    pkg: '@fontsource/noto-sans-symbols-2',
    file: 'files/noto-sans-symbols-2-symbols-400-normal.woff2',
    target: 'noto-sans-symbols-2-symbols-400-normal.woff2',
    licence: 'SIL Open Font License 1.1 (Noto Sans Symbols 2, Google)',
    unicodeRange: SYMBOLS_RANGE,
  },
];

/** Noto Emoji (monochrome, so it prints in greyscale), one file per subset; only the subsets a book uses ship. */
export const EMOJI_FONTS: FontFile[] = EMOJI_SUBSETS.map(([n, range]) => ({
  family: 'Galley Symbols',
  weight: 400,
  style: 'normal',
  pkg: '@fontsource/noto-emoji',
  file: `files/noto-emoji-${n}-400-normal.woff2`,
  target: `noto-emoji-${n}-400-normal.woff2`,
  licence: 'SIL Open Font License 1.1 (Noto Emoji, Google)',
  unicodeRange: range,
}));

/** Fonts for right-to-left Persian editions. */
export const PERSIAN_FONTS: FontFile[] = [400, 700].flatMap((weight) => [
  {
    family: 'Galley Persian',
    weight,
    style: 'normal' as const,
    pkg: '@fontsource/vazirmatn',
    file: `files/vazirmatn-arabic-${weight}-normal.woff2`,
    target: `vazirmatn-arabic-${weight}-normal.woff2`,
    licence: 'SIL Open Font License 1.1 (Vazirmatn)',
    unicodeRange: ARABIC,
  },
  {
    family: 'Galley Persian',
    weight,
    style: 'normal' as const,
    pkg: '@fontsource/vazirmatn',
    file: `files/vazirmatn-latin-${weight}-normal.woff2`,
    target: `vazirmatn-latin-${weight}-normal.woff2`,
    licence: 'SIL Open Font License 1.1 (Vazirmatn)',
    unicodeRange: LATIN,
  },
]);

/**
 * The fonts an edition embeds: the text fonts, the symbol font, the emoji subsets that hold a character of
 * `text` (the book's sources), and last the book's own fonts, named in book.yaml for scripts Galley does not
 * bundle. The symbol, emoji and book fonts are faces of one family, "Galley Symbols", which every font stack
 * names after its text font: a browser checks faces in reverse order, so a character is looked for in the
 * ranged faces first and in a book's font (declared first, no range) last.
 */
export function fontsFor(language: string, text?: string, bookFonts: FontFile[] = []): FontFile[] {
  const base =
    language.toLowerCase().startsWith('fa') || language.toLowerCase().startsWith('ar')
      ? [...FONTS, ...PERSIAN_FONTS]
      : FONTS;
  const used = text === undefined ? undefined : rangedCodePoints(text);
  const emoji = used === undefined ? [] : EMOJI_FONTS.filter((font) => anyInRange(used, font.unicodeRange!));
  return [...base, ...bookFonts, ...SYMBOL_FONTS, ...emoji];
}

/** A book's own font files (`output.pdf.fonts`), already resolved inside the manuscript. */
export function bookFontFiles(files: { path: string; name: string }[]): FontFile[] {
  return files.map((file, i) => ({
    family: 'Galley Symbols',
    weight: 400,
    style: 'normal',
    pkg: '',
    file: file.name,
    path: file.path,
    target: `book-${i + 1}-${file.name.replace(/[^\w.-]/g, '_')}`,
    licence: `the book's own font ${file.name}`,
  }));
}

function parseRange(range: string): [number, number][] {
  return range.split(',').map((part) => {
    const [lo, hi] = part.trim().replace(/^U\+/i, '').split('-');
    return [parseInt(lo!, 16), parseInt(hi ?? lo!, 16)];
  });
}

/**
 * Every emoji subset lists ZWJ and VS16, and none reaches below U+2000: what is left can need a ranged face.
 * One regular-expression scan of the whole book's text, instead of a loop over its characters per subset,
 * which was the largest function in a one-chapter rebuild's profile (docs/decisions/0027-faster-round-two.md).
 */
const RANGED = /[^\u0000-\u1fff]/gu;

/** The distinct code points of `text` that a ranged (symbol or emoji) face could be needed for. */
export function rangedCodePoints(text: string): Set<number> {
  const found = new Set<number>();
  for (const match of text.matchAll(RANGED)) found.add(match[0].codePointAt(0)!);
  found.delete(0x200d);
  found.delete(0xfe0f);
  return found;
}

function anyInRange(codePoints: Set<number>, range: string): boolean {
  if (codePoints.size === 0) return false;
  const ranges = parseRange(range);
  for (const cp of codePoints) if (ranges.some(([lo, hi]) => cp >= lo && cp <= hi)) return true;
  return false;
}

/** Whether `text` holds a character inside a CSS unicode-range. */
export function usesRange(text: string, range: string): boolean {
  return anyInRange(rangedCodePoints(text), range);
}

const FORMATS: Record<string, string> = { '.woff2': 'woff2', '.woff': 'woff', '.ttf': 'truetype', '.otf': 'opentype' };

export function fontBytes(font: FontFile): Buffer {
  if (font.path) return readFileSync(font.path);
  const pkgJson = require.resolve(`${font.pkg}/package.json`);
  return readFileSync(path.join(path.dirname(pkgJson), font.file));
}

/** `@font-face` rules for the fonts, with URLs relative to a stylesheet in a sibling folder. */
export function fontFaceCss(fonts: FontFile[], prefix = '../fonts/'): string {
  return fonts
    .map(
      (f) =>
        `@font-face {\n  font-family: "${f.family}";\n  font-weight: ${f.weight};\n  font-style: ${f.style};\n  src: url("${prefix}${f.target}") format("${FORMATS[path.extname(f.target).toLowerCase()] ?? 'woff2'}");${f.unicodeRange ? `\n  unicode-range: ${f.unicodeRange};` : ''}\n}`,
    )
    .join('\n');
}
