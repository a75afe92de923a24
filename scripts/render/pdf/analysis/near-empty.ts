import { elementOf } from './finding.ts';
import type { Finder } from './printed.ts';

/** Pages filled less than this (of the text area) are near-empty. */
export const NEAR_EMPTY = 0.3;

/** A page of a chapter, not its last, filled less than `NEAR_EMPTY` (by lines and images): what did not fit. */
export const nearEmpty: Finder = (printed) =>
  printed.chapterPages.flatMap((i) => {
    if (printed.lastOfBlock(i)) return [];
    const body = printed.lines[i]!;
    const area = printed.area(i);
    const images = printed.images(i);
    const bottom = Math.max(...body.map((l) => l.yMax), ...images.map((b) => Math.min(b.yMax, area.bottom)));
    const filled = (bottom - area.top) / (area.bottom - area.top);
    if (filled >= NEAR_EMPTY) return [];
    const block = printed.blockOf(i);
    // What did not fit starts the next page.
    const next = printed.lines[i + 1]?.[0];
    return [
      {
        rule: 'print-near-empty',
        page: i,
        block,
        element: next && elementOf(block, next.text, (text, line) => text.startsWith(line)),
        message: `is ${Math.round(filled * 100)}% full (under ${NEAR_EMPTY * 100}% of the text area) and not the last page of its chapter`,
      },
    ];
  });
