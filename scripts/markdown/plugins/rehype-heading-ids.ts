import type { Root, Element } from 'hast';
import { toString } from 'hast-util-to-string';
import { visit } from 'unist-util-visit';
import { createSlugger } from '../../util/slug.ts';
import type { ChapterSettings } from '../../model/book/load.ts';

const HEADING = /^h[1-6]$/;

/**
 * Every heading gets an id: its `{#custom-id}` if it has one, else the
 * GitHub-style slug of its text, unique within the chapter and never clashing
 * with question or footnote ids.
 */
export default function rehypeHeadingIds(options: Pick<ChapterSettings, 'slugStyle'> = {}) {
  return (tree: Root) => {
    // One walk: the ids headings must not take, and the headings in order (named after the walk, once all ids are known).
    const taken: string[] = [];
    const headings: Element[] = [];
    visit(tree, 'element', (node: Element) => {
      if (HEADING.test(node.tagName)) headings.push(node);
      else if (node.properties.id !== undefined) taken.push(String(node.properties.id));
    });
    const slugger = createSlugger(taken, options.slugStyle ?? 'github');
    for (const node of headings) {
      node.properties.id =
        node.properties.id !== undefined ? slugger.reserve(String(node.properties.id)) : slugger.next(toString(node));
    }
  };
}
