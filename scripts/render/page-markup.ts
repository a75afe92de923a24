/**
 * Each page body serialised once per build: the HTML intermediate and the
 * EPUB write the same markup for a page unless the EPUB adapts it (MathML 3,
 * right-to-left code), so the second renderer takes the first one's string.
 * The strings live in the build's cache (`BuildCache.markup`, per page body
 * object), where the page cache also puts those of pages it never decoded.
 */
import type { Element } from 'hast';
import { HTML_NS, serialiseXhtml } from './xhtml-serialise.ts';
import { xmlSafeMarkup } from '../util/xml-safe.ts';
import type { BuildCache, PageMarkup, PageSurvey } from '../model/build-cache.ts';

export type { PageMarkup, PageSurvey };

function entry(cache: BuildCache, body: Element): PageMarkup {
  let markup = cache.markup.get(body);
  if (!markup) cache.markup.set(body, (markup = {}));
  return markup;
}

/** The body's markup as the HTML intermediate has it (inside `<main>`, made safe for XML: render/xhtml.ts). */
export function htmlMarkup(cache: BuildCache, body: Element): string {
  const markup = entry(cache, body);
  return (markup.html ??= xmlSafeMarkup(serialiseXhtml(body, HTML_NS)));
}

/** The body's markup in the EPUB: `adapt` gives its EPUB tree, and an unchanged tree reuses the HTML string. */
export function epubMarkup(cache: BuildCache, body: Element, adapt: (body: Element) => Element): string {
  const markup = entry(cache, body);
  if (markup.epub === undefined) {
    const adapted = adapt(body);
    markup.epub = adapted === body ? htmlMarkup(cache, body) : xmlSafeMarkup(serialiseXhtml(adapted, HTML_NS));
  }
  return markup.epub;
}

/** The page's survey, counted by `count` once. */
export function pageSurvey(cache: BuildCache, body: Element, count: (body: Element) => PageSurvey): PageSurvey {
  const markup = entry(cache, body);
  return (markup.survey ??= count(body));
}
