import path from 'node:path';
import type { LoadedBook } from './book/load.ts';
import type { Page } from './pages.ts';

/** Names the web edition's own files take: a page never lands on one. */
const RESERVED = /^(css|js|fonts|images|downloads)\/|^favicon\.svg$/;

/** `old/intro.html`: a site path without a leading slash, `.`/`..` resolved; undefined if it leaves the site. */
export function sitePath(p: string): string | undefined {
  const normal = path.posix.normalize(p.replace(/^\/+/, ''));
  return normal.startsWith('..') || normal === '.' || path.posix.isAbsolute(normal) ? undefined : normal;
}

/**
 * Where each page of the web edition is written (by its intermediate name,
 * `<key>.xhtml`). A HonKit/GitBook or mdBook book keeps its source tool's
 * paths (`contents/1.1-x.md` → `contents/1.1-x.html`, a README → the
 * folder's `index.html`), so links into the site it had keep working;
 * `output.web.paths: galley`, a Galley book, a part page and a path that
 * would collide keep Galley's flat names.
 */
export function webPaths(book: LoadedBook, pages: Page[]): Map<string, string> {
  const flat = (outName: string) => outName.replace(/\.xhtml$/, '.html');
  const keep = (book.dialect === 'honkit' || book.dialect === 'mdbook') && book.config.output.web.paths === 'source';
  const used = new Set(pages.map((p) => flat(p.outName)));
  const paths = new Map<string, string>();
  for (const page of pages) {
    const source = page.chapter?.source;
    const wanted = keep && source ? sitePath(source.replace(/(^|\/)README\.md$/i, '$1index.md')) : undefined;
    const target = wanted?.replace(/\.(md|markdown)$/i, '.html');
    const free = target && !RESERVED.test(target) && (target === flat(page.outName) || !used.has(target));
    if (free) used.add(target);
    paths.set(page.outName, free ? target : flat(page.outName));
  }
  return paths;
}

/** `from` (a page path) → the address of `to` relative to it. */
export function relativeHref(from: string, to: string): string {
  const [file, hash] = to.split('#', 2) as [string, string | undefined];
  const relative = path.posix.relative(path.posix.dirname(from), file) || path.posix.basename(file);
  return encodeURI(relative) + (hash !== undefined ? `#${hash}` : '');
}

/**
 * A redirect's target: a path in the site (with its `#anchor`), or a web address; undefined for anything else.
 * Here rather than in render/web/site.ts so `checks/redirects.ts` does not load the site writer (decision 0027).
 */
export function redirectTarget(from: string, to: string): { path: string; external?: string } | undefined {
  if (/^https?:\/\//i.test(to)) return { path: '', external: to };
  if (/^[a-z][a-z0-9+.-]*:/i.test(to)) return undefined;
  const [file, hash] = to.split('#', 2) as [string, string | undefined];
  const joined = file === '' ? from : file.startsWith('/') ? file : path.posix.join(path.posix.dirname(from), file);
  const at = sitePath(decodeURI(joined.endsWith('/') || joined === '' ? `${joined}index.html` : joined));
  return at === undefined ? undefined : { path: at + (hash !== undefined ? `#${hash}` : '') };
}
