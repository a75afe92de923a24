import { toString } from 'hast-util-to-string';
import type { TextLine } from '../read/text-layout.ts';
import { elementOf, normalise, type Block, type Finding } from './finding.ts';
import type { Finder } from './printed.ts';

/** Glyphs may hang a little past the measure (marks, italic overhang, punctuation): more than this is overfull. */
const OVERHANG = 3;

/**
 * Overfull: text printed past the text block's edges, or a word too long for the line that Chromium clipped at the
 * edge. One finding per page, at its first such line.
 */
export const overfull: Finder = (printed) => {
  const { composition } = printed;
  // A chapter's long words, worked out once per chapter for this analysis.
  const tokens = new Map<Block, string[]>();
  const tokensOf = (block: Block | undefined): string[] => {
    if (!block) return [];
    let list = tokens.get(block);
    if (!list) {
      list = [...new Set(normalise(toString(block.element)).split(' '))].filter((t) => t.length >= 20);
      tokens.set(block, list);
    }
    return list;
  };
  const out: Finding[] = [];
  for (const i of printed.chapterPages) {
    const body = printed.lines[i]!;
    const area = printed.area(i);
    const block = printed.blockOf(i);
    for (const line of body) {
      const over = line.words.find((w) => w.xMax > area.right + OVERHANG || w.xMin < area.left - OVERHANG);
      if (over) {
        out.push({
          rule: 'print-overfull',
          page: i,
          block,
          element: elementOf(block, over.text, (text, word) => text.includes(word)),
          message: `prints “${over.text.slice(0, 40)}” ${Math.round(Math.max(over.xMax - area.right, area.left - over.xMin))} pt past the text block`,
        });
        break;
      }
      const cut = composition.direction === 'rtl' ? undefined : cutWord(line, body, area.right, tokensOf(block));
      if (cut) {
        out.push({
          rule: 'print-overfull',
          page: i,
          block,
          element: elementOf(block, cut, (text, word) => text.includes(word)),
          message: `cuts “${cut.slice(0, 40)}” at the text block's edge: a word too long for the line, whose rest Chromium clips (and may set every page smaller to make room)`,
        });
        break;
      }
    }
  }
  return out;
};

/**
 * Chromium clips a line at the text block, so a word wider than the line does not print past it (nothing for the
 * overhang test to see): its last printed word ends at the edge as the start of a longer word of the source,
 * and the rest neither follows on the next line (a wrap) nor anywhere.
 */
export function cutWord(line: TextLine, body: TextLine[], right: number, tokens: string[]): string | undefined {
  const last = line.words.at(-1);
  if (!last || last.xMax < right - 2 || tokens.length === 0) return undefined;
  const word = normalise(last.text);
  if (word.length < 12 || /-$/.test(word)) return undefined;
  const next = body[body.indexOf(line) + 1];
  const following = next ? normalise(next.text).replace(/ /g, '') : '';
  const long = tokens.find((t) => t.length > word.length && t.startsWith(word));
  if (!long || (following && long.slice(word.length).startsWith(following.slice(0, 4)))) return undefined;
  return last.text;
}
