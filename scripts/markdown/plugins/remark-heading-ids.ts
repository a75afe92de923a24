import type { Root, Heading } from 'mdast';
import { visit } from 'unist-util-visit';

/** A trailing attribute block: `{#id}`, `{.class}`, `{#id .a .b}` (Pandoc, mdBook 0.5, kramdown). */
const ATTRIBUTES = /\s*\{((?:\s*(?:#[A-Za-z][\w:.-]*|\.[A-Za-z_-][\w-]*))+)\s*\}\s*$/;

/** `## Title {#custom-id .class}` sets the heading's id and classes. */
export default function remarkHeadingIds() {
  return (tree: Root) => {
    visit(tree, 'heading', (node: Heading) => {
      const last = node.children[node.children.length - 1];
      if (!last || last.type !== 'text') return;
      const match = ATTRIBUTES.exec(last.value);
      if (!match) return;
      const words = (match[1] ?? '').trim().split(/\s+/);
      const id = words.find((w) => w.startsWith('#'))?.slice(1);
      const classes = words.filter((w) => w.startsWith('.')).map((w) => w.slice(1));
      last.value = last.value.slice(0, match.index);
      const hProperties: Record<string, unknown> = { ...(node.data?.hProperties ?? {}) };
      if (id) hProperties.id = id;
      if (classes.length) hProperties.className = classes;
      node.data = { ...node.data, hProperties: hProperties as never };
    });
  };
}
