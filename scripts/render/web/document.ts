import type { Element, ElementContent } from 'hast';
import { h } from 'hastscript';
import { toHtml } from 'hast-util-to-html';

export interface WebDocumentOptions {
  title: string;
  language: string;
  direction: 'ltr' | 'rtl';
  description?: string;
  stylesheets: string[];
  scripts: string[];
  /** The favicon's address; `favicon.svg` beside the page by default. */
  icon?: string;
  /** `<link rel="prev|next">`, which some readers' tools follow. */
  links?: { rel: string; href: string }[];
  /** More of the head: the canonical link, card tags. */
  head?: ElementContent[];
  /** Scripts that run before the page is drawn (the reader's saved theme and text size). */
  blockingScripts?: string[];
  /** `data-*` on `<html>`, which the scripts read (`{ site: 'x' }` is `data-site="x"`). */
  data?: Record<string, string>;
  /**
   * `<base href>`. A page in a folder (`contents/1.1-x.html`): `href` leads
   * back to the edition's root, which every link is written from, and `self`
   * is the page's own path, which in-page `#anchor` links are given so the
   * base does not send them to the root. The 404 page, which a host serves at
   * any address, has an `href` only.
   */
  base?: { href: string; self?: string };
  /** A page that only sends the reader on: a meta refresh to this address. */
  refresh?: string;
}

function anchorsToSelf(node: ElementContent, self: string): void {
  if (node.type !== 'element') return;
  const href = node.properties.href;
  if (typeof href === 'string' && href.startsWith('#')) node.properties.href = self + href;
  for (const child of node.children) anchorsToSelf(child, self);
}

/**
 * What a web page may load: its own folder's files (and the data: URLs the
 * author's stylesheets embed their images and fonts as), nothing remote. Scripts
 * come only from files (no inline code); `connect-src 'self'` is for the
 * live preview's event stream.
 */
export const WEB_CSP =
  "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; script-src 'self'; connect-src 'self'; media-src 'none'; object-src 'none'; frame-src 'none'; base-uri 'self'; form-action 'none'";

/** An HTML5 page of the web edition (served as `text/html`, unlike the XHTML intermediate). */
export function webDocument(body: ElementContent[], options: WebDocumentOptions): string {
  const head: ElementContent[] = [
    h('meta', { charSet: 'utf-8' }),
    ...(options.base ? [h('base', { href: options.base.href })] : []),
    h('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
    h('meta', { name: 'color-scheme', content: 'light dark' }),
    h('meta', { httpEquiv: 'Content-Security-Policy', content: WEB_CSP }),
    h('title', options.title),
  ];
  if (options.refresh !== undefined)
    head.push(h('meta', { httpEquiv: 'refresh', content: `0; url=${options.refresh}` }));
  // A page of its own; without one, browsers ask the host's root for /favicon.ico, outside the site.
  head.push(h('link', { rel: ['icon'], href: options.icon ?? 'favicon.svg', type: 'image/svg+xml' }));
  if (options.description) head.push(h('meta', { name: 'description', content: options.description }));
  for (const link of options.links ?? []) head.push(h('link', { rel: [link.rel], href: link.href }));
  head.push(...(options.head ?? []));
  for (const src of options.blockingScripts ?? []) head.push(h('script', { src }));
  for (const href of options.stylesheets) head.push(h('link', { rel: ['stylesheet'], href }));
  for (const src of options.scripts) head.push(h('script', { src, defer: true }));
  const self = options.base?.self;
  if (self !== undefined) for (const node of body) anchorsToSelf(node, encodeURI(self));
  const data = Object.fromEntries(
    Object.entries(options.data ?? {}).map(([key, value]) => [`data${key[0]!.toUpperCase()}${key.slice(1)}`, value]),
  );
  const html: Element = h('html', { lang: options.language, dir: options.direction, ...data }, [
    h('head', head),
    h('body', body),
  ]);
  return `<!doctype html>\n${toHtml(html)}\n`;
}
