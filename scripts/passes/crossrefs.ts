import type { Element, ElementContent } from 'hast';
import { visit } from 'unist-util-visit';
import type { LoadedBook } from '../model/book/load.ts';
import type { Chapter } from '../model/book/types.ts';
import type { BibEntry } from '../model/dialects/bibliography.ts';
import { labels as labelWords } from '../util/labels.ts';
import { report } from '../util/messages.ts';
import { nearest } from '../util/suggest.ts';
import {
  CITATION_NUMBER_CLASS,
  LABEL,
  XREF_BARE_CLASS,
  XREF_CLASS,
  XREF_CUSTOM_CLASS,
} from '../markdown/plugins/remark-crossrefs.ts';
import { PAGE_REF_CLASS } from './errata/appendix.ts';
import { must } from '../util/must.ts';

/**
 * Book pass: numbers every label of the book per chapter ("Figure 2.3",
 * "Listing 2-1" in an mdBook book), fills the reference links
 * remark-crossrefs left with the number and the target's page, prints the
 * number in each caption, numbers numeric citations, and writes the
 * bibliography. Numbers come from every chapter's ids (`chapter.ids`, in
 * document order, known without the tree for a page-cache hit), so it runs
 * over `chapters` only, like the links pass; the page cache's book digest holds
 * every chapter's ids and citations, so a renumbering makes every page new.
 */

export interface Target {
  chapter: Chapter;
  kind: Kind;
  /** "2.3"; an equation's without its parentheses. */
  number: string;
}

type Kind = 'fig' | 'tbl' | 'eq' | 'sec' | 'lst';

/** Class of the number Galley prints in a caption (Persian digits follow model/numerals.ts's `galley-number`). */
const CAPTION_NUMBER_CLASS = 'crossref-label';

/** Every label of the book with its number; the first of two equal labels wins. */
export function crossrefTargets(book: LoadedBook): Map<string, Target> {
  const separator = book.dialect === 'mdbook' ? '-' : '.';
  const targets = new Map<string, Target>();
  for (const chapter of book.chapters) {
    const chapterNumber =
      book.numbering === 'none' ? undefined : book.numbering === 'author' ? chapter.authorNumber : chapter.number;
    const counts: Record<Kind, number> = { fig: 0, tbl: 0, eq: 0, sec: 0, lst: 0 };
    const sections = sectionNumbers(chapter, chapterNumber);
    for (const id of chapter.ids) {
      if (!LABEL.test(id) || targets.has(id)) continue;
      const kind = id.slice(0, id.indexOf('-')) as Kind;
      if (kind === 'sec') {
        const number = sections.get(id);
        if (number) targets.set(id, { chapter, kind, number });
        continue;
      }
      const n = String(++counts[kind]);
      targets.set(id, { chapter, kind, number: chapterNumber ? `${chapterNumber}${separator}${n}` : n });
    }
  }
  return targets;
}

/** A heading's number as the contents would give it: the chapter's, then the count at each level below its title. */
function sectionNumbers(chapter: Chapter, chapterNumber: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const top = Math.min(...chapter.headings.map((h) => h.depth));
  const counters: number[] = [];
  for (const heading of chapter.headings) {
    const level = heading.depth - top;
    if (level === 0) {
      if (chapterNumber) out.set(heading.id, chapterNumber);
      continue;
    }
    counters.length = level;
    counters[level - 1] = (counters[level - 1] ?? 0) + 1;
    for (let i = 0; i < level; i++) counters[i] ??= 1;
    out.set(heading.id, [chapterNumber, ...counters].filter(Boolean).join('.'));
  }
  return out;
}

const classes = (node: Element) =>
  Array.isArray(node.properties.className) ? node.properties.className.map(String) : [];
const text = (value: string): ElementContent => ({ type: 'text', value });
const numberSpan = (value: string, className = 'galley-number'): Element => ({
  type: 'element',
  tagName: 'span',
  properties: { className: [className, 'galley-number'].filter((c, i, all) => all.indexOf(c) === i) },
  children: [text(value)],
});

/** Where the bibliography goes when it is the book's: the chapter that asks for it, else the last chapter. */
export function bibliographyChapter(book: LoadedBook): Chapter | undefined {
  if (book.config.bibliography.placement !== 'book') return undefined;
  return book.chapters.find((c) => c.frontmatter.generate === 'bibliography') ?? book.chapters.at(-1);
}

/** Numbers of a numeric style: by first citation in the book (or in each chapter, when lists are per chapter). */
function citationNumbers(book: LoadedBook, chapter: Chapter): Map<string, number> {
  const order: string[] = [];
  const from = book.config.bibliography.placement === 'chapter' ? [chapter] : book.chapters;
  for (const c of from) for (const key of c.citations ?? []) if (!order.includes(key)) order.push(key);
  return new Map(order.map((key, i) => [key, i + 1]));
}

export function resolveCrossrefs(
  book: LoadedBook,
  chapters: Chapter[] = book.chapters,
  targets = crossrefTargets(book),
) {
  const words = labelWords(book.config.language);
  const pageRefs = book.config.output.pdf.page_references;
  const listChapter = bibliographyChapter(book);
  for (const chapter of chapters) {
    const tree = chapter.tree;
    if (!tree) continue;
    const numbers = book.config.bibliography.style === 'numeric' ? citationNumbers(book, chapter) : undefined;
    visit(tree, 'element', (node: Element) => {
      const id = typeof node.properties.id === 'string' ? node.properties.id : undefined;
      if (id && LABEL.test(id)) {
        const target = targets.get(id);
        if (target && target.chapter !== chapter) {
          report(
            chapter.file,
            'error',
            `The label \`${id}\` is used twice: first in ${target.chapter.source}`,
            node,
            'crossref',
          );
        } else if (target) {
          numberTarget(node, target, words.crossref[target.kind]);
        }
      }
      if (node.tagName !== 'a') return;
      const names = classes(node);
      if (names.includes(XREF_CLASS)) {
        fillReference(node, names, chapter, targets, words.crossref, pageRefs);
      } else if (names.includes('citation') && typeof node.properties.href === 'string') {
        const key = node.properties.href.replace(/^.*#ref-/, '');
        if (names.includes(CITATION_NUMBER_CLASS)) node.children = [numberSpan(String(numbers?.get(key) ?? '?'))];
        // A chapter with its own list (HonKit's `{% references %}`) keeps its links: the entry is on the page.
        if (listChapter && listChapter !== chapter && !chapter.ids.has(`ref-${key}`))
          node.properties.href = `${listChapter.outName}#ref-${key}`;
      }
    });
    writeBibliography(book, chapter, listChapter, words.references);
  }
}

/** The caption's "Figure 2.3: " (made again from the ids on every run: the pass may see a tree twice in `galley dev`). */
function numberTarget(node: Element, target: Target, word: string) {
  if (target.kind === 'sec') return;
  if (target.kind === 'eq') {
    node.children = node.children.filter((c) => !(c.type === 'element' && classes(c).includes('equation-number')));
    node.children.push(numberSpan(`(${target.number})`, 'equation-number'));
    return;
  }
  const caption = node.children.find((c): c is Element => c.type === 'element' && c.tagName === 'figcaption');
  const label = numberSpan(`${word}\u00a0${target.number}`, CAPTION_NUMBER_CLASS);
  if (!caption) {
    node.children.push({ type: 'element', tagName: 'figcaption', properties: {}, children: [label] });
    return;
  }
  caption.children = caption.children.filter(
    (c) => !(c.type === 'element' && classes(c).includes(CAPTION_NUMBER_CLASS)),
  );
  label.children.push(text(caption.children.length > 0 ? ': ' : ''));
  caption.children.unshift(label);
}

function fillReference(
  node: Element,
  names: string[],
  chapter: Chapter,
  targets: Map<string, Target>,
  words: Record<Kind, string>,
  pageRefs: boolean,
) {
  const href = String(node.properties.href ?? '');
  const id = href.slice(href.indexOf('#') + 1);
  const target = targets.get(id);
  // What the author wrote before the number, kept from the first run.
  const custom = names.includes(XREF_CUSTOM_CLASS)
    ? node.children.filter((c) => !(c.type === 'element' && classes(c).includes('galley-number')) && !isSlot(c))
    : [];
  if (!target) {
    const best = nearest(id, targets.keys());
    report(
      chapter.file,
      'error',
      `Unknown cross-reference label \`@${id}\`${best ? `. Did you mean \`@${best}\`?` : ''}`,
      node,
      'crossref',
    );
    node.children = [...custom, text(`@${id}`)];
    node.properties.className = [...names, 'xref-unknown'];
    return;
  }
  node.properties.href = target.chapter === chapter ? `#${id}` : `${target.chapter.outName}#${id}`;
  const number = target.kind === 'eq' ? `(${target.number})` : target.number;
  const children: ElementContent[] = [];
  if (custom.length > 0) children.push(...custom);
  else if (!names.includes(XREF_BARE_CLASS)) children.push(text(`${words[target.kind]}\u00a0`));
  children.push(numberSpan(number));
  // The PDF fills this slot with ", p. 57" from the same measurement as the contents' page numbers (render/pdf.ts).
  if (pageRefs)
    children.push({ type: 'element', tagName: 'span', properties: { className: [PAGE_REF_CLASS] }, children: [] });
  node.children = children;
}

const isSlot = (c: ElementContent) => c.type === 'element' && classes(c).includes(PAGE_REF_CLASS);

const BIBLIOGRAPHY_CLASS = 'bibliography';
const authorKey = (entry: BibEntry) => (entry.names?.length ? entry.names : [entry.key]).join(' ');

/** The works cited, sorted as the style says, in the chapter that holds the list. */
function writeBibliography(book: LoadedBook, chapter: Chapter, listChapter: Chapter | undefined, heading: string) {
  const { bibliography } = book.context;
  const { style, placement } = book.config.bibliography;
  if (!bibliography || !chapter.tree) return;
  if (placement === 'book' && chapter !== listChapter) return;
  const tree = chapter.tree;
  tree.children = tree.children.filter((c) => !(c.type === 'element' && classes(c).includes(BIBLIOGRAPHY_CLASS)));
  const numbers = citationNumbers(book, chapter);
  const keys = [...numbers.keys()].filter((key) => bibliography.has(key));
  if (keys.length === 0) return;
  if (style === 'author-date') {
    const collator = new Intl.Collator(book.config.language);
    const sortKey = (key: string) => must(bibliography.get(key), `the bibliography entry ${key}`);
    keys.sort((a, b) => {
      const x = sortKey(a);
      const y = sortKey(b);
      return (
        collator.compare(authorKey(x), authorKey(y)) ||
        collator.compare(x.year ?? '', y.year ?? '') ||
        collator.compare(x.title ?? '', y.title ?? '')
      );
    });
  }
  const items: Element[] = keys.map((key) => {
    const entry = must(bibliography.get(key), `the bibliography entry ${key}`);
    const children: ElementContent[] = [];
    if (style === 'numeric') children.push(numberSpan(`[${numbers.get(key)}]`), text(' '));
    children.push(text(entry.text));
    if (entry.url) {
      children.push(text(' '), {
        type: 'element',
        tagName: 'a',
        properties: { href: entry.url },
        children: [text(entry.url)],
      });
    }
    chapter.ids.add(`ref-${key}`);
    return { type: 'element', tagName: 'li', properties: { id: `ref-${key}` }, children };
  });
  const section: Element = {
    type: 'element',
    tagName: 'section',
    properties: { className: [BIBLIOGRAPHY_CLASS], role: 'doc-bibliography' },
    children: [],
  };
  {
    section.properties.ariaLabelledBy = ['bibliography'];
    section.children.push({
      type: 'element',
      tagName: 'h2',
      properties: { id: 'bibliography' },
      children: [text(heading)],
    });
    if (!chapter.headings.some((h) => h.id === 'bibliography'))
      chapter.headings.push({ id: 'bibliography', depth: 2, text: heading });
    chapter.ids.add('bibliography');
  }
  section.children.push({ type: 'element', tagName: 'ul', properties: { className: ['references'] }, children: items });
  tree.children.push(section);
}

/** What of the book the pass reads besides a chapter's own tree: a change here means every chapter's pass again. */
export function crossrefSignature(book: LoadedBook): string {
  return JSON.stringify(book.chapters.map((c) => [[...c.ids].filter((id) => LABEL.test(id)), c.headings, c.citations]));
}
