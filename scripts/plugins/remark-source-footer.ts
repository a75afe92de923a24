import type { Root } from 'mdast';
import { toString } from 'mdast-util-to-string';
import type { VFile } from 'vfile';

export const FOOTER_PATTERN = /^\s*(copyright\s*)?(©|\(c\)|copyright)\s*/i;

/**
 * When chapters carry the copyright footer in their source, the build prints
 * the configured footer on every page instead: the source line is taken out
 * (recorded for the `copyright-footer` check) so it never prints twice.
 */
export default function remarkSourceFooter(options: { enabled: boolean }) {
  return (tree: Root, file: VFile) => {
    if (!options.enabled) return;
    for (let i = tree.children.length - 1; i >= 0; i--) {
      const node = tree.children[i]!;
      if (node.type === 'definition' || node.type === 'footnoteDefinition' || node.type === 'html') continue;
      if (node.type === 'paragraph' && FOOTER_PATTERN.test(toString(node))) {
        const start = node.position?.start;
        file.data.sourceFooter = { text: toString(node).trim(), line: start?.line ?? 1, column: start?.column ?? 1 };
        tree.children.splice(i, 1);
      }
      return;
    }
  };
}
