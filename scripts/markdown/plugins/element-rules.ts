import type { Element, Root } from 'hast';
import type { VFile } from 'vfile';

export type Parent = Root | Element;

/** Returned by `enter`: this rule does not look inside the element (the other rules still do). */
export const SKIP = 'skip';

/**
 * One rule's view of a walk, made afresh for each tree. `enter` sees an
 * element before anything inside it, `leave` after everything inside it
 * (whether or not `enter` returned SKIP), `finish` once the walk is over.
 * A rule may replace the element in `parent.children[index]` or give it new
 * `children`: the rules after it see the new one, the rules up to it go on
 * inside the old one, as if each rule had walked the whole tree in turn.
 */
export interface ElementVisitor {
  enter?(node: Element, index: number, parent: Parent): typeof SKIP | void;
  leave?(node: Element, index: number, parent: Parent): void;
  finish?(): void;
}

export type ElementRule = (tree: Root, file: VFile) => ElementVisitor;

interface Entry {
  visitor: ElementVisitor;
  /** Position of the rule in the walk: messages are put back in this order. */
  rank: number;
}

/** The rules that walk one version of an element: the rules after a replacement see the replacement. */
interface Segment {
  node: Element;
  children: Element['children'];
  entered: Entry[];
  inside: Entry[];
}

/**
 * Runs rules over one tree in a single walk, with the effects of running them
 * one after another, each over the whole tree, in the order given: that
 * holds as long as a rule's `enter` reads only the element, its attributes
 * and what earlier rules made of it, and anything that needs the element's
 * insides finished waits for `leave` (or `finish`, for the whole tree).
 * Messages come out grouped by rule, in rule order, as separate walks gave them.
 */
export function walkElements(tree: Root, file: VFile, rules: readonly ElementRule[]): void {
  const entries: Entry[] = rules.map((rule, rank) => ({ visitor: rule(tree, file), rank }));
  const start = file.messages.length;
  const ranks: number[] = [];
  let current = 0;
  /** Messages a rule reported while it ran are tagged with its rank. */
  const tag = () => {
    while (ranks.length < file.messages.length - start) ranks.push(current);
  };

  const leaveAll = (node: Element, entered: Entry[], index: number, parent: Parent) => {
    for (const entry of entered) {
      if (!entry.visitor.leave) continue;
      current = entry.rank;
      entry.visitor.leave(node, index, parent);
      tag();
    }
  };

  /**
   * Visits the elements among `parent`'s children and, recursively, inside them: one stack frame per level, like
   * unist-util-visit. `children` undefined: the parent's own, read live as unist-util-visit does (a rule may
   * replace a child, or, for display math, the parent's whole list); else the list the parent had before a rule
   * gave it a new one.
   */
  const walkChildren = (parent: Parent, children: Parent['children'] | undefined, active: Entry[]): void => {
    for (let index = 0; index < (children ?? parent.children).length; index++) {
      let node: Element | undefined = (children ?? parent.children)[index] as Element;
      if (node.type !== 'element') continue;
      let own = node.children;
      // The rules of the current segment (from `from` on) that look inside; undefined while that is all of them,
      // the common case, which allocates nothing.
      let from = 0;
      let inside: Entry[] | undefined;
      let replaced: Segment[] | undefined;
      let i = 0;
      for (; i < active.length; i++) {
        const now = (children ?? parent.children)[index];
        if (now !== node || (now.type === 'element' && now.children !== own)) {
          const entered = active.slice(from, i);
          (replaced ??= []).push({ node, children: own, entered, inside: inside ?? entered });
          if (!now || now.type !== 'element') {
            node = undefined;
            break;
          }
          node = now;
          own = now.children;
          from = i;
          inside = undefined;
        }
        const entry = active[i]!;
        let result: typeof SKIP | void = undefined;
        if (entry.visitor.enter) {
          current = entry.rank;
          result = entry.visitor.enter(node, index, parent);
          tag();
        }
        if (result === SKIP) inside ??= active.slice(from, i);
        else inside?.push(entry);
      }
      if (replaced) {
        for (const segment of replaced) {
          const old = segment.node;
          if (segment.inside.length > 0)
            walkChildren(old, old.children === segment.children ? undefined : segment.children, segment.inside);
          leaveAll(old, segment.entered, index, parent);
        }
      }
      if (!node) continue;
      const entered = from === 0 ? active : active.slice(from);
      inside ??= entered;
      if (inside.length > 0) walkChildren(node, node.children === own ? undefined : own, inside);
      leaveAll(node, entered, index, parent);
    }
  };

  walkChildren(tree, undefined, entries);
  for (const entry of entries) {
    current = entry.rank;
    entry.visitor.finish?.();
    tag();
  }
  // Separate walks reported rule by rule: keep that order (stable within a rule).
  if (ranks.length > 1 && ranks.some((rank, i) => i > 0 && rank < ranks[i - 1]!)) {
    const made = file.messages.slice(start);
    const order = made.map((_, i) => i).sort((a, b) => ranks[a]! - ranks[b]! || a - b);
    file.messages.splice(start, made.length, ...order.map((i) => made[i]!));
  }
}

/** A transformer running the given rules in one walk of each tree. */
export function elementRules(rules: readonly ElementRule[]) {
  return (tree: Root, file: VFile) => {
    walkElements(tree, file, rules);
  };
}

/**
 * A unified plugin running the given rules in one walk of each tree: a new plugin each call, since unified keeps
 * one entry per plugin function (a second `.use` of the same one would replace the first one's rules).
 */
export default function rehypeElementRules(rules: readonly ElementRule[]) {
  // The rules stay visible on the plugin, for tests that run them one walk each.
  return Object.assign(
    function rehypeElementRules() {
      return elementRules(rules);
    },
    { rules },
  );
}
