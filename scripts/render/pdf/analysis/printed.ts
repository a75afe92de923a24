import type { Element } from 'hast';
import { toString } from 'hast-util-to-string';
import { visit } from 'unist-util-visit';
import type { Composition } from '../compose.ts';
import { hasClass } from '../typeset.ts';
import type { Box, TextLine, TextPage } from '../read/text-layout.ts';
import { normalise, type Block, type Finding } from './finding.ts';
import type { Layout } from './layout.ts';

const PT_PER_MM = 72 / 25.4;

/** The text block of a page in points, top left origin. */
export interface Area {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** What must not be last on a page, in document order, per block. */
export interface Candidate {
  element: Element;
  text: string;
  kind: 'heading' | 'lead-in' | 'caption';
  block: Block;
}

/**
 * What every finding reads: the composition, the pages read back, and what is worked out from them once per
 * analysis (each page's body lines, which block a page belongs to, what must not end a page). It lives for one
 * `analyse()` call: nothing is kept between calls.
 */
export interface PrintedPages {
  composition: Composition;
  layout: Layout;
  /** Each page's lines inside the text area, top to bottom. */
  lines: TextLine[][];
  /** The chapter or other block a page belongs to. */
  blockOf: (page: number) => Block | undefined;
  /** Pages that start a block. */
  startPages: Set<number>;
  area: (page: number) => Area;
  /** The last page of its block: the book's last, the page before a block starts, or one before an empty page. */
  lastOfBlock: (page: number) => boolean;
  /** Raster images inside the text area: they fill a page, and can come after its last line. */
  images: (page: number) => Box[];
  /** Pages of a chapter that print body lines: the pages a per-page finding looks at. */
  chapterPages: number[];
  candidates: Candidate[];
}

/** One finding: what it looks for on the printed pages, in page order. */
export type Finder = (pages: PrintedPages) => Finding[];

export function printedPages(composition: Composition, layout: Layout): PrintedPages {
  const { blockOf, startPages } = blockPages(composition, layout);
  const lines = layout.pages.map((page, i) => bodyLines(composition, i, page));
  const count = layout.pages.length;
  const area = (i: number) => textArea(composition, i, layout.pages[i]!);
  return {
    composition,
    layout,
    lines,
    blockOf,
    startPages,
    area,
    lastOfBlock: (i) => i === count - 1 || startPages.has(i + 1) || (lines[i + 1]?.length ?? 0) === 0,
    images: (i) => {
      const a = area(i);
      return (layout.imageBoxes?.[i] ?? []).filter((b) => b.yMax > a.top && b.yMin < a.bottom + 3);
    },
    chapterPages: lines.flatMap((body, i) => (body.length > 0 && blockOf(i)?.kind === 'chapter' ? [i] : [])),
    candidates: candidates(composition),
  };
}

/** The text block of page `index` in points: x range mirrors on left and right pages. */
export function textArea(composition: Composition, index: number, page: TextPage): Area {
  const g = composition.geometry;
  const scale = page.width / (g.width + 2 * g.extra) || PT_PER_MM;
  const right = composition.direction === 'rtl' ? index % 2 === 1 : index % 2 === 0;
  const left = (g.extra + (right ? g.margins.inner : g.margins.outer)) * scale;
  const width = (g.width - g.margins.inner - g.margins.outer) * scale;
  const top = (g.extra + g.margins.top) * scale;
  const bottom = page.height - (g.extra + g.margins.bottom) * scale;
  return { left, right: left + width, top, bottom };
}

/** Lines inside the text area (running heads and folios sit in the margins), top to bottom. */
function bodyLines(composition: Composition, index: number, page: TextPage): TextLine[] {
  const area = textArea(composition, index, page);
  return page.blocks
    .flatMap((b) => b.lines)
    .filter((l) => l.yMin >= area.top - 3 && l.yMax <= area.bottom + 3)
    .sort((a, b) => a.yMax - b.yMax || a.xMin - b.xMin);
}

/** Which block each page belongs to, and which pages start a block. */
function blockPages(composition: Composition, layout: Layout) {
  const starts = composition.blocks
    .map((block) => ({ block, at: layout.starts.get(block.id) }))
    .filter((s): s is { block: Block; at: number } => s.at !== undefined)
    .sort((a, b) => a.at - b.at);
  const blockOf = (page: number) => {
    let found: Block | undefined;
    for (const s of starts) if (s.at <= page) found = s.block;
    return found;
  };
  const startPages = new Set(starts.map((s) => s.at));
  return { blockOf, startPages };
}

function candidates(composition: Composition): Candidate[] {
  const out: Candidate[] = [];
  for (const block of composition.blocks) {
    if (block.kind !== 'chapter') continue;
    visit(block.element, 'element', (node: Element, _index, parent) => {
      let kind: Candidate['kind'] | undefined;
      if (/^h[2-6]$/.test(node.tagName)) {
        kind = 'heading';
      } else if (hasClass(node, 'galley-keep')) {
        kind = 'lead-in';
      } else if ((node.tagName === 'figcaption' || node.tagName === 'caption') && parent) {
        // A caption above its figure or table; a figure that is only a caption (a video left out) introduces nothing.
        const siblings = parent.children.filter((c) => c.type === 'element');
        if (siblings[0] === node && siblings.length > 1) kind = 'caption';
      }
      if (kind) out.push({ element: node, text: normalise(toString(node)), kind, block });
    });
  }
  return out;
}
