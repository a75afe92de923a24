import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { LoadedBook } from '../../model/book/load.ts';
import type { Page } from '../../model/pages.ts';
import { sharedFiles, template } from '../assets.ts';
import { replaceDirectory, writeFileAtomic } from '../../util/atomic.ts';
import { labels } from '../../util/labels.ts';
import { bookDirection } from '../../model/direction.ts';
import { h } from 'hastscript';
import { findDownloads, type Download } from './downloads.ts';
import { webDocument } from './document.ts';
import {
  pageHref,
  tocScript,
  webIndexBody,
  webName,
  webNotFoundBody,
  webPageBody,
  type EditionLink,
  type WebContext,
} from './layout.ts';
import { cardTags, robotsTxt, sitemapXml } from './discovery.ts';
import { bookSlug } from '../../model/book-slug.ts';
import { buildDate } from '../../util/build-date.ts';
import { searchDocuments, searchIndexScript, snippet } from './search-index.ts';
import { select } from 'hast-util-select';
import { toString } from 'hast-util-to-string';
import { redirectTarget, relativeHref, sitePath, webPaths } from '../../model/web-paths.ts';
import { authorCss } from '../../model/author-css.ts';
import type { OtherEdition, Renderer, WebEdition } from '../renderer.ts';

/** One language edition, ready to be written as part of the web site. */
export type { OtherEdition, WebEdition };

const STYLES = ['css/fonts.css', 'css/book.css', 'css/site.css'];
// toc.js first: galley.js scrolls the sidebar to the current page, which toc.js marks.
const SCRIPTS = ['js/toc.js', 'js/galley.js'];
// Before the page is drawn: the reader's theme and text size, so a dark reader never sees a white flash.
const BLOCKING = ['js/prefs.js'];
/** From a site built by `galley release` (`release/<version>/web/`) to the release folder. */
export const RELEASE_ROOT = '../../';

/** From a file at `sitePath` (a path from the site root) back up to the root: `''`, `../`, … */
export const upFrom = (sitePath: string) => '../'.repeat(sitePath.split('/').length - 1);

/** A page's path from the site root: the edition's folder, then the page's own path in it. */
export const sitePathOf = (subdir: string, pagePath: string) => (subdir ? `${subdir}/${pagePath}` : pagePath);

const require = createRequire(import.meta.url);
// The browser build of the search library, shipped beside the pages.
const MINISEARCH_UMD = path.join(path.dirname(require.resolve('minisearch')), '../umd/index.js');

const languageName = (code: string) => {
  try {
    return new Intl.DisplayNames([code], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
};

/** From one edition's folder in the site to another's. */
function prefix(from: string, to: string): string {
  const relative = path.posix.relative(`/${from}`, `/${to}`);
  return relative ? `${relative}/` : '';
}

type SiteEdition = {
  code: string;
  language: string;
  subdir: string;
  pages?: Set<string>;
  paths?: Map<string, string>;
};

/** A built edition as the other editions' switchers see it. */
export const siteEdition = (edition: WebEdition): SiteEdition => ({
  code: edition.code,
  language: edition.book.config.language,
  subdir: edition.subdir,
  pages: new Set(edition.pages.map((p) => p.outName)),
  paths: webPaths(edition.book, edition.pages),
});

/** The edition's `js/search-index.js`. */
export const searchIndexFor = (book: LoadedBook, pages: Page[]) => {
  const paths = webPaths(book, pages);
  return searchIndexScript(
    searchDocuments(pages, (page) => pageHref(paths, page.outName), labels(book.config.language).web.question),
    book.config.language,
  );
};

/** What every page of an edition is laid out with: its pages, the other editions, its downloads. */
export async function webContext(
  edition: WebEdition,
  all: SiteEdition[],
  // The main edition's slug (another edition's is the main one's and its code): settings hold across languages.
  siteKey = edition.subdir
    ? bookSlug(edition.book).replace(new RegExp(`-${edition.code}$`), '')
    : bookSlug(edition.book),
): Promise<{ context: WebContext; pageNames: Set<string> }> {
  const { book, pages } = edition;
  const downloads: Download[] = await findDownloads(edition.artifacts ?? []);
  const editions: EditionLink[] = all
    .filter((other) => other.code !== edition.code)
    .map((other) => ({
      code: other.code,
      language: other.language,
      name: languageName(other.language),
      prefix: prefix(edition.subdir, other.subdir),
      pages: other.pages,
      paths: other.paths,
    }));
  const context: WebContext = {
    book,
    pages,
    stamp: edition.stamp,
    downloads,
    editions,
    direction: bookDirection(book.config),
    words: labels(book.config.language),
    siteKey,
    subdir: edition.subdir,
    siteUrl: book.config.site.url,
    release: edition.release,
    paths: webPaths(book, pages),
  };
  return { context, pageNames: new Set(pages.map((p) => p.outName)) };
}

/** The files of one edition's part of the site: pages, index, search index, scripts, styles, fonts, images, downloads. */
export async function webFiles(edition: WebEdition, all: SiteEdition[]) {
  const { book, pages } = edition;
  const { context, pageNames } = await webContext(edition, all);
  const files = new Map<string, string | Buffer>();
  for (const file of await sharedFiles(book, ['web/site.css'])) files.set(file.path, file.data);
  files.set('js/galley.js', await template('web/galley.js'));
  files.set('js/prefs.js', await template('web/prefs.js'));
  if (authorCss(book, 'web')) files.set('css/author.css', authorCss(book, 'web'));
  files.set('js/toc.js', tocScript(context));
  files.set('favicon.svg', await template('web/favicon.svg'));
  files.set('js/minisearch.js', await readFile(MINISEARCH_UMD));
  files.set('js/search-index.js', searchIndexFor(book, pages));
  for (const download of context.downloads) files.set(`downloads/${download.name}`, await readFile(download.source));
  // A README kept as `index.html` (HonKit, mdBook) is the site's first page, in place of Galley's title page.
  files.set('index.html', webIndexPage(context));
  files.set('404.html', webNotFoundPage(context));
  for (const index of pages.keys()) files.set(webFileName(context, pages[index]!), webPage(context, index, pageNames));
  for (const [name, page] of redirectPages(book, new Set(files.keys()))) files.set(name, page);
  return { files, context, pageNames };
}

/** Where a page is written in its edition's folder. */
export const webFileName = (context: WebContext, page: Page) =>
  context.paths?.get(page.outName) ?? webName(page.outName);

/**
 * `redirects:` (book.yaml, or mdBook's `[output.html.redirect]`): a page at
 * each old path that sends the reader on, with a canonical link for search
 * engines. A target is relative to the old page, or to the site's root with a
 * leading `/`, or a web address. An old path that is a page, or leaves the
 * site, is not written (galley check reports it).
 */
export function redirectPages(book: LoadedBook, taken: Set<string>): Map<string, string> {
  const pages = new Map<string, string>();
  for (const [from, to] of Object.entries(book.config.redirects)) {
    const at = sitePath(from);
    const target = redirectTarget(at ?? '', to);
    if (!at || taken.has(at) || target === undefined) continue;
    const href = target.external ?? relativeHref(at, target.path);
    pages.set(
      at,
      webDocument([h('p', [h('a', { href }, href)])], {
        title: 'Moved',
        language: book.config.language,
        direction: bookDirection(book.config),
        stylesheets: [],
        scripts: [],
        icon: relativeHref(at, 'favicon.svg'),
        links: [{ rel: 'canonical', href }],
        refresh: href,
      }),
    );
  }
  return pages;
}

/** What every page's head has, for the page at `pagePath` in its edition's folder. */
function commonOptions(
  context: WebContext,
  pagePath: string,
  title: string,
  type: 'book' | 'article' | 'website',
  description = context.book.config.description,
) {
  const { book } = context;
  const sitePath = sitePathOf(context.subdir, pagePath);
  // A page in a folder has a <base> at its edition's root (webPage): its relative links start there.
  const linksFrom = pagePath.includes('/') ? sitePathOf(context.subdir, 'index.html') : sitePath;
  const scripts = context.release
    ? // Before galley.js, which builds the version menu from it; a newer release rewrites it, so older pages learn of it.
      [`${upFrom(linksFrom)}${RELEASE_ROOT}versions.js`, ...SCRIPTS]
    : SCRIPTS;
  const data: Record<string, string> = { site: context.siteKey };
  if (context.release) {
    data.version = context.release.version;
    data.page = sitePath;
    data.releases = `${upFrom(linksFrom)}${RELEASE_ROOT}`;
  }
  return {
    language: book.config.language,
    direction: context.direction,
    stylesheets: authorCss(book, 'web') ? [...STYLES, 'css/author.css'] : STYLES,
    scripts,
    blockingScripts: BLOCKING,
    description,
    title,
    data,
    head: cardTags({
      title,
      description,
      language: book.config.language,
      siteName: book.config.title,
      sitePath,
      cover: book.cover ? sitePathOf(context.subdir, book.cover.target) : undefined,
      siteUrl: context.siteUrl,
      type,
    }),
  };
}

/** A page's own summary for search results and link previews: its first paragraph's opening sentence. */
function pageDescription(page: Page, language: string): string | undefined {
  // The first paragraph of text: not the chapter label (hidden from readers; the title says it), not a note.
  const first = select('p:not([class]):not([aria-hidden])', page.body);
  const text = first ? toString(first).replace(/\s+/g, ' ').trim() : '';
  if (!text) return undefined;
  const cut = snippet(text, [], 200, language).replace(/ …$/, '');
  // A whole sentence needs no mark; a sentence cut short does.
  return cut.length < text.length && !/[.!?。！？؟]$/u.test(cut) ? `${cut}…` : cut;
}

/** The edition's title page, as HTML. */
export function webIndexPage(context: WebContext): string {
  return webDocument(webIndexBody(context), commonOptions(context, 'index.html', context.book.config.title, 'book'));
}

/**
 * The edition's `404.html`, which a static host serves at whatever address
 * was missing: with `site.url`, a `<base>` makes its links work from any
 * depth (`galley dev` adds one itself); a missing page has no canonical address.
 */
export function webNotFoundPage(context: WebContext): string {
  const title = `${context.words.web.notFound} – ${context.book.config.title}`;
  const options = commonOptions(context, '404.html', title, 'website');
  const base = context.siteUrl ? new URL(sitePathOf(context.subdir, ''), context.siteUrl).pathname : undefined;
  return webDocument(webNotFoundBody(context), {
    ...options,
    head: options.head.filter(
      (tag) => tag.type !== 'element' || (tag.tagName !== 'link' && tag.properties.property !== 'og:url'),
    ),
    base: base === undefined ? undefined : { href: base },
  });
}

/** One chapter or part page of the web edition, as HTML. */
export function webPage(context: WebContext, index: number, pageNames: Set<string>): string {
  const page = context.pages[index]!;
  const links = [context.pages[index - 1], context.pages[index + 1]].flatMap((p, i) =>
    p ? [{ rel: i === 0 ? 'prev' : 'next', href: pageHref(context.paths, p.outName) }] : [],
  );
  const self = webFileName(context, page);
  const depth = self.split('/').length - 1;
  return webDocument(webPageBody(context, index, pageNames), {
    ...commonOptions(
      context,
      self,
      `${page.title} – ${context.book.config.title}`,
      'article',
      pageDescription(page, context.book.config.language) ?? context.book.config.description,
    ),
    links,
    base: depth > 0 ? { href: '../'.repeat(depth), self } : undefined,
  });
}

async function writeAll(dir: string, files: Map<string, string | Buffer>) {
  // Code-unit order: the same site byte for byte, whatever the locale.
  for (const name of [...files.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), files.get(name)!);
  }
}

/**
 * The web edition: a static site in `<out>/web/`, the main edition at its
 * root and each other edition in a folder named by its code. Every link is
 * relative, so the site works from any folder of any static host. Each
 * edition's folder is swapped in whole, as the other outputs are.
 */
export async function renderWeb(
  built: WebEdition[],
  others: OtherEdition[],
  webRoot: string,
): Promise<{ dir: string; sitemap: boolean }> {
  // An edition not built this time is linked to only if an earlier build left its pages.
  const present = others.filter((o) => existsSync(path.join(webRoot, o.subdir, 'index.html')));
  const all = [...built.map(siteEdition), ...present.map((o) => ({ ...o, pages: undefined }))];
  const rendered = await Promise.all(built.map(async (edition) => ({ edition, ...(await webFiles(edition, all)) })));
  const discovery = await discoveryFiles(rendered, present, webRoot);
  const main = rendered.find((r) => r.edition.subdir === '');
  if (main) for (const [name, data] of discovery) main.files.set(name, data);
  if (main) {
    await replaceDirectory(webRoot, async (dir) => {
      await writeAll(dir, main.files);
      for (const r of rendered) if (r !== main) await writeAll(path.join(dir, r.edition.subdir), r.files);
      // Editions not built this time keep their pages.
      for (const other of present)
        if (other.subdir) await rename(path.join(webRoot, other.subdir), path.join(dir, other.subdir));
    });
  } else {
    for (const r of rendered)
      await replaceDirectory(path.join(webRoot, r.edition.subdir), (dir) => writeAll(dir, r.files));
    // Every edition in a folder of its own (HonKit's LANGS.md): the root lists them.
    if (!others.some((o) => o.subdir === ''))
      await writeFileAtomic(path.join(webRoot, 'index.html'), languageChooser(all));
    for (const [name, data] of discovery) await writeFileAtomic(path.join(webRoot, name), data);
  }
  return { dir: webRoot, sitemap: discovery.size > 0 };
}

/** The `.html` pages an earlier build left in an edition's folder, as paths from the site root. */
async function pagesLeft(webRoot: string, subdir: string): Promise<string[]> {
  const names = await readdir(path.join(webRoot, subdir), { recursive: true }).catch(() => [] as string[]);
  return names
    .map((name) => String(name).split(path.sep).join('/'))
    .filter((name) => name.endsWith('.html') && name !== '404.html')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => sitePathOf(subdir, name));
}

/** `sitemap.xml` and `robots.txt` at the site's root, when book.yaml gives `site.url`. */
async function discoveryFiles(
  rendered: { edition: WebEdition; context: WebContext }[],
  present: OtherEdition[],
  webRoot: string,
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const first = rendered.find((r) => r.edition.subdir === '') ?? rendered[0];
  const siteUrl = first?.context.siteUrl;
  if (!first || !siteUrl) return files;
  // A set: a README kept as a book's `index.html` is its title page too.
  const paths = new Set<string>();
  for (const { edition, context } of rendered) {
    paths.add(sitePathOf(edition.subdir, 'index.html'));
    for (const page of edition.pages) paths.add(sitePathOf(edition.subdir, webFileName(context, page)));
  }
  for (const other of present)
    if (other.subdir) for (const left of await pagesLeft(webRoot, other.subdir)) paths.add(left);
  files.set(
    'sitemap.xml',
    sitemapXml(siteUrl, [...paths], buildDate(first.edition.book.root).toISOString().slice(0, 10)),
  );
  files.set('robots.txt', robotsTxt(siteUrl));
  return files;
}

/** The root page of a site whose editions are all in folders: a list of them, each in its own language. */
function languageChooser(all: { code: string; language: string; subdir: string }[]): string {
  const list = h(
    'ul',
    all.map((e) =>
      h('li', [
        h(
          'a',
          { href: `${encodeURI(e.subdir)}/index.html`, hrefLang: e.language, lang: e.language },
          languageName(e.language),
        ),
      ]),
    ),
  );
  return webDocument([h('main', [h('h1', 'Languages'), list])], {
    title: 'Languages',
    language: 'en',
    direction: 'ltr',
    stylesheets: [],
    scripts: [],
    icon: all[0] ? `${encodeURI(all[0].subdir)}/favicon.svg` : undefined,
  });
}

/** The site of every edition in `ctx.site`: one artifact per edition, its folder in the site. */
export const renderer: Renderer = {
  format: 'web',
  async render(ctx) {
    if (!ctx.site) throw new Error('The web edition is rendered for a site: its editions are missing');
    const web = await renderWeb(ctx.site.editions, ctx.site.others, ctx.site.dir);
    return ctx.site.editions.map((e) => ({ format: 'web', path: path.join(web.dir, e.subdir) }));
  },
};
