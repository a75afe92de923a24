import type { Element } from 'hast';
import { toString } from 'hast-util-to-string';
import type { Collected } from './types.ts';
import { elementRules, SKIP, type ElementRule } from './element-rules.ts';
import { DIAGRAM_SOURCE_CLASS } from './remark-mermaid.ts';

const HEADING = /^h([1-6])$/;

/** Records what book passes, navigation and the build summary need, so none of them walks the tree again. */
export function collectRule(): ElementRule {
  return (tree, file) => {
    const stats = { formulas: 0, images: 0, footnotes: 0, codeBlocks: 0, tables: 0, words: 0, listings: 0 };
    // Elements with an id, or headings (whose ids earlier rules may give at their `finish`), in order: ids are
    // read at the end, once they are final.
    const noted: Element[] = [];
    return {
      enter(node) {
        if (node.properties.id !== undefined || HEADING.test(node.tagName)) noted.push(node);
        if (node.tagName === 'img') stats.images++;
        if (node.tagName === 'aside' && node.properties.role === 'doc-footnote') stats.footnotes++;
        // A diagram's source waits in a `<pre>` for its drawing (remark-mermaid): it is no code block.
        if (node.tagName === 'pre' && !String(node.properties.className ?? '').includes(DIAGRAM_SOURCE_CLASS))
          stats.codeBlocks++;
        if (node.tagName === 'table') stats.tables++;
        if (node.tagName === 'figure' && String(node.properties.id ?? '').startsWith('listing-')) stats.listings++;
        if (node.tagName === 'math') return SKIP;
      },
      finish() {
        const collected: Collected = { headings: [], ids: [], stats };
        stats.formulas = file.data.formulas ?? 0;
        for (const node of noted) {
          const id = node.properties.id;
          if (id !== undefined) collected.ids.push(String(id));
          const level = HEADING.exec(node.tagName);
          if (
            level &&
            !(Array.isArray(node.properties.className) && node.properties.className.includes('footnotes-title'))
          )
            collected.headings.push({ id: String(id), depth: Number(level[1]), text: toString(node).trim() });
        }
        stats.words = toString(tree).split(/\s+/).filter(Boolean).length;
        file.data.collected = collected;
      },
    };
  };
}

export default function rehypeCollect() {
  return elementRules([collectRule()]);
}
