import { lintRule } from 'unified-lint-rule';
import { visit } from 'unist-util-visit';
import { toString } from 'mdast-util-to-string';
import type { Root, Heading, List, ListItem, Html, FootnoteReference, FootnoteDefinition } from 'mdast';

/** Heading levels go down one step at a time within a file (`#` then `##`, never `#` then `###`). */
export const headingIncrement = lintRule('galley:heading-increment', (tree: Root, file) => {
  let previous = 0;
  visit(tree, 'heading', (node: Heading) => {
    if (previous && node.depth > previous + 1)
      file.message(`Heading level jumps from ${previous} to ${node.depth}: use ${'#'.repeat(previous + 1)}`, node);

    previous = node.depth;
  });
});

const TAG = /^\s*\[(E|M|H)\]\s/;
const LOOKS_LIKE_TAG = /^\s*\[([a-z]|easy|medium|hard)\]\s/i;

/** In a list of questions every item carries `[E]`, `[M]` or `[H]`; `[e]` or `[Easy]` are typos. */
export const questionTag = lintRule('galley:question-tag', (tree: Root, file) => {
  visit(tree, 'list', (list: List) => {
    const texts = list.children.map((item: ListItem) => toString(item.children[0] ?? { type: 'text', value: '' }));
    const tagged = texts.filter((t) => TAG.test(t)).length;
    list.children.forEach((item, i) => {
      const text = texts[i]!;
      if (TAG.test(text)) return;
      if (LOOKS_LIKE_TAG.test(text)) {
        file.message(
          `Question tag \`${/^\s*(\[[^\]]*\])/.exec(text)![1]}\` is not a difficulty: use [E], [M] or [H]`,
          item,
        );
      } else if (tagged > 0 && tagged >= list.children.length / 2) {
        file.message('List item among questions has no difficulty tag: start it with [E], [M] or [H]', item);
      }
    });
  });
});

/** Every footnote definition is used (remark-lint's no-undefined-references catches references without one). */
export const footnoteMatch = lintRule('galley:footnote-match', (tree: Root, file) => {
  const defined = new Map<string, FootnoteDefinition>();
  const used = new Set<string>();
  visit(tree, 'footnoteDefinition', (node: FootnoteDefinition) => {
    defined.set(node.identifier, node);
  });
  visit(tree, 'footnoteReference', (node: FootnoteReference) => {
    used.add(node.identifier);
  });
  for (const [id, node] of defined)
    if (!used.has(id)) file.message(`Footnote \`[^${node.label ?? id}]\` is defined but never referenced`, node);
});

const DROPPED =
  /^<\s*(script|style|iframe|object|embed|base|meta|link|form|input|button|textarea|select|frame|frameset|applet|template|noscript)\b/i;
const REWRITTEN =
  /^<\s*(center|font|video|audio|big|tt|strike|u|marquee)\b|\s(align|bgcolor|border|style|on[a-z]+)\s*=/i;

/** Raw HTML the build will drop (scripts, frames, forms) or rewrite (`<center>`, `align`, `style`). */
export const rawHtml = lintRule('galley:raw-html', (tree: Root, file) => {
  visit(tree, 'html', (node: Html) => {
    const value = node.value.trim();
    if (/^<!--/.test(value)) return;
    if (DROPPED.test(value)) {
      file.message(`Raw HTML \`${value.slice(0, 40)}\` will be removed from every output`, node);
    } else if (REWRITTEN.test(value)) {
      file.message(
        `Raw HTML \`${value.slice(0, 40)}\` will be rewritten (presentational markup becomes classes; handlers and styles are dropped)`,
        node,
      );
    }
  });
});

/** Trailing spaces or tabs at the end of a line (fixable with --fix). A two-space hard break is left alone. */
export const trailingWhitespace = lintRule('galley:trailing-whitespace', (_tree: Root, file) => {
  const lines = String(file.value).split('\n');
  lines.forEach((line, i) => {
    const match = /[ \t]+$/.exec(line);
    if (!match || (/^ {2}$/.test(match[0]) && line.trim() !== '')) return;
    file.message('Trailing whitespace', { line: i + 1, column: match.index + 1 });
  });
});
