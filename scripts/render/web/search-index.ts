import type { Element, ElementContent, Root } from 'hast';
import MiniSearch from 'minisearch';
import type { Page } from '../pages.ts';

/** One searchable stretch of the book: a page's opening, a section or a question. */
export interface SearchDocument {
  id: string;
  /** `page.html#anchor`, relative to the edition's folder. */
  href: string;
  title: string;
  page: string;
  text: string;
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
  fields: ['title', 'text'],
  storeFields: ['href', 'title', 'page', 'text'],
} as const;

const SKIP = new Set(['script', 'style', 'template', 'annotation', 'annotation-xml']);
const BLOCK = new Set(['p', 'li', 'dt', 'dd', 'td', 'th', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre', 'blockquote', 'figcaption', 'caption', 'tr', 'div', 'section', 'aside', 'ol', 'ul', 'table', 'figure']);

/** Text as a reader sees it: a formula as its symbols (not its TeX), a difficulty badge left out (the question says it). */
function textOf(node: ElementContent | Root, out: string[]) {
  if (node.type === 'text') {
    out.push(node.value);
    return;
  }
  if (node.type !== 'element' && node.type !== 'root') return;
  if (node.type === 'element') {
    if (SKIP.has(node.tagName) || String(node.properties.ariaHidden) === 'true') return;
    const classes = (node.properties.className as string[] | undefined) ?? [];
    if (classes.includes('badge') || classes.includes('footnote-back')) return;
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
export function searchDocuments(pages: Page[], hrefOf: (page: Page) => string, questionWord = 'Question'): SearchDocument[] {
  const docs: SearchDocument[] = [];
  for (const page of pages) {
    const href = hrefOf(page);
    let current: SearchDocument = { id: `${href}#${page.headingId}`, href: `${href}#${page.headingId}`, title: page.title, page: page.title, text: '' };
    let parts: string[] = [];
    const flush = () => {
      current.text = squash(parts);
      if (current.text || current.title) docs.push(current);
      parts = [];
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
          const number = /^\s*([\d.]*\d)\.?\s+/.exec(squash(text));
          const body = number ? squash(text).slice(number[0].length - 1).trim() : squash(text);
          docs.push({ id: `${href}#${id}`, href: `${href}#${id}`, title: number ? `${questionWord} ${number[1]}` : questionWord, page: page.title, text: body });
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
  const search = new MiniSearch<SearchDocument>({ ...SEARCH_OPTIONS, fields: [...SEARCH_OPTIONS.fields], storeFields: [...SEARCH_OPTIONS.storeFields], processTerm: normalizeTerm });
  search.addAll(docs);
  const payload = { options: { fields: SEARCH_OPTIONS.fields, storeFields: SEARCH_OPTIONS.storeFields }, index: search.toJSON() };
  // `<` cannot end the script early when escaped; the rest is plain JSON.
  return `window.galleySearchIndex = ${JSON.stringify(payload).replace(/</g, '\\u003c')};\n`;
}
