import type { Root, Heading, Text } from 'mdast';
import { visit } from 'unist-util-visit';

const CUSTOM_ID = /\s*\{#([A-Za-z][\w:.-]*)\}\s*$/;

/** `## Title {#custom-id}` (Pandoc, mdBook, kramdown) sets the heading's id. */
export default function remarkHeadingIds() {
  return (tree: Root) => {
    visit(tree, 'heading', (node: Heading) => {
      const last = node.children[node.children.length - 1];
      if (!last || last.type !== 'text') return;
      const match = CUSTOM_ID.exec((last as Text).value);
      if (!match) return;
      (last as Text).value = (last as Text).value.slice(0, match.index);
      node.data = { ...node.data, hProperties: { ...(node.data?.hProperties ?? {}), id: match[1]! } };
    });
  };
}
