import type { Element, ElementContent } from 'hast';
import { h } from 'hastscript';
import type { Book } from '../book/types.ts';
import type { Errata } from './load.ts';
import type { Release } from './schema.ts';
import { escapeXmlText } from '../../util/xml-safe.ts';
import { errataWords } from './words.ts';
import { formatDate, isolate, localDigits, type NumeralConfig } from '../numerals.ts';

/** What a copy of the book says about itself: the version, the printing and the release date. */
export interface EditionStamp {
  version: string;
  /** book.yaml's `printing`, else the printing of the release with this version. */
  printing?: number;
  /** The release's date, else book.yaml's `date`. */
  date?: string;
  /** The release in errata.yaml that has this version, if any. */
  release?: Release;
}

export function editionStamp(book: Pick<Book, 'config'>, errata?: Errata): EditionStamp {
  const version = book.config.version;
  const release = errata?.data.releases.find((r) => r.version === version);
  const printing = book.config.printing ?? release?.printing;
  const configDate = book.config.date instanceof Date ? book.config.date.toISOString().slice(0, 10) : book.config.date;
  const date = release?.date ?? configDate;
  return {
    version,
    ...(printing !== undefined ? { printing } : {}),
    ...(date ? { date } : {}),
    ...(release ? { release } : {}),
  };
}

/** For the copyright page: `Version 1.1.0 · Second printing · 2026-11-01`. */
export function stampLine(stamp: EditionStamp, language = 'en'): string {
  const words = errataWords(language);
  const parts = [`${words.version} ${stamp.version}`];
  if (stamp.printing !== undefined) {
    const printing = words.printing(stamp.printing);
    parts.push(printing.charAt(0).toUpperCase() + printing.slice(1));
  }
  if (stamp.date) parts.push(stamp.date);
  return parts.join(' · ');
}

/**
 * The edition line as a reader of the edition reads it: digits as
 * `persian_digits` says, the date by `Intl` in the book's language and
 * calendar, version and date each bidi-isolated (`<bdi>`) so right-to-left
 * text never reorders them (`01-11-2026`) and a line never breaks inside one.
 */
export function stampNodes(stamp: EditionStamp, config: NumeralConfig): ElementContent[] {
  const words = errataWords(config.language);
  const nodes: ElementContent[] = [
    { type: 'text', value: `${words.version} ` },
    isolate(localDigits(stamp.version, config), 'galley-version'),
  ];
  if (stamp.printing !== undefined) {
    const printing = localDigits(words.printing(stamp.printing), config);
    nodes.push({ type: 'text', value: ` · ${printing.charAt(0).toUpperCase()}${printing.slice(1)}` });
  }
  if (stamp.date) nodes.push({ type: 'text', value: ' · ' }, isolate(formatDate(stamp.date, config), 'galley-date'));
  return nodes;
}

/** The stamp as a paragraph for a title or copyright page: `<p class="edition-line">Version 1.1.0 · …</p>`. */
export function stampElement(stamp: EditionStamp, language = 'en'): Element {
  return h('p', { className: ['edition-line'] }, stampLine(stamp, language));
}

/** For the build summary: `  version 1.1.0, second printing (2026-11-01)`. */
export function summaryLine(stamp: EditionStamp): string {
  const parts = [`version ${stamp.version}`];
  if (stamp.printing !== undefined) parts.push(errataWords('en').printing(stamp.printing));
  return `  ${parts.join(', ')}${stamp.date ? ` (${stamp.date})` : ''}`;
}

const escapeXml = escapeXmlText;

/**
 * Package-document metadata for the EPUB's OPF (`schema:` is a reserved
 * prefix): the version, and the edition statement with the printing. The OPF
 * already carries `schema:version`; this adds `schema:bookEdition`.
 */
export function epubStampMeta(stamp: EditionStamp): string[] {
  return [`<meta property="schema:bookEdition">${escapeXml(stampLine({ ...stamp, date: undefined }))}</meta>`];
}

/** Extra keys for the PDF's document information dictionary: `Version` and `Printing`. */
export function pdfStampInfo(stamp: EditionStamp): Record<string, string> {
  const info: Record<string, string> = { Version: stamp.version };
  if (stamp.printing !== undefined) info.Printing = String(stamp.printing);
  return info;
}
