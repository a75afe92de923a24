import type { Element } from 'hast';
import { elementRules, type ElementRule } from './element-rules.ts';
import { report } from '../../util/messages.ts';

const HEADING = /^h[1-6]$/;
/** Renames reported one by one for one id; the rest in one message (the author sees every copy is renamed). */
const MAX_REPORTS_PER_ID = 20;

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
        // Each base counts on from its last rename: 40,000 copies of one id are renamed in linear time.
        const nextOf = new Map<string, number>();
        for (const [id, nodes] of byId) {
          if (nodes.length < 2) continue;
          const keep = nodes.find(generated) ?? nodes[0]!;
          let reported = 0;
          for (const node of nodes) {
            if (node === keep) continue;
            let n = nextOf.get(id) ?? 2;
            while (taken.has(`${id}-${n}`)) n++;
            nextOf.set(id, n + 1);
            node.properties.id = `${id}-${n}`;
            taken.add(`${id}-${n}`);
            if (reported++ < MAX_REPORTS_PER_ID) {
              report(
                file,
                'warning',
                `Id \`${id}\` is used twice in this chapter: this one was renamed \`${id}-${n}\``,
                node,
                'duplicate-id',
              );
            }
          }
          if (reported > MAX_REPORTS_PER_ID) {
            report(
              file,
              'warning',
              `Id \`${id}\` is used ${nodes.length} times in this chapter: ${reported - MAX_REPORTS_PER_ID} more copies were renamed \`${id}-N\` without a message each`,
              keep,
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
