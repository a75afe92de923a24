import { elementOf, SENTENCE_END, type Finding } from './finding.ts';
import type { Finder } from './printed.ts';

/**
 * Widow: a paragraph's last line alone at the top of a page. The line is short and ends a sentence, a paragraph
 * gap follows it, and the page before ended mid-sentence, full to the right edge.
 */
export const widows: Finder = (printed) => {
  const { lines } = printed;
  const out: Finding[] = [];
  for (const i of printed.chapterPages) {
    const body = lines[i]!;
    const first = body[0]!;
    const second = body[1];
    const previous = lines[i - 1];
    const area = printed.area(i);
    if (
      i === 0 ||
      printed.startPages.has(i) ||
      !previous ||
      previous.length === 0 ||
      first.xMax >= area.right - 20 ||
      !SENTENCE_END.test(first.text) ||
      (second && second.yMin - first.yMax <= 4)
    )
      continue;
    const before = previous[previous.length - 1]!;
    if (!SENTENCE_END.test(before.text) && Math.abs(before.xMax - printed.area(i - 1).right) < 2) {
      const block = printed.blockOf(i);
      out.push({
        rule: 'print-widow',
        page: i,
        block,
        element: elementOf(block, first.text, (text, line) => text.endsWith(line)),
        message: `starts with the last line of a paragraph alone (“${first.text.slice(0, 40)}”)`,
      });
    }
  }
  return out;
};
