/**
 * The print analysis, one finding at a time (scripts/render/pdf/analysis/): each finder runs on pages laid out by
 * hand over a small hand-made chapter, so no Chromium or poppler is needed. tests/preflight.test.ts and
 * tests/print-adjust.test.ts cover the same findings on printed books.
 */
import type { Element } from 'hast';
import { h } from 'hastscript';
import { describe, expect, it } from 'vitest';
import type { Composition } from '../scripts/render/pdf/compose.ts';
import type { Box, TextLine, TextPage } from '../scripts/render/pdf/read/text-layout.ts';
import { analyse, type Finding, type Layout } from '../scripts/render/pdf/analysis/index.ts';
import { printedPages } from '../scripts/render/pdf/analysis/printed.ts';
import { nearEmpty } from '../scripts/render/pdf/analysis/near-empty.ts';
import { keepWithNext } from '../scripts/render/pdf/analysis/keep-with-next.ts';
import { overfull } from '../scripts/render/pdf/analysis/overfull.ts';
import { orphans } from '../scripts/render/pdf/analysis/orphans.ts';
import { widows } from '../scripts/render/pdf/analysis/widows.ts';
import { figureFloat } from '../scripts/render/pdf/analysis/figure-float.ts';
import { repeatedHeading } from '../scripts/render/pdf/analysis/repeated-heading.ts';
import { imageResolution } from '../scripts/render/pdf/analysis/image-resolution.ts';
import type { Finder } from '../scripts/render/pdf/analysis/printed.ts';

const PT = 72 / 25.4;
// 6×9 in, no bleed: right-hand (even index) pages have the 20 mm inner margin on the left.
const W = 152.4 * PT;
const H = 228.6 * PT;
const top = 19 * PT;
const bottom = H - 19 * PT;
const leftOf = (index: number) => (index % 2 === 0 ? 20 : 15) * PT;
const measure = (152.4 - 35) * PT;
const BODY = 'copper meadow ledger harbour quarry thimble saddle walnut pebble';
const LONG_WORD = 'pneumonoultramicroscopicsilicovolcanoconiosis';

/** An element with a source line, as the Markdown pipeline leaves it, so a finding can point at it. */
function at<T extends Element>(line: number, node: T): T {
  node.position = { start: { line, column: 1 }, end: { line, column: 2 } };
  return node;
}

const headings = [at(1, h('h1', 'Harbour')), at(2, h('h2', 'Harbour'))];
const leadIn = at(4, h('p.galley-keep', 'Work through these steps:'));
const figure = at(
  9,
  h('figure', [h('img', { src: 'images/x.png', alt: '' }), h('figcaption', 'Figure 1: the harbour at dusk')]),
);
const chapter = h('section', { id: 'ch' }, [
  ...headings,
  at(3, h('p', `${BODY} orchard copper meadow.`)),
  leadIn,
  at(5, h('ol', [h('li', 'first step')])),
  at(6, h('h2', 'Section two')),
  at(7, h('p', `Words before the figure: ${LONG_WORD} and more`)),
  at(8, h('p', 'The text before the figure ends here.')),
  figure,
  at(10, h('p', 'Walnut pebble kettle furrow beacon hinge tide lantern')),
]);
const composition = {
  blocks: [
    {
      id: 'ch',
      kind: 'chapter',
      matter: 'body',
      recto: true,
      group: { name: 'ch-1', kind: 'chapter' },
      element: chapter,
    },
  ],
  toc: [],
  blockOfTarget: new Map(),
  geometry: {
    width: 152.4,
    height: 228.6,
    margins: { top: 19, bottom: 19, inner: 20, outer: 15 },
    bleed: 0,
    extra: 0,
    cropMarks: false,
    fontSize: 10,
  },
  pageCss: '',
  title: 'Fixture',
  language: 'en',
  direction: 'ltr',
  persianDigits: false,
} satisfies Composition;

function line(index: number, y: number, text: string, options: { width?: number; indent?: number } = {}): TextLine {
  const xMin = leftOf(index) + (options.indent ?? 0);
  const xMax = xMin + (options.width ?? measure - (options.indent ?? 0));
  // One word per space-separated run, spread over the line, so the last word ends where the line does.
  const parts = text.split(' ');
  const step = (xMax - xMin) / parts.length;
  const words = parts.map((word, i) => ({
    xMin: xMin + i * step,
    xMax: xMin + (i + 1) * step,
    yMin: y - 10,
    yMax: y,
    text: word,
  }));
  return { xMin, xMax, yMin: y - 10, yMax: y, text, words };
}
const page = (lines: TextLine[]): TextPage => ({
  width: W,
  height: H,
  blocks: lines.map((l) => ({ ...l, lines: [l] })),
});
/** A full page of justified body lines. */
function full(index: number, from = top + 12): TextLine[] {
  const out: TextLine[] = [];
  for (let y = from; y < bottom - 2; y += 14) out.push(line(index, y, BODY));
  return out;
}
const layoutOf = (pages: TextLine[][], extra: Partial<Layout> = {}): Layout => ({
  pages: pages.map(page),
  starts: new Map([['ch', 0]]),
  images: [],
  ...extra,
});
const find = (finder: Finder, layout: Layout): Finding[] => finder(printedPages(composition, layout));
/** The last line of a page replaced by a short one. */
function endingWith(index: number, text: string): TextLine[] {
  const lines = full(index);
  lines[lines.length - 1] = line(index, lines.at(-1)!.yMax, text, { width: 120 });
  return lines;
}

describe('print analysis, one finding at a time', () => {
  it('near-empty: a chapter page under 30% full that is not its last, unless an image fills it', () => {
    const sparse = [line(1, top + 12, 'copper meadow ledger'), line(1, top + 26, 'harbour quarry.', { width: 80 })];
    const next = [line(2, top + 12, 'Walnut pebble kettle furrow beacon'), ...full(2, top + 26)];
    const [finding, ...rest] = find(nearEmpty, layoutOf([full(0), sparse, next]));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ rule: 'print-near-empty', page: 1 });
    expect(finding!.message).toMatch(/^is \d+% full/);
    // What did not fit is the paragraph that starts the next page.
    expect(finding!.element?.position?.start.line).toBe(10);
    expect(find(nearEmpty, layoutOf([full(0), sparse]))).toEqual([]);
    const image: Box = { xMin: leftOf(1), xMax: leftOf(1) + 200, yMin: top + 34, yMax: top + 300 };
    expect(find(nearEmpty, layoutOf([full(0), sparse, next], { imageBoxes: [[], [image], []] }))).toEqual([]);
  });

  it('keep-with-next: a heading or lead-in last on a page, unless an image follows it there', () => {
    const heading = find(keepWithNext, layoutOf([endingWith(0, 'Section two'), full(1)]));
    expect(heading.map((f) => [f.rule, f.page, f.element?.position?.start.line])).toEqual([
      ['print-keep-with-next', 0, 6],
    ]);
    expect(heading[0]!.fill).toBeGreaterThan(0.9);
    expect(heading[0]!.message).toContain('ends with a heading (“Section two”)');
    const lead = find(keepWithNext, layoutOf([endingWith(0, 'Work through these steps:'), full(1)]));
    expect(lead[0]?.element).toBe(leadIn);
    const last = endingWith(0, 'Work through these steps:').at(-1)!;
    const image: Box = { xMin: leftOf(0), xMax: leftOf(0) + 100, yMin: last.yMax + 1, yMax: bottom - 1 };
    expect(
      find(
        keepWithNext,
        layoutOf([endingWith(0, 'Work through these steps:'), full(1)], { imageBoxes: [[image], []] }),
      ),
    ).toEqual([]);
    expect(find(keepWithNext, layoutOf([full(0), full(1)]))).toEqual([]);
  });

  it('overfull: text past the text block, and a long word clipped at its edge', () => {
    const past = full(0);
    past[3] = line(0, past[3]!.yMax, 'x_1 + x_2 + x_3', { width: measure + 20 });
    const [over] = find(overfull, layoutOf([past, full(1)]));
    expect(over).toMatchObject({ rule: 'print-overfull', page: 0 });
    expect(over!.message).toMatch(/^prints “x_3” 20 pt past the text block$/);
    const clipped = full(0);
    clipped[2] = line(0, clipped[2]!.yMax, `words before the figure: ${LONG_WORD.slice(0, 24)}`);
    const [cut] = find(overfull, layoutOf([clipped, full(1)]));
    expect(cut?.message).toContain(`cuts “${LONG_WORD.slice(0, 24)}”`);
    expect(cut?.element?.position?.start.line).toBe(7);
    // The rest of the word on the next line is a wrap, not a cut.
    clipped[3] = line(0, clipped[3]!.yMax, `${LONG_WORD.slice(24)} and more`, { width: 200 });
    expect(find(overfull, layoutOf([clipped, full(1)]))).toEqual([]);
    expect(find(overfull, layoutOf([full(0), full(1)]))).toEqual([]);
  });

  it('orphans: a paragraph’s first line alone at the foot of a page', () => {
    const orphaned = full(0);
    orphaned[orphaned.length - 1] = line(
      0,
      orphaned.at(-1)!.yMax + 3,
      'Walnut pebble kettle furrow beacon hinge tide lantern',
      {
        indent: 12,
      },
    );
    const [orphan, ...rest] = find(orphans, layoutOf([orphaned, full(1)]));
    expect(rest).toEqual([]);
    expect(orphan).toMatchObject({ rule: 'print-orphan', page: 0 });
    expect(orphan!.element?.position?.start.line).toBe(10);
    // On the chapter's last page it is just the end of the chapter.
    expect(find(orphans, layoutOf([orphaned]))).toEqual([]);
    expect(find(orphans, layoutOf([full(0), full(1)]))).toEqual([]);
  });

  it('widows: a paragraph’s last line alone at the top of a page', () => {
    const widowed = full(1);
    widowed[0] = line(1, widowed[0]!.yMax, 'orchard copper meadow.', { width: 90 });
    widowed[1] = line(1, widowed[1]!.yMax + 6, BODY);
    const [widow, ...rest] = find(widows, layoutOf([full(0), widowed]));
    expect(rest).toEqual([]);
    expect(widow).toMatchObject({ rule: 'print-widow', page: 1 });
    expect(widow!.element?.position?.start.line).toBe(3);
    // A page that starts a chapter has no widow.
    expect(find(widows, layoutOf([full(0), widowed], { starts: new Map([['ch', 1]]) }))).toEqual([]);
    expect(find(widows, layoutOf([full(0), full(1)]))).toEqual([]);
  });

  it('figure-float: a figure pushed to the next page, leaving a gap after the text before it', () => {
    const before = [...full(0).slice(0, 10), line(0, top + 12 + 14 * 10, 'The text before the figure ends here.')];
    const after = [line(1, top + 200, 'Figure 1: the harbour at dusk', { width: 150 }), ...full(1, top + 214)];
    const [float, ...rest] = find(figureFloat, layoutOf([before, after]));
    expect(rest).toEqual([]);
    expect(float).toMatchObject({ rule: 'figure-float', page: 1, element: figure });
    expect(float!.gap).toBeCloseTo(bottom - (top + 12 + 14 * 10), 6);
    // Without the gap, nothing to fill.
    const fullBefore = [
      ...full(0).slice(0, -1),
      line(0, full(0).at(-1)!.yMax, 'The text before the figure ends here.'),
    ];
    expect(find(figureFloat, layoutOf([fullBefore, after]))).toEqual([]);
  });

  it('repeated heading: the same heading twice in a row, at its chapter’s first page', () => {
    const found = find(repeatedHeading, layoutOf([full(0), full(1)], { starts: new Map([['ch', 1]]) }));
    expect(found.map((f) => [f.rule, f.page, f.element])).toEqual([['print-repeated-heading', 1, headings[1]]]);
    expect(found[0]!.message).toBe('prints the heading “Harbour” twice in a row');
  });

  it('image resolution: a raster image printed under 150 dpi', () => {
    const images = [
      { page: 0, width: 300, height: 200, xPpi: 96, yPpi: 120 },
      { page: 1, width: 3000, height: 2000, xPpi: 300, yPpi: 300 },
    ];
    const found = find(imageResolution, layoutOf([full(0), full(1)], { images }));
    expect(found.map((f) => [f.rule, f.page, f.message])).toEqual([
      ['print-image-resolution', 0, 'prints a 300×200 image at 96 dpi (under 150 dpi at its printed size)'],
    ]);
  });

  it('analyse runs every finding: page by page first, in a fixed order on a page, the same on every call', () => {
    const first = endingWith(0, 'Section two');
    first[2] = line(0, first[2]!.yMax, 'x_1 + x_2 + x_3', { width: measure + 20 });
    const sparse = [line(1, top + 12, 'copper meadow ledger'), line(1, top + 26, 'harbour quarry.', { width: 80 })];
    const layout = layoutOf([first, sparse, full(2)], {
      images: [{ page: 0, width: 30, height: 20, xPpi: 72, yPpi: 72 }],
    });
    const summary = (findings: Finding[]) => findings.map((f) => `${f.rule}@${f.page}`);
    expect(summary(analyse(composition, layout))).toEqual([
      'print-keep-with-next@0',
      'print-overfull@0',
      'print-near-empty@1',
      'print-repeated-heading@0',
      'print-image-resolution@0',
    ]);
    // Nothing is kept between calls (the candidates a heading is matched against start afresh).
    expect(summary(analyse(composition, layout))).toEqual(summary(analyse(composition, layout)));
  });
});
