import type { Element, ElementContent } from 'hast';
import { elementRules, type ElementRule } from './element-rules.ts';
import { visit } from 'unist-util-visit';
import { labels } from '../../util/labels.ts';

/**
 * GFM footnotes as EPUB 3 notes: references become `noteref`s, each note an
 * `<aside epub:type="footnote" role="doc-footnote">` with a back-link, so
 * reading systems can show them as pop-ups and print can place them.
 */
export function footnotesRule(): ElementRule {
  return (_tree, file) => ({
    enter(node) {
      if (node.tagName === 'a' && node.properties.dataFootnoteRef !== undefined) {
        delete node.properties.dataFootnoteRef;
        delete node.properties.ariaDescribedBy;
        node.properties['epub:type'] = 'noteref';
        node.properties.role = 'doc-noteref';
        node.properties.className = ['noteref'];
      }
    },
    // Once the notes' insides are finished (figures, images), as when this rule ran after theirs.
    leave(node, index, parent) {
      if (node.tagName !== 'section' || node.properties.dataFootnotes === undefined) return;
      const list = node.children.find((c): c is Element => c.type === 'element' && c.tagName === 'ol');
      const title = node.children.find((c): c is Element => c.type === 'element' && c.tagName === 'h2');
      const notes: ElementContent[] = [];
      let n = 0;
      for (const item of list?.children ?? []) {
        if (item.type !== 'element' || item.tagName !== 'li') continue;
        n++;
        visit(item, 'element', (link: Element) => {
          if (link.tagName !== 'a' || link.properties.dataFootnoteBackref === undefined) return;
          delete link.properties.dataFootnoteBackref;
          link.properties.className = ['footnote-back'];
          link.properties.role = 'doc-backlink';
        });
        const body = item.children.filter((c) => !(c.type === 'text' && c.value.trim() === ''));
        const marker: Element = {
          type: 'element',
          tagName: 'span',
          properties: { className: ['footnote-number'] },
          children: [{ type: 'text', value: `${n}. ` }],
        };
        const first = body[0];
        if (first && first.type === 'element' && first.tagName === 'p') first.children.unshift(marker);
        else body.unshift(marker);
        notes.push({
          type: 'element',
          tagName: 'aside',
          properties: {
            id: item.properties.id,
            className: ['footnote'],
            'epub:type': 'footnote',
            role: 'doc-footnote',
          },
          children: body,
        });
      }
      const heading: Element = {
        type: 'element',
        tagName: 'h2',
        properties: { id: title?.properties.id ?? 'footnote-label', className: ['footnotes-title'] },
        children: [{ type: 'text', value: labels(file.data.chapter?.language ?? 'en').notes }],
      };
      parent.children[index] = {
        type: 'element',
        tagName: 'section',
        properties: { className: ['footnotes'], ariaLabelledBy: [String(heading.properties.id)] },
        children: [heading, ...notes],
        position: node.position,
      };
    },
  });
}

export default function rehypeFootnotes() {
  return elementRules([footnotesRule()]);
}
