import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfm } from 'micromark-extension-gfm';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { math } from '../../util/math-syntax.ts';
import { mathFromMarkdown } from 'mdast-util-math';
import type { Nodes } from 'mdast';

// No tag holds `%}`: each line splits into tags one way only, so a long line of tags is read in linear time.
const TAG_LINE = /^(?:\{%(?:[^%]|%(?!\}))*%\}\s*)+$/;
/** HTML elements whose content is shown as written: a tag line inside one is the author's text. */
const VERBATIM = /<(\/?)(pre|code|xmp|listing|textarea|script|style)\b[^>]*>/gi;

/**
 * The 1-based lines of `text` that are code of any kind, where a template tag
 * is the author's text and never a directive: fenced and indented code,
 * inline code (which may span lines), math, and raw `<pre>`/`<code>` HTML up
 * to its closing tag, even across Markdown blocks.
 */
function verbatimLines(text: string): Set<number> {
  const tree = fromMarkdown(text, {
    extensions: [gfm(), math({ singleDollarTextMath: false })],
    mdastExtensions: [gfmFromMarkdown(), mathFromMarkdown()],
  });
  const lines = new Set<number>();
  const mark = (from: number, to: number) => {
    for (let line = from; line <= to; line++) lines.add(line);
  };
  // An explicit stack: a chapter may nest blocks thousands deep.
  const stack: Nodes[] = [tree];
  const html: { start: number; end: number; value: string }[] = [];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const place = node.position;
    if (place && (node.type === 'code' || node.type === 'inlineCode' || node.type === 'math'))
      mark(place.start.line, place.end.line);
    else if (place && node.type === 'html')
      html.push({ start: place.start.line, end: place.end.line, value: node.value });
    if ('children' in node) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  html.sort((a, b) => a.start - b.start);
  let depth = 0;
  let after = 0;
  for (const block of html) {
    // Still inside a `<pre>` an earlier block opened: every line up to this block is its content.
    if (depth > 0) mark(after + 1, block.start);
    block.value.split('\n').forEach((text, offset) => {
      const line = block.start + offset;
      if (depth > 0) lines.add(line);
      for (const match of text.matchAll(VERBATIM)) depth = match[1] ? Math.max(0, depth - 1) : depth + 1;
      if (depth > 0) lines.add(line);
    });
    after = block.end;
  }
  if (depth > 0) mark(after + 1, text.split('\n').length);
  return lines;
}

/**
 * GitBook/HonKit template tags (`{% method %}`, `{% sample lang="c" %}`,
 * `{% hint style="info" %}`, `{% include "x.md" %}`…) standing on lines of
 * their own become HTML comments that carry them (`<!--galley:sample
 * lang="c"-->`), one line for one line, so every later position still names
 * the right source line. CommonMark lets such a comment interrupt a
 * paragraph, so each tag ends up as its own node for remark-template-blocks.
 * Only HonKit/GitBook books have template tags (the loader asks only for
 * theirs), and a tag line in code of any kind is left as written.
 */
export function markTemplateTags(text: string): string {
  if (!text.includes('{%')) return text;
  const lines = text.split('\n');
  const candidates = lines.flatMap((line, i) => (TAG_LINE.test(line.trim()) ? [i] : []));
  if (candidates.length === 0) return text;
  const verbatim = verbatimLines(text);
  for (const i of candidates) {
    if (verbatim.has(i + 1)) continue;
    const line = lines[i]!;
    const indent = /^\s*/.exec(line)![0];
    const tags = [...line.trim().matchAll(/\{%-?\s*([\s\S]*?)\s*-?%\}/g)].map(
      ([, tag = '']) => `<!--galley:${tag.replace(/--/g, '- -')}-->`,
    );
    lines[i] = indent + tags.join('');
  }
  return lines.join('\n');
}
