/** The package documents (OPF, NCX) and the zip they go into, through epub-gen-memory's protected surface. */
import { EPub, type Options } from 'epub-gen-memory';
import type { LoadedBook } from '../../model/book/load.ts';
import { type NavItem } from '../toc.ts';
import { epubStampMeta, type EditionStamp } from '../../model/errata/stamp.ts';
import { escapeXmlText } from '../../util/xml-safe.ts';
import { zipArchive, type ZipEntry } from './zip.ts';
import { type DeflatePack } from './deflate-cache.ts';
import { accessibilityMeta, publicationDate, rightsText, type Accessibility } from './metadata.ts';

/** epub-gen-memory writes the package under this folder and names the navigation document and NCX itself. */
export const EPUB_ROOT = 'OEBPS';
export const NAV_FILE = 'toc.xhtml';
export const NCX_FILE = 'toc.ncx';

/** Already compressed: deflating them again costs time and saves nothing. */
export const STORED_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'font/woff2', 'font/woff']);

/** One file of the package besides those epub-gen-memory writes itself (mimetype, container.xml). */
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
export class GalleyEPub extends EPub {
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

export function uniqueName(base: string, taken: Set<string>): string {
  let name = `${base}.xhtml`;
  for (let n = 1; taken.has(name); n++) name = `${base}-${n}.xhtml`;
  taken.add(name);
  return name;
}
