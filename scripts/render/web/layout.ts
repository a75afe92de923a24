import type { Element, ElementContent } from 'hast';
import { h } from 'hastscript';
import { toHtml } from 'hast-util-to-html';
import type { LoadedBook } from '../../model/book/load.ts';
import type { Page } from '../../model/pages.ts';
import { footerElement } from '../../model/pages.ts';
import { navItems, type NavItem } from '../toc.ts';
import type { Labels } from '../../util/labels.ts';
import { stampNodes, type EditionStamp } from '../../model/errata/stamp.ts';
import { localDigits } from '../../model/numerals.ts';
import { formatSize, type Download } from './downloads.ts';

/** Another language edition, as the switcher links to it. */
export interface EditionLink {
  code: string;
  language: string;
  /** The edition's name in its own language (`فارسی`). */
  name: string;
  /** From this edition's folder to that edition's folder (`fa/`, `../`). */
  prefix: string;
  /** That edition's page names, when it was built with this one: the switcher then keeps the reader's place. */
  pages?: Set<string>;
  /** Where that edition writes each page (model/web-paths.ts), when it differs from the flat name. */
  paths?: Map<string, string>;
}

export interface WebContext {
  book: LoadedBook;
  pages: Page[];
  stamp: EditionStamp;
  downloads: Download[];
  editions: EditionLink[];
  direction: 'ltr' | 'rtl';
  words: Labels;
  /** Names the site in the reader's saved settings: one for all its editions. */
  siteKey: string;
  /** The edition's folder in the site (`''`, `fa`). */
  subdir: string;
  /** `site.url`, ending in `/`: the absolute tags and sitemap need it. */
  siteUrl?: string;
  /** Set when `galley release` builds the site: the version menu and the older-version banner. */
  release?: { version: string };
  /** Where each page is written, by intermediate name (model/web-paths.ts); the flat `.html` name when unset. */
  paths?: Map<string, string>;
}

/** The web edition names pages `.html`; the intermediate's `.xhtml` names stay the keys. */
export const webName = (outName: string) => outName.replace(/\.xhtml$/, '.html');

/**
 * A page's address from the edition's root (a page in a folder has a
 * `<base>` pointing there, so every link is written from the root).
 */
export const pageHref = (paths: Map<string, string> | undefined, outName: string) =>
  encodeURI(paths?.get(outName) ?? webName(outName));

/**
 * A copy of a page's body for the web: links to other pages renamed to
 * `.html`, EPUB-only attributes dropped. The original is shared with the
 * EPUB and PDF, so it is not touched.
 */
export function webBody(node: Element, pageNames: Set<string>, paths?: Map<string, string>): Element {
  const properties = { ...node.properties };
  delete properties['epub:type'];
  delete properties['epubType'];
  if (node.tagName === 'a' && typeof properties.href === 'string') {
    const [file, hash] = properties.href.split('#', 2) as [string, string | undefined];
    if (pageNames.has(file)) properties.href = pageHref(paths, file) + (hash !== undefined ? `#${hash}` : '');
  }
  return {
    ...node,
    properties,
    children: node.children.map((child) => (child.type === 'element' ? webBody(child, pageNames, paths) : child)),
  };
}

function tocList(items: NavItem[], current: string | undefined, paths?: Map<string, string>): Element {
  return h(
    'ol',
    items.map((item) => {
      const label = item.number && !item.number.includes('.') ? `${item.number}. ${item.title}` : item.title;
      const here = item.href !== undefined && item.href === current;
      // Sections (output.toc_depth) link into their page: `page.html#id`.
      const [file, hash] = (item.href ?? '').split('#', 2) as [string, string | undefined];
      const head = item.href
        ? h(
            'a',
            {
              href: pageHref(paths, file) + (hash !== undefined ? `#${hash}` : ''),
              ariaCurrent: here ? 'page' : undefined,
            },
            label,
          )
        : h('span', label);
      const children = item.children;
      return h('li', { className: here ? ['current'] : undefined }, [
        head,
        ...(children.length ? [tocList(children, current, paths)] : []),
      ]);
    }),
  );
}

/** The book's pages as a nested list, the current one marked: what the sidebar and the title page show. */
export function tocElement(context: WebContext, current?: string): Element {
  return tocList(navItems(context.book, context.pages, context.book.config.output.toc_depth), current, context.paths);
}

function languageSwitcher(context: WebContext, page: string | undefined): Element | undefined {
  if (context.editions.length === 0) return undefined;
  return h('nav.languages', { ariaLabel: context.words.web.languages }, [
    h(
      'ul',
      context.editions.map((edition) => {
        const target = page && edition.pages?.has(page) ? pageHref(edition.paths, page) : 'index.html';
        return h('li', [
          h('a', { href: edition.prefix + target, hrefLang: edition.language, lang: edition.language }, edition.name),
        ]);
      }),
    ),
  ]);
}

/** The downloads box; `where` tells the sidebar's from the title page's, which share a page. */
function downloadsElement(context: WebContext, where: 'sidebar' | 'index' = 'sidebar'): Element | undefined {
  if (context.downloads.length === 0) return undefined;
  const { words, book } = context;
  const id = where === 'index' ? 'downloads-index-title' : 'downloads-title';
  return h(
    'section',
    { className: where === 'index' ? ['downloads', 'downloads-index'] : ['downloads'], ariaLabelledBy: [id] },
    [
      h('h2', { id }, words.web.downloads),
      h(
        'ul',
        context.downloads.map((d) =>
          h('li', [
            h('a', { href: `downloads/${d.name}`, download: d.name, type: d.mediaType }, d.format.toUpperCase()),
            ' ',
            h('span.size', `(${localDigits(formatSize(d.bytes, book.config.language), book.config)})`),
          ]),
        ),
      ),
      h('p.edition-line', stampNodes(context.stamp, book.config)),
    ],
  );
}

function header(context: WebContext, page: string | undefined): Element {
  const { words, book } = context;
  const web = words.web;
  const children: ElementContent[] = [
    // Hidden until the script runs: without it, the title page is the table of contents.
    h('button.menu-toggle', { type: 'button', ariaControls: 'sidebar', ariaExpanded: 'false', hidden: true }, [
      h('span.menu-icon', { ariaHidden: 'true' }, '☰'),
      ' ',
      h('span.menu-word', web.menu),
    ]),
    h('a.book-title', { href: 'index.html', title: web.home }, book.config.title),
    h('form.search', { role: 'search', hidden: true, action: '' }, [
      h('label.sr-only', { htmlFor: 'search-input' }, web.search),
      h('input#search-input', {
        type: 'search',
        placeholder: web.searchPlaceholder,
        autoComplete: 'off',
        spellCheck: 'false',
        ariaControls: 'search-results',
        ariaDescribedBy: ['search-status'],
      }),
    ]),
  ];
  if (context.release) children.push(versionMenu(context));
  children.push(readerControls(context));
  const switcher = languageSwitcher(context, page);
  if (switcher) children.push(switcher);
  return h('header.site-header', children);
}

/**
 * Text size and theme, hidden until `js/galley.js` runs (the page reads as
 * the system says without it). Sizes are buttons with `aria-pressed`; the
 * theme is a native select; a polite live region says what changed.
 */
function readerControls(context: WebContext): Element {
  const web = context.words.web;
  const sizes = (['small', 'medium', 'large'] as const).map((size) =>
    h(`button.size-${size}`, { type: 'button', dataSize: size, ariaPressed: size === 'medium' ? 'true' : 'false' }, [
      h('span', { ariaHidden: 'true' }, 'A'),
      h('span.sr-only', web.sizes[size]),
    ]),
  );
  const themes = (['system', 'light', 'dark', 'sepia'] as const).map((theme) =>
    h('option', { value: theme }, web.themes[theme]),
  );
  return h('div.reader-controls', { hidden: true }, [
    h('div.text-size', { role: 'group', ariaLabel: web.textSize }, sizes),
    h('label.sr-only', { htmlFor: 'theme-select' }, web.theme),
    h('select#theme-select', { title: web.theme }, themes),
    h('p#reader-status.sr-only', {
      ariaLive: 'polite',
      dataTextSize: web.textSizeNow,
      dataTheme: web.themeNow,
    }),
  ]);
}

/** The slot `js/galley.js` fills with the released versions from `versions.js`, which a newer release rewrites. */
function versionMenu(context: WebContext): Element {
  const web = context.words.web;
  return h('nav.versions', {
    hidden: true,
    ariaLabel: web.versions,
    dataVersionLabel: web.version,
    dataNewest: web.newest,
    dataOlder: web.olderVersion,
    dataReadNewest: web.readNewest,
  });
}

function searchResults(context: WebContext): Element {
  return h('section#search-results.search-results', { hidden: true, ariaLabel: context.words.web.search }, [
    h('p#search-status.search-status', {
      role: 'status',
      dataNoResults: context.words.web.noResults,
      dataResults: context.words.web.results,
    }),
    h('ol.search-list'),
  ]);
}

function outline(context: WebContext, page: Page): Element | undefined {
  const headings = page.chapter?.headings.filter((heading) => heading.depth === 2 || heading.depth === 3) ?? [];
  if (headings.length < 2) return undefined;
  const root: Element = h('ol');
  let lastTop: Element | undefined;
  for (const heading of headings) {
    const item = h('li', [h('a', { href: `#${heading.id}` }, heading.text)]);
    if (heading.depth === 3 && lastTop) {
      let sub = lastTop.children.find((c): c is Element => c.type === 'element' && c.tagName === 'ol');
      if (!sub) lastTop.children.push((sub = h('ol')));
      sub.children.push(item);
    } else {
      root.children.push(item);
      lastTop = item;
    }
  }
  return h('nav.outline', { ariaLabelledBy: ['outline-title'] }, [
    h('h2#outline-title', context.words.web.onThisPage),
    root,
  ]);
}

function pager(context: WebContext, index: number): Element {
  const { pages, words, direction } = context;
  const [back, forward] = direction === 'rtl' ? ['→', '←'] : ['←', '→'];
  const link = (page: Page | undefined, rel: 'prev' | 'next') => {
    if (!page) return h('span');
    const word = rel === 'prev' ? words.previous : words.next;
    return h(`a.${rel}`, { href: pageHref(context.paths, page.outName), rel: [rel] }, [
      h('span.pager-label', rel === 'prev' ? `${back} ${word}` : `${word} ${forward}`),
      h('span.pager-title', page.title),
    ]);
  };
  return h('nav.pager', { ariaLabel: words.pages }, [link(pages[index - 1], 'prev'), link(pages[index + 1], 'next')]);
}

/**
 * `js/toc.js`: the contents list, written once per edition and put into each
 * page's sidebar by the browser, which then marks the page it is on (as
 * mdBook's `toc.js` does). Inline in every page, the list made the site grow
 * with the square of the chapter count.
 */
export function tocScript(context: WebContext): string {
  const list = JSON.stringify(toHtml(tocElement(context))).replace(/</g, '\\u003c');
  return `"use strict";
(function () {
  var slot = document.getElementById('sidebar-toc');
  if (!slot) return;
  slot.innerHTML = ${list};
  var here = location.pathname.split('/').pop() || 'index.html';
  try { here = decodeURIComponent(here); } catch (e) {}
  var links = slot.querySelectorAll('a[href]');
  for (var i = 0; i < links.length; i++) {
    if (links[i].getAttribute('href') === here) {
      links[i].setAttribute('aria-current', 'page');
      links[i].parentNode.classList.add('current');
    }
  }
})();
`;
}

/** The sidebar: the whole contents on the title page; elsewhere a slot `js/toc.js` fills, with a link to them for readers without scripts. */
function sidebar(context: WebContext, current: string | undefined): Element {
  // The page at index.html (the title page, or a README kept there) carries the contents without a script.
  const list =
    current === 'index.html' || (current !== undefined && context.paths?.get(current) === 'index.html')
      ? tocElement(context, current)
      : h('div#sidebar-toc', [h('p.sidebar-contents', [h('a', { href: 'index.html' }, context.words.contents)])]);
  const children: ElementContent[] = [h('h2.sr-only#sidebar-title', context.words.contents), list];
  const downloads = downloadsElement(context);
  if (downloads) children.push(downloads);
  return h('nav#sidebar.sidebar', { ariaLabelledBy: ['sidebar-title'] }, children);
}

function frame(
  context: WebContext,
  current: string | undefined,
  main: ElementContent[],
  aside?: Element,
): ElementContent[] {
  const footer = footerElement(context.book);
  return [
    h('a.skip-link', { href: '#content' }, context.words.web.skip),
    header(context, current),
    searchResults(context),
    h('div.layout', [
      sidebar(context, current),
      h('div.page', [h('main#content', { tabIndex: -1 }, main), ...(footer ? [footer] : [])]),
      ...(aside ? [aside] : []),
    ]),
  ];
}

/** One page of the web edition: header with search and languages, the sidebar, the page, its outline, the pager and the footer. */
export function webPageBody(context: WebContext, index: number, pageNames: Set<string>): ElementContent[] {
  const page = context.pages[index]!;
  return frame(
    context,
    page.outName,
    [webBody(page.body, pageNames, context.paths), pager(context, index)],
    outline(context, page),
  );
}

/** The page a host serves for a missing address: the book's header with its search box, and a way back. */
export function webNotFoundBody(context: WebContext): ElementContent[] {
  const web = context.words.web;
  return frame(context, '404.html', [
    h('h1', web.notFound),
    h('p', web.notFoundText),
    h('p', [h('a', { href: 'index.html' }, context.words.contents)]),
  ]);
}

/** The edition's front door: title, edition line, downloads and the whole table of contents. */
export function webIndexBody(context: WebContext): ElementContent[] {
  const { book, words } = context;
  const title: ElementContent[] = [h('h1', book.config.title)];
  if (book.config.subtitle) title.push(h('p.subtitle', book.config.subtitle));
  if (book.config.authors.length > 0) title.push(h('p.authors', book.config.authors.join(', ')));
  if (book.config.description) title.push(h('p.description', book.config.description));
  const main: ElementContent[] = [h('header.title-page', title)];
  const downloads = downloadsElement(context, 'index');
  if (downloads) main.push(downloads);
  main.push(h('nav.toc', { ariaLabelledBy: ['toc-title'] }, [h('h2#toc-title', words.contents), tocElement(context)]));
  const first = context.pages[0];
  if (first) {
    main.push(
      h('nav.pager', { ariaLabel: words.pages }, [
        h('span'),
        h('a.next', { href: pageHref(context.paths, first.outName), rel: ['next'] }, [
          h('span.pager-label', `${words.start} ${context.direction === 'rtl' ? '←' : '→'}`),
          h('span.pager-title', first.title),
        ]),
      ]),
    );
  }
  return frame(context, 'index.html', main);
}
