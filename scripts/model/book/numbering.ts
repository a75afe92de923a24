import type { NumberingMode, TocEntry } from './types.ts';

/**
 * How chapters are numbered: `galley` numbers them from the TOC's nesting,
 * `author` leaves the numbers the titles already carry ("Chapter 1.", "5.1.3"),
 * `none` prints no numbers of Galley's own.
 */
export type { NumberingMode };

const KEYWORD = String.raw`(?:chapter|section|part|appendix|lesson|unit|chapitre|partie|kapitel|teil|cap[ií]tulo|parte|فصل|بخش)`;
/** `5.1.3`, `1.`, `12` (components of at most three digits, so `2019 results` is no number). */
const ARABIC = String.raw`\d{1,3}(?:\.\d{1,3})*`;
const ROMAN = String.raw`[IVXLCDM]+`;
/** A keyword with a number or roman numeral, or a bare number, or a roman numeral with a full stop/colon. */
const LEADING = new RegExp(
  String.raw`^\s*(?:${KEYWORD}\s+(${ARABIC}|${ROMAN}|[A-Z])(?=[\s.:)\-–—]|$)[.:)\-–—]?|(${ARABIC})(?:[.:)](?!\d)|(?=\s))|(${ROMAN})[.:](?=\s))\s*`,
  'iu',
);

/** The number an author wrote at the start of a title ("Chapter 1. Jobs" → `1`, "5.1.3 Reduction" → `5.1.3`), if any. */
export function authorNumber(title: string): string | undefined {
  const match = LEADING.exec(title);
  if (!match) return undefined;
  return (match[1] ?? match[2] ?? match[3])?.replace(/\.$/, '');
}

/** The title without the number its author put in front. */
export function withoutNumber(title: string): string {
  const match = LEADING.exec(title);
  return match && match[0].length < title.length ? title.slice(match[0].length) : title;
}

/** Titles compared as a reader would: case, spacing, punctuation and a leading number ignored. */
export function sameTitle(a: string, b: string): boolean {
  const key = (s: string) =>
    withoutNumber(s.normalize('NFKC'))
      .toLowerCase()
      .replace(/[\p{P}\p{S}\s]+/gu, '');
  const ka = key(a);
  return ka !== '' && ka === key(b);
}

/** "Part I", "Part 2: Questions", "Partie…": a TOC entry of this title with children is a part. */
export function isPartTitle(title: string): boolean {
  return /^\s*(part|partie|teil|parte|بخش)\b/iu.test(title);
}

/**
 * `auto` becomes `author` when at least half the body chapters (parts left
 * out) carry their own number, in their TOC title or their first heading;
 * otherwise Galley numbers them.
 */
export function chooseNumbering(
  setting: 'auto' | 'galley' | 'none',
  entries: TocEntry[],
  firstHeading: (entry: TocEntry) => string | undefined,
): NumberingMode {
  if (setting !== 'auto') return setting;
  const body = entries.filter((e) => e.kind !== 'part' && !e.part && e.matter === 'body');
  if (body.length === 0) return 'galley';
  const numbered = body.filter(
    (e) => authorNumber(e.title) !== undefined || authorNumber(firstHeading(e) ?? '') !== undefined,
  ).length;
  return numbered * 2 >= body.length ? 'author' : 'galley';
}
