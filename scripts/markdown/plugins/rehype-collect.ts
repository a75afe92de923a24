import type { Root, Element } from 'hast';
import { toString } from 'hast-util-to-string';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import type { Collected } from './types.ts';

/** Records what book passes, navigation and the build summary need, so none of them walks the tree again. */
export default function rehypeCollect() {
  return (tree: Root, file: VFile) => {
    const collected: Collected = {
      headings: [],
      ids: [],
      stats: { formulas: file.data.formulas ?? 0, images: 0, footnotes: 0, codeBlocks: 0, tables: 0, words: 0 },
    };
    visit(tree, 'element', (node: Element) => {
      const id = node.properties.id;
      if (id !== undefined) collected.ids.push(String(id));
      const level = /^h([1-6])$/.exec(node.tagName);
      if (level && !(Array.isArray(node.properties.className) && node.properties.className.includes('footnotes-title')))
        collected.headings.push({ id: String(id), depth: Number(level[1]), text: toString(node).trim() });
      if (node.tagName === 'img') collected.stats.images++;
      if (node.tagName === 'aside' && node.properties.role === 'doc-footnote') collected.stats.footnotes++;
      if (node.tagName === 'pre') collected.stats.codeBlocks++;
      if (node.tagName === 'table') collected.stats.tables++;
      if (node.tagName === 'math') return 'skip';
    });
    collected.stats.words = toString(tree).split(/\s+/).filter(Boolean).length;
    file.data.collected = collected;
  };
}
