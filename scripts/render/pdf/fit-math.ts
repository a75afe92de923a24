import type { Element } from 'hast';
import type { Page } from 'puppeteer-core';
import { visit } from 'unist-util-visit';
import type { Composition } from './compose.ts';
import { atTextBlockWidth } from './text-block.ts';
import { hasClass } from './typeset.ts';

/** Below this a formula is too small to read: it keeps this size and the preflight reports it past the text block. */
export const MIN_MATH_SCALE = 0.7;

/**
 * Sets each display formula wider than its line a step smaller, so it fits the text block. A formula that runs past
 * the block is not only past the margin: in a right-to-left book Chromium shifts every page of the print by the
 * overflow (6 pt in the Farsi sample, from one numbered equation), so all pages' margins move.
 * Measured at the text block's width (`atTextBlockWidth`), in the print document itself, as tables are.
 * Returns how many formulas were made smaller.
 */
export async function fitWideMath(page: Page, composition: Composition): Promise<number> {
  const displays: Element[] = [];
  for (const block of composition.blocks) {
    visit(block.element, 'element', (node: Element) => {
      if (hasClass(node, 'math-display')) displays.push(node);
    });
  }
  if (displays.length === 0) return 0;
  const scales: [number, number][] = await atTextBlockWidth(page, composition, () =>
    page.evaluate((minScale: number) => {
      const out: [number, number][] = [];
      Array.from(document.querySelectorAll('.math-display')).forEach((display, index) => {
        const math = display.querySelector('math');
        if (!math) return;
        // A block `math` is as wide as its box whatever it holds: the formula's extent is its parts' extent.
        let left = Infinity;
        let right = -Infinity;
        for (const part of Array.from(math.querySelectorAll('*'))) {
          const r = part.getBoundingClientRect();
          if (r.width === 0) continue;
          left = Math.min(left, r.left);
          right = Math.max(right, r.right);
        }
        const available = display.getBoundingClientRect().width;
        const natural = right - left;
        if (!(natural > available + 0.5)) return;
        // Whole hundredths, rounded down: the same book gives the same document, whatever the float noise.
        out.push([index, Math.max(minScale, Math.floor((available / natural) * 100) / 100)]);
      });
      return out;
    }, MIN_MATH_SCALE),
  );
  for (const [index, scale] of scales) {
    const display = displays[index];
    if (display) display.properties.style = `font-size: ${scale}em`;
  }
  return scales.length;
}
