import { elementOf, normalise, readingOrder, SENTENCE_END, type Finding } from './finding.ts';
import type { Finder } from './printed.ts';

/**
 * Orphan: a paragraph's first line alone at the foot of a page. It is the first line when a paragraph gap comes
 * before it, it runs full to the right edge (justified: the paragraph goes on) without ending a sentence, and the
 * next page starts at the left edge (the paragraph continues there). A heading or lead-in is keep-with-next's.
 */
export const orphans: Finder = (printed) => {
  const { composition, lines, candidates } = printed;
  const count = printed.layout.pages.length;
  const out: Finding[] = [];
  for (const i of printed.chapterPages) {
    const body = lines[i]!;
    const last = body[body.length - 1]!;
    const previousLine = body[body.length - 2];
    const area = printed.area(i);
    const nextLines = lines[i + 1];
    if (
      i + 1 >= count ||
      printed.lastOfBlock(i) ||
      !previousLine ||
      last.yMin - previousLine.yMax <= 4 ||
      SENTENCE_END.test(last.text) ||
      Math.abs(last.xMax - area.right) >= 2 ||
      !nextLines?.[0]
    )
      continue;
    const block = printed.blockOf(i);
    const lastText = normalise(readingOrder(composition, last.text));
    if (
      Math.abs(nextLines[0].xMin - printed.area(i + 1).left) < 2 &&
      !candidates.some((c) => c.block === block && c.text.endsWith(lastText))
    ) {
      out.push({
        rule: 'print-orphan',
        page: i,
        block,
        element: elementOf(block, last.text, (text, line) => text.includes(line)),
        message: `ends with the first line of a paragraph alone (“${last.text.slice(0, 40)}”)`,
      });
    }
  }
  return out;
};
