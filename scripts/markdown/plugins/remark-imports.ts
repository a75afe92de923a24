import path from 'node:path';
import type { Root, Paragraph } from 'mdast';
import { toString } from 'mdast-util-to-string';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { report } from '../../util/messages.ts';
import { resolveLocal } from '../../util/paths.ts';
import { readIncluded } from '../../model/book/included.ts';
import { own } from '../../util/own.ts';

/** Options of remark-imports. */
export interface Options {
  /** The folder no imported file may leave (the manuscript); defaults to the chapter's own folder. */
  boundary?: string;
}

const IMPORT = /^import(?::\s*(\d+)\s*-\s*(\d+))?\s*(?:,\s*lang\s*[:=]\s*"([^"]*)")?\s*$/;
/** Code-language names HonKit books use that highlight.js knows by another. */
const LANG_ALIASES: Record<string, string> = {
  c_cpp: 'cpp',
  csharp: 'csharp',
  'asm-x64': 'x86asm',
  LOLCODE: 'plaintext',
  whitespace: 'plaintext',
  emojicode: 'plaintext',
};

/**
 * HonKit's include-codeblock syntax, `[import:4-17, lang:"julia"](code/file.jl)`:
 * the listing is read from the manuscript (lines 4 to 17) into a code block.
 * A listing that does not exist is reported at its line and replaced by a note.
 */
export default function remarkImports(options: Options = {}) {
  return (tree: Root, file: VFile) => {
    const boundary = options.boundary ?? path.dirname(file.path);
    visit(tree, 'paragraph', (node: Paragraph, index, parent) => {
      if (!parent || index === undefined) return;
      const content = node.children.filter((c) => !(c.type === 'text' && c.value.trim() === ''));
      if (content.length !== 1 || content[0]!.type !== 'link') return;
      const link = content[0];
      const match = IMPORT.exec(toString(link).trim());
      if (!match) return;
      const [, from, to, rawLang] = match;
      const lang = rawLang ? (own(LANG_ALIASES, rawLang) ?? rawLang.toLowerCase()) : null;
      const resolved = resolveLocal(boundary, file.path, link.url);
      let value: string | undefined;
      if (!resolved.ok) {
        report(file, 'error', `Code import ${resolved.reason}`, link, 'missing-import');
      } else if (!resolved.exists) {
        report(
          file,
          'warning',
          `Code import \`${link.url}\` not found: the listing is left out`,
          link,
          'missing-import',
        );
      }
      const source =
        resolved.ok && resolved.exists
          ? readIncluded(resolved.absolute, file, link, `Code import \`${link.url}\``)
          : undefined;
      if (source !== undefined) {
        const lines = source.split('\n');
        value = from ? lines.slice(Number(from) - 1, Number(to)).join('\n') : lines.join('\n').replace(/\n$/, '');
        // include-codeblock's `unindent`: drop the indentation every line shares.
        const indents = value
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => /^[ \t]*/.exec(l)![0].length);
        const common = indents.length ? Math.min(...indents) : 0;
        if (common) {
          value = value
            .split('\n')
            .map((l) => l.slice(common))
            .join('\n');
        }
      }
      if (value !== undefined) {
        parent.children[index] = { type: 'code', lang, value, position: node.position };
      } else {
        parent.children[index] = {
          type: 'paragraph',
          position: node.position,
          data: { hProperties: { className: ['missing-listing'] } },
          children: [
            {
              type: 'emphasis',
              children: [{ type: 'text', value: `Code listing not available: ${path.basename(link.url)}` }],
            },
          ],
        };
      }
    });
  };
}
