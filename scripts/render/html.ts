import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Element, ElementContent } from 'hast';
import type { LoadedBook } from '../model/book/load.ts';
import { footerElement, type Page } from '../model/pages.ts';
import { sharedFiles } from './assets.ts';
import { navItems, navList } from './toc.ts';
import { BOOK_CSP, bodyMarkup, xhtmlDocument, xhtmlDocumentAround } from './xhtml.ts';
import { htmlMarkup } from './page-markup.ts';
import { BuildCache } from '../model/build-cache.ts';
import { replaceDirectory } from '../util/atomic.ts';
import { labels, type Labels } from '../util/labels.ts';
import { bookDirection } from '../model/direction.ts';
import type { Renderer } from './renderer.ts';

const STYLES = ['css/fonts.css', 'css/book.css', 'css/web.css'];

function pager(pages: Page[], index: number, words: Labels, rtl: boolean): Element {
  // Arrows point the way the text reads.
  const [back, forward] = rtl ? ['→', '←'] : ['←', '→'];
  const link = (page: Page | undefined, rel: string, text: string): ElementContent =>
    page
      ? {
          type: 'element',
          tagName: 'a',
          properties: { href: page.outName, rel: [rel] },
          children: [{ type: 'text', value: text }],
        }
      : { type: 'element', tagName: 'span', properties: {}, children: [] };
  return {
    type: 'element',
    tagName: 'nav',
    properties: { className: ['pager'], ariaLabel: words.pages },
    children: [
      link(pages[index - 1], 'prev', `${back} ${pages[index - 1]?.title ?? ''}`),
      {
        type: 'element',
        tagName: 'a',
        properties: { href: 'index.html' },
        children: [{ type: 'text', value: words.contents }],
      },
      link(pages[index + 1], 'next', `${pages[index + 1]?.title ?? ''} ${forward}`),
    ],
  };
}

function directionOf(book: LoadedBook): 'ltr' | 'rtl' {
  return bookDirection(book.config);
}

/** One page of the web edition as an XHTML document: the page, a pager and the copyright footer. */
export function pageDocument(book: LoadedBook, pages: Page[], index: number, cache = new BuildCache()): string {
  const page = pages[index]!;
  const words = labels(book.config.language);
  const direction = directionOf(book);
  // The page's own markup is made once (render/page-markup.ts): the EPUB takes the same string where it can.
  const rest: ElementContent[] = [pager(pages, index, words, direction === 'rtl')];
  const footer = footerElement(book);
  if (footer) rest.push(footer);
  return xhtmlDocumentAround(`<main>${htmlMarkup(cache, page.body)}</main>${bodyMarkup(rest)}`, {
    language: book.config.language,
    direction,
    stylesheets: STYLES,
    csp: BOOK_CSP,
    title: `${page.title} – ${book.config.title}`,
  });
}

/** The web edition and HTML intermediate: `html/` with one XHTML page per TOC entry, an index, styles, fonts and images. */
export async function renderHtml(
  book: LoadedBook,
  pages: Page[],
  outDir: string,
  cache = new BuildCache(),
): Promise<{ dir: string; pages: number }> {
  const words = labels(book.config.language);
  const direction = directionOf(book);
  const common = { language: book.config.language, direction, stylesheets: STYLES, csp: BOOK_CSP } as const;
  const footer = footerElement(book);
  const target = path.join(outDir, 'html');
  await replaceDirectory(target, async (dir) => {
    for (const file of await sharedFiles(book, ['html/web.css'])) {
      await mkdir(path.dirname(path.join(dir, file.path)), { recursive: true });
      await writeFile(path.join(dir, file.path), file.data);
    }
    for (const [index, page] of pages.entries())
      await writeFile(path.join(dir, page.outName), pageDocument(book, pages, index, cache));
    const titleBlock: ElementContent[] = [
      { type: 'element', tagName: 'h1', properties: {}, children: [{ type: 'text', value: book.config.title }] },
    ];
    if (book.config.subtitle) {
      titleBlock.push({
        type: 'element',
        tagName: 'p',
        properties: { className: ['subtitle'] },
        children: [{ type: 'text', value: book.config.subtitle }],
      });
    }
    if (book.config.authors.length > 0) {
      titleBlock.push({
        type: 'element',
        tagName: 'p',
        properties: { className: ['authors'] },
        children: [{ type: 'text', value: book.config.authors.join(', ') }],
      });
    }
    const index: ElementContent[] = [
      { type: 'element', tagName: 'header', properties: { className: ['title-page'] }, children: titleBlock },
      {
        type: 'element',
        tagName: 'nav',
        properties: { className: ['toc'], ariaLabelledBy: ['toc-title'] },
        children: [
          {
            type: 'element',
            tagName: 'h2',
            properties: { id: 'toc-title' },
            children: [{ type: 'text', value: words.contents }],
          },
          navList(navItems(book, pages, book.config.output.toc_depth), '', true),
        ],
      },
    ];
    if (footer) index.push(footer);
    await writeFile(path.join(dir, 'index.html'), xhtmlDocument(index, { ...common, title: book.config.title }));
  });
  return { dir: target, pages: pages.length };
}

/** The HTML intermediate, which EPUB and PDF are made from: a build always writes it. */
export const renderer: Renderer = {
  format: 'html',
  async render(ctx) {
    const html = await renderHtml(ctx.book, ctx.pages, ctx.outDir, ctx.cache);
    return [{ format: 'html', path: html.dir }];
  },
};
