import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { LoadedBook } from '../../model/book/load.ts';
import type { Page } from '../../model/pages.ts';
import { sharedFiles, template } from '../assets.ts';
import { replaceDirectory, writeFileAtomic } from '../../util/atomic.ts';
import { labels } from '../../util/labels.ts';
import { bookDirection } from '../../model/direction.ts';
import type { EditionStamp } from '../../model/errata/stamp.ts';
import { h } from 'hastscript';
import { findDownloads, type Download } from './downloads.ts';
import { webDocument } from './document.ts';
import {
  pageHref,
  tocScript,
  webIndexBody,
  webName,
  webPageBody,
  type EditionLink,
  type WebContext,
} from './layout.ts';
import { relativeHref, sitePath, webPaths } from '../../model/web-paths.ts';
import { authorCss } from '../../model/author-css.ts';
import { searchDocuments, searchIndexScript } from './search-index.ts';

/** One language edition, ready to be written as part of the web site. */
export interface WebEdition {
  code: string;
  book: LoadedBook;
  pages: Page[];
  stamp: EditionStamp;
  /** The edition's artifact folder (`dist/`, `dist/fa/`): where its EPUB and PDF are. */
  outDir: string;
  /** Its folder inside the site (`''` for the main edition, else its code). */
  subdir: string;
  /** The EPUB and PDF built in the same run, offered for download; none when unset. */
  artifacts?: string[];
}

/** Another edition of the same manuscript that was not built this time: the switcher still links to it. */
export interface OtherEdition {
  code: string;
  language: string;
  subdir: string;
}

const STYLES = ['css/fonts.css', 'css/book.css', 'css/site.css'];
// toc.js first: galley.js scrolls the sidebar to the current page, which toc.js marks.
const SCRIPTS = ['js/toc.js', 'js/galley.js'];

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
  );
};

/** What every page of an edition is laid out with: its pages, the other editions, its downloads. */
export async function webContext(
  edition: WebEdition,
  all: SiteEdition[],
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
  if (authorCss(book, 'web')) files.set('css/author.css', authorCss(book, 'web'));
  files.set('js/toc.js', tocScript(context));
  files.set('favicon.svg', await template('web/favicon.svg'));
  files.set('js/minisearch.js', await readFile(MINISEARCH_UMD));
  files.set('js/search-index.js', searchIndexFor(book, pages));
  for (const download of context.downloads) files.set(`downloads/${download.name}`, await readFile(download.source));
  // A README kept as `index.html` (HonKit, mdBook) is the site's first page, in place of Galley's title page.
  files.set('index.html', webIndexPage(context));
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

/** A redirect's target: a path in the site (with its `#anchor`), or a web address; undefined for anything else. */
export function redirectTarget(from: string, to: string): { path: string; external?: string } | undefined {
  if (/^https?:\/\//i.test(to)) return { path: '', external: to };
  if (/^[a-z][a-z0-9+.-]*:/i.test(to)) return undefined;
  const [file, hash] = to.split('#', 2) as [string, string | undefined];
  const joined = file === '' ? from : file.startsWith('/') ? file : path.posix.join(path.posix.dirname(from), file);
  const at = sitePath(decodeURI(joined.endsWith('/') || joined === '' ? `${joined}index.html` : joined));
  return at === undefined ? undefined : { path: at + (hash !== undefined ? `#${hash}` : '') };
}

const commonOptions = (context: WebContext) => ({
  language: context.book.config.language,
  direction: context.direction,
  stylesheets: authorCss(context.book, 'web') ? [...STYLES, 'css/author.css'] : STYLES,
  scripts: SCRIPTS,
  description: context.book.config.description,
});

/** The edition's title page, as HTML. */
export function webIndexPage(context: WebContext): string {
  return webDocument(webIndexBody(context), { ...commonOptions(context), title: context.book.config.title });
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
    ...commonOptions(context),
    title: `${page.title} – ${context.book.config.title}`,
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
): Promise<{ dir: string }> {
  // An edition not built this time is linked to only if an earlier build left its pages.
  const present = others.filter((o) => existsSync(path.join(webRoot, o.subdir, 'index.html')));
  const all = [...built.map(siteEdition), ...present.map((o) => ({ ...o, pages: undefined }))];
  const rendered = await Promise.all(built.map(async (edition) => ({ edition, ...(await webFiles(edition, all)) })));
  const main = rendered.find((r) => r.edition.subdir === '');
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
  }
  return { dir: webRoot };
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
