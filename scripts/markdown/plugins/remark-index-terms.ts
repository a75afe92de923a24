import type { Root, Text, PhrasingContent } from 'mdast';
import { visit, SKIP } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { location } from 'vfile-location';
import { report } from '../../util/messages.ts';
import type { IndexTerm } from './types.ts';

/** Class of the empty marker an index term leaves in the text: the place the index links to. */
export const INDEX_MARKER_CLASS = 'index-term';

/**
 * `:index[term]`, `:index[term!sub]`, `:index[term]{sub="…" see="…" also="…"}`. Only this one directive name is
 * read, and by pattern over text nodes rather than with a generic directive syntax extension, so `:smile:`, `a:b`
 * and `:name[…]` of any other name keep parsing exactly as CommonMark says (text inside code stays code).
 */
const INDEX = /:index\[([^\]\n]*)\](?:\{([^}\n]*)\})?/g;
const ATTRIBUTE = /([A-Za-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))/g;
const KNOWN = new Set(['sub', 'see', 'also', 'see-also', 'seealso']);

/** Text with each `:index[…]{…}` written as the words it holds (the term, sub-entry and see / see also targets). */
export function indexTermWords(text: string): string {
  // Spaced: a term often follows the word it marks (`descent:index[descent]`), and the two are two words.
  return text.replace(
    INDEX,
    (_, term: string, attributes?: string) =>
      ` ${[term, ...[...(attributes ?? '').matchAll(ATTRIBUTE)].map((m) => m[2] ?? m[3] ?? m[4] ?? '')].join(' ')} `,
  );
}

/**
 * Marks index terms: each becomes an empty `span.index-term` with an id the
 * book's index links to, and an entry on `file.data.indexTerms`. A term the
 * reader would lose (empty, or an attribute Galley does not know) is an error
 * at its line.
 */
export default function remarkIndexTerms() {
  return (tree: Root, file: VFile) => {
    const terms: IndexTerm[] = [];
    const where = location(file);
    visit(tree, 'text', (node: Text, index, parent) => {
      if (!parent || index === undefined || !node.value.includes(':index[')) return;
      const parts: PhrasingContent[] = [];
      let last = 0;
      for (const match of node.value.matchAll(INDEX)) {
        // A text node spans lines: the term's own line and column, from its offset in the source.
        const start = node.position?.start.offset;
        const place = start === undefined ? undefined : where.toPoint(start + match.index);
        const [, path = '', attributes = ''] = match;
        const [term = '', ...subs] = path.split('!').map((s) => s.trim());
        const entry: IndexTerm = { id: '', term, line: place?.line, column: place?.column };
        if (subs.length > 0) entry.sub = subs.join(', ');
        for (const a of attributes.matchAll(ATTRIBUTE)) {
          const name = a[1]!.toLowerCase();
          const value = (a[2] ?? a[3] ?? a[4] ?? '').trim();
          if (!KNOWN.has(name)) {
            report(file, 'error', `Index term \`${match[0]}\`: unknown attribute \`${name}\``, place, 'index-term');
            continue;
          }
          if (name === 'sub') entry.sub = value;
          else if (name === 'see') entry.see = value;
          else entry.also = value;
        }
        if (!term) {
          report(file, 'error', `Index term \`${match[0]}\` names no term`, place, 'index-term');
          continue;
        }
        if (match.index > last) parts.push({ type: 'text', value: node.value.slice(last, match.index) });
        last = match.index + match[0].length;
        entry.id = `idx-${terms.length + 1}`;
        terms.push(entry);
        parts.push({
          type: 'galleyIndexTerm',
          data: { hName: 'span', hProperties: { id: entry.id, className: [INDEX_MARKER_CLASS] } },
        } as unknown as PhrasingContent);
      }
      if (last === 0) return;
      if (last < node.value.length) parts.push({ type: 'text', value: node.value.slice(last) });
      parent.children.splice(index, 1, ...parts);
      return [SKIP, index + parts.length];
    });
    if (terms.length > 0) file.data.indexTerms = terms;
  };
}
