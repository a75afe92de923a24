import { toString } from 'hast-util-to-string';
import { normalise, readingOrder, type Finding } from './finding.ts';
import type { Candidate, Finder } from './printed.ts';

/**
 * Keep with next: a page whose last line is a heading, a lead-in or a caption above its figure, separated from
 * what it introduces (no image below it on the page).
 */
export const keepWithNext: Finder = (printed) => {
  const { composition, lines, candidates } = printed;
  const count = printed.layout.pages.length;
  const out: Finding[] = [];
  // Pages and candidates both run in reading order: a text that recurs ("Filename: src/main.rs") is the next one
  // after the last found, not always the first.
  let nextCandidate = 0;
  for (const i of printed.chapterPages) {
    const body = lines[i]!;
    const last = body[body.length - 1]!;
    const block = printed.blockOf(i);
    const imageBelow = printed.images(i).some((b) => b.yMin >= last.yMax - 1);
    const lastText = normalise(readingOrder(composition, last.text));
    if (i + 1 >= count || printed.lastOfBlock(i) || lastText.length === 0 || imageBelow) continue;
    // Compared without spaces: poppler splits words at joiners (پرسش‌ها) and joins others.
    const key = lastText.replace(/ /g, '');
    const matches = (c: Candidate) =>
      c.block === block &&
      c.text.length > 0 &&
      c.text.replace(/ /g, '').endsWith(key) &&
      (key.length >= 5 || key === c.text.replace(/ /g, ''));
    const at = candidates.findIndex((c, index) => index >= nextCandidate && matches(c));
    const match = at >= 0 ? candidates[at] : candidates.find(matches);
    if (at >= 0) nextCandidate = at + 1;
    if (!match) continue;
    const area = printed.area(i);
    out.push({
      rule: 'print-keep-with-next',
      page: i,
      block,
      element: match.element,
      fill: (last.yMax - area.top) / (area.bottom - area.top),
      message: `ends with a ${match.kind} (“${toString(match.element)
        .replace(/\u00ad/g, '')
        .trim()
        .slice(0, 60)}”), separated from what it introduces on the next page`,
    });
  }
  return out;
};
