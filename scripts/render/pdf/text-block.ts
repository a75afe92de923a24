import type { Page } from 'puppeteer-core';
import type { Composition } from './compose.ts';

/** The text block of a page, in millimetres: the trim less the margins. */
export function textBlockMm(composition: Composition): { width: number; height: number } {
  const g = composition.geometry;
  return { width: g.width - g.margins.inner - g.margins.outer, height: g.height - g.margins.top - g.margins.bottom };
}

/**
 * Runs `measure` with the print document's body as wide as the text block, so boxes are measured at the width a
 * page lays them out at, then gives the body back its own style. Chromium lays out synchronously, so the style set
 * in one `evaluate` holds for the next.
 */
export async function atTextBlockWidth<T>(page: Page, composition: Composition, measure: () => Promise<T>): Promise<T> {
  const saved = await page.evaluate((widthMm: number) => {
    const style = document.body.getAttribute('style');
    document.body.setAttribute('style', `width: ${widthMm}mm; margin: 0`);
    return style;
  }, textBlockMm(composition).width);
  try {
    return await measure();
  } finally {
    await page.evaluate((style: string | null) => {
      if (style === null) document.body.removeAttribute('style');
      else document.body.setAttribute('style', style);
    }, saved);
  }
}
