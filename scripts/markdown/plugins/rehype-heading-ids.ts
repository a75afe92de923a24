import type { Element } from 'hast';
import { toString } from 'hast-util-to-string';
import { createSlugger } from '../../util/slug.ts';
import { elementRules, type ElementRule } from './element-rules.ts';

/** Options of rehype-heading-ids. */
export interface Options {
  /** How heading text becomes an id: GitHub's slugs (default) or mdBook's, for books imported from mdBook. */
  slugStyle?: 'github' | 'mdbook';
}

const HEADING = /^h[1-6]$/;

/**
 * Every heading gets an id: its `{#custom-id}` if it has one, else the
 * GitHub-style slug of its text, unique within the chapter and never clashing
 * with question or footnote ids.
 */
export function headingIdsRule(options: Options = {}): ElementRule {
  return () => {
    // The ids headings must not take, and the headings in order: named once the walk has seen every id.
    const taken: string[] = [];
    const headings: Element[] = [];
    return {
      enter(node) {
        if (HEADING.test(node.tagName)) headings.push(node);
        else if (node.properties.id !== undefined) taken.push(String(node.properties.id));
      },
      finish() {
        const slugger = createSlugger(taken, options.slugStyle ?? 'github');
        for (const node of headings) {
          node.properties.id =
            node.properties.id !== undefined
              ? slugger.reserve(String(node.properties.id))
              : slugger.next(toString(node));
        }
      },
    };
  };
}

export default function rehypeHeadingIds(options: Options = {}) {
  return elementRules([headingIdsRule(options)]);
}
