import type { Element, ElementContent } from 'hast';
import { toString } from 'hast-util-to-string';

/**
 * Print-only marks on a chapter's tree, read by print.css and by the
 * measure-then-adjust pass (print-adjust.ts):
 * - `galley-keep` on what must not end a page: a paragraph ending with a
 *   colon, a "Filename:"-style label, a caption placed before its listing;
 * - each code line in its own `span.code-line`, so a wrapped line gets a
 *   hanging indent and a ↪ mark, and a listing splits only between lines;
 *   `galley-short` on listings short enough never to split.
 */

/** Listings up to this many lines never split across pages. */
export const SHORT_LISTING_LINES = 12;

const classesOf = (node: Element): string[] =>
  Array.isArray(node.properties.className) ? node.properties.className.map(String) : [];

export function addClass(node: Element, name: string) {
  const classes = classesOf(node);
  if (!classes.includes(name)) node.properties.className = [...classes, name];
}

export function hasClass(node: Element, name: string): boolean {
  return classesOf(node).includes(name);
}

/** `Filename: src/main.rs`, `Listing 3-1:`, `Output:`: a short label that names what follows. */
const LABEL = /^[\p{L}][\p{L}\p{N} .-]{0,24}:(\s+\S.{0,80})?$/u;

/** Text that introduces what follows it: it must not be the last thing on a page. */
export function isLeadIn(node: Element): boolean {
  if (node.tagName !== 'p') return false;
  // A HonKit tab's language caption, and the errata appendix's printing line under a release heading.
  if (hasClass(node, 'tab-caption') || hasClass(node, 'release-line')) return true;
  const text = toString(node)
    .replace(/\u00ad/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (!text) return false;
  if (/[:：]$/.test(text)) return true;
  // Only a label made of one text run (mdBook's `<span class="filename">` or a plain line), not a sentence with a colon in it.
  return (
    text.length <= 100 &&
    LABEL.test(text) &&
    !/[.!?]\s/.test(text) &&
    /^[\p{L}][\p{L}\p{N} .-]{0,24}:/u.test(text) &&
    hasFilenameShape(node, text)
  );
}

function hasFilenameShape(node: Element, text: string): boolean {
  if (node.children.some((c) => c.type === 'element' && hasClass(c, 'filename'))) return true;
  const [label, rest] = text.split(/:(.*)/s) as [string, string | undefined];
  // "Filename: src/main.rs", "Output:", "File: app.py": one or two words before the colon, a path or nothing after.
  return label.split(' ').length <= 2 && (!rest || !rest.trim() || /^\s*[\w./\\-]+(\s*\([^)]*\))?\s*$/.test(rest));
}

function isCode(node: ElementContent): node is Element {
  return node.type === 'element' && node.tagName === 'code';
}

/** Splits a listing's (highlighted) content into one span per source line, each span keeping its highlight ancestors. */
function splitLines(code: Element): Element[] {
  const lines: ElementContent[][] = [[]];
  const walk = (nodes: ElementContent[], wrap: (content: ElementContent[]) => ElementContent[]) => {
    for (const node of nodes) {
      if (node.type === 'text') {
        const parts = node.value.split('\n');
        parts.forEach((part, i) => {
          if (i > 0) lines.push([]);
          if (part) lines[lines.length - 1]!.push(...wrap([{ type: 'text', value: part }]));
        });
      } else if (node.type === 'element') {
        const shell = (content: ElementContent[]): ElementContent[] => wrap([{ ...node, children: content }]);
        if (toString(node).includes('\n')) walk(node.children, shell);
        else lines[lines.length - 1]!.push(...wrap([node]));
      }
    }
  };
  walk(code.children, (content) => content);
  // The newline that ends the last line makes no line of its own.
  if (lines.length > 1 && lines[lines.length - 1]!.length === 0) lines.pop();
  return lines.map((content, i) => ({
    type: 'element',
    tagName: 'span',
    properties: { className: ['code-line'] },
    children: i < lines.length - 1 ? [...content, { type: 'text', value: '\n' }] : content,
  }));
}

export function typesetForPrint(root: Element): Element {
  const walk = (node: Element) => {
    for (const child of node.children) {
      if (child.type !== 'element') continue;
      if (child.tagName === 'pre') {
        const code = child.children.find(isCode);
        if (code) {
          const lines = splitLines(code);
          code.children = lines;
          if (lines.length <= SHORT_LISTING_LINES) addClass(child, 'galley-short');
        }
        continue;
      }
      if (isLeadIn(child)) addClass(child, 'galley-keep');
      walk(child);
    }
  };
  walk(root);
  return root;
}
