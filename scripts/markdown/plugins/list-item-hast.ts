import { defaultHandlers, type Handler } from 'mdast-util-to-hast';
import type { List, ListItem, Parents } from 'mdast';

function itemLoose(item: ListItem): boolean {
  return item.spread ?? item.children.length > 1;
}

/**
 * mdast-util-to-hast's own `listItem`, handed a list that says how loose the
 * real one is. Its handler scans every sibling for each item: a list of
 * 100,000 items (questions) cost 10^10 steps. Here each list is scanned once
 * per handler, and each processor makes its own handler (markdown/processor.ts),
 * so what it learnt goes with the processor.
 */
export function listItemHast(): Handler {
  const loose = new WeakMap<Parents, boolean>();
  /** Whether a list is loose, the way mdast-util-to-hast decides it, once per list. */
  const listLoose = (list: Parents): boolean => {
    let value = loose.get(list);
    if (value === undefined) {
      value = list.type === 'list' && (list.spread === true || list.children.some(itemLoose));
      loose.set(list, value);
    }
    return value;
  };
  return (state, node, parent) => {
    const summary: List | undefined = parent && { type: 'list', spread: listLoose(parent), children: [] };
    return defaultHandlers.listItem(state, node as ListItem, summary);
  };
}
