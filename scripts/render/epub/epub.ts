import path from 'node:path';
import type { Element, ElementContent } from 'hast';
import type { LoadedBook } from '../../model/book/load.ts';
import { authorCss } from '../../model/author-css.ts';
import { footerElement, type Page } from '../../model/pages.ts';
import { sharedFiles, type OutputFile } from '../assets.ts';
import { navItems, navList } from '../toc.ts';
import { bodyMarkup, xhtmlDocument, xhtmlDocumentAround } from '../xhtml.ts';
import { epubMarkup } from '../page-markup.ts';
import { BuildCache } from '../../model/build-cache.ts';
import { bookSlug } from '../../model/book-slug.ts';
import { buildDate, isoSeconds } from '../../util/build-date.ts';
import { linkOnPath, writeFileAtomic } from '../../util/atomic.ts';
import type { Errata } from '../../model/errata/load.ts';
import { editionStamp } from '../../model/errata/stamp.ts';
import { labels } from '../../util/labels.ts';
import { titlePageBody, copyrightPageBody } from '../front-pages.ts';
import { appendixChapter } from '../../passes/errata/checks.ts';
import { defaultDeflateDir } from '../../util/cache-location.ts';
import { openDeflatePack, type DeflateStats } from './deflate-cache.ts';
import type { Renderer } from '../renderer.ts';
import { bookIdentifier, surveyAccessibility } from './metadata.ts';
import {
  packageEpub,
  Metadata,
  NAV_FILE,
  NCX_FILE,
  PackageFile,
  itemId,
  ncxDocument,
  packageDocument,
  uniqueName,
} from './package.ts';
import { contentProperties, directionOf, el, epubBody, epubCss, text } from './content.ts';
import { markerIds, pageListNav, withPageBreaks } from './page-list.ts';
import type { PageStart, PrintPageMap } from '../print-page-map.ts';
import { HTML_NS, serialiseXhtml } from '../xhtml-serialise.ts';
import { xmlSafeMarkup } from '../../util/xml-safe.ts';
import { isbnDigits } from '../../model/config/isbn.ts';
export { EPUB_ROOT, NAV_FILE, NCX_FILE } from './package.ts';
export { bookIdentifier, rightsText } from './metadata.ts';
export { epubCss, epubPageBody } from './content.ts';

/** A cache folder that is a link, or lies under one, is not used: its writes would land wherever the link points. */
const withoutLink = (dir: string) => (linkOnPath(dir) ? undefined : dir);

/** Stylesheets of every EPUB content document, paths inside OEBPS/. */
const STYLES = ['css/fonts.css', 'css/book.css', 'css/epub.css'];
/** The earliest moment a zip entry can carry (MS-DOS dates start in 1980). */
const DOS_EPOCH = Date.UTC(1980, 0, 1);

export interface EpubResult {
  path: string;
  bytes: number;
  /** How the zip entries were made: reused from the previous build's pack, deflated now, or stored. */
  entries?: DeflateStats;
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
    /** Where the pages of the PDF made in the same run start: the EPUB gets page-break markers and a page-list. */
    pageMap?: PrintPageMap;
  } = {},
): Promise<EpubResult> {
  const cache = extra.cache ?? new BuildCache({ deflate: defaultDeflateDir() });
  const c = book.config;
  const words = labels(c.language);
  const direction = directionOf(book);
  const built = buildDate(book.root);
  const { value: identifier, isbn } = bookIdentifier(book);
  const own = authorCss(book, 'epub');
  const common = {
    language: c.language,
    direction,
    stylesheets: own ? [...STYLES, 'css/author.css'] : STYLES,
  } as const;
  const footer = footerElement(book);
  const withFooter = (children: ElementContent[]) => (footer ? [...children, footer] : children);

  // Resolved before the shared files are listed, so the cover is one of them.
  const cover = book.cover;
  const shared = (await sharedFiles(book, ['epub/epub.css'])).map((file) =>
    file.mediaType === 'text/css' ? { ...file, data: Buffer.from(epubCss(file.data.toString('utf8')), 'utf8') } : file,
  );
  if (own) shared.push({ path: 'css/author.css', mediaType: 'text/css', data: Buffer.from(own, 'utf8') });

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
  const bookIndex = pages.find((p) => p.chapter?.frontmatter.generate === 'index');
  if (bookIndex) landmark('index', bookIndex.outName, bookIndex.title);

  // The printed pages, when the PDF was made in the same run (render/epub/page-list.ts).
  const startsOf = new Map<string, PageStart[]>();
  for (const start of extra.pageMap?.starts ?? []) startsOf.set(start.key, [...(startsOf.get(start.key) ?? []), start]);
  const ids = markerIds(extra.pageMap?.starts ?? []);
  const printedPages: { start: PageStart; href: string }[] = [];
  const pageFiles = pages.map((page, i): PackageFile => {
    const marked = withPageBreaks(page.body, startsOf.get(page.key) ?? [], ids);
    for (const start of marked.placed) printedPages.push({ start, href: `${page.outName}#${ids.get(start)!}` });
    // The page's markup is the HTML intermediate's string unless the EPUB adapted the tree (render/page-markup.ts).
    const inner =
      marked.placed.length > 0
        ? xmlSafeMarkup(serialiseXhtml(epubBody(marked.body, direction), HTML_NS))
        : epubMarkup(cache, page.body, (body) => epubBody(body, direction));
    const markup = `<main>${inner}</main>${footer ? bodyMarkup([footer]) : ''}`;
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

  const navBody: ElementContent[] = [
    el('nav', { 'epub:type': 'toc', role: 'doc-toc', id: 'toc', ariaLabelledBy: ['toc-title'] }, [
      el('h1', { id: 'toc-title' }, [text(words.contents)]),
      navList(items),
    ]),
    el('nav', { 'epub:type': 'landmarks', id: 'landmarks', hidden: true }, [el('ol', {}, landmarks)]),
  ];
  printedPages.sort((a, b) => a.start.index - b.start.index);
  if (printedPages.length > 0) navBody.push(pageListNav(printedPages, words.pages));
  const nav: PackageFile = {
    href: NAV_FILE,
    id: 'nav',
    mediaType: 'application/xhtml+xml',
    data: xhtmlDocument(withFooter(navBody), { ...common, title: words.contents }),
    properties: ['nav'],
  };

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
  if (printedPages.length > 0) a11y.pageSource = printSource(book);
  const meta: Metadata = { identifier, isbn, modified: isoSeconds(built), date: built };
  const opf = packageDocument(book, meta, manifest, spine, a11y, direction, stamp);

  const entryDate = new Date(Math.max(built.getTime(), DOS_EPOCH));
  const target = path.join(outDir, `${bookSlug(book)}.epub`);
  const pack = openDeflatePack(
    cache.deflate.dir === undefined ? undefined : withoutLink(cache.deflate.dir),
    `${book.root}\0${path.basename(target)}`,
  );
  const bytes = packageEpub(
    { documents, opf, ncx: ncx.data as string, nav: nav.data as string, resources },
    pack,
    entryDate,
  );
  await writeFileAtomic(target, bytes);
  pack.save();
  return { path: target, bytes: bytes.length, entries: { ...pack.stats } };
}

/** What the page-list's numbers come from: the print edition's ISBN, else its title. */
export function printSource(book: LoadedBook): string {
  const print = book.config.isbn?.print;
  if (print) return `urn:isbn:${isbnDigits(print)}`;
  const title = book.config.subtitle ? `${book.config.title}: ${book.config.subtitle}` : book.config.title;
  return `${title} (${labels(book.config.language).printEdition})`;
}

export const renderer: Renderer = {
  format: 'epub',
  async render(ctx) {
    // The PDF of the same run, made first (render/renderers.ts), says where its pages start.
    const pageMap = ctx.artifacts.find((a) => a.format === 'pdf' && a.pageMap)?.pageMap;
    const epub = await renderEpub(ctx.book, ctx.pages, ctx.outDir, {
      errata: ctx.errata,
      cache: ctx.cache,
      ...(pageMap ? { pageMap } : {}),
    });
    return [{ format: 'epub', path: epub.path }];
  },
};
