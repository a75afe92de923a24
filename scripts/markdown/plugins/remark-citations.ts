import type { Root, RootContent, Text, PhrasingContent, ListItem } from 'mdast';
import { visit, SKIP } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { report } from '../../util/messages.ts';
import type { BibEntry } from '../../model/dialects/bibliography.ts';
import { must } from '../../util/must.ts';

/** Options of remark-citations. */
export interface Options {
  /** The book's bibliography by citation key; without it each citation draws a warning and prints its key in brackets. */
  bibliography?: Map<string, BibEntry>;
}

export type { BibEntry };

const CITE = /\{\{\s*["']([^"']+)["']\s*\|\s*cite\s*\}\}/g;

/**
 * HonKit's bibtex-cite syntax, `{{ "key" | cite }}`: a numbered citation
 * linking to a references list at `{% references %}` (or the chapter's end),
 * numbered in order of first citation. Without a .bib file, or for an unknown
 * key, a warning at its line and the key printed in brackets.
 */
export default function remarkCitations(options: Options = {}) {
  return (tree: Root, file: VFile) => {
    const bibliography = options.bibliography;
    const order: string[] = [];
    visit(tree, 'text', (node: Text, index, parent) => {
      if (!parent || index === undefined || !node.value.includes('cite')) return;
      const parts: PhrasingContent[] = [];
      let last = 0;
      for (const match of node.value.matchAll(CITE)) {
        const [, key = ''] = match;
        if (match.index > last) parts.push({ type: 'text', value: node.value.slice(last, match.index) });
        last = match.index + match[0].length;
        const place = node.position
          ? { line: node.position.start.line, column: node.position.start.column + match.index }
          : node;
        if (!bibliography) {
          report(file, 'warning', `Citation \`${key}\` but the book has no .bib file`, place, 'citation');
          parts.push({ type: 'text', value: `[${key}]` });
          continue;
        }
        if (!bibliography.has(key)) {
          report(file, 'warning', `Citation \`${key}\` is not in the bibliography`, place, 'citation');
          parts.push({ type: 'text', value: `[${key}]` });
          continue;
        }
        if (!order.includes(key)) order.push(key);
        const n = order.indexOf(key) + 1;
        parts.push({
          type: 'link',
          url: `#ref-${key}`,
          data: { hProperties: { className: ['citation'], role: 'doc-biblioref' } },
          children: [{ type: 'text', value: `[${n}]` }],
        });
      }
      if (last === 0) return;
      if (last < node.value.length) parts.push({ type: 'text', value: node.value.slice(last) });
      parent.children.splice(index, 1, ...parts);
      return [SKIP, index + parts.length];
    });
    if (order.length === 0 || !bibliography) return;
    const list: RootContent = {
      type: 'list',
      ordered: true,
      spread: false,
      data: { hProperties: { className: ['references'] } },
      children: order.map((key): ListItem => {
        const entry = must(bibliography.get(key), `the bibliography entry ${key}`);
        const children: PhrasingContent[] = [{ type: 'text', value: entry.text }];
        if (entry.url) {
          children.push(
            { type: 'text', value: ' ' },
            { type: 'link', url: entry.url, children: [{ type: 'text', value: entry.url }] },
          );
        }
        return {
          type: 'listItem',
          spread: false,
          data: { hProperties: { id: `ref-${key}` } },
          children: [{ type: 'paragraph', children }],
        };
      }),
    };
    // At `{% references %}` if the chapter has one, else at its end.
    let placed = false;
    visit(tree, (node, index, parent) => {
      if (placed || !parent || index === undefined || (node as { type: string }).type !== 'galleyReferences') return;
      (node as unknown as { children: RootContent[] }).children = [list];
      placed = true;
      return SKIP;
    });
    if (!placed) tree.children.push(list);
  };
}
