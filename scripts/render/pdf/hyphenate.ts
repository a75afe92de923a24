import { createRequire } from 'node:module';
import type { Element } from 'hast';

const require = createRequire(import.meta.url);

type Hyphenate = (text: string, options?: { minWordLength?: number; hyphenChar?: string }) => string;

/** hyphen's pattern set for a BCP 47 language (`en` → `en-us`), or undefined when it has none. */
function patternsFor(language: string): Hyphenate | undefined {
  const lang = language.toLowerCase();
  const candidates = lang === 'en' ? ['en-us'] : [lang, lang.split('-')[0]!];
  for (const name of candidates) {
    try {
      return (require(`hyphen/${name}/index.js`) as { hyphenateSync: Hyphenate }).hyphenateSync;
    } catch {
      // No patterns under this name: try the next.
    }
  }
  return undefined;
}

const SKIP = new Set([
  'pre',
  'code',
  'kbd',
  'samp',
  'math',
  'svg',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'a',
  'script',
  'style',
]);

/**
 * Soft hyphens from TeX's patterns, for print: Chromium on Linux hyphenates
 * only with dictionaries it downloads itself, which a closed network (and a
 * reproducible build) must not depend on. Code, math, headings and links are
 * left whole. Chromium keeps the soft hyphens in the PDF's text layer
 * (pdftotext shows U+00AD), a known cost of this approach.
 */
export function hyphenateTree(root: Element, language: string): Element {
  const hyphenate = patternsFor(language);
  if (!hyphenate) return root;
  const walk = (node: Element) => {
    for (const child of node.children) {
      if (child.type === 'text') child.value = hyphenate(child.value, { minWordLength: 7 });
      else if (
        child.type === 'element' &&
        !SKIP.has(child.tagName) &&
        !(Array.isArray(child.properties.className) && child.properties.className.includes('chapter-label'))
      )
        walk(child);
    }
  };
  walk(root);
  return root;
}
