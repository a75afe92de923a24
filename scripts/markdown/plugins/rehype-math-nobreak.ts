import type { Element, ElementContent } from 'hast';
import { elementRules, SKIP, type ElementRule } from './element-rules.ts';

// Punctuation that belongs to the formula it touches: a line must not start with the full stop after `$x$`.
const CLOSING = /^[.,;:!?)\]}’”'"…»%\u060c\u061b\u061f]+/u;
const OPENING = /[([{‘“«]+$/u;

const isInlineMath = (node: ElementContent | undefined): node is Element =>
  node?.type === 'element' && node.tagName === 'math' && node.properties.display !== 'block';
const isNobreak = (node: Element) =>
  node.tagName === 'span' && Array.isArray(node.properties.className) && node.properties.className.includes('nobreak');

/**
 * Keeps inline math together with the punctuation against it (`$\mathbf{B}$.`, `($x$)`). A browser may break a
 * line on either side of an inline `<math>`, as around an image, so without this a line of the web page or PDF
 * can begin with a lone full stop. The pair goes into `<span class="nobreak">`, which book.css keeps on one line.
 */
export function mathNobreakRule(): ElementRule {
  return () => ({
    enter(node) {
      if (node.tagName === 'math' || isNobreak(node)) return SKIP;
    },
    // After the element's insides, so that formulas made by the math rule in the same walk are there.
    leave(node) {
      if (node.tagName === 'math' || isNobreak(node)) return;
      if (!node.children.some(isInlineMath)) return;
      const out: ElementContent[] = [];
      const children = node.children;
      for (let i = 0; i < children.length; i++) {
        const child = children[i]!;
        if (!isInlineMath(child)) {
          out.push(child);
          continue;
        }
        const parts: ElementContent[] = [child];
        const before = out[out.length - 1];
        if (before?.type === 'text') {
          const match = OPENING.exec(before.value);
          if (match) {
            before.value = before.value.slice(0, -match[0].length);
            parts.unshift({ type: 'text', value: match[0] });
          }
        }
        const after = children[i + 1];
        if (after?.type === 'text') {
          const match = CLOSING.exec(after.value);
          if (match) {
            parts.push({ type: 'text', value: match[0] });
            after.value = after.value.slice(match[0].length);
          }
        }
        out.push(
          parts.length === 1
            ? child
            : { type: 'element', tagName: 'span', properties: { className: ['nobreak'] }, children: parts },
        );
      }
      node.children = out.filter((c) => !(c.type === 'text' && c.value === ''));
    },
  });
}

export default function rehypeMathNobreak() {
  return elementRules([mathNobreakRule()]);
}
