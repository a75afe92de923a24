import type { Root, Element, ElementContent } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import { toString } from 'hast-util-to-string';
import { visit, SKIP } from 'unist-util-visit';
import { location } from 'vfile-location';
import type { VFile } from 'vfile';
import temml from 'temml';
import { report } from '../util/messages.ts';

function classes(node: Element): string[] {
  const value = node.properties.className;
  return Array.isArray(value) ? value.map(String) : [];
}

/** Where in the Markdown source a formula's character `offset` sits. */
function sourcePoint(file: VFile, node: Element, tex: string, offset: number) {
  const start = node.position?.start.offset;
  const source = String(file.value);
  if (start === undefined) return node.position?.start;
  const at = source.indexOf(tex, start);
  if (at < 0) return node.position?.start;
  return location(file).toPoint(at + offset) ?? node.position?.start;
}

/**
 * Renders `$$…$$` to MathML at build time with Temml, so no reader needs
 * JavaScript. A formula that does not parse is an error at its exact
 * file:line:column, and is printed as its TeX source instead.
 */
export default function rehypeMath() {
  return (tree: Root, file: VFile) => {
    let count = 0;
    visit(tree, 'element', (node, index, parent) => {
      if (node.tagName !== 'code' || !parent || index === undefined) return;
      const names = classes(node);
      if (!names.includes('language-math')) return;
      const display = names.includes('math-display');
      const tex = toString(node);
      let replacement: ElementContent;
      try {
        const mathml = temml.renderToString(tex, { displayMode: display, annotate: true, xml: true, throwOnError: true, trust: false, maxExpand: 1000, maxSize: [50, 50] });
        const fragment = fromHtml(mathml, { fragment: true });
        const math = fragment.children.find((c): c is Element => c.type === 'element' && c.tagName === 'math');
        if (!math) throw new Error('no MathML produced');
        math.properties = { ...math.properties, xmlns: 'http://www.w3.org/1998/Math/MathML' };
        delete math.properties.style;
        math.position = node.position;
        replacement = math;
        count++;
      } catch (error) {
        const err = error as Error & { position?: number };
        const detail = err.message.replace(/^\s*Temml parse error:\s*/i, '').replace(/\s+/g, ' ').trim();
        report(file, 'error', `Formula does not parse: ${detail}. Fix the TeX (see the column given) or escape the dollar signs`, sourcePoint(file, node, tex, err.position ?? 0), 'math');
        replacement = { type: 'element', tagName: 'code', properties: { className: ['math-error'] }, children: [{ type: 'text', value: tex }], position: node.position };
      }
      // Display math arrives as <pre><code>; swap the whole <pre>.
      const target = parent.type === 'element' && parent.tagName === 'pre' ? parent : undefined;
      if (target && display) {
        target.tagName = 'div';
        target.properties = { className: ['math-display'] };
        target.children = [replacement];
      } else {
        parent.children[index] = replacement;
      }
      return SKIP;
    });
    file.data.formulas = count;
  };
}
