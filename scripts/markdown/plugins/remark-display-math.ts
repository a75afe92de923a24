import type { Root, Paragraph } from 'mdast';
import type { Math } from 'mdast-util-math';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';

/**
 * `$$…$$` standing alone in a paragraph is display math, as HonKit's MathJax
 * plugins read it; inside a sentence it stays inline.
 */
export default function remarkDisplayMath() {
  return (tree: Root, file: VFile) => {
    const source = String(file.value);
    visit(tree, 'paragraph', (node: Paragraph, index, parent) => {
      if (!parent || index === undefined) return;
      const content = node.children.filter(
        (child) => !(child.type === 'text' && child.value.trim() === '') && child.type !== 'break',
      );
      if (content.length !== 1 || content[0]!.type !== 'inlineMath') return;
      const math = content[0];
      const start = math.position?.start.offset;
      if (start === undefined || source.slice(start, start + 2) !== '$$') return;
      // Fresh hast data: the inline node's own says `math-inline`.
      const display: Math = {
        type: 'math',
        value: math.value,
        position: node.position,
        data: {
          hName: 'pre',
          hChildren: [
            {
              type: 'element',
              tagName: 'code',
              properties: { className: ['language-math', 'math-display'] },
              children: [{ type: 'text', value: math.value }],
            },
          ],
        },
      };
      parent.children[index] = display;
    });
  };
}
