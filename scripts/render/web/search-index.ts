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

/**
 * About `width` characters of `text` around the first of `words`, cut at
 * word boundaries. `templates/web/galley.js` has the same function.
 */
export function snippet(text: string, words: string[], width = 200): string {
  const lower = text.toLowerCase();
  let at = -1;
  for (let i = 0; i < words.length && at < 0; i++) at = lower.indexOf(words[i]!);
  let start = Math.max(0, at - 60);
  let end = Math.min(text.length, Math.max(at, 0) + width - 60);
  if (start > 0) {
    const space = text.indexOf(' ', start);
    start = space < 0 || space >= Math.max(at, start + 1) ? start : space + 1;
    if (start > 0 && /\S/.test(text[start - 1] ?? '')) start = Math.max(0, text.lastIndexOf(' ', start) + 1);
  }
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    if (space > Math.max(at, start)) end = space;
  }
  return (start > 0 ? '… ' : '') + text.slice(start, end).trim() + (end < text.length ? ' …' : '');
}

const SKIP = new Set(['script', 'style', 'template', 'annotation', 'annotation-xml']);
/** Generated pages list what other pages say: indexing them would show every question twice. */
const GENERATED = new Set(['questions', 'errata']);
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
    const classes = (node.properties.className as string[] | undefined) ?? [];
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
    if (GENERATED.has(String(page.chapter?.frontmatter.generate ?? ''))) continue;
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
        if (node.tagName === 'li' && id && (node.properties.className as string[] | undefined)?.includes('question')) {
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
        const holdsQuestions = (node.properties.className as string[] | undefined)?.includes('questions');
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
export function searchIndexScript(docs: SearchDocument[]): string {
  const search = new MiniSearch<SearchDocument>({
    ...SEARCH_OPTIONS,
    fields: [...SEARCH_OPTIONS.fields],
    storeFields: [...SEARCH_OPTIONS.storeFields],
    processTerm: normalizeTerm,
  });
  search.addAll(docs);
  const payload = {
    options: { fields: SEARCH_OPTIONS.fields, storeFields: SEARCH_OPTIONS.storeFields, query: QUERY_OPTIONS },
    index: search.toJSON(),
  };
  // `<` cannot end the script early when escaped; the rest is plain JSON.
  return `window.galleySearchIndex = ${JSON.stringify(payload).replace(/</g, '\\u003c')};\n`;
}
