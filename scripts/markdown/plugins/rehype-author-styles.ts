import type { Root, Element } from 'hast';
import type { VFile } from 'vfile';
import { report } from '../../util/messages.ts';

/**
 * Properties that place, layer or transform an element relative to something
 * other than its own box: one chapter could lay a page-sized box over every
 * page of the book (the copyright page included) while the text checks pass.
 */
const OUT_OF_BOX =
  /^(?:position|z-index|inset(?:-.*)?|top|right|bottom|left|float|transform(?:-.*)?|translate|rotate|scale|perspective(?:-.*)?|offset(?:-.*)?|zoom|clip-path|mask(?:-.*)?|filter|backdrop-filter|mix-blend-mode|isolation|will-change|contain|container(?:-.*)?|anchor-name|position-.*|inset-area)$/;
/** Lengths relative to the viewport (or a container) size an element by the page, not by its content. */
const VIEWPORT_UNIT = /\d(?:[sld]?v(?:w|h|i|b|min|max)|cq(?:w|h|i|b|min|max))\b/i;
/** A negative margin pulls the element over its neighbours. */
const NEGATIVE_MARGIN = /^margin(?:-.*)?$/;

/** Splits `a: b; c: d` into declarations, keeping `;` inside quotes or parentheses. */
function declarations(style: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < style.length; i++) {
    const c = style[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth = Math.max(0, depth - 1);
    } else if (c === ';' && depth === 0) {
      out.push(style.slice(start, i));
      start = i + 1;
    }
  }
  out.push(style.slice(start));
  return out.map((d) => d.trim()).filter(Boolean);
}

/** Why a declaration is dropped, or undefined when it stays in the element's box. */
function outOfBox(declaration: string): string | undefined {
  const colon = declaration.indexOf(':');
  if (colon <= 0) return 'not a declaration';
  const name = declaration.slice(0, colon).trim().toLowerCase();
  const value = declaration.slice(colon + 1).trim();
  if (!/^-?[a-z][a-z-]*$/.test(name)) return 'not a declaration';
  const bare = name.replace(/^-[a-z]+-/, '');
  if (OUT_OF_BOX.test(bare)) return `\`${name}\``;
  if (VIEWPORT_UNIT.test(value)) return `viewport units in \`${name}\``;
  if (NEGATIVE_MARGIN.test(bare) && /(?:^|[\s(,])-\s*(?:\d|\.\d)/.test(value)) return `a negative \`${name}\``;
  return undefined;
}

/**
 * Author styles stay in their element's box: on every element the sanitizer
 * let a `style` through (MathML among them), declarations that position,
 * layer or size it beyond its box are dropped with a warning at the element.
 * Runs right after the sanitizer, before Galley adds styles of its own.
 */
export default function rehypeAuthorStyles() {
  return (tree: Root, file: VFile) => {
    // An explicit stack: the tree may nest deeply.
    const stack: (Root | Element)[] = [tree];
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      // Children pushed last first: elements are visited, and warned about, in document order.
      for (let i = node.children.length - 1; i >= 0; i--) {
        const child = node.children[i]!;
        if (child.type === 'element') stack.push(child);
      }
      if (node.type !== 'element') continue;
      const style = node.properties.style;
      if (typeof style !== 'string' || style.trim() === '') continue;
      const kept: string[] = [];
      const dropped: string[] = [];
      for (const declaration of declarations(style)) {
        const why = outOfBox(declaration);
        if (why) dropped.push(why);
        else kept.push(declaration);
      }
      if (dropped.length === 0) continue;
      if (kept.length > 0) node.properties.style = kept.join('; ');
      else delete node.properties.style;
      report(
        file,
        'warning',
        `Style on <${node.tagName}> dropped: ${[...new Set(dropped)].join(', ')} would reach beyond the element's own box`,
        node.position ?? { line: 1, column: 1 },
        'author-style',
      );
    }
  };
}
