import type { Root, Element } from 'hast';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { report } from '../../util/messages.ts';

/** Elements whose ids Galley made and links point to: headings, questions, notes and note references. */
function generated(node: Element): boolean {
  const classes = Array.isArray(node.properties.className) ? node.properties.className.map(String) : [];
  return (
    /^h[1-6]$/.test(node.tagName) ||
    classes.includes('question') ||
    classes.includes('footnote') ||
    classes.includes('noteref')
  );
}

/**
 * Ids are unique in each chapter. Raw HTML may repeat an id Galley made (a
 * heading's slug, `fn-1`, a question id) or one of its own: the author's
 * element is renamed and the clash reported, so links keep their targets
 * and EPUBCheck never sees a duplicate.
 */
export default function rehypeUniqueIds() {
  return (tree: Root, file: VFile) => {
    const byId = new Map<string, Element[]>();
    visit(tree, 'element', (node: Element) => {
      if (node.properties.id === undefined || node.properties.id === null) return;
      const id = String(node.properties.id);
      byId.set(id, [...(byId.get(id) ?? []), node]);
    });
    const taken = new Set(byId.keys());
    for (const [id, nodes] of byId) {
      if (nodes.length < 2) continue;
      const keep = nodes.find(generated) ?? nodes[0]!;
      for (const node of nodes) {
        if (node === keep) continue;
        let n = 2;
        while (taken.has(`${id}-${n}`)) n++;
        node.properties.id = `${id}-${n}`;
        taken.add(`${id}-${n}`);
        report(
          file,
          'warning',
          `Id \`${id}\` is used twice in this chapter: this one was renamed \`${id}-${n}\``,
          node,
          'duplicate-id',
        );
      }
    }
  };
}
