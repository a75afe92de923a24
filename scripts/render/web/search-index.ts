import type { ElementContent, Root } from 'hast';
import MiniSearch from 'minisearch';
import type { Page } from '../../model/pages.ts';
import { texOf } from '../../markdown/plugins/question-ids.ts';

/** One searchable stretch of the book: a page's opening, a section or a question. */
export interface SearchDocument {
  id: string;
  /** `page.html#anchor`, relative to the edition's folder. */
  href: string;
  title: string;
  page: string;
  text: string;
  /** Text of the section's lists (links, resources): found, but ranked below prose, headings and questions. */
  lists?: string;
}

/**
 * How a word is reduced before it is indexed or looked up; `templates/web/galley.js` has the same function, and the
 * browser tests search with the variants. Case and accents fold; in Persian and Arabic, the Arabic forms of yeh and
 * kaf become the Persian ones, and diacritics, tatweel and zero-width joiners go, so a word typed either way matches.
 */
export function normalizeTerm(term: string): string {
  return term
    .normalize('NFKD')
    .replace(/[\u0300-\u036f\u064b-\u065f\u0670\u0640\u200c\u200d]/g, '')
    .replace(/[\u064a\u0649]/g, '\u06cc')
    .replace(/\u0643/g, '\u06a9')
    .toLowerCase();
}

/** Shared by the build (which indexes) and the browser (which loads the index): both must agree. */
export const SEARCH_OPTIONS = {
  fields: ['title', 'text', 'lists'],
  storeFields: ['href', 'title', 'page', 'text', 'lists'],
} as const;

/** How the browser searches (sent with the index, so tests search exactly as readers do): headings and questions first, lists last. */
export const QUERY_OPTIONS = {
  prefix: true,
  fuzzy: 0.2,
  boost: { title: 3, text: 1, lists: 0.2 },
  combineWith: 'AND',
} as const;

/** One `Intl.Segmenter` per language, a tool that keeps nothing between texts: not cache state. */
const segmenters = new Map<string, { words: Intl.Segmenter; sentences: Intl.Segmenter }>();
function segmenter(language: string) {
  let found = segmenters.get(language);
  if (!found) {
    found = {
      words: new Intl.Segmenter(language, { granularity: 'word' }),
      sentences: new Intl.Segmenter(language, { granularity: 'sentence' }),
    };
    segmenters.set(language, found);
  }
  return found;
}

/**
 * The words of `text` as the page's language splits them (`Intl.Segmenter`):
 * spaces and punctuation for most scripts, a dictionary for Chinese,
 * Japanese and Thai, which write no spaces. `templates/web/galley.js` splits
 * the reader's query the same way, so both sides agree on what a word is.
 */
export function tokenize(text: string, language: string): string[] {
  const words: string[] = [];
  for (const part of segmenter(language).words.segment(text)) if (part.isWordLike) words.push(part.segment);
  return words;
}

/** Where in `text` the words matching `terms` (folded, as a prefix) are: `[start, end]` of each. */
export function matchRanges(text: string, terms: string[], language: string): [number, number][] {
  const wanted = terms.map(normalizeTerm).filter(Boolean);
  const ranges: [number, number][] = [];
  if (wanted.length === 0) return ranges;
  for (const part of segmenter(language).words.segment(text)) {
    if (!part.isWordLike) continue;
    const word = normalizeTerm(part.segment);
    if (wanted.some((term) => word.startsWith(term))) ranges.push([part.index, part.index + part.segment.length]);
  }
  return ranges;
}

/**
 * The sentence around the first word matching `terms` (or the text's start),
 * cut to about `width` characters at word boundaries when the sentence is
 * longer. `templates/web/galley.js` has the same function.
 */
export function snippet(text: string, terms: string[], width = 200, language = 'en'): string {
  const { words, sentences } = segmenter(language);
  const hit = matchRanges(text, terms, language)[0] ?? [0, 0];
  const sentence = sentences.segment(text).containing(hit[0]);
  let start = sentence ? sentence.index : 0;
  let end = sentence ? sentence.index + sentence.segment.length : text.length;
  if (end - start > width) {
    // A boundary is a space, or the seam between two words written without one (Chinese, Thai).
    const starts: number[] = [];
    const ends: number[] = [];
    let previous: Intl.SegmentData | undefined;
    for (const part of words.segment(text.slice(start, end))) {
      const at = start + part.index;
      if (
        !/^\s/.test(part.segment) &&
        (!previous || /\s$/.test(previous.segment) || (previous.isWordLike && part.isWordLike))
      )
        starts.push(at);
      if (
        previous &&
        !/\s$/.test(previous.segment) &&
        (/^\s/.test(part.segment) || (previous.isWordLike && part.isWordLike))
      )
        ends.push(at);
      previous = part;
    }
    const from = Math.max(start, hit[0] - 60);
    const newStart = starts.find((i) => i >= from && i <= hit[0]) ?? start;
    const to = Math.min(end, Math.max(newStart + width, hit[1]));
    const newEnd = [...ends].reverse().find((i) => i <= to && i >= hit[1]) ?? end;
    start = newStart;
    end = newEnd;
  }
  const cut = text.slice(start, end).trim();
  return (start > 0 ? '… ' : '') + cut + (text.slice(end).trim() ? ' …' : '');
}

const SKIP = new Set(['script', 'style', 'template', 'annotation', 'annotation-xml']);
/** Generated pages list what other pages say: indexing them would show every question twice. */
const GENERATED = new Set(['questions', 'errata', 'index']);
const BLOCK = new Set([
  'p',
  'li',
  'dt',
  'dd',
  'td',
  'th',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'pre',
  'blockquote',
  'figcaption',
  'caption',
  'tr',
  'div',
  'section',
  'aside',
  'ol',
  'ul',
  'table',
  'figure',
]);

/**
 * Text as a reader finds it: a formula as its TeX (its symbols run together
 * ambiguously: `12xTHx`), or its alt text; a difficulty badge left out (the
 * question says it), and the errata appendix (generated) too.
 */
function textOf(node: ElementContent | Root, out: string[]) {
  if (node.type === 'text') {
    out.push(node.value);
    return;
  }
  if (node.type !== 'element' && node.type !== 'root') return;
  if (node.type === 'element') {
    if (SKIP.has(node.tagName) || String(node.properties.ariaHidden) === 'true') return;
    const classes = node.properties.className ?? [];
    if (
      classes.includes('badge') ||
      classes.includes('footnote-back') ||
      classes.includes('errata-appendix') ||
      classes.includes('q-alias')
    )
      return;
    if (node.tagName === 'math') {
      const alt = typeof node.properties.alttext === 'string' ? node.properties.alttext : texOf(node);
      out.push(` ${alt.replace(/\s+/g, ' ').trim()} `);
      return;
    }
  }
  const block = node.type === 'element' && BLOCK.has(node.tagName);
  if (block) out.push(' ');
  for (const child of node.children) textOf(child as ElementContent, out);
  if (block) out.push(' ');
}

const squash = (parts: string[]) => parts.join('').replace(/\s+/g, ' ').trim();
const HEADING = /^h[2-3]$/;

/**
 * Splits each page at its section headings and questions, so a hit lands on
 * the place that matched rather than the top of a long chapter.
 */
export function searchDocuments(
  pages: Page[],
  hrefOf: (page: Page) => string,
  questionWord = 'Question',
): SearchDocument[] {
  const docs: SearchDocument[] = [];
  for (const page of pages) {
    const generate = page.chapter?.frontmatter.generate;
    if (typeof generate === 'string' && GENERATED.has(generate)) continue;
    const href = hrefOf(page);
    let current: SearchDocument = {
      id: `${href}#${page.headingId}`,
      href: `${href}#${page.headingId}`,
      title: page.title,
      page: page.title,
      text: '',
    };
    let parts: string[] = [];
    let listParts: string[] = [];
    const flush = () => {
      current.text = squash(parts);
      const lists = squash(listParts);
      if (lists) current.lists = lists;
      if (current.text || current.title || lists) docs.push(current);
      parts = [];
      listParts = [];
    };
    const walk = (nodes: ElementContent[]) => {
      for (const node of nodes) {
        if (node.type !== 'element') {
          textOf(node, parts);
          continue;
        }
        const id = node.properties.id ? String(node.properties.id) : undefined;
        if (HEADING.test(node.tagName) && id) {
          flush();
          const title: string[] = [];
          textOf(node, title);
          current = { id: `${href}#${id}`, href: `${href}#${id}`, title: squash(title), page: page.title, text: '' };
          continue;
        }
        if (node.tagName === 'h1') continue;
        if (node.tagName === 'li' && id && node.properties.className?.includes('question')) {
          // A question is its own hit, titled by its number.
          const text: string[] = [];
          textOf(node, text);
          const number = /^\s*([\d\u06f0-\u06f9.]*[\d\u06f0-\u06f9])\.?\s+/.exec(squash(text));
          const body = number
            ? squash(text)
                .slice(number[0].length - 1)
                .trim()
            : squash(text);
          docs.push({
            id: `${href}#${id}`,
            href: `${href}#${id}`,
            title: number ? `${questionWord} ${number[1]}` : questionWord,
            page: page.title,
            text: body,
          });
          continue;
        }
        const holdsQuestions = node.properties.className?.includes('questions');
        if ((node.tagName === 'ol' || node.tagName === 'ul') && !holdsQuestions) {
          textOf(node, listParts);
          continue;
        }
        if (node.tagName === 'section' || node.tagName === 'ol' || node.tagName === 'ul' || node.tagName === 'div') {
          walk(node.children);
          continue;
        }
        textOf(node, parts);
      }
    };
    walk(page.body.children);
    flush();
  }
  return docs;
}

/** The index as a script that sets a global: a script loads from `file://` too, where `fetch` of a JSON file does not. */
export function searchIndexScript(docs: SearchDocument[], language = 'en'): string {
  const search = new MiniSearch<SearchDocument>({
    ...SEARCH_OPTIONS,
    fields: [...SEARCH_OPTIONS.fields],
    storeFields: [...SEARCH_OPTIONS.storeFields],
    processTerm: normalizeTerm,
    tokenize: (text) => tokenize(text, language),
  });
  search.addAll(docs);
  const payload = {
    // The language the index was split in: the browser splits the query in it too.
    options: {
      fields: SEARCH_OPTIONS.fields,
      storeFields: SEARCH_OPTIONS.storeFields,
      query: QUERY_OPTIONS,
      language,
    },
    index: search.toJSON(),
  };
  // `<` cannot end the script early when escaped; the rest is plain JSON.
  return `window.galleySearchIndex = ${JSON.stringify(payload).replace(/</g, '\\u003c')};\n`;
}
