import type { Root, Parent } from 'mdast';
import { toString } from 'mdast-util-to-string';

const INTRODUCES = new Set(['code', 'list', 'table']);
const FILENAME = /^Filename:\s*\S/;

/**
 * A paragraph that introduces what follows ("For example:", "Filename: src/main.rs") before a code block, list,
 * table or listing gets the class `lead-in`, which print.css keeps on the page of what it introduces.
 */
export default function remarkLeadIns() {
  return (tree: Root) => {
    const walk = (parent: Parent) => {
      const children = parent.children;
      children.forEach((child, i) => {
        if ('children' in child && child.type !== 'paragraph') walk(child);
        const next = children[i + 1];
        if (child.type !== 'paragraph' || !next) return;
        const listing = (next as { data?: { hName?: string } }).data?.hName === 'figure';
        if (!INTRODUCES.has(next.type) && !listing) return;
        const text = toString(child).trim();
        if (!text.endsWith(':') && !FILENAME.test(text)) return;
        const data = child.data ?? {};
        const props = (data.hProperties ?? {}) as Record<string, unknown>;
        const classes = Array.isArray(props.className) ? (props.className as string[]) : [];
        child.data = { ...data, hProperties: { ...props, className: [...classes, 'lead-in'] } };
      });
    };
    walk(tree);
  };
}
