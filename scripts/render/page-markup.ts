/**
 * Each page body serialised once per build: the HTML intermediate and the
 * EPUB write the same markup for a page unless the EPUB adapts it (MathML 3,
 * right-to-left code), so the second renderer takes the first one's string.
 * Kept per page body object: a new build makes new pages, and the strings go
 * with them. A page cache (passes/cache/page-cache.ts) can put strings here
 * for a page whose tree it never decoded.
 */
import type { Element } from 'hast';
import { HTML_NS, serialiseXhtml } from './xhtml-serialise.ts';
import { xmlSafeMarkup } from '../util/xml-safe.ts';
import { writePage, type PageMarkup, type PageSurvey } from '../passes/cache/page-cache.ts';
import { pruneCache } from '../passes/cache/chapter-cache.ts';
import type { SettledPages } from '../passes/settle-pages.ts';
import type { Page } from '../model/pages.ts';

export type { PageMarkup, PageSurvey };

const made = new WeakMap<Element, PageMarkup>();

function entry(body: Element): PageMarkup {
  let markup = made.get(body);
  if (!markup) made.set(body, (markup = {}));
  return markup;
}

/** The body's markup as the HTML intermediate has it (inside `<main>`, made safe for XML: render/xhtml.ts). */
export function htmlMarkup(body: Element): string {
  const markup = entry(body);
  return (markup.html ??= xmlSafeMarkup(serialiseXhtml(body, HTML_NS)));
}

/** The body's markup in the EPUB: `adapt` gives its EPUB tree, and an unchanged tree reuses the HTML string. */
export function epubMarkup(body: Element, adapt: (body: Element) => Element): string {
  const markup = entry(body);
  if (markup.epub === undefined) {
    const adapted = adapt(body);
    markup.epub = adapted === body ? htmlMarkup(body) : xmlSafeMarkup(serialiseXhtml(adapted, HTML_NS));
  }
  return markup.epub;
}

/** The page's survey, counted by `count` once. */
export function pageSurvey(body: Element, count: (body: Element) => PageSurvey): PageSurvey {
  const markup = entry(body);
  return (markup.survey ??= count(body));
}

/** What is known of a page already (a page cache hit), so nothing above walks its tree. */
export function seedPageMarkup(body: Element, known: PageMarkup): void {
  made.set(body, { ...known });
}

/** What was made for a page, for a page cache to keep. */
export function madePageMarkup(body: Element): PageMarkup | undefined {
  return made.get(body);
}

/** Before rendering: the markup of every page the page cache holds, so no renderer serialises (or needs) its tree. */
export function seedSettledPages(pages: Page[], cache: SettledPages): void {
  for (const page of pages) {
    const entry = page.chapter && cache.settled.get(page.chapter);
    if (entry) seedPageMarkup(page.body, entry.markup);
  }
}

/** After rendering: an entry for every page made now, with the markup the renderers made of it. */
export function storeFreshPages(pages: Page[], cache: SettledPages): void {
  for (const page of pages) {
    const chapter = page.chapter;
    const fresh = chapter && cache.fresh.get(chapter);
    const markup = made.get(page.body);
    if (!chapter || !fresh || markup?.html === undefined) continue;
    writePage(cache.dir, fresh.key, {
      messages: fresh.messages,
      dependencies: fresh.dependencies,
      headings: chapter.headings,
      ids: [...chapter.ids],
      headingId: page.headingId,
      markup: { html: markup.html, epub: markup.epub, survey: markup.survey },
      questions: fresh.questions,
    });
  }
  pruneCache(cache.dir);
}
