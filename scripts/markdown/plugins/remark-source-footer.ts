import type { Paragraph, PhrasingContent, Root } from 'mdast';
import { toString } from 'mdast-util-to-string';
import type { VFile } from 'vfile';
import { report } from '../../util/messages.ts';
import type { BookConfig } from '../../model/config/schema.ts';
import { isFooterLine } from '../../model/footer-line.ts';

/** The paragraph's inline content split at its first line end, or undefined when it is one line. */
function splitFirstLine(children: PhrasingContent[]): [PhrasingContent[], PhrasingContent[]] | undefined {
  for (let i = 0; i < children.length; i++) {
    const child = children[i]!;
    if (child.type === 'break') return [children.slice(0, i), children.slice(i + 1)];
    if (child.type === 'text' && child.value.includes('\n')) {
      const at = child.value.indexOf('\n');
      const head = child.value.slice(0, at);
      const tail = child.value.slice(at + 1);
      return [
        [...children.slice(0, i), ...(head ? [{ ...child, value: head }] : [])],
        [...(tail ? [{ ...child, value: tail }] : []), ...children.slice(i + 1)],
      ];
    }
  }
  return undefined;
}

/**
 * When chapters carry the copyright footer in their source, the build prints
 * the configured footer on every page instead: the source line is taken out
 * (recorded for the `copyright-footer` check) so it never prints twice.
 */
/** Options of remark-source-footer. */
export interface Options {
  /** Whether the book keeps a copyright line in its sources (`copyright.in_source`): only then is one looked for. */
  enabled: boolean;
  /** The configured notice, whose line (and only that line) is the footer. */
  copyright?: BookConfig['copyright'];
}

export default function remarkSourceFooter(options: Options) {
  return (tree: Root, file: VFile) => {
    if (!options.enabled) return;
    for (let i = tree.children.length - 1; i >= 0; i--) {
      const node = tree.children[i]!;
      if (node.type === 'definition' || node.type === 'footnoteDefinition' || node.type === 'html') continue;
      // Only a footer line is taken out: a paragraph that merely starts with "(c)" or "Copyright" is the author's.
      const split = node.type === 'paragraph' ? splitFirstLine(node.children) : undefined;
      if (node.type === 'paragraph' && isFooterLine(toString(split ? split[0] : node), options.copyright)) {
        const start = node.position?.start;
        // Lines written right after the footer, with no blank line, joined its paragraph: keep them as their own.
        const rest = split && split[1].some((c) => toString(c).trim() !== '') ? split[1] : undefined;
        const footer: Paragraph = rest ? { ...node, children: split![0] } : node;
        file.data.sourceFooter = { text: toString(footer).trim(), line: start?.line ?? 1, column: start?.column ?? 1 };
        if (rest) {
          const line = (start?.line ?? 1) + 1;
          const kept: Paragraph = {
            type: 'paragraph',
            children: rest,
            position: node.position && { start: { line, column: 1 }, end: node.position.end },
          };
          tree.children.splice(i, 1, kept);
          report(
            file,
            'warning',
            'Text after the copyright footer, with no blank line between, would have joined the footer and vanished: it is kept as a paragraph of its own; move it above the footer',
            { line, column: 1 },
            'text-after-footer',
          );
        } else {
          tree.children.splice(i, 1);
        }
      }
      return;
    }
  };
}
