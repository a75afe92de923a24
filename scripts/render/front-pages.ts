import type { Element, ElementContent } from 'hast';
import { h } from 'hastscript';
import type { LoadedBook } from '../model/book/load.ts';
import type { EditionStamp } from '../model/errata/stamp.ts';
import { stampNodes } from '../model/errata/stamp.ts';
import { footerText } from '../model/pages.ts';
import { labels } from '../util/labels.ts';
import { isolate, localDigits } from '../model/numerals.ts';
import { isbnDigits } from '../model/config/isbn.ts';

/** What the copyright page says about the book's identity besides its words. */
export interface IdentityLine {
  /** `urn:isbn:…` or `urn:uuid:…`. */
  identifier: string;
  isbn: boolean;
}

/** Authors as the language lists names: `A, B and C`. */
function authorList(authors: string[], language: string): string {
  try {
    return new Intl.ListFormat(language, { type: 'conjunction' }).format(authors);
  } catch {
    return authors.join(', ');
  }
}

/** The title page of an ebook: title, subtitle, authors, edition — in the edition's language. */
export function titlePageBody(book: LoadedBook, stamp: EditionStamp): Element {
  const c = book.config;
  const words = labels(c.language);
  const children: ElementContent[] = [h('h1', { className: ['book-title'] }, c.title)];
  if (c.subtitle) children.push(h('p', { className: ['book-subtitle', 'subtitle'] }, c.subtitle));
  children.push(h('p', { className: ['book-authors'] }, authorList(c.authors, c.language)));
  children.push(h('p', { className: ['edition-line'] }, stampNodes({ ...stamp, date: undefined }, c)));
  if (c.publisher) children.push(h('p', { className: ['book-publisher'] }, c.publisher));
  return h(
    'section',
    { className: ['galley-title-page'], 'epub:type': 'titlepage', role: 'region', ariaLabel: words.titlePage },
    children,
  );
}

/**
 * The copyright page: copyright line, licence, version and printing with the
 * date, the identifier (ISBN when it is one), and where to report errors.
 */
export function copyrightPageBody(
  book: LoadedBook,
  stamp: EditionStamp,
  identity: IdentityLine,
  errataHref?: { href: string; label: string },
): Element {
  const c = book.config;
  const words = labels(c.language);
  const lines: ElementContent[] = [];
  lines.push(h('p', { className: ['copyright-title'] }, c.subtitle ? `${c.title}: ${c.subtitle}` : c.title));
  lines.push(h('p', { className: ['copyright-authors'] }, authorList(c.authors, c.language)));
  const footer = footerText(book);
  if (footer) lines.push(h('p', { className: ['copyright-line'] }, footer));
  if (c.licence) lines.push(h('p', { className: ['licence-line'] }, `${words.licence}: ${c.licence}`));
  lines.push(h('p', { className: ['edition-line'] }, stampNodes(stamp, c)));
  const id = identity.isbn
    ? `ISBN ${localDigits(identity.identifier.replace(/^urn:isbn:/, ''), c)}`
    : identity.identifier;
  lines.push(h('p', { className: ['identifier-line'] }, [isolate(id)]));
  // The print edition's ISBN too, as publishers list every edition's number on the copyright page.
  const print = c.isbn?.print;
  if (print && `urn:isbn:${isbnDigits(print)}` !== identity.identifier)
    lines.push(h('p', { className: ['isbn-line'] }, [isolate(`ISBN ${localDigits(print, c)} (print)`)]));
  if (c.publisher) lines.push(h('p', { className: ['publisher-line'] }, c.publisher));
  if (c.errata_url) lines.push(h('p', { className: ['errata-line'] }, [h('a', { href: c.errata_url }, c.errata_url)]));
  if (errataHref)
    lines.push(h('p', { className: ['errata-line'] }, [h('a', { href: errataHref.href }, errataHref.label)]));
  return h(
    'section',
    {
      className: ['galley-copyright-page'],
      'epub:type': 'copyright-page',
      role: 'region',
      ariaLabel: words.copyrightPage,
    },
    [h('div', { className: ['copyright-block'] }, lines)],
  );
}
