import type { Element } from 'hast';
import { toString } from 'hast-util-to-string';
import { visit } from 'unist-util-visit';
import { normalise, readingOrder, type Finding } from './finding.ts';
import type { Finder } from './printed.ts';

/** A gap this tall (of the text area) before a figure pushed to the next page is worth filling with the text after it. */
const FIGURE_GAP = 0.12;

/**
 * Figures that went to the next page because they did not fit, leaving the
 * rest of the page before them empty: the text just before the figure ends
 * the page before the one that prints its caption, and that page has a gap.
 * (An SVG figure prints its own text, so the caption need not be the first
 * line of its page.) Only the renderer's adjust pass acts on these.
 */
export const figureFloat: Finder = (printed) => {
  const { composition, lines, blockOf } = printed;
  const out: Finding[] = [];
  for (const block of composition.blocks) {
    if (block.kind !== 'chapter') continue;
    visit(block.element, 'element', (node: Element, index, parent) => {
      if (node.tagName !== 'figure' || !parent || index === undefined) return;
      const caption = node.children.find((c): c is Element => c.type === 'element' && c.tagName === 'figcaption');
      if (!caption || node.children.filter((c) => c.type === 'element').at(-1) !== caption) return;
      const before = parent.children
        .slice(0, index)
        .filter((c): c is Element => c.type === 'element')
        .at(-1);
      const text = normalise(toString(caption));
      const beforeText = before ? normalise(toString(before)) : '';
      if (text.length < 8 || beforeText.length < 6) return;
      for (let i = 1; i < lines.length; i++) {
        if (blockOf(i) !== block || blockOf(i - 1) !== block) continue;
        if (!lines[i]!.some((l) => normalise(l.text).length >= 8 && text.startsWith(normalise(l.text)))) continue;
        const previous = lines[i - 1]!;
        const last = previous[previous.length - 1];
        if (!last) break;
        const lastText = normalise(readingOrder(composition, last.text));
        if (lastText.length < 6 || !beforeText.endsWith(lastText)) break;
        const area = printed.area(i - 1);
        const gap = area.bottom - last.yMax;
        if (gap > FIGURE_GAP * (area.bottom - area.top)) {
          out.push({
            rule: 'figure-float',
            page: i,
            block,
            element: node,
            gap,
            message: `a figure left ${Math.round(gap)} pt empty on the page before it`,
          });
        }
        break;
      }
    });
  }
  return out;
};
