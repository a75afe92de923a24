import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { PDFDocument } from '@cantoo/pdf-lib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Element } from 'hast';
import type { Page } from 'puppeteer-core';
import { visit } from 'unist-util-visit';
import { analyse, readLayout, type Finding } from './analysis/index.ts';
import type { Composition } from './compose.ts';
import { addClass, hasClass } from './typeset.ts';
import { atTextBlockWidth, textBlockMm } from './text-block.ts';

/**
 * The measure-then-adjust pass for what CSS cannot do in Chromium: after a
 * print, the pages are read back (poppler) and
 * - a heading, lead-in or caption left at the foot of a page gets a page break
 *   before it, so it starts the next page with what it introduces;
 * - a figure that did not fit and left a gap moves after as much of the text
 *   that follows it (in its own section, never out of its chapter, never
 *   earlier) as fills the gap; it then prints at the top of the next page.
 * Before the first print, tables wider than the text block are marked to
 * print a type step smaller, or sideways on their own page.
 * Every change is made to the composition, so the document composed from it
 * is the one printed.
 */

const run = promisify(execFile);

/**
 * poppler's version line when this machine has pdftotext, else false; asked once per process: a fact about the
 * machine, not cache state.
 */
let poppler: string | false | undefined;

/** Which poppler reads the printed pages (the adjust pass, page starts): part of the print cache's key. */
export async function popplerVersion(): Promise<string | false> {
  if (poppler === undefined) {
    try {
      const { stdout, stderr } = await run('pdftotext', ['-v']);
      poppler = `${stderr}${stdout}`.trim().split('\n')[0] || 'pdftotext';
    } catch {
      poppler = false;
    }
  }
  return poppler;
}

/** The pass reads pages with poppler's pdftotext; without it the layout is Chromium's alone. */
export async function canAdjust(): Promise<boolean> {
  return (await popplerVersion()) !== false;
}

const FLOAT_ATTR = 'dataGalleyFloat';
/** A page must be at least this full before a break moves its last lines on. */
const MIN_FILL_TO_BREAK = 0.5;

function elementChildren(parent: Element): Element[] {
  return parent.children.filter((c): c is Element => c.type === 'element');
}

function parentOf(root: Element, target: Element): Element | undefined {
  let found: Element | undefined;
  visit(root, 'element', (node: Element) => {
    if (node.children.includes(target)) found = node;
  });
  return found;
}

/** Marks tables wider than the text block: `shrink` sets them a step smaller, `rotate` turns them on their own page. */
export async function markWideTables(page: Page, composition: Composition, mode: 'shrink' | 'rotate'): Promise<number> {
  const tables: Element[] = [];
  for (const block of composition.blocks) {
    visit(block.element, 'element', (node: Element) => {
      if (node.tagName === 'table') tables.push(node);
    });
  }
  if (tables.length === 0) return 0;
  const wide: number[] = await atTextBlockWidth(page, composition, () =>
    page.evaluate(() => {
      const out: number[] = [];
      Array.from(document.querySelectorAll('table')).forEach((table, index) => {
        const container = table.parentElement?.getBoundingClientRect().width ?? 0;
        if (table.getBoundingClientRect().width > container + 1) out.push(index);
      });
      return out;
    }),
  );
  for (const index of wide) {
    const table = tables[index];
    if (table) addClass(table, mode === 'rotate' ? 'galley-rotate' : 'galley-wide-table');
  }
  return wide.length;
}

/** How many of the figure's following siblings fit in `gap` points, measured at the text block's width. */
async function siblingsThatFill(page: Page, composition: Composition, marker: string, gapPt: number): Promise<number> {
  return atTextBlockWidth(page, composition, () =>
    page.evaluate(
      (marker: string, gapPx: number) => {
        const figure = document.querySelector(`[data-galley-float="${marker}"]`);
        if (!figure) return 0;
        const taken: globalThis.Element[] = [];
        let next = figure.nextElementSibling;
        const top = next?.getBoundingClientRect().top ?? 0;
        while (next && !/^H[1-6]$/.test(next.tagName) && !next.matches('figure, section.footnotes, footer, table')) {
          const bottom = next.getBoundingClientRect().bottom;
          // A paragraph may split at the page foot, so the one that crosses the gap still fills it.
          if (bottom - top > gapPx && next.tagName !== 'P') break;
          taken.push(next);
          if (bottom - top > gapPx) break;
          next = next.nextElementSibling;
        }
        // A lead-in stays with what it introduces: the figure does not come between them.
        while (taken.length > 0 && taken[taken.length - 1]!.matches('.galley-keep')) taken.pop();
        return taken.length;
      },
      marker,
      (gapPt * 96) / 72,
    ),
  );
}

/**
 * What the printed pages show (poppler): needs no page, so the renderer reads it while Chromium prints. `doc`, the
 * print already parsed, is read before this returns its promise (renderPdf's finish changes it afterwards).
 */
export function readFindings(composition: Composition, printed: Uint8Array, doc?: PDFDocument): Promise<Finding[]> {
  // Written synchronously, so that poppler starts and `doc` is read before the caller goes on.
  const dir = mkdtempSync(path.join(tmpdir(), 'galley-adjust-'));
  const file = path.join(dir, 'print.pdf');
  const reading = (async () => {
    try {
      writeFileSync(file, printed);
      // The tagged final print has tens of thousands of structure elements, read while pdf-lib finishes the same print.
      return analyse(composition, await readLayout(file, doc ?? printed));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return reading;
}

/**
 * One round: reads the printed pages (or takes what `readFindings` read), changes the composition. Returns how
 * many changes it made (0: the layout stands).
 */
export async function adjustAfterPrint(
  page: Page,
  composition: Composition,
  printed: Uint8Array,
  round: number,
  findings?: Finding[],
): Promise<number> {
  findings ??= await readFindings(composition, printed);
  let changes = 0;
  if (process.env.GALLEY_DEBUG_ADJUST)
    process.stderr.write(`adjust round ${round}: ${findings.map((f) => `${f.rule}@${f.page}`).join(' ')}\n`);
  for (const finding of findings) {
    const element = finding.element;
    if (!element || !finding.block) continue;
    // On a page that is mostly empty, what follows is too tall for any page: a break would only leave another gap.
    if (
      finding.rule === 'print-keep-with-next' &&
      !hasClass(element, 'galley-break') &&
      (finding.fill ?? 1) >= MIN_FILL_TO_BREAK
    ) {
      // A figure or listing caption goes with its parent; a heading or lead-in with itself.
      let target =
        element.tagName === 'figcaption' || element.tagName === 'caption'
          ? (parentOf(finding.block.element, element) ?? element)
          : element;
      // A heading or lead-in right before it goes along: the break goes before the first of the run.
      const parent = parentOf(finding.block.element, target);
      if (parent) {
        const siblings = elementChildren(parent);
        for (let at = siblings.indexOf(target) - 1; at >= 0; at--) {
          const previous = siblings[at]!;
          if (!/^h[1-6]$/.test(previous.tagName) && !hasClass(previous, 'galley-keep')) break;
          // A chapter's own title stays where the chapter opens.
          if (previous.tagName === 'h1') break;
          target = previous;
        }
      }
      if (hasClass(target, 'galley-break')) continue;
      // Only when it and what it introduces fit on one page: otherwise the break would leave it alone on a page.
      if (!(await fitsOnAPage(page, composition, target, element))) continue;
      addClass(target, 'galley-break');
      changes++;
    } else if (finding.rule === 'figure-float' && finding.gap !== undefined) {
      const marker = `${round}-${changes}`;
      element.properties[FLOAT_ATTR] = marker;
      const parent = parentOf(finding.block.element, element);
      if (!parent) continue;
      const count = await siblingsThatFillByIndex(page, composition, finding, marker);
      if (process.env.GALLEY_DEBUG_ADJUST)
        process.stderr.write(`  figure on ${finding.page}: gap ${finding.gap} pt, ${count} siblings fill it\n`);
      if (count === 0) continue;
      const siblings = elementChildren(parent);
      const after = siblings[siblings.indexOf(element) + count];
      if (!after) continue;
      parent.children.splice(parent.children.indexOf(element), 1);
      parent.children.splice(parent.children.indexOf(after) + 1, 0, element);
      changes++;
    }
  }
  return changes;
}

/**
 * Whether the run from `first` to `last` plus the element after `last` fits in
 * the text area, measured in the loaded document at the text block's width.
 * A following paragraph or list may split, so only its first lines count.
 */
async function fitsOnAPage(page: Page, composition: Composition, first: Element, last: Element): Promise<boolean> {
  const indexOf = (target: Element) => {
    let at = -1;
    let seen = 0;
    for (const block of composition.blocks) {
      visit(block.element, 'element', (node: Element) => {
        if (node.tagName !== target.tagName) return;
        if (node === target) at = seen;
        seen++;
      });
    }
    return at;
  };
  return atTextBlockWidth(page, composition, () =>
    page.evaluate(
      (firstTag: string, firstIndex: number, lastTag: string, lastIndex: number, heightMm: number) => {
        const start = document.querySelectorAll(firstTag)[firstIndex];
        const end = document.querySelectorAll(lastTag)[lastIndex];
        if (!start || !end) return false;
        const top = start.getBoundingClientRect().top;
        const next = end.nextElementSibling;
        let bottom = end.getBoundingClientRect().bottom;
        if (next) {
          const box = next.getBoundingClientRect();
          const splits = next.matches('p, ul, ol, dl, blockquote, section, div.footnotes');
          bottom = splits ? Math.min(box.bottom, box.top + 48) : box.bottom;
        }
        // CSS pixels to millimetres, inline: a helper function here would not survive the trip into the page.
        return ((bottom - top) * 25.4) / 96 < heightMm * 0.95;
      },
      first.tagName,
      indexOf(first),
      last.tagName,
      indexOf(last),
      textBlockMm(composition).height,
    ),
  );
}

/** Finds the figure in the loaded document by its place among the document's figures, then measures. */
async function siblingsThatFillByIndex(
  page: Page,
  composition: Composition,
  finding: Finding,
  marker: string,
): Promise<number> {
  const figures: Element[] = [];
  for (const block of composition.blocks) {
    visit(block.element, 'element', (node: Element) => {
      if (node.tagName === 'figure') figures.push(node);
    });
  }
  const index = figures.indexOf(finding.element!);
  if (index < 0) return 0;
  await page.evaluate(
    (index: number, marker: string) => {
      document.querySelectorAll('figure')[index]?.setAttribute('data-galley-float', marker);
    },
    index,
    marker,
  );
  return siblingsThatFill(page, composition, marker, finding.gap!);
}
