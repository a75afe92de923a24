import type { ElementContent } from 'hast';
import { h } from 'hastscript';
import { escapeXmlText } from '../../util/xml-safe.ts';

/**
 * What search engines and link previews read: the canonical address of each
 * page, Open Graph and Twitter card tags, `sitemap.xml` and `robots.txt`.
 * Only these carry absolute addresses (from `site.url`); the pages link to
 * each other relatively, so the site still works from any folder.
 */

/** A page's public address: `site.url` and its path from the site root, each segment percent-encoded. */
export function absoluteUrl(siteUrl: string, sitePath: string): string {
  return new URL(sitePath.split('/').map(encodeURIComponent).join('/'), siteUrl).href;
}

/** `fa` → `fa_IR`, as Open Graph writes a locale; the language alone when no region is likely. */
export function ogLocale(language: string): string {
  try {
    const locale = new Intl.Locale(language).maximize();
    return locale.region ? `${locale.language}_${locale.region}` : locale.language;
  } catch {
    return language.replace('-', '_');
  }
}

export interface CardOptions {
  title: string;
  description?: string;
  language: string;
  siteName: string;
  /** The page's path from the site root (`fa/chapter.html`). */
  sitePath: string;
  /** The cover's path from the site root, when the book has one. */
  cover?: string;
  /** `site.url`; without it, no tag that needs an absolute address. */
  siteUrl?: string;
  type: 'book' | 'article' | 'website';
}

/** The canonical link and the card tags of one page. */
export function cardTags(options: CardOptions): ElementContent[] {
  const tags: ElementContent[] = [];
  const meta = (key: 'property' | 'name', name: string, content: string) =>
    tags.push(h('meta', { [key]: name, content }));
  const url = options.siteUrl ? absoluteUrl(options.siteUrl, options.sitePath) : undefined;
  const image = options.siteUrl && options.cover ? absoluteUrl(options.siteUrl, options.cover) : undefined;
  if (url) tags.push(h('link', { rel: ['canonical'], href: url }));
  meta('property', 'og:type', options.type);
  meta('property', 'og:title', options.title);
  meta('property', 'og:site_name', options.siteName);
  if (options.description) meta('property', 'og:description', options.description);
  meta('property', 'og:locale', ogLocale(options.language));
  if (url) meta('property', 'og:url', url);
  if (image) meta('property', 'og:image', image);
  meta('name', 'twitter:card', image ? 'summary_large_image' : 'summary');
  meta('name', 'twitter:title', options.title);
  if (options.description) meta('name', 'twitter:description', options.description);
  if (image) meta('name', 'twitter:image', image);
  return tags;
}

/** `sitemap.xml` (sitemaps.org 0.9): each page once, in the order given, dated with the book's date when it has one. */
export function sitemapXml(siteUrl: string, sitePaths: string[], lastmod?: string): string {
  const seen = new Set<string>();
  const urls: string[] = [];
  for (const sitePath of sitePaths) {
    const loc = absoluteUrl(siteUrl, sitePath);
    if (seen.has(loc)) continue;
    seen.add(loc);
    urls.push(
      `  <url>\n    <loc>${escapeXmlText(loc)}</loc>\n${lastmod ? `    <lastmod>${lastmod}</lastmod>\n` : ''}  </url>\n`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('')}</urlset>\n`;
}

/** `robots.txt`: everything may be read, and the sitemap is here. */
export function robotsTxt(siteUrl: string): string {
  return `User-agent: *\nAllow: /\n\nSitemap: ${absoluteUrl(siteUrl, 'sitemap.xml')}\n`;
}
