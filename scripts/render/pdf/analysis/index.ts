/**
 * What a typesetter would look for on the printed pages, read back from the PDF (poppler): one module per finding,
 * run here in order. The renderer's adjust pass (../adjust.ts) acts on the findings, and the print preflight
 * (checks/preflight.ts) reports them. To add a finding: a `Finder` in a module of its own, and a line in `PER_PAGE`
 * (it looks at each chapter page) or `PER_BOOK`.
 */
import type { Composition } from '../compose.ts';
import type { Finding } from './finding.ts';
import type { Layout } from './layout.ts';
import { printedPages, type Finder } from './printed.ts';
import { nearEmpty } from './near-empty.ts';
import { keepWithNext } from './keep-with-next.ts';
import { overfull } from './overfull.ts';
import { orphans } from './orphans.ts';
import { widows } from './widows.ts';
import { figureFloat } from './figure-float.ts';
import { repeatedHeading } from './repeated-heading.ts';
import { imageResolution } from './image-resolution.ts';

export { NEAR_EMPTY } from './near-empty.ts';
export { MIN_DPI } from './image-resolution.ts';
export { normalise, type Finding } from './finding.ts';
export { readLayout, type Layout } from './layout.ts';

/** Findings about single pages: reported page by page, and in this order on one page. */
const PER_PAGE: Finder[] = [nearEmpty, keepWithNext, overfull, orphans, widows];
/** Findings about the book as a whole, after the pages'. */
const PER_BOOK: Finder[] = [figureFloat, repeatedHeading, imageResolution];

export function analyse(composition: Composition, layout: Layout): Finding[] {
  const printed = printedPages(composition, layout);
  // A stable sort by page keeps PER_PAGE's order within a page.
  const pages = PER_PAGE.flatMap((find) => find(printed)).sort((a, b) => a.page - b.page);
  return [...pages, ...PER_BOOK.flatMap((find) => find(printed))];
}
