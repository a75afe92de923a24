import type { Element } from 'hast';
import { toString } from 'hast-util-to-string';
import { visit } from 'unist-util-visit';
import { normalise, type Finding } from './finding.ts';
import type { Finder } from './printed.ts';

/** Elements with text between two headings that make them not "in a row". */
const BETWEEN = new Set(['p', 'ul', 'ol', 'pre', 'figure', 'table', 'blockquote', 'div']);

/** The same heading twice in a row (a chapter title repeated as its first section, say), at its chapter's page. */
export const repeatedHeading: Finder = ({ composition, layout }) => {
  const out: Finding[] = [];
  for (const block of composition.blocks) {
    if (block.kind !== 'chapter') continue;
    let previous: Element | undefined;
    visit(block.element, 'element', (node: Element) => {
      if (!/^h[1-6]$/.test(node.tagName)) {
        if (BETWEEN.has(node.tagName) && toString(node).trim()) previous = undefined;
        return;
      }
      if (previous && normalise(toString(previous)) === normalise(toString(node))) {
        out.push({
          rule: 'print-repeated-heading',
          page: layout.starts.get(block.id) ?? 0,
          block,
          element: node,
          message: `prints the heading “${toString(node).trim().slice(0, 60)}” twice in a row`,
        });
      }
      previous = node;
    });
  }
  return out;
};
