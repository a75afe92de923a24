import type { Element } from 'hast';
import { elementRules, type ElementRule } from './element-rules.ts';
import { report } from '../../util/messages.ts';

const HEADING = /^h[1-6]$/;

/** Elements whose ids Galley made and links point to: headings, questions, notes and note references. */
function generated(node: Element): boolean {
  const classes = Array.isArray(node.properties.className) ? node.properties.className.map(String) : [];
  return (
    HEADING.test(node.tagName) ||
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
export function uniqueIdsRule(): ElementRule {
  return (_tree, file) => {
    // Elements are noted during the walk and their ids read at the end: heading ids, given by an earlier rule's
    // `finish`, are final only then.
    const noted: Element[] = [];
    return {
      enter(node) {
        if ((node.properties.id !== undefined && node.properties.id !== null) || HEADING.test(node.tagName))
          noted.push(node);
      },
      finish() {
        const byId = new Map<string, Element[]>();
        for (const node of noted) {
          if (node.properties.id === undefined || node.properties.id === null) continue;
          const id = String(node.properties.id);
          const same = byId.get(id);
          if (same) same.push(node);
          else byId.set(id, [node]);
        }
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
      },
    };
  };
}

export default function rehypeUniqueIds() {
  return elementRules([uniqueIdsRule()]);
}
