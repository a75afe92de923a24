import type { Element, ElementContent } from 'hast';
import { h } from 'hastscript';
import type { Book, Chapter } from '../../model/book/types.ts';
import type { Page } from '../../model/pages.ts';
import { appendixChapter } from './checks.ts';
import type { Errata } from '../../model/errata/load.ts';
import { resolveLocation } from '../../model/errata/locate.ts';
import type { Entry, Release } from '../../model/errata/schema.ts';
import { errataWords, type ErrataWords } from '../../model/errata/words.ts';

/** Class of the section the pass appends; its presence makes the pass a no-op the second time. */
export const APPENDIX_CLASS = 'errata-appendix';
/** Class of the empty slot inside each location link that the PDF fills with the page number. */
export const PAGE_REF_CLASS = 'page-ref';
/** A slot that holds the page number alone (an index entry's), not `, p. 57`. */
export const BARE_PAGE_REF_CLASS = 'page-ref-bare';

export interface ReleaseGroup {
  /** Undefined for the unreleased group. */
  release?: Release;
  entries: Entry[];
}

/** Releases newest first, each with its entries in file order; unreleased entries first, when there are any. */
export function groupByRelease(errata: Errata): ReleaseGroup[] {
  const { releases, entries } = errata.data;
  const groups: ReleaseGroup[] = [];
  const unreleased = entries.filter((e) => e.fixed_in === undefined || !releases.some((r) => r.version === e.fixed_in));
  if (unreleased.length > 0) groups.push({ entries: unreleased });
  for (const release of [...releases].reverse())
    groups.push({ release, entries: entries.filter((e) => e.fixed_in === release.version) });
  return groups;
}

/** `Second printing · 2026-11-01`, or just the date for an ebook-only release. */
export function releaseLine(release: Release, words: ErrataWords): string {
  const parts: string[] = [];
  if (release.printing !== undefined) {
    const printing = words.printing(release.printing);
    parts.push(printing.charAt(0).toUpperCase() + printing.slice(1));
  }
  parts.push(release.date);
  return parts.join(' · ');
}

export const releaseAnchor = (version: string | undefined) =>
  `release-${version ? version.replace(/[^A-Za-z0-9]+/g, '-') : 'unreleased'}`;
export const entryAnchor = (id: string) => `erratum-${id.toLowerCase()}`;

function uniqueId(chapter: Chapter, wanted: string): string {
  let id = wanted;
  for (let n = 1; chapter.ids.has(id); n++) id = `${wanted}-${n}`;
  chapter.ids.add(id);
  return id;
}

function entryItem(book: Pick<Book, 'chapters'>, chapter: Chapter, entry: Entry, words: ErrataWords): Element {
  const resolved = resolveLocation(book, entry.location, { question: words.question });
  const head: ElementContent[] = [
    h('span', { className: ['erratum-id'] }, entry.id),
    { type: 'text', value: ' ' },
    h('span', { className: ['erratum-kind', `erratum-kind-${entry.kind}`] }, words.kinds[entry.kind]),
    { type: 'text', value: ' · ' },
  ];
  if (resolved.ok) {
    const where = resolved.location;
    const href = where.chapter === chapter ? (where.id ? `#${where.id}` : '#') : where.href;
    head.push(
      h('a', { className: ['erratum-location'], href }, [where.label, h('span', { className: [PAGE_REF_CLASS] })]),
    );
    if (where.label !== where.chapter.title) head.push({ type: 'text', value: ` ${words.in} ${where.chapter.title}` });
  } else {
    // Reported by the checks; the build still shows the entry.
    head.push(h('span', { className: ['erratum-location', 'erratum-location-unresolved'] }, entry.location));
  }
  const children: ElementContent[] = [h('p', { className: ['erratum-head'] }, head)];
  if (entry.was !== undefined) {
    children.push(
      h('p', { className: ['erratum-was'] }, [
        h('span', { className: ['erratum-label'] }, `${words.was}: `),
        h('del', {}, entry.was),
      ]),
    );
  }
  if (entry.now !== undefined) {
    children.push(
      h('p', { className: ['erratum-now'] }, [
        h('span', { className: ['erratum-label'] }, `${words.now}: `),
        h('ins', {}, entry.now),
      ]),
    );
  }
  if (entry.text !== undefined) children.push(h('p', { className: ['erratum-text'] }, entry.text));
  if (entry.credit !== undefined)
    children.push(h('p', { className: ['erratum-credit'] }, `${words.credit} ${entry.credit}`));
  return h(
    'li',
    { id: uniqueId(chapter, entryAnchor(entry.id)), className: ['erratum', `erratum-${entry.kind}`] },
    children,
  );
}

/**
 * Book pass, like the questions index: appends "Errata and changes" to the
 * appendix chapter's tree (errata.yaml's `appendix:`, else the chapter whose
 * front matter says `generate: errata`): one section per release, newest
 * first, each entry linking to its location (`<outName>#id`) with an empty
 * `span.page-ref` the PDF fills with the page the location prints on.
 * Run it after the chapter pipeline and before `bookPages` (as prepare() runs
 * buildQuestionsIndex). Does nothing when there is no such chapter or when it
 * already ran; returns the chapter and the nodes it appended otherwise.
 */
export function buildErrataAppendix(
  book: Pick<Book, 'chapters' | 'config'>,
  errata: Errata,
): { chapter: Chapter; nodes: Element[] } | undefined {
  const chapter = appendixChapter(book, errata);
  if (!chapter?.tree) return undefined;
  if (
    chapter.tree.children.some(
      (c) =>
        c.type === 'element' &&
        Array.isArray(c.properties.className) &&
        c.properties.className.includes(APPENDIX_CLASS),
    )
  )
    return undefined;
  const words = errataWords(book.config.language);
  const sections: ElementContent[] = [];
  for (const group of groupByRelease(errata)) {
    const title = group.release ? `${words.version} ${group.release.version}` : words.unreleased;
    const id = uniqueId(chapter, releaseAnchor(group.release?.version));
    const body: ElementContent[] = [h('h2', { id, className: ['release-title'] }, title)];
    if (group.release) body.push(h('p', { className: ['release-line'] }, releaseLine(group.release, words)));
    if (group.release?.summary) body.push(h('p', { className: ['release-summary'] }, group.release.summary));
    if (group.entries.length > 0) {
      body.push(
        h(
          'ul',
          { className: ['errata-list'] },
          group.entries.map((entry) => entryItem(book, chapter, entry, words)),
        ),
      );
    } else {
      body.push(h('p', { className: ['release-empty'] }, words.noEntries));
    }
    // Not in chapter.headings: the contents would grow by a line with every release.
    sections.push(h('section', { className: ['errata-release'], ariaLabelledBy: [id] }, body));
  }
  const appendix = h('div', { className: [APPENDIX_CLASS] }, sections);
  chapter.tree.children.push(appendix);
  return { chapter, nodes: [appendix] };
}

/**
 * For callers that already have pages (prepare() has run bookPages): runs
 * the pass and appends the same nodes to the chapter's page. When prepare()
 * already ran the pass, this does nothing.
 */
export function ensureErrataAppendix(book: Pick<Book, 'chapters' | 'config'>, errata: Errata, pages: Page[]): void {
  const added = buildErrataAppendix(book, errata);
  if (!added) return;
  const page = pages.find((p) => p.chapter === added.chapter);
  page?.body.children.push(...added.nodes);
}

const hasClass = (node: Element, name: string) =>
  Array.isArray(node.properties.className) && node.properties.className.map(String).includes(name);

function walk(node: Element, visit: (link: Element, slot: Element) => void) {
  for (const child of node.children) {
    if (child.type !== 'element') continue;
    if (child.tagName === 'a') {
      const slot = child.children.find((c): c is Element => c.type === 'element' && hasClass(c, PAGE_REF_CLASS));
      if (slot) visit(child, slot);
    }
    walk(child, visit);
  }
}

/**
 * The link targets (`#key--id`, after the PDF's id rewriting) whose pages
 * the errata appendix wants printed beside them: add them to the targets the
 * PDF's second print labels (as the TOC's are).
 */
export function pageRefTargets(element: Element): string[] {
  const out: string[] = [];
  walk(element, (link) => {
    const href = link.properties.href;
    if (typeof href === 'string' && href.startsWith('#') && href.length > 1)
      out.push(decodeURIComponent(href.slice(1)));
  });
  return out;
}

/**
 * A copy of `element` with every page-reference slot filled (`, p. 57`) from
 * `labelOf(target)`. A slot whose target has no label yet (the first print)
 * holds an invisible `, p. 000`, so filling it in the second print does not
 * move the text after it.
 */
export function fillPageRefs(
  element: Element,
  labelOf: (target: string) => string | undefined,
  language = 'en',
): Element {
  const words = errataWords(language);
  const copy = structuredClone(element);
  walk(copy, (link, slot) => {
    const href = link.properties.href;
    const label =
      typeof href === 'string' && href.startsWith('#') ? labelOf(decodeURIComponent(href.slice(1))) : undefined;
    const bare = Array.isArray(slot.properties.className) && slot.properties.className.includes(BARE_PAGE_REF_CLASS);
    const shown = (value: string) => (bare ? value : `, ${words.page} ${value}`);
    slot.children = label
      ? [{ type: 'text', value: shown(label) }]
      : [h('span', { style: 'visibility: hidden' }, shown('000'))];
  });
  return copy;
}

/**
 * The same filling, in a loaded print document (for a second print that
 * changes the first one's DOM instead of loading new HTML): pass it to
 * `page.evaluate(fillPageRefsInPage, [...labels], 'p.')`. Self-contained (it
 * runs in the browser). Returns how many slots it filled; slots whose target
 * has no label keep their invisible placeholder.
 */
export function fillPageRefsInPage(labels: [string, string][], pageWord: string): number {
  const byTarget = new Map(labels);
  let filled = 0;
  for (const slot of Array.from(document.querySelectorAll('a > span.page-ref'))) {
    const href = slot.parentElement?.getAttribute('href') ?? '';
    if (!href.startsWith('#')) continue;
    let target = href.slice(1);
    try {
      target = decodeURIComponent(target);
    } catch {
      // Keep the fragment as written.
    }
    const label = byTarget.get(target);
    if (label === undefined) continue;
    slot.textContent = slot.classList.contains('page-ref-bare') ? label : `, ${pageWord} ${label}`;
    filled++;
  }
  return filled;
}

/** The word before a page number in a filled slot (`p.`), for `fillPageRefsInPage`. */
export const pageWord = (language: string) => errataWords(language).page;
