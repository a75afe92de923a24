import { readFile } from 'node:fs/promises';
import { readDestinations } from './post/finish.ts';
import type { Element } from 'hast';
import { toString } from 'hast-util-to-string';
import { visit } from 'unist-util-visit';
import type { Composition } from './compose.ts';
import { hasClass } from './typeset.ts';
import { PDFDocument } from '@cantoo/pdf-lib';
import { imageBoxes } from './read/image-boxes.ts';
import {
  readImages,
  readTextLayout,
  type Box,
  type PlacedImage,
  type TextLine,
  type TextPage,
} from './read/text-layout.ts';

/**
 * What a typesetter would look for on the printed pages, read back from the PDF (poppler): near-empty pages,
 * stranded headings and lead-ins, figure gaps, overfull lines, widows, orphans, low-resolution images. The
 * renderer's adjust pass acts on it, and the print preflight (checks/preflight.ts) reports it.
 */

/** Pages filled less than this (of the text area) are near-empty. */
export const NEAR_EMPTY = 0.3;
export const MIN_DPI = 150;
const PT_PER_MM = 72 / 25.4;
/** Glyphs may hang a little past the measure (marks, italic overhang, punctuation): more than this is overfull. */
const OVERHANG = 3;

export interface Finding {
  /** A preflight rule id, or `figure-float` (a figure that left a gap: only the renderer's adjust pass uses it). */
  rule: string;
  /** 0-based page index. */
  page: number;
  message: string;
  element?: Element;
  block?: Composition['blocks'][number];
  /** For `figure-float`: the gap the figure left on the page before, in points. */
  gap?: number;
  /** How full the page is (0–1 of the text area). */
  fill?: number;
}

/** What must not be last on a page, in document order, per block. */
interface Candidate {
  element: Element;
  text: string;
  kind: 'heading' | 'lead-in' | 'caption';
  block: Composition['blocks'][number];
}

export const normalise = (text: string) =>
  text
    .replace(/[\u00ad\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();

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

/** The text block of page `index` in points: x range mirrors on left and right pages. */
function textArea(composition: Composition, index: number, page: TextPage) {
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

/** Elements that hold a page's lines, in document order (a table before its cells). */
const HOLDERS = new Set(['p', 'li', 'table', 'pre', 'figure', 'blockquote', 'dl', 'h2', 'h3', 'h4', 'h5', 'h6']);

/**
 * The first element of the block whose text meets `test` (compared without spaces: poppler splits and joins words
 * where the source does not), so a finding that names a printed line points at its Markdown line.
 */
function elementOf(
  block: Composition['blocks'][number] | undefined,
  line: string,
  test: (text: string, line: string) => boolean,
): Element | undefined {
  const key = normalise(line).replace(/ /g, '');
  if (!block || key.length < 5) return undefined;
  let found: Element | undefined;
  visit(block.element, 'element', (node: Element) => {
    if (found || !HOLDERS.has(node.tagName) || !node.position) return;
    if (test(normalise(toString(node)).replace(/ /g, ''), key)) found = node;
  });
  return found;
}

/** A chapter's long words (no space to break at), for telling a clipped word from a wrapped one. */
const tokenCache = new WeakMap<object, string[]>();
function tokensOf(block: Composition['blocks'][number] | undefined): string[] {
  if (!block) return [];
  let tokens = tokenCache.get(block);
  if (!tokens) {
    tokens = [...new Set(normalise(toString(block.element)).split(' '))].filter((t) => t.length >= 20);
    tokenCache.set(block, tokens);
  }
  return tokens;
}

/**
 * Chromium clips a line at the text block, so a word wider than the line does not print past it (nothing for the
 * overhang test to see): its last printed word ends at the edge as the start of a longer word of the source,
 * and the rest neither follows on the next line (a wrap) nor anywhere.
 */
function cutWord(line: TextLine, body: TextLine[], right: number, tokens: string[]): string | undefined {
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

const SENTENCE_END = /[.!?:;。؟!)\]"”’»]$/;

export interface Layout {
  pages: TextPage[];
  /** Where each block starts (0-based page), for the blocks the PDF links to. */
  starts: Map<string, number>;
  images: PlacedImage[];
  /** Where each page prints its raster images (points, top left origin), when known. */
  imageBoxes?: Box[][];
}

export async function readLayout(pdfFile: string): Promise<Layout> {
  const bytes = await readFile(pdfFile);
  const [pages, dests, images, doc] = await Promise.all([
    readTextLayout(pdfFile),
    readDestinations(bytes),
    readImages(pdfFile),
    PDFDocument.load(bytes, { updateMetadata: false }),
  ]);
  return {
    pages,
    starts: new Map([...dests.dests].map(([id, d]) => [id, d.page])),
    images,
    imageBoxes: imageBoxes(doc),
  };
}

/** Which block each page belongs to, and which pages end a block. */
function blockPages(composition: Composition, layout: Layout) {
  const starts = composition.blocks
    .map((block) => ({ block, at: layout.starts.get(block.id) }))
    .filter((s): s is { block: Composition['blocks'][number]; at: number } => s.at !== undefined)
    .sort((a, b) => a.at - b.at);
  const blockOf = (page: number) => {
    let found: Composition['blocks'][number] | undefined;
    for (const s of starts) if (s.at <= page) found = s.block;
    return found;
  };
  const startPages = new Set(starts.map((s) => s.at));
  return { blockOf, startPages };
}

export function analyse(composition: Composition, layout: Layout): Finding[] {
  const findings: Finding[] = [];
  const { blockOf, startPages } = blockPages(composition, layout);
  const all = candidates(composition);
  const count = layout.pages.length;
  const lines = layout.pages.map((page, i) => bodyLines(composition, i, page));
  let nextCandidate = 0;
  for (const [i, page] of layout.pages.entries()) {
    const block = blockOf(i);
    const body = lines[i]!;
    const area = textArea(composition, i, page);
    const lastOfBlock = i === count - 1 || startPages.has(i + 1) || (lines[i + 1]?.length ?? 0) === 0;
    // Images in the text area count as what fills the page, and as what comes after its last line.
    const images = (layout.imageBoxes?.[i] ?? []).filter((b) => b.yMax > area.top && b.yMin < area.bottom + 3);
    // Near-empty: a page of a chapter that is not its last page.
    if (block?.kind === 'chapter' && body.length > 0 && !lastOfBlock) {
      const bottom = Math.max(...body.map((l) => l.yMax), ...images.map((b) => Math.min(b.yMax, area.bottom)));
      const filled = (bottom - area.top) / (area.bottom - area.top);
      if (filled < NEAR_EMPTY) {
        // What did not fit starts the next page.
        const next = lines[i + 1]?.[0];
        findings.push({
          rule: 'print-near-empty',
          page: i,
          block,
          element: next && elementOf(block, next.text, (text, line) => text.startsWith(line)),
          message: `is ${Math.round(filled * 100)}% full (under ${NEAR_EMPTY * 100}% of the text area) and not the last page of its chapter`,
        });
      }
    }
    if (body.length === 0 || block?.kind !== 'chapter') continue;
    // Keep with next: the page's last line is a heading, a lead-in or a caption before its figure.
    const last = body[body.length - 1]!;
    const imageBelow = images.some((b) => b.yMin >= last.yMax - 1);
    // poppler gives a right-to-left line in visual order (characters too): read it back in reading order.
    const lastText = normalise(composition.direction === 'rtl' ? Array.from(last.text).reverse().join('') : last.text);
    if (i + 1 < count && !lastOfBlock && lastText.length > 0 && !imageBelow) {
      // Compared without spaces: poppler splits words at joiners (پرسش‌ها) and joins others.
      const key = lastText.replace(/ /g, '');
      const matches = (c: Candidate) =>
        c.block === block &&
        c.text.length > 0 &&
        c.text.replace(/ /g, '').endsWith(key) &&
        (key.length >= 5 || key === c.text.replace(/ /g, ''));
      // Pages and candidates both run in reading order: a text that recurs ("Filename: src/main.rs") is the next
      // one after the last found, not always the first.
      const at = all.findIndex((c, index) => index >= nextCandidate && matches(c));
      const match = at >= 0 ? all[at] : all.find(matches);
      if (at >= 0) nextCandidate = at + 1;
      const fill = (last.yMax - area.top) / (area.bottom - area.top);
      if (match) {
        findings.push({
          rule: 'print-keep-with-next',
          page: i,
          block,
          element: match.element,
          fill,
          message: `ends with a ${match.kind} (“${toString(match.element)
            .replace(/\u00ad/g, '')
            .trim()
            .slice(0, 60)}”), separated from what it introduces on the next page`,
        });
      }
    }
    // Overfull: text past the text block's edges.
    for (const line of body) {
      const over = line.words.find((w) => w.xMax > area.right + OVERHANG || w.xMin < area.left - OVERHANG);
      if (over) {
        findings.push({
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
        findings.push({
          rule: 'print-overfull',
          page: i,
          block,
          element: elementOf(block, cut, (text, word) => text.includes(word)),
          message: `cuts “${cut.slice(0, 40)}” at the text block's edge: a word too long for the line, whose rest Chromium clips (and may set every page smaller to make room)`,
        });
        break;
      }
    }
    // Orphan: a paragraph's first line alone at the foot (it continues on the next page).
    const previousLine = body[body.length - 2];
    // The first line of a paragraph: after a paragraph gap, full to the right edge (justified: the paragraph goes on).
    if (
      i + 1 < count &&
      !lastOfBlock &&
      body.length > 1 &&
      previousLine &&
      last.yMin - previousLine.yMax > 4 &&
      !SENTENCE_END.test(last.text) &&
      Math.abs(last.xMax - area.right) < 2 &&
      lines[i + 1]!.length > 0
    ) {
      const next = lines[i + 1]![0]!;
      if (
        Math.abs(next.xMin - textArea(composition, i + 1, layout.pages[i + 1]!).left) < 2 &&
        !all.some((c) => c.block === block && c.text.endsWith(lastText))
      ) {
        findings.push({
          rule: 'print-orphan',
          page: i,
          block,
          element: elementOf(block, last.text, (text, line) => text.includes(line)),
          message: `ends with the first line of a paragraph alone (“${last.text.slice(0, 40)}”)`,
        });
      }
    }
    // Widow: a paragraph's last line alone at the top (the previous page ended mid-sentence).
    const first = body[0]!;
    const second = body[1];
    const previous = lines[i - 1];
    if (
      i > 0 &&
      !startPages.has(i) &&
      previous &&
      previous.length > 0 &&
      first.xMax < area.right - 20 &&
      SENTENCE_END.test(first.text) &&
      (!second || second.yMin - first.yMax > 4)
    ) {
      const before = previous[previous.length - 1]!;
      if (
        !SENTENCE_END.test(before.text) &&
        Math.abs(before.xMax - textArea(composition, i - 1, layout.pages[i - 1]!).right) < 2
      ) {
        findings.push({
          rule: 'print-widow',
          page: i,
          block,
          element: elementOf(block, first.text, (text, line) => text.endsWith(line)),
          message: `starts with the last line of a paragraph alone (“${first.text.slice(0, 40)}”)`,
        });
      }
    }
  }
  findings.push(...figureGaps(composition, layout, lines, blockOf));
  // The same heading twice in a row (a chapter title repeated as its first section, say).
  for (const block of composition.blocks) {
    if (block.kind !== 'chapter') continue;
    let previous: Element | undefined;
    visit(block.element, 'element', (node: Element) => {
      if (!/^h[1-6]$/.test(node.tagName)) {
        if (
          ['p', 'ul', 'ol', 'pre', 'figure', 'table', 'blockquote', 'div'].includes(node.tagName) &&
          toString(node).trim()
        )
          previous = undefined;
        return;
      }
      if (previous && normalise(toString(previous)) === normalise(toString(node))) {
        const page = layout.starts.get(block.id) ?? 0;
        findings.push({
          rule: 'print-repeated-heading',
          page,
          block,
          element: node,
          message: `prints the heading “${toString(node).trim().slice(0, 60)}” twice in a row`,
        });
      }
      previous = node;
    });
  }
  for (const image of layout.images) {
    const dpi = Math.min(image.xPpi, image.yPpi);
    if (dpi > 0 && dpi < MIN_DPI) {
      findings.push({
        rule: 'print-image-resolution',
        page: image.page,
        block: blockOf(image.page),
        message: `prints a ${image.width}×${image.height} image at ${dpi} dpi (under ${MIN_DPI} dpi at its printed size)`,
      });
    }
  }
  return findings;
}

/** A gap this tall (of the text area) before a figure pushed to the next page is worth filling with the text after it. */
const FIGURE_GAP = 0.12;

/**
 * Figures that went to the next page because they did not fit, leaving the
 * rest of the page before them empty: the text just before the figure ends
 * the page before the one that prints its caption, and that page has a gap.
 * (An SVG figure prints its own text, so the caption need not be the first
 * line of its page.)
 */
function figureGaps(
  composition: Composition,
  layout: Layout,
  lines: TextLine[][],
  blockOf: (page: number) => Composition['blocks'][number] | undefined,
): Finding[] {
  const out: Finding[] = [];
  for (const block of composition.blocks) {
    if (block.kind !== 'chapter') continue;
    visit(block.element, 'element', (node: Element, index, parent) => {
      if (node.tagName !== 'figure' || !parent || index === undefined) return;
      const caption = node.children.find((c): c is Element => c.type === 'element' && c.tagName === 'figcaption');
      if (!caption || node.children.filter((c) => c.type === 'element').at(-1) !== caption) return;
      const before = parent.children
        .slice(0, index)
        .filter((c): c is Element => c.type === 'element')
        .at(-1);
      const text = normalise(toString(caption));
      const beforeText = before ? normalise(toString(before)) : '';
      if (text.length < 8 || beforeText.length < 6) return;
      for (let i = 1; i < lines.length; i++) {
        if (blockOf(i) !== block || blockOf(i - 1) !== block) continue;
        if (!lines[i]!.some((l) => normalise(l.text).length >= 8 && text.startsWith(normalise(l.text)))) continue;
        const previous = lines[i - 1]!;
        const last = previous[previous.length - 1];
        if (!last) break;
        // poppler gives a right-to-left line in visual order (characters too): read it back in reading order.
        const lastText = normalise(
          composition.direction === 'rtl' ? Array.from(last.text).reverse().join('') : last.text,
        );
        if (lastText.length < 6 || !beforeText.endsWith(lastText)) break;
        const area = textArea(composition, i - 1, layout.pages[i - 1]!);
        const gap = area.bottom - last.yMax;
        if (gap > FIGURE_GAP * (area.bottom - area.top)) {
          out.push({
            rule: 'figure-float',
            page: i,
            block,
            element: node,
            gap,
            message: `a figure left ${Math.round(gap)} pt empty on the page before it`,
          });
        }
        break;
      }
    });
  }
  return out;
}
