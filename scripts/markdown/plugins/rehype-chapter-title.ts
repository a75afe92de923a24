import type { Root, Element } from 'hast';
import { toString } from 'hast-util-to-string';
import { walkElements } from './element-rules.ts';
import type { VFile } from 'vfile';
import { sameTitle } from '../../model/book/numbering.ts';

const HEADING = /^h([1-6])$/;

const levelOf = (node: Element) => Number(HEADING.exec(node.tagName)?.[1] ?? 0);

/** Headings Galley or remark made (the footnotes' label) keep their level. */
const isOwn = (node: Element) => {
  const classes = Array.isArray(node.properties.className) ? node.properties.className.map(String) : [];
  return node.properties.id === 'footnote-label' || classes.includes('sr-only') || classes.includes('footnotes-title');
};

function shiftHeadings(tree: Root, file: VFile, skip: Element | undefined, level: (old: number) => number) {
  const enter = (node: Element) => {
    if (node === skip || !HEADING.test(node.tagName) || isOwn(node)) return;
    node.tagName = `h${Math.min(6, Math.max(1, level(levelOf(node))))}`;
  };
  walkElements(tree, file, [() => ({ enter })]);
}

/**
 * A chapter's title prints once. When the file's first heading, at whatever
 * level, is its TOC title (case, spacing, punctuation and a leading number
 * aside: "### 1.1 Roles" for "Roles"), that heading becomes the page's title
 * (`h1`, first) and the headings after it move up with it. Otherwise the
 * renderers print the TOC title, and the file's headings go under it: none
 * stays an `h1`.
 */
export default function rehypeChapterTitle() {
  return (tree: Root, file: VFile) => {
    const context = file.data.chapter;
    if (!context || (!context.title && !context.titleFromHeading)) return;
    const first = tree.children.find((c): c is Element => c.type === 'element' && HEADING.test(c.tagName) && !isOwn(c));
    if (first && (context.titleFromHeading || sameTitle(toString(first), context.title ?? ''))) {
      const from = levelOf(first);
      first.tagName = 'h1';
      tree.children.splice(tree.children.indexOf(first), 1);
      tree.children.unshift(first);
      shiftHeadings(tree, file, first, (old) => Math.max(2, old - (from - 1)));
      return;
    }
    let top = 7;
    const enter = (node: Element) => {
      if (HEADING.test(node.tagName) && !isOwn(node)) top = Math.min(top, levelOf(node));
    };
    walkElements(tree, file, [() => ({ enter })]);
    if (top === 1) shiftHeadings(tree, file, undefined, (old) => old + 1);
  };
}
