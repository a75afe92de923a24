import type { Element, Root } from 'hast';
import { sanitize, type Schema } from 'hast-util-sanitize';
import { toString } from 'hast-util-to-string';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { report } from '../../util/messages.ts';

/** Attributes whose value a reader sees (a caption, title, label, alt text): losing one loses the author's words. */
const TEXT_ATTRIBUTE = /^(?:alt|title|label|caption|summary|placeholder|abbr|ariaLabel|data(?:Caption|Title|Label))$/;
/** Elements whose content is code or markup, never words a reader would see. */
const NOT_TEXT = new Set(['script', 'style', 'template', 'head', 'meta', 'link', 'base', 'object', 'embed']);

const where = (node: Element) => {
  const start = node.position?.start;
  return start ? `${start.line}:${start.column}:${start.offset ?? ''}:${node.tagName}` : undefined;
};

const short = (text: string) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 57)}…` : flat;
};

/**
 * rehype-sanitize, reporting what it takes away that a reader would have seen: an element removed with its
 * text, or a caption, title, label or alt attribute of a removed element (or one the schema does not allow).
 * Found by comparing the trees, keyed by source position, so the schema stays the one source of truth.
 */
export default function rehypeSanitizeReported(schema: Schema) {
  return (tree: Root, file: VFile): Root => {
    const before: Element[] = [];
    visit(tree, 'element', (node: Element) => {
      if (node.position) before.push(node);
    });
    const clean = sanitize(tree, schema) as Root;
    const after = new Map<string, Element>();
    visit(clean, 'element', (node: Element) => {
      const key = where(node);
      if (key) after.set(key, node);
    });
    for (const node of before) {
      const kept = after.get(where(node)!);
      if (!kept && schema.strip?.includes(node.tagName)) {
        const text = NOT_TEXT.has(node.tagName) ? '' : toString(node).trim();
        if (text) {
          report(
            file,
            'warning',
            `\`<${node.tagName}>\` is removed with its text “${short(text)}”`,
            node,
            'dropped-text',
          );
        }
        continue;
      }
      for (const [name, value] of Object.entries(node.properties)) {
        if (!TEXT_ATTRIBUTE.test(name) || value === undefined || value === null) continue;
        const text = String(Array.isArray(value) ? value.join(' ') : value).trim();
        if (!text || (kept && kept.properties[name] !== undefined)) continue;
        report(
          file,
          'warning',
          `The ${attributeName(name)} of \`<${node.tagName}>\` is not kept${kept ? '' : ' (the element is unknown)'}: “${short(text)}” is dropped`,
          node,
          'dropped-text',
        );
      }
    }
    return clean;
  };
}

/** `ariaLabel` → `aria-label`, as the author wrote it. */
const attributeName = (property: string) => property.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
