import type { Element, ElementContent } from 'hast';
import type { LoadedBook } from './book/load.ts';
import type { Chapter, Matter, TocEntry } from './book/types.ts';
import { safeName } from '../util/slug.ts';
import { labels } from '../util/labels.ts';
import { localizeGalleyNumbers } from './numerals.ts';

export interface Page {
  key: string;
  outName: string;
  title: string;
  kind: 'part' | 'chapter';
  matter: Matter;
  number?: string;
  chapter?: Chapter;
  /** Id of the page's main heading. */
  headingId: string;
  body: Element;
}

export function footerText(book: LoadedBook): string | undefined {
  const c = book.config.copyright;
  if (!c) return undefined;
  return c.footer.replaceAll('{year}', String(c.year)).replaceAll('{holder}', c.holder);
}

/** The copyright footer every page carries, from book.yaml. */
export function footerElement(book: LoadedBook): Element | undefined {
  const text = footerText(book);
  if (!text) return undefined;
  const children: ElementContent[] = [
    {
      type: 'element',
      tagName: 'p',
      properties: { className: ['copyright-line'] },
      children: [{ type: 'text', value: text }],
    },
  ];
  if (book.config.licence) {
    children.push({
      type: 'element',
      tagName: 'p',
      properties: { className: ['licence-line'] },
      children: [{ type: 'text', value: `${labels(book.config.language).licence}: ${book.config.licence}` }],
    });
  }
  return { type: 'element', tagName: 'footer', properties: { className: ['copyright'] }, children };
}

function ensureTitle(chapter: Chapter): { children: ElementContent[]; headingId: string } {
  const children = [...(chapter.tree?.children ?? [])].filter((c): c is ElementContent => c.type !== 'doctype');
  const h1 = children.find((c): c is Element => c.type === 'element' && c.tagName === 'h1');
  if (h1) return { children, headingId: String(h1.properties.id) };
  // Pages are made again on every rebuild in `galley dev`: add the title heading once.
  const made = chapter.headings.find((h) => h.depth === 1 && h.text === chapter.title && /^title(-\d+)?$/.test(h.id));
  let id = made?.id ?? 'title';
  if (!made) {
    for (let n = 1; chapter.ids.has(id); n++) id = `title-${n}`;
    chapter.ids.add(id);
    chapter.headings.unshift({ id, depth: 1, text: chapter.title });
  }
  return {
    children: [
      { type: 'element', tagName: 'h1', properties: { id }, children: [{ type: 'text', value: chapter.title }] },
      ...children,
    ],
    headingId: id,
  };
}

/** A part that has a file of its own ("Part I. Overview" with chapters under it): its title as a part page, its text after. */
function partWithText(chapter: Chapter, children: ElementContent[], headingId: string): Page {
  const title = children.find(
    (c): c is Element => c.type === 'element' && c.tagName === 'h1' && c.properties.id === headingId,
  )!;
  const rest = children.filter((c) => c !== title && !(c.type === 'text' && !c.value.trim()));
  const heading: Element = { ...title, properties: { ...title.properties, className: ['part-title'] } };
  return {
    key: chapter.key,
    outName: chapter.outName,
    title: chapter.title,
    kind: 'part',
    matter: chapter.matter,
    chapter,
    headingId,
    body: {
      type: 'element',
      tagName: 'section',
      properties: { className: ['part'], 'epub:type': 'part', role: 'doc-part', ariaLabelledBy: [headingId] },
      children: [
        heading,
        ...(rest.length > 0
          ? [{ type: 'element', tagName: 'div', properties: { className: ['part-text'] }, children: rest } as Element]
          : []),
      ],
    },
  };
}

/**
 * The book in reading order as pages: one per TOC chapter, plus a title page
 * for each part. Every renderer works from this list, so they agree on order,
 * names and ids.
 */
export function bookPages(book: LoadedBook, settled?: ReadonlyMap<Chapter, string>): Page[] {
  const pages: Page[] = [];
  const words = labels(book.config.language);
  const usedKeys = new Set(book.chapters.map((c) => c.key));
  let partCount = 0;
  const walk = (entries: TocEntry[]) => {
    for (const entry of entries) {
      if (entry.kind === 'part') {
        partCount++;
        let key = `part-${partCount}-${safeName(entry.title)}`;
        while (usedKeys.has(key)) key += '-p';
        usedKeys.add(key);
        const headingId = 'part-title';
        pages.push({
          key,
          outName: `${key}.xhtml`,
          title: entry.title,
          kind: 'part',
          matter: entry.matter,
          headingId,
          body: {
            type: 'element',
            tagName: 'section',
            properties: { className: ['part'], 'epub:type': 'part', role: 'doc-part', ariaLabelledBy: [headingId] },
            children: [
              {
                type: 'element',
                tagName: 'h1',
                properties: { id: headingId, className: ['part-title'] },
                children: [{ type: 'text', value: entry.title }],
              },
            ],
          },
        });
        entry.pageKey = key;
      } else if (entry.kind === 'chapter' && entry.chapter && entry.chapter.entry === entry) {
        const chapter = entry.chapter;
        entry.pageKey = chapter.key;
        const settledId = settled?.get(chapter);
        if (settledId !== undefined) {
          // From the page cache (passes/cache/page-cache.ts): its markup is known, its tree was never parsed.
          pages.push({
            key: chapter.key,
            outName: chapter.outName,
            title: chapter.title,
            kind: entry.part ? 'part' : 'chapter',
            matter: chapter.matter,
            ...(entry.part ? {} : { number: chapter.number }),
            chapter,
            headingId: settledId,
            body: { type: 'element', tagName: 'section', properties: {}, children: [] },
          });
          walk(entry.children);
          continue;
        }
        const { children, headingId } = ensureTitle(chapter);
        if (entry.part) {
          pages.push(partWithText(chapter, children, headingId));
          walk(entry.children);
          continue;
        }
        const body = chapter.matter === 'body';
        const label: ElementContent[] =
          body && chapter.number && !chapter.number.includes('.')
            ? [
                {
                  type: 'element',
                  tagName: 'p',
                  properties: { className: ['chapter-label'], ariaHidden: 'true' },
                  children: [{ type: 'text', value: `${words.chapter} ${chapter.number}` }],
                },
              ]
            : [];
        pages.push({
          key: chapter.key,
          outName: chapter.outName,
          title: chapter.title,
          kind: 'chapter',
          matter: chapter.matter,
          number: chapter.number,
          chapter,
          headingId,
          body: {
            type: 'element',
            tagName: 'section',
            properties: body
              ? {
                  className: ['chapter', `matter-${chapter.matter}`],
                  'epub:type': 'chapter',
                  role: 'doc-chapter',
                  ariaLabelledBy: [headingId],
                }
              : { className: ['chapter', `matter-${chapter.matter}`], ariaLabelledBy: [headingId] },
            children: [...label, ...children],
          },
        });
      }
      walk(entry.children);
    }
  };
  walk(book.toc);
  // Numbers Galley added (question and chapter numbers, counts) in the edition's digits; the author's text stays.
  for (const page of pages) localizeGalleyNumbers(page.body, book.config);
  return pages;
}
