import type { Element } from 'hast';
import { elementRules, type ElementRule } from './element-rules.ts';

/**
 * An image standing alone in a paragraph is a figure: its title (or else its
 * alt text) becomes the caption, as in Pandoc.
 */
export function figuresRule(): ElementRule {
  return () => ({
    enter(node, index, parent) {
      if (node.tagName !== 'p') return;
      const content = node.children.filter((c) => !(c.type === 'text' && c.value.trim() === ''));
      if (content.length !== 1) return;
      const image = content[0]!;
      // A figure already made (media, raw HTML) cannot sit inside a paragraph.
      if (image.type === 'element' && ['figure', 'div', 'table', 'pre', 'section', 'aside'].includes(image.tagName)) {
        parent.children[index] = image;
        return;
      }
      if (image.type !== 'element' || image.tagName !== 'img') return;
      const title = image.properties.title ? String(image.properties.title) : '';
      const alt = image.properties.alt ? String(image.properties.alt) : '';
      delete image.properties.title;
      const caption = title || alt;
      const figure: Element = {
        type: 'element',
        tagName: 'figure',
        properties: {},
        children: [image],
        position: node.position,
      };
      if (caption) {
        figure.children.push({
          type: 'element',
          tagName: 'figcaption',
          properties: {},
          children: [{ type: 'text', value: caption }],
        });
      }
      parent.children[index] = figure;
    },
  });
}

export default function rehypeFigures() {
  return elementRules([figuresRule()]);
}
