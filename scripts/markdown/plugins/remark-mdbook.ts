import path from 'node:path';
import type { Root, Code, Paragraph, Parent } from 'mdast';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { report } from '../../util/messages.ts';
import { resolveLocal } from '../../util/paths.ts';
import { readIncluded } from '../../model/book/included.ts';
import { own } from '../../util/own.ts';

/** Options of remark-mdbook. */
export interface Options {
  /** The folder no `{{#include}}` may leave (the manuscript); defaults to the chapter's own folder. */
  boundary?: string;
  /** Drop mdBook's hidden `# ` lines from Rust code (mdBook books only). */
  hiddenRustLines?: boolean;
}

const DIRECTIVE = /\{\{#(include|rustdoc_include)\s+([^}\s]+)\s*\}\}/g;

/** The part of a file an mdBook include names: `file`, `file:anchor`, `file:5`, `file:5:10`, `file::10`. */
export function includeSlice(text: string, selector: string | undefined): string | undefined {
  const lines = text.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n');
  if (!selector) return lines.join('\n');
  const range = /^(\d*)(?::(\d*))?$/.exec(selector);
  if (range) {
    const start = range[1] ? Number(range[1]) : 1;
    const end = range[2] !== undefined ? (range[2] ? Number(range[2]) : lines.length) : range[1] ? start : lines.length;
    return lines.slice(start - 1, end).join('\n');
  }
  // Anchors are names (mdBook's form); anything else is not looked for, so no text becomes a pattern.
  if (!/^[\w-]+$/.test(selector)) return undefined;
  const anchor = (kind: string) => new RegExp(`${kind}:\\s*${selector}(?![\\w-])`);
  const open = lines.findIndex((l) => anchor('ANCHOR').test(l));
  if (open < 0) return undefined;
  const close = lines.findIndex((l, i) => i > open && anchor('ANCHOR_END').test(l));
  return lines
    .slice(open + 1, close < 0 ? lines.length : close)
    .filter((l) => !/ANCHOR(_END)?:/.test(l))
    .join('\n');
}

/**
 * Attributes mdBook and rustdoc read after the language (` ```rust,ignore `);
 * those a reader needs print as a caption, in mdBook's and the Rust book's words.
 */
const FENCE_CAPTIONS: Record<string, string> = {
  compile_fail: 'This example deliberately fails to compile',
  should_panic: 'This example panics',
  does_not_compile: 'This code does not compile',
  panics: 'This code panics',
  not_desired_behavior: 'This code does not produce the desired behavior',
};

/** `rust,ignore` → language `rust` and attributes `ignore`; `{.python .numberLines}` and the like are left alone. */
export function fenceInfo(lang: string | null | undefined): { lang: string | undefined; attributes: string[] } {
  if (!lang || !lang.includes(',')) return { lang: lang ?? undefined, attributes: [] };
  const [first, ...rest] = lang.split(',').map((word) => word.trim());
  return { lang: first || undefined, attributes: rest.filter(Boolean) };
}

/**
 * mdBook's preprocessors: `{{#include path}}` and `{{#rustdoc_include path}}`
 * (with `:anchor` or line ranges) inside code blocks, and hidden `# ` lines
 * in Rust code, which mdBook leaves out of the rendered listing.
 */
export default function remarkMdbook(options: Options = {}) {
  return (tree: Root, file: VFile) => {
    const boundary = options.boundary ?? path.dirname(file.path);
    const captions: { node: Code; parent: Parent; text: string }[] = [];
    visit(tree, 'code', (node: Code, _index, parent) => {
      // The first comma-separated word of the info string is the language; the rest are attributes, never languages.
      const info = fenceInfo(node.lang);
      if (info.attributes.length > 0) {
        node.lang = info.lang ?? null;
        const text = info.attributes.map((a) => own(FENCE_CAPTIONS, a)).find(Boolean);
        if (text && parent) captions.push({ node, parent, text });
      }
      if (node.value.includes('{{#')) {
        node.value = node.value.replace(DIRECTIVE, (whole, _kind: string, target: string) => {
          const [filePath, ...rest] = target.split(':');
          const selector = rest.length ? rest.join(':') : undefined;
          const resolved = resolveLocal(boundary, file.path, filePath!);
          if (!resolved.ok || !resolved.exists) {
            report(
              file,
              // A secret or a FIFO behind a plain name is an error, not a missing file.
              !resolved.ok && resolved.severe ? 'error' : 'warning',
              resolved.ok
                ? `Included file \`${filePath}\` ${resolved.folder ? 'is a folder, not a file' : 'not found'}`
                : `Include ${resolved.reason}`,
              node,
              'include',
            );
            return whole;
          }
          const source = readIncluded(resolved.absolute, file, node, `Included file \`${filePath}\``);
          if (source === undefined) return whole;
          const slice = includeSlice(source, selector);
          if (slice === undefined) {
            report(file, 'warning', `Anchor \`${selector}\` not found in \`${filePath}\``, node, 'include');
            return whole;
          }
          return slice;
        });
      }
      const lang = (node.lang ?? '').split(',')[0];
      if (options.hiddenRustLines && (lang === 'rust' || lang === 'rs')) {
        node.value = node.value
          .split('\n')
          .filter((line) => !/^\s*#(\s|$)/.test(line) || /^\s*##/.test(line))
          .map((line) => line.replace(/^(\s*)##/, '$1#'))
          .join('\n');
      }
    });
    for (const { node, parent, text } of captions) {
      const caption: Paragraph = {
        type: 'paragraph',
        data: { hProperties: { className: ['code-caption'] } },
        children: [{ type: 'text', value: text }],
      };
      parent.children.splice(parent.children.indexOf(node), 0, caption);
    }
  };
}
