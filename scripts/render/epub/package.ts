/**
 * The package documents (OPF, NCX) and the zip they go into. Galley writes every entry itself, `mimetype` and
 * `META-INF/container.xml` included (decision 0026: epub-gen-memory, which laid them out before, is no longer used).
 */
import type { LoadedBook } from '../../model/book/load.ts';
import { type NavItem } from '../toc.ts';
import { epubStampMeta, type EditionStamp } from '../../model/errata/stamp.ts';
import { escapeXmlText } from '../../util/xml-safe.ts';
import { zipArchive } from './zip.ts';
import { type DeflatePack } from './deflate-cache.ts';
import { accessibilityMeta, publicationDate, rightsText, type Accessibility } from './metadata.ts';

/** The package's folder and the names of the navigation document and NCX: the names epub-gen-memory gave them. */
export const EPUB_ROOT = 'OEBPS';
export const NAV_FILE = 'toc.xhtml';
export const NCX_FILE = 'toc.ncx';

/** Already compressed: deflating them again costs time and saves nothing. */
export const STORED_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'font/woff2', 'font/woff']);

/** One file of the package, declared in the manifest (not `mimetype` or the container). */
export interface PackageFile {
  /** Path inside OEBPS/. */
  href: string;
  id: string;
  mediaType: string;
  data: string | Buffer;
  properties: string[];
}

export interface Metadata {
  identifier: string;
  isbn: boolean;
  modified: string;
  date: Date;
}

const escapeXml = escapeXmlText;

export function packageDocument(
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
  if (a11y.pageSource) {
    // The print edition the page-list counts: EPUB 3.2's dc:source refined as the source of pagination. EPUB
    // Accessibility 1.1's `pageBreakSource` is still incubating: EPUBCheck 4.2 rejects it with or without the a11y:
    // prefix (OPF-027), and Ace reads dc:source as well (docs/decisions/0016).
    lines.push(`<dc:source id="page-source">${escapeXml(a11y.pageSource)}</dc:source>`);
    lines.push('<meta refines="#page-source" property="source-of">pagination</meta>');
  }
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

export const navLabel = (item: NavItem) =>
  item.number && !item.number.includes('.') ? `${item.number}. ${item.title}` : item.title;

/** The NCX for EPUB 2 reading systems: the same nested TOC; a label without a page lends its place to its children. */
export function ncxDocument(book: LoadedBook, identifier: string, items: NavItem[]): string {
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
export function itemId(prefix: string, n: number) {
  return `${prefix}-${n}`;
}

/**
 * Points reading systems at the package document (OCF 3.0): the bytes epub-gen-memory wrote, so EPUBs stay as
 * they were.
 */
export const CONTAINER_XML =
  '<?xml version="1.0" encoding="UTF-8" ?>' +
  '<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>' +
  `<rootfile full-path="${EPUB_ROOT}/content.opf" media-type="application/oebps-package+xml"/>` +
  '</rootfiles></container>';

/** What goes into the EPUB besides `mimetype` and the container: Galley writes every one of these itself. */
export interface PackageParts {
  /** The content documents (cover, front pages, pages), in spine order. */
  documents: PackageFile[];
  opf: string;
  ncx: string;
  nav: string;
  /** Styles, fonts and images, as bytes. */
  resources: PackageFile[];
}

/**
 * The EPUB's entries in order: `mimetype` first and stored (readers look for it at a fixed offset), each folder
 * before its first file, then the documents, the container, OPF, NCX, nav and the resources. This is the order
 * epub-gen-memory laid the same files out in, so the bytes did not change when Galley stopped using it.
 */
export function packageEntries(parts: PackageParts): { name: string; data: Uint8Array; method: 0 | 8 }[] {
  const entries: { name: string; data: Uint8Array; method: 0 | 8 }[] = [];
  const names = new Set<string>();
  const add = (name: string, data: string | Uint8Array, method: 0 | 8) => {
    // A folder entry before the first file in it, outermost first, as zip tools list them.
    const folders = name.split('/').slice(0, -1);
    for (let i = 1; i <= folders.length; i++) {
      const folder = `${folders.slice(0, i).join('/')}/`;
      if (!names.has(folder)) {
        names.add(folder);
        entries.push({ name: folder, data: new Uint8Array(0), method: 0 });
      }
    }
    // Two files under one name would leave one of them out of the book.
    if (names.has(name)) throw new Error(`The EPUB would hold two files named ${name}`);
    names.add(name);
    entries.push({ name, data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data, method });
  };
  add('mimetype', 'application/epub+zip', 0);
  for (const d of parts.documents) add(`${EPUB_ROOT}/${d.href}`, d.data, 8);
  add('META-INF/container.xml', CONTAINER_XML, 8);
  add(`${EPUB_ROOT}/content.opf`, parts.opf, 8);
  add(`${EPUB_ROOT}/${NCX_FILE}`, parts.ncx, 8);
  add(`${EPUB_ROOT}/${NAV_FILE}`, parts.nav, 8);
  for (const r of parts.resources) add(`${EPUB_ROOT}/${r.href}`, r.data, STORED_TYPES.has(r.mediaType) ? 0 : 8);
  return entries;
}

/**
 * The EPUB's bytes, written by `zipArchive` with one date for every entry; unchanged entries keep the deflated
 * bytes of the previous build (`pack`).
 */
export function packageEpub(parts: PackageParts, pack: DeflatePack, entryDate: Date): Buffer {
  return zipArchive(
    packageEntries(parts).map((e) => pack.entry(e.name, e.data, e.method)),
    entryDate,
  );
}

export function uniqueName(base: string, taken: Set<string>): string {
  let name = `${base}.xhtml`;
  for (let n = 1; taken.has(name); n++) name = `${base}-${n}.xhtml`;
  taken.add(name);
  return name;
}
