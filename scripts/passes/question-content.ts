import type { Element, ElementContent, Root } from 'hast';
import type { Chapter } from '../model/book/types.ts';

/** Id of a question's entry in the questions index. */
export const entryId = (questionId: string) => `qi-${questionId}`;

/** Id of a question's number, where index entries point. */
export const numberId = (questionId: string) => `qn-${questionId}`;

/** Class of the link from a question's number to its index entry. */
export const INDEX_LINK_CLASS = 'q-index-link';

function classesOf(node: Element): string[] {
  const value = node.properties.className;
  return Array.isArray(value) ? value.map(String) : [];
}

/**
 * Finds elements by id, indexing each tree once: a search per question made the index quadratic (20,000 questions:
 * minutes). A pass makes one for its run (passes/questions-index.ts), so the index goes with the run.
 */
export type IdLookup = (tree: Root, id: string) => Element | undefined;

export function idLookup(): IdLookup {
  const byId = new WeakMap<Root, Map<string, Element>>();
  const indexIds = (tree: Root): Map<string, Element> => {
    const map = new Map<string, Element>();
    const stack = [...(tree.children as ElementContent[])].reverse();
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      if (node.type !== 'element') continue;
      const id = node.properties.id;
      // The first in document order, as the search it replaces found.
      if (typeof id === 'string' && !map.has(id)) map.set(id, node);
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
    }
    byId.set(tree, map);
    return map;
  };
  // A tree changed since it was indexed is indexed again when an id is not found.
  return (tree, id) => (byId.get(tree) ?? indexIds(tree)).get(id) ?? indexIds(tree).get(id);
}

/** What Galley put into a question that an index entry must not repeat. */
function dropped(node: Element): boolean {
  const classes = classesOf(node);
  if (['ol', 'ul', 'figure', 'img', 'svg', 'div', 'table', 'pre'].includes(node.tagName)) return true;
  // Footnote references would repeat the chapter's note ids and point nowhere from the index.
  return classes.some((c) => ['q-number', 'badge', 'q-alias', 'noteref', INDEX_LINK_CLASS].includes(c));
}

/**
 * A copy of a question's own words as the chapter renders them (MathML
 * included) for its entry in the index: without its number, badge, nested
 * sub-questions and notes; links unwrapped (the entry is one link) and ids
 * dropped (they belong to the chapter).
 */
function copyInline(nodes: ElementContent[]): ElementContent[] {
  const out: ElementContent[] = [];
  for (const node of nodes) {
    if (node.type === 'comment') continue;
    if (node.type !== 'element') {
      out.push(structuredClone(node));
      continue;
    }
    if (dropped(node)) continue;
    if (node.tagName === 'p' || node.tagName === 'a') {
      out.push(...copyInline(node.children));
      continue;
    }
    if (node.tagName === 'math') {
      const math = structuredClone(node);
      delete math.properties.id;
      out.push(math);
      continue;
    }
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the copy must not repeat the question's id
    const { id: _id, ...properties } = node.properties;
    const children = copyInline(node.children);
    // The `<sup>` a dropped note reference sat in.
    if (node.tagName === 'sup' && children.length === 0) continue;
    out.push({ ...node, properties, children, position: undefined });
  }
  return out;
}

/** The question's words with their math, for the index; its plain text when the chapter tree is gone. */
export function questionContent(
  chapter: Chapter,
  id: string,
  fallback: string,
  findById: IdLookup = idLookup(),
): ElementContent[] {
  const item = chapter.tree ? findById(chapter.tree, id) : undefined;
  if (!item) return [{ type: 'text', value: fallback }];
  const content = copyInline(item.children);
  // Leading and trailing spaces of the source are noise in a list.
  const first = content[0];
  if (first?.type === 'text') first.value = first.value.trimStart();
  const last = content.at(-1);
  if (last?.type === 'text') last.value = last.value.trimEnd();
  return content;
}

/**
 * Links the question's number to its entry in the index, so a reader can go
 * both ways. Done once: a question whose number already links is left alone
 * (`galley dev` runs the pass again on unchanged trees).
 */
export function linkBack(
  chapter: Chapter,
  id: string,
  href: string,
  label: string,
  findById: IdLookup = idLookup(),
): boolean {
  const item = chapter.tree ? findById(chapter.tree, id) : undefined;
  if (!item) return false;
  const visit = (parent: Element): boolean => {
    for (const [index, child] of parent.children.entries()) {
      if (child.type !== 'element') continue;
      if (child.tagName === 'ol' || child.tagName === 'ul') continue;
      if (child.tagName === 'a' && classesOf(child).includes(INDEX_LINK_CLASS)) return true;
      if (child.tagName === 'span' && classesOf(child).includes('q-number')) {
        // Its own id: the index links (and the PDF measures the page) here, at the number's line, not at the item's top margin.
        parent.children[index] = {
          type: 'element',
          tagName: 'a',
          properties: { id: numberId(id), className: [INDEX_LINK_CLASS], href, title: label },
          children: [child],
        };
        chapter.ids.add(numberId(id));
        return true;
      }
      if (visit(child)) return true;
    }
    return false;
  };
  return visit(item);
}

/** Whether the question's number links to its index entry already (what `linkBack` returns, without changing anything). */
export function isLinkedBack(chapter: Chapter, id: string, findById: IdLookup = idLookup()): boolean {
  const item = chapter.tree ? findById(chapter.tree, id) : undefined;
  if (!item) return false;
  const visit = (parent: Element): boolean | undefined => {
    for (const child of parent.children) {
      if (child.type !== 'element') continue;
      if (child.tagName === 'ol' || child.tagName === 'ul') continue;
      if (child.tagName === 'a' && classesOf(child).includes(INDEX_LINK_CLASS)) return true;
      if (child.tagName === 'span' && classesOf(child).includes('q-number')) return false;
      const found = visit(child);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(item) ?? false;
}
