/** The EPUB's metadata: its identifier, rights and dates, and the accessibility survey and claims. */
import { createHash } from 'node:crypto';
import type { Element } from 'hast';
import { visit } from 'unist-util-visit';
import type { LoadedBook } from '../../model/book/load.ts';
import { footerText, type Page } from '../../model/pages.ts';
import { pageSurvey, type PageSurvey } from '../page-markup.ts';
import { BuildCache } from '../../model/build-cache.ts';
import { labels } from '../../util/labels.ts';
import { escapeXmlText } from '../../util/xml-safe.ts';
import { isbnDigits } from '../../model/config/isbn.ts';

export const CONFORMANCE = 'EPUB Accessibility 1.1 - WCAG 2.1 Level AA';
const escapeXml = escapeXmlText;

/**
 * The package identifier: book.yaml's (a bare UUID or ISBN gets its URN
 * prefix), else a UUID derived from title and authors, so rebuilding a book
 * never gives it a new identity.
 */
export function bookIdentifier(book: LoadedBook): { value: string; isbn: boolean } {
  // The ebook's own ISBN is its identity when book.yaml gives one.
  if (book.config.isbn?.ebook) return { value: `urn:isbn:${isbnDigits(book.config.isbn.ebook)}`, isbn: true };
  const given = book.config.identifier?.trim();
  if (given) {
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(given))
      return { value: `urn:uuid:${given.toLowerCase()}`, isbn: false };
    const digits = given.replace(/^(urn:)?isbn:?\s*/i, '').replace(/[\s-]/g, '');
    if (/^(97[89])?\d{9}[\dX]$/i.test(digits) && (/isbn/i.test(given) || /^[\d\s-]+X?$/i.test(given)))
      return { value: `urn:isbn:${digits.toUpperCase()}`, isbn: true };
    return { value: given, isbn: false };
  }
  // A name-based (version 5 layout) UUID from the book's title and authors.
  const hash = createHash('sha1')
    .update(['galley', book.config.title, ...book.config.authors].join('\u0000'))
    .digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return {
    value: `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    isbn: false,
  };
}

/** `dc:rights`: the same words as the copyright footer on every page, licence included. */
export function rightsText(book: LoadedBook): string | undefined {
  const footer = footerText(book);
  const licence = book.config.licence ? `${labels(book.config.language).licence}: ${book.config.licence}` : undefined;
  if (footer && licence) return `${footer}${/[.!?]$/.test(footer) ? '' : '.'} ${licence}`;
  return footer ?? licence;
}

export function publicationDate(book: LoadedBook, built: Date): string {
  const date = book.config.date;
  if (date instanceof Date) return date.toISOString().slice(0, 10);
  return date ?? built.toISOString().slice(0, 10);
}

/** What the accessibility metadata may claim, from the content itself. */
export interface Accessibility {
  images: number;
  imagesWithoutAlt: number;
  math: boolean;
  /** The print edition whose page numbers the EPUB carries (render/epub/page-list.ts); none without a page-list. */
  pageSource?: string;
}

export function surveyPage(body: Element): PageSurvey {
  const result: PageSurvey = { images: 0, imagesWithoutAlt: 0, math: false };
  visit(body, 'element', (node: Element) => {
    if (node.tagName === 'img') {
      result.images++;
      const alt = node.properties.alt;
      if (typeof alt !== 'string' || alt.trim() === '') result.imagesWithoutAlt++;
    } else if (node.tagName === 'math') {
      result.math = true;
    }
  });
  return result;
}

export function surveyAccessibility(pages: Page[], cache: BuildCache): Accessibility {
  const result: Accessibility = { images: 0, imagesWithoutAlt: 0, math: false };
  for (const page of pages) {
    // Counted once per page, or known from the page cache without its tree.
    const survey = pageSurvey(cache, page.body, surveyPage);
    result.images += survey.images;
    result.imagesWithoutAlt += survey.imagesWithoutAlt;
    result.math ||= survey.math;
  }
  return result;
}

export function accessibilityMeta(a11y: Accessibility, certifier: string): string[] {
  const meta = (property: string, value: string) => `<meta property="${property}">${escapeXml(value)}</meta>`;
  const lines = [meta('schema:accessMode', 'textual')];
  if (a11y.images > 0) lines.push(meta('schema:accessMode', 'visual'));
  const altComplete = a11y.imagesWithoutAlt === 0;
  if (altComplete) lines.push(meta('schema:accessModeSufficient', 'textual'));
  if (a11y.images > 0) lines.push(meta('schema:accessModeSufficient', 'textual,visual'));
  const features = ['structuralNavigation', 'tableOfContents', 'readingOrder', 'displayTransformability'];
  if (a11y.math) features.push('MathML');
  if (a11y.images > 0 && altComplete) features.push('alternativeText');
  // EPUB Accessibility 1.1 names them pageBreakMarkers and pageNavigation; printPageNumbers is the older name,
  // which reading systems and Ace still read.
  if (a11y.pageSource) features.push('pageBreakMarkers', 'printPageNumbers', 'pageNavigation');
  for (const feature of features) lines.push(meta('schema:accessibilityFeature', feature));
  lines.push(meta('schema:accessibilityHazard', 'none'));
  const summary = [
    'This publication has a navigable table of contents, headings that follow the structure of the book, and a reading order that follows the printed order.',
    a11y.math ? 'Mathematics is written in MathML, with the TeX source as an annotation.' : '',
    a11y.images > 0
      ? altComplete
        ? 'Every image has a text description.'
        : `${a11y.imagesWithoutAlt} of ${a11y.images} images have no text description.`
      : '',
    'Text can be resized and restyled by the reading system.',
    a11y.pageSource
      ? `Page-break markers and a page list give the page numbers of the print edition (${a11y.pageSource}).`
      : '',
  ]
    .filter(Boolean)
    .join(' ');
  lines.push(meta('schema:accessibilitySummary', summary));
  // The claim is only made when the checks this renderer can make hold.
  if (altComplete) {
    lines.push(meta('dcterms:conformsTo', CONFORMANCE));
    // A publisher's own claim: it names who stands behind it.
    lines.push(meta('a11y:certifiedBy', certifier));
  }
  return lines;
}
