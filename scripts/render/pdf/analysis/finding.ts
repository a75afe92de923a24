import type { Element } from 'hast';
import { toString } from 'hast-util-to-string';
import { visit } from 'unist-util-visit';
import type { Composition } from '../compose.ts';

export type Block = Composition['blocks'][number];

export interface Finding {
  /** A preflight rule id, or `figure-float` (a figure that left a gap: only the renderer's adjust pass uses it). */
  rule: string;
  /** 0-based page index. */
  page: number;
  message: string;
  element?: Element;
  block?: Block;
  /** For `figure-float`: the gap the figure left on the page before, in points. */
  gap?: number;
  /** How full the page is (0–1 of the text area). */
  fill?: number;
}

export const normalise = (text: string) =>
  text
    .replace(/[\u00ad\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();

/** A printed line in reading order: poppler gives a right-to-left line in visual order (characters too). */
export const readingOrder = (composition: Composition, text: string) =>
  composition.direction === 'rtl' ? Array.from(text).reverse().join('') : text;

/** How a line that ends a sentence (or a paragraph) ends. */
export const SENTENCE_END = /[.!?:;。؟!)\]"”’»]$/;

/** Elements that hold a page's lines, in document order (a table before its cells). */
const HOLDERS = new Set(['p', 'li', 'table', 'pre', 'figure', 'blockquote', 'dl', 'h2', 'h3', 'h4', 'h5', 'h6']);

/**
 * The first element of the block whose text meets `test` (compared without spaces: poppler splits and joins words
 * where the source does not), so a finding that names a printed line points at its Markdown line.
 */
export function elementOf(
  block: Block | undefined,
  line: string,
  test: (text: string, line: string) => boolean,
): Element | undefined {
  const key = normalise(line).replace(/ /g, '');
  if (!block || key.length < 5) return undefined;
  let found: Element | undefined;
  visit(block.element, 'element', (node: Element) => {
    if (found || !HOLDERS.has(node.tagName) || !node.position) return;
    if (test(normalise(toString(node)).replace(/ /g, ''), key)) found = node;
  });
  return found;
}
