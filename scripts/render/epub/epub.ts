import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Element, ElementContent } from 'hast';
import { EPub, type Options } from 'epub-gen-memory';
import { toString } from 'hast-util-to-string';
import { visit } from 'unist-util-visit';
import type { LoadedBook } from '../../model/book/load.ts';
import { footerElement, footerText, type Page } from '../../model/pages.ts';
import { sharedFiles, type OutputFile } from '../assets.ts';
import { navItems, navList, type NavItem } from '../toc.ts';
import { bodyMarkup, xhtmlDocument, xhtmlDocumentAround } from '../xhtml.ts';
import { epubMarkup, pageSurvey, type PageSurvey } from '../page-markup.ts';
import { BuildCache } from '../../model/build-cache.ts';
import { bookSlug } from '../../model/book-slug.ts';
import { buildDate, isoSeconds } from '../../util/build-date.ts';
import { linkOnPath, writeFileAtomic } from '../../util/atomic.ts';

/** A cache folder that is a link, or lies under one, is not used: its writes would land wherever the link points. */
const withoutLink = (dir: string) => (linkOnPath(dir) ? undefined : dir);
import type { Errata } from '../../model/errata/load.ts';
import { editionStamp, epubStampMeta, type EditionStamp } from '../../model/errata/stamp.ts';
import { labels } from '../../util/labels.ts';
import { escapeXmlText } from '../../util/xml-safe.ts';
import { titlePageBody, copyrightPageBody } from '../front-pages.ts';
import { isbnDigits } from '../../model/config/isbn.ts';
import { appendixChapter } from '../../passes/errata/checks.ts';
import { bookDirection } from '../../model/direction.ts';
import { zipArchive, type ZipEntry } from './zip.ts';
import { defaultDeflateDir } from '../../util/cache-location.ts';
import { openDeflatePack, type DeflatePack, type DeflateStats } from './deflate-cache.ts';
import type { Renderer } from '../renderer.ts';

/** Stylesheets of every EPUB content document, paths inside OEBPS/. */
const STYLES = ['css/fonts.css', 'css/book.css', 'css/epub.css'];
/** epub-gen-memory writes the package under this folder and names the navigation document and NCX itself. */
export const EPUB_ROOT = 'OEBPS';
export const NAV_FILE = 'toc.xhtml';
export const NCX_FILE = 'toc.ncx';
const CONFORMANCE = 'EPUB Accessibility 1.1 - WCAG 2.1 Level AA';
/** The earliest moment a zip entry can carry (MS-DOS dates start in 1980). */
const DOS_EPOCH = Date.UTC(1980, 0, 1);
/** Already compressed: deflating them again costs time and saves nothing. */
const STORED_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'font/woff2', 'font/woff']);

export interface EpubResult {
  path: string;
  bytes: number;
  /** How the zip entries were made: reused from the previous build's pack, deflated now, or stored. */
  entries?: DeflateStats;
}

/** One file of the package besides those epub-gen-memory writes itself (mimetype, container.xml). */
interface PackageFile {
  /** Path inside OEBPS/. */
  href: string;
  id: string;
  mediaType: string;
  data: string | Buffer;
  properties: string[];
}

interface Metadata {
  identifier: string;
  isbn: boolean;
  modified: string;
  date: Date;
}

const escapeXml = escapeXmlText;

const el = (tagName: string, properties: Element['properties'], children: ElementContent[] = []): Element => ({
  type: 'element',
  tagName,
  properties,
  children,
});
const text = (value: string): ElementContent => ({ type: 'text', value });

function directionOf(book: LoadedBook): 'ltr' | 'rtl' {
  return bookDirection(book.config);
}

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

function publicationDate(book: LoadedBook, built: Date): string {
  const date = book.config.date;
  if (date instanceof Date) return date.toISOString().slice(0, 10);
  return date ?? built.toISOString().slice(0, 10);
}

/** What the accessibility metadata may claim, from the content itself. */
interface Accessibility {
  images: number;
  imagesWithoutAlt: number;
  math: boolean;
}

function surveyPage(body: Element): PageSurvey {
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

function surveyAccessibility(pages: Page[], cache: BuildCache): Accessibility {
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

function accessibilityMeta(a11y: Accessibility, certifier: string): string[] {
  const meta = (property: string, value: string) => `<meta property="${property}">${escapeXml(value)}</meta>`;
  const lines = [meta('schema:accessMode', 'textual')];
  if (a11y.images > 0) lines.push(meta('schema:accessMode', 'visual'));
  const altComplete = a11y.imagesWithoutAlt === 0;
  if (altComplete) lines.push(meta('schema:accessModeSufficient', 'textual'));
  if (a11y.images > 0) lines.push(meta('schema:accessModeSufficient', 'textual,visual'));
  const features = ['structuralNavigation', 'tableOfContents', 'readingOrder', 'displayTransformability'];
  if (a11y.math) features.push('MathML');
  if (a11y.images > 0 && altComplete) features.push('alternativeText');
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

function packageDocument(
  book: LoadedBook,
  meta: Metadata,
  files: PackageFile[],
  spine: PackageFile[],
  a11y: Accessibility,
  direction: 'ltr' | 'rtl',
  stamp: EditionStamp,
): string {
  const c = book.config;
  const lines: string[] = [];
  lines.push(`<dc:identifier id="pub-id">${escapeXml(meta.identifier)}</dc:identifier>`);
  if (meta.isbn) lines.push('<meta refines="#pub-id" property="identifier-type" scheme="onix:codelist5">15</meta>');
  lines.push(`<dc:title id="title">${escapeXml(c.title)}</dc:title>`);
  lines.push('<meta refines="#title" property="title-type">main</meta>');
  if (c.subtitle) {
    lines.push(`<dc:title id="subtitle">${escapeXml(c.subtitle)}</dc:title>`);
    lines.push('<meta refines="#subtitle" property="title-type">subtitle</meta>');
  }
  c.authors.forEach((author, i) => {
    lines.push(`<dc:creator id="creator-${i + 1}">${escapeXml(author)}</dc:creator>`);
    lines.push(`<meta refines="#creator-${i + 1}" property="role" scheme="marc:relators">aut</meta>`);
    lines.push(`<meta refines="#creator-${i + 1}" property="display-seq">${i + 1}</meta>`);
  });
  lines.push(`<dc:language>${escapeXml(c.language)}</dc:language>`);
  lines.push(`<dc:date>${escapeXml(publicationDate(book, meta.date))}</dc:date>`);
  lines.push(`<meta property="dcterms:modified">${meta.modified}</meta>`);
  if (c.publisher) lines.push(`<dc:publisher>${escapeXml(c.publisher)}</dc:publisher>`);
  if (c.description?.trim()) lines.push(`<dc:description>${escapeXml(c.description.trim())}</dc:description>`);
  for (const keyword of c.keywords) lines.push(`<dc:subject>${escapeXml(keyword)}</dc:subject>`);
  const rights = rightsText(book);
  if (rights) lines.push(`<dc:rights>${escapeXml(rights)}</dc:rights>`);
  lines.push(`<meta property="schema:version">${escapeXml(c.version)}</meta>`);
  lines.push(...epubStampMeta(stamp));
  lines.push(...accessibilityMeta(a11y, c.publisher ?? (c.authors.join(', ') || c.title)));
  const cover = files.find((f) => f.properties.includes('cover-image'));
  // EPUB 2 readers (and Kindle's converter) find the cover this way.
  if (cover) lines.push(`<meta name="cover" content="${cover.id}"/>`);

  const manifest = files.map(
    (f) =>
      `<item id="${f.id}" href="${escapeXml(f.href)}" media-type="${f.mediaType}"${f.properties.length ? ` properties="${f.properties.join(' ')}"` : ''}/>`,
  );
  const itemrefs = spine.map((f) => `<itemref idref="${f.id}"/>`);
  const lang = escapeXml(c.language);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="pub-id" xml:lang="${lang}" dir="${direction}">`,
    '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">',
    ...lines,
    '</metadata>',
    '<manifest>',
    ...manifest,
    '</manifest>',
    `<spine toc="ncx"${direction === 'rtl' ? ' page-progression-direction="rtl"' : ''}>`,
    ...itemrefs,
    '</spine>',
    '</package>',
    '',
  ].join('\n');
}

const navLabel = (item: NavItem) =>
  item.number && !item.number.includes('.') ? `${item.number}. ${item.title}` : item.title;

/** The NCX for EPUB 2 reading systems: the same nested TOC; a label without a page lends its place to its children. */
function ncxDocument(book: LoadedBook, identifier: string, items: NavItem[]): string {
  let order = 0;
  let pointId = 0;
  const orderOf = new Map<string, number>();
  let deepest = 0;
  const points = (list: NavItem[], depth: number, indent: string): string[] => {
    const out: string[] = [];
    for (const item of list) {
      if (!item.href) {
        out.push(...points(item.children, depth, indent));
        continue;
      }
      deepest = Math.max(deepest, depth);
      // A target listed twice keeps one play order, as the NCX rules ask.
      let play = orderOf.get(item.href);
      if (play === undefined) orderOf.set(item.href, (play = ++order));
      out.push(`${indent}<navPoint id="np-${++pointId}" playOrder="${play}">`);
      out.push(`${indent}  <navLabel><text>${escapeXml(navLabel(item))}</text></navLabel>`);
      out.push(`${indent}  <content src="${escapeXml(item.href)}"/>`);
      out.push(...points(item.children, depth + 1, `${indent}  `));
      out.push(`${indent}</navPoint>`);
    }
    return out;
  };
  const map = points(items, 1, '    ');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1" xml:lang="${escapeXml(book.config.language)}">`,
    '  <head>',
    `    <meta name="dtb:uid" content="${escapeXml(identifier)}"/>`,
    `    <meta name="dtb:depth" content="${Math.max(deepest, 1)}"/>`,
    '    <meta name="dtb:totalPageCount" content="0"/>',
    '    <meta name="dtb:maxPageNumber" content="0"/>',
    '  </head>',
    `  <docTitle><text>${escapeXml(book.config.title)}</text></docTitle>`,
    ...book.config.authors.map((a) => `  <docAuthor><text>${escapeXml(a)}</text></docAuthor>`),
    '  <navMap>',
    ...map,
    '  </navMap>',
    '</ncx>',
    '',
  ].join('\n');
}

/** Ids of manifest items: stable, unique and valid XML names whatever the file is called. */
function itemId(prefix: string, n: number) {
  return `${prefix}-${n}`;
}

/**
 * epub-gen-memory's packager, used through its protected surface only.
 *
 * Its constructor re-parses chapter HTML and drops every attribute outside an
 * allow-list (`xmlns` on MathML and SVG, MathML's `display` and `mathvariant`,
 * `start` on lists, …) and queues every `<img>` for download under a random
 * name (measured: docs/decisions/0002-epub-packaging.md). So the constructor
 * gets empty chapters, and the finished XHTML documents go into the protected
 * `content` afterwards, where its templates (`<%- content %>`) print them
 * unchanged. Images, fonts and styles come from the book, never from a
 * download; identifier and entry dates are Galley's, so output is reproducible.
 */
class GalleyEPub extends EPub {
  constructor(
    options: Options,
    documents: { filename: string; content: string }[],
    private readonly resources: PackageFile[],
    identifier: string,
    private readonly entryDate: Date,
  ) {
    super(
      options,
      documents.map((d) => ({ title: d.filename, filename: d.filename, content: '', excludeFromToc: true })),
    );
    this.uuid = identifier;
    this.images = [];
    this.content = this.content.map((chapter, i) => {
      const document = documents[i]!;
      // The library strips characters from file names; ours must arrive as given or links break.
      if (chapter.filename !== document.filename)
        throw new Error(`epub-gen-memory renamed ${document.filename} to ${chapter.filename}`);
      return { ...chapter, content: document.content };
    });
  }

  protected override async generateTemplateFiles(): Promise<void> {
    await super.generateTemplateFiles();
    // Its own stylesheet: Galley's come with the resources and are declared in the manifest.
    this.zip.remove(`${EPUB_ROOT}/style.css`);
  }

  /** Never fetch: the book's images, fonts and styles are already bytes in memory. */
  protected override async downloadAllImages(): Promise<void> {
    for (const file of this.resources) {
      this.zip.file(`${EPUB_ROOT}/${file.href}`, file.data, {
        compression: STORED_TYPES.has(file.mediaType) ? 'STORE' : 'DEFLATE',
      });
    }
  }

  protected override async downloadAllFonts(): Promise<void> {}

  protected override async makeCover(): Promise<void> {}

  /**
   * The EPUB's bytes: the entries the library laid out, in its order
   * (`mimetype` first and stored: the constructor adds it so), every entry
   * dated alike, written by `zipArchive` instead of JSZip's generator so that
   * unchanged entries keep the deflated bytes of the previous build (`pack`).
   */
  async package(pack: DeflatePack): Promise<Buffer> {
    await this.render();
    const entries: ZipEntry[] = [];
    for (const [name, file] of Object.entries(this.zip.files)) {
      if (file.dir) {
        entries.push(pack.entry(name, new Uint8Array(0), 0));
        continue;
      }
      const bytes = await file.async('uint8array');
      entries.push(pack.entry(name, bytes, file.options.compression === 'STORE' ? 0 : 8));
    }
    return zipArchive(entries, this.entryDate);
  }
}

function uniqueName(base: string, taken: Set<string>): string {
  let name = `${base}.xhtml`;
  for (let n = 1; taken.has(name); n++) name = `${base}-${n}.xhtml`;
  taken.add(name);
  return name;
}

/**
 * EPUB forbids `direction` and `unicode-bidi` in style sheets (CSS-001): the
 * base direction belongs in markup. The shared book.css sets them for code and
 * math inside right-to-left books, so the EPUB's copy goes without them and
 * `epubBody` puts `dir="ltr"` on those elements instead.
 */
export function epubCss(css: string): string {
  return css
    .replace(/^[ \t]*(direction|unicode-bidi)\s*:[^;}\n]*;?[ \t]*\n/gm, '')
    .replace(/(?<![-\w])(direction|unicode-bidi)\s*:[^;}]*;?[ \t]*/g, '');
}

const MATH_TOKENS = new Set(['mi', 'mn', 'mo', 'mtext', 'ms']);
const MATH_ROWS = new Set(['mtr', 'mlabeledtr']);

/**
 * MathML as EPUB 3's schema (MathML 3) accepts it. Temml writes MathML Core,
 * where `scriptlevel` and `displaystyle` may sit on any element and `<mtext>`
 * may hold HTML (`<span class="tml-eqn">`); MathML 3 allows those attributes on
 * `<mstyle>` only (and `displaystyle` on `<mtable>`), and only text in tokens.
 * So the attributes move to an `<mstyle>` that wraps the element (or, inside a
 * table, its cell's contents), which renders the same, and HTML inside a token
 * becomes its text.
 */
function mathml3(node: Element): void {
  node.children = node.children.map((child) => {
    if (child.type !== 'element') return child;
    if (MATH_TOKENS.has(child.tagName)) {
      child.children = child.children.map((c) =>
        c.type === 'element' && c.tagName !== 'mglyph' && c.tagName !== 'malignmark' ? text(toString(c)) : c,
      );
    } else {
      mathml3(child);
    }
    const moved: Element['properties'] = {};
    for (const name of ['scriptlevel', 'displaystyle']) {
      const allowed = child.tagName === 'mstyle' || (name === 'displaystyle' && child.tagName === 'mtable');
      if (allowed || child.properties[name] === undefined) continue;
      moved[name] = child.properties[name];
      delete child.properties[name];
    }
    if (Object.keys(moved).length === 0) return child;
    const wrapCell = (cell: Element) => {
      cell.children = [el('mstyle', { ...moved }, cell.children)];
    };
    if (child.tagName === 'mtd') {
      wrapCell(child);
      return child;
    }
    if (MATH_ROWS.has(child.tagName)) {
      for (const cell of child.children) if (cell.type === 'element' && cell.tagName === 'mtd') wrapCell(cell);
      return child;
    }
    return el('mstyle', moved, [child]);
  });
}

/**
 * The EPUB's version of a page body, adapted to reading systems:
 * - MathML made valid MathML 3 (`mathml3`);
 * - display math may scroll sideways (`overflow-x: auto` in book.css), and a
 *   scrolling region must be reachable by keyboard (axe
 *   `scrollable-region-focusable`, WCAG 2.1.1), so it gets `tabindex="0"`;
 * - in right-to-left books, code and math (always left-to-right) say so in
 *   markup, since EPUB style sheets may not set `direction`.
 * The shared tree is left alone (other renderers use it), without copying it
 * whole: an element is copied only when it or something inside it changes
 * (every `<math>`, and the elements on the way to one), the rest is shared.
 */
function epubBody(body: Element, direction: 'ltr' | 'rtl'): Element {
  const adapt = (node: Element): Element => {
    const className = node.properties.className;
    const display = Array.isArray(className) && className.includes('math-display');
    let properties: Element['properties'] | undefined;
    if (display && node.properties.tabIndex === undefined) properties = { ...node.properties, tabIndex: 0 };
    if (
      direction === 'rtl' &&
      node.properties.dir === undefined &&
      (display || node.tagName === 'pre' || node.tagName === 'code' || node.tagName === 'math')
    )
      properties = { ...(properties ?? node.properties), dir: 'ltr' };

    if (node.tagName === 'math') {
      const copy = structuredClone(node);
      if (properties) copy.properties = properties;
      mathml3(copy);
      return copy;
    }
    let children: ElementContent[] | undefined;
    if (node.tagName !== 'pre') {
      node.children.forEach((child, i) => {
        if (child.type !== 'element') return;
        const adapted = adapt(child);
        if (adapted === child) return;
        children ??= node.children.slice();
        children[i] = adapted;
      });
    }
    if (!properties && !children) return node;
    return { ...node, properties: properties ?? node.properties, children: children ?? node.children };
  };
  return adapt(body);
}

/** The body of a page's EPUB document: the page adapted to EPUB, then the copyright footer. */
export function epubPageBody(book: LoadedBook, page: Page): ElementContent[] {
  const footer = footerElement(book);
  const main = el('main', {}, [epubBody(page.body, directionOf(book))]);
  return footer ? [main, footer] : [main];
}

function contentProperties(xml: string): string[] {
  const properties: string[] = [];
  if (/<math[\s>/]/.test(xml)) properties.push('mathml');
  if (/<svg[\s>/]/.test(xml)) properties.push('svg');
  return properties;
}

/**
 * EPUB 3 from the HTML intermediate: one XHTML document per page, a nav
 * document with the nested TOC and landmarks, an NCX, the cover, and
 * metadata with accessibility claims the content supports. The same
 * sources and SOURCE_DATE_EPOCH give the same bytes.
 */
export async function renderEpub(
  book: LoadedBook,
  pages: Page[],
  outDir: string,
  extra: {
    errata?: Errata;
    /** The build's cache: page markup shared with the HTML, and the deflate pack's folder (none: no pack). */
    cache?: BuildCache;
  } = {},
): Promise<EpubResult> {
  const cache = extra.cache ?? new BuildCache({ deflate: defaultDeflateDir() });
  const c = book.config;
  const words = labels(c.language);
  const direction = directionOf(book);
  const built = buildDate(book.root);
  const { value: identifier, isbn } = bookIdentifier(book);
  const common = { language: c.language, direction, stylesheets: STYLES } as const;
  const footer = footerElement(book);
  const withFooter = (children: ElementContent[]) => (footer ? [...children, footer] : children);

  // Resolved before the shared files are listed, so the cover is one of them.
  const cover = book.cover;
  const shared = (await sharedFiles(book, ['epub/epub.css'])).map((file) =>
    file.mediaType === 'text/css' ? { ...file, data: Buffer.from(epubCss(file.data.toString('utf8')), 'utf8') } : file,
  );

  const taken = new Set(pages.map((p) => p.outName));
  if (taken.has(NAV_FILE)) {
    throw new Error(
      `A page is named ${NAV_FILE}, the name of the EPUB's navigation document: rename its Markdown file`,
    );
  }
  taken.add(NAV_FILE);
  const documents: PackageFile[] = [];

  let coverPage: PackageFile | undefined;
  if (cover) {
    const img = el('img', {
      src: cover.target,
      alt: `${words.cover}: ${c.title}`,
      role: 'doc-cover',
      'epub:type': 'cover',
    });
    const xml = xhtmlDocument([el('section', { className: ['cover-page'] }, [img])], {
      ...common,
      title: c.title,
      bodyClass: 'cover-page',
    });
    coverPage = {
      href: uniqueName('cover', taken),
      id: 'cover',
      mediaType: 'application/xhtml+xml',
      data: xml,
      properties: [],
    };
    documents.push(coverPage);
  }

  // Title and copyright pages come right after the cover, as in print (render/front-pages.ts).
  const stamp = editionStamp(book, extra.errata);
  const appendix = extra.errata ? appendixChapter(book, extra.errata) : undefined;
  const frontPage = (name: string, id: string, title: string, body: Element): PackageFile => {
    const xml = xhtmlDocument([el('main', {}, [body])], { ...common, title, bodyClass: name });
    return {
      href: uniqueName(name, taken),
      id,
      mediaType: 'application/xhtml+xml',
      data: xml,
      properties: contentProperties(xml),
    };
  };
  const titlePage = frontPage('titlepage', 'titlepage', c.title, titlePageBody(book, stamp));
  const copyrightPage = frontPage(
    'copyright',
    'copyright-page',
    words.copyrightPage,
    copyrightPageBody(
      book,
      stamp,
      { identifier, isbn },
      appendix ? { href: appendix.outName, label: appendix.title } : undefined,
    ),
  );
  documents.push(titlePage, copyrightPage);

  // The navigation document: the nested TOC, then landmarks (hidden; reading systems show them their own way).
  const items = navItems(book, pages, c.output.toc_depth);
  const firstBody = pages.find((p) => p.matter === 'body') ?? pages[0];
  const landmarks: ElementContent[] = [];
  const landmark = (type: string, href: string, label: string) =>
    landmarks.push(el('li', {}, [el('a', { 'epub:type': type, href }, [text(label)])]));
  if (coverPage) landmark('cover', coverPage.href, words.cover);
  landmark('titlepage', titlePage.href, words.titlePage);
  landmark('copyright-page', copyrightPage.href, words.copyrightPage);
  landmark('toc', `${NAV_FILE}#toc`, words.contents);
  if (firstBody) landmark('bodymatter', firstBody.outName, words.start);
  const navBody: ElementContent[] = [
    el('nav', { 'epub:type': 'toc', role: 'doc-toc', id: 'toc', ariaLabelledBy: ['toc-title'] }, [
      el('h1', { id: 'toc-title' }, [text(words.contents)]),
      navList(items),
    ]),
    el('nav', { 'epub:type': 'landmarks', id: 'landmarks', hidden: true }, [el('ol', {}, landmarks)]),
  ];
  const nav: PackageFile = {
    href: NAV_FILE,
    id: 'nav',
    mediaType: 'application/xhtml+xml',
    data: xhtmlDocument(withFooter(navBody), { ...common, title: words.contents }),
    properties: ['nav'],
  };

  const pageFiles = pages.map((page, i): PackageFile => {
    // The page's markup is the HTML intermediate's string unless the EPUB adapted the tree (render/page-markup.ts).
    const markup = `<main>${epubMarkup(cache, page.body, (body) => epubBody(body, direction))}</main>${footer ? bodyMarkup([footer]) : ''}`;
    const xml = xhtmlDocumentAround(markup, { ...common, title: page.title });
    return {
      href: page.outName,
      id: itemId('page', i + 1),
      mediaType: 'application/xhtml+xml',
      data: xml,
      properties: contentProperties(xml),
    };
  });
  documents.push(...pageFiles);

  const counters = new Map<string, number>();
  const resources = shared.map((file: OutputFile): PackageFile => {
    const kind = file.mediaType === 'text/css' ? 'css' : file.mediaType.startsWith('font/') ? 'font' : 'img';
    const n = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, n);
    const isCover = cover !== undefined && file.path === cover.target;
    return {
      href: file.path,
      id: isCover ? 'cover-image' : itemId(kind, n),
      mediaType: file.mediaType,
      data: file.data,
      properties: isCover ? ['cover-image'] : [],
    };
  });

  const ncx: PackageFile = {
    href: NCX_FILE,
    id: 'ncx',
    mediaType: 'application/x-dtbncx+xml',
    data: ncxDocument(book, identifier, items),
    properties: [],
  };
  const manifest = [...(coverPage ? [coverPage] : []), titlePage, copyrightPage, nav, ...pageFiles, ncx, ...resources];
  const spine = [...(coverPage ? [coverPage] : []), titlePage, copyrightPage, nav, ...pageFiles];
  const a11y = surveyAccessibility(pages, cache);
  const meta: Metadata = { identifier, isbn, modified: isoSeconds(built), date: built };
  const opf = packageDocument(book, meta, manifest, spine, a11y, direction, stamp);

  // Templates that print what Galley made; `<%-` keeps EJS from escaping it.
  const options = {
    title: c.title,
    author: c.authors,
    lang: c.language,
    date: built.toISOString(),
    version: 3,
    css: '',
    chapterXHTML: '<%- content %>',
    contentOPF: '<%- galleyOpf %>',
    tocNCX: '<%- galleyNcx %>',
    tocXHTML: '<%- galleyNav %>',
    verbose: false,
    galleyOpf: opf,
    galleyNcx: ncx.data as string,
    galleyNav: nav.data as string,
  };
  const entryDate = new Date(Math.max(built.getTime(), DOS_EPOCH));
  const epub = new GalleyEPub(
    options,
    documents.map((d) => ({ filename: d.href, content: d.data as string })),
    resources,
    identifier,
    entryDate,
  );
  const target = path.join(outDir, `${bookSlug(book)}.epub`);
  const pack = openDeflatePack(
    cache.deflate.dir === undefined ? undefined : withoutLink(cache.deflate.dir),
    `${book.root}\0${path.basename(target)}`,
  );
  const bytes = await epub.package(pack);
  await writeFileAtomic(target, bytes);
  pack.save();
  return { path: target, bytes: bytes.length, entries: { ...pack.stats } };
}

export const renderer: Renderer = {
  format: 'epub',
  async render(ctx) {
    const epub = await renderEpub(ctx.book, ctx.pages, ctx.outDir, { errata: ctx.errata, cache: ctx.cache });
    return [{ format: 'epub', path: epub.path }];
  },
};
