import { performance } from 'node:perf_hooks';
import type { Page } from 'puppeteer-core';
import { PDFDocument } from '@cantoo/pdf-lib';
import { openSandboxedPage, type BlockedRequest, type GalleyBrowser, type ServedFile } from '../browser.ts';
import { BOOK_CSP } from '../xhtml.ts';
import type { Composition, PrintLayout } from './compose.ts';
import { loadPdf } from './lib-speed.ts';
import type { PieceStore } from './piece-cache.ts';
import { joinPieces } from './post/join.ts';

/**
 * The final print in pieces, several at once (issue 31, decision 0028): the
 * book is cut before body parts and chapters that open on a right-hand page,
 * so that no piece's layout depends on another's; each piece is printed in
 * its own browser context (its own renderer process, so on another core),
 * starting at its page number, and the pieces are joined into one PDF
 * (post/join.ts).
 */

export interface Cut {
  /** The block the piece starts with. */
  id: string;
  /** Its 0-based page in the whole book, blank versos included. */
  page: number;
}

/**
 * Where to cut the book into `count` pieces of about the same number of pages: at the body's part and chapter
 * openings (on right-hand pages) nearest to equal shares.
 */
export function chooseCuts(
  composition: Composition,
  layout: PrintLayout,
  natural: Map<string, number>,
  totalPages: number,
  count: number,
): Cut[] {
  const openings: Cut[] = [];
  let blanks = 0;
  for (const block of composition.blocks) {
    if (layout.blanksBefore.has(block.id)) blanks++;
    const at = natural.get(block.id);
    if (
      at === undefined ||
      block.matter === 'front' ||
      !block.recto ||
      (block.kind !== 'part' && block.kind !== 'chapter') ||
      (at + blanks) % 2 === 1
    )
      continue;
    openings.push({ id: block.id, page: at + blanks });
  }
  const cuts: Cut[] = [];
  for (let piece = 1; piece < count; piece++) {
    const share = (totalPages * piece) / count;
    let best: Cut | undefined;
    for (const opening of openings) {
      if (cuts.length > 0 && opening.page <= cuts[cuts.length - 1]!.page) continue;
      if (!best || Math.abs(opening.page - share) < Math.abs(best.page - share)) best = opening;
    }
    if (best && best.page > 0) cuts.push(best);
  }
  return cuts;
}

interface Split {
  head: string;
  markup: string[];
  /** Link targets in the document and the piece that holds each. */
  owners: [string, number][];
  /** Each piece's first page's named page (CSS `page`). */
  pageNames: string[];
}

/** The loaded document (blank versos and page numbers in) cut at `cuts`, read from the page itself. */
async function split(page: Page, cuts: string[]): Promise<Split> {
  const parts = await page.evaluate((cuts: string[]) => {
    const children = Array.from(document.body.children);
    const starts = [0, ...cuts.map((id) => children.findIndex((c) => c.id === id))];
    const markup = starts.map((start, i) =>
      children
        .slice(start, starts[i + 1] ?? children.length)
        .map((c) => c.outerHTML)
        .join('\n'),
    );
    const pieceOf = (element: globalThis.Element) => {
      let top: globalThis.Element = element;
      while (top.parentElement && top.parentElement !== document.body) top = top.parentElement;
      const at = children.indexOf(top);
      let piece = 0;
      for (const [i, start] of starts.entries()) if (at >= start) piece = i;
      return piece;
    };
    const owners: [string, number][] = [];
    const seen = new Set<string>();
    for (const link of Array.from(document.querySelectorAll('a[href^="#"]'))) {
      let id = (link.getAttribute('href') ?? '').slice(1);
      try {
        id = decodeURIComponent(id);
      } catch {
        // Kept as written.
      }
      if (seen.has(id)) continue;
      seen.add(id);
      const target = document.getElementById(id);
      if (target) owners.push([id, pieceOf(target)]);
    }
    const pageNames = starts.map((start) => {
      const child = children[start];
      return child ? getComputedStyle(child).getPropertyValue('page') : '';
    });
    return { head: document.head.innerHTML, markup, owners, pageNames, found: starts.every((s) => s >= 0) };
  }, cuts);
  // Every block is a child of the body (compose.ts): a cut that is not is a bug, not a book's fault.
  if (!parts.found) throw new Error('A piece of the print did not start at a block of the composed document');
  return parts;
}

const escapeAttr = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The counter increments print.css's page rules give a named page (pages-css.ts), `page` left out. */
function incrementsOf(pageCss: string, name: string): string {
  const rule = new RegExp(`@page ${name.replace(/[^\w-]/g, '')} \\{ counter-increment: ([^;]*);`).exec(pageCss);
  return (rule?.[1] ?? '').replace(/\bpage \d+\s*/, '').trim();
}

/**
 * One piece's document: the same head, then an invisible, out-of-flow list of
 * links to every target in the book (Chromium writes a named destination only
 * for an element something links to, and drops a link whose target is not in
 * the document: targets elsewhere get empty stand-ins, which the join points
 * at their real pages), then the piece's blocks. Its first page takes the
 * page number it has in the book.
 */
function pieceHtml(composition: Composition, parts: Split, index: number, folio: number | undefined): string {
  const links = parts.owners
    .map(
      ([id, owner]) =>
        `<a href="#${escapeAttr(encodeURIComponent(id))}"></a>${owner === index ? '' : `<span id="${escapeAttr(id)}"></span>`}`,
    )
    .join('');
  const name = parts.pageNames[index] ?? '';
  const first =
    folio === undefined
      ? ''
      : `<style>@page :first { counter-increment: page ${folio} ${incrementsOf(composition.pageCss, name)} !important; }</style>`;
  return (
    `<!DOCTYPE html>\n<html lang="${escapeAttr(composition.language)}" dir="${composition.direction}"><head>${parts.head}${first}</head>` +
    `<body class="galley-print">\n<div aria-hidden="true" style="position: absolute; top: 0; left: 0; width: 0; height: 0; overflow: hidden; visibility: hidden">${links}</div>\n` +
    `${parts.markup[index] ?? ''}\n</body></html>\n`
  );
}

/** The type of the running heads and folios (pages-css.ts): what the margin boxes print. */
const MARGIN_FONTS = ['italic 8.5pt "Galley Serif"', '8.5pt "Galley Serif"', '8.5pt "Galley Persian"'];

/**
 * Loads the faces the page margins use. Only the margin boxes may use a face (the heads' italic, say), and they are
 * laid out only when printing: Chromium then starts loading it and prints the heads invisible while it loads. The
 * book printed whole has had its probe print load them; a piece has not.
 */
async function loadMarginFonts(page: Page, composition: Composition) {
  const text = [
    composition.title,
    ...new Set(composition.blocks.map((b) => b.group.head ?? '')),
    '0123456789 ivxlcdm ۰۱۲۳۴۵۶۷۸۹',
  ].join(' ');
  await page.evaluate(
    (fonts: string[], text: string) =>
      Promise.all(fonts.map((font) => document.fonts.load(font, text))).then(() => undefined),
    MARGIN_FONTS,
    text,
  );
}

/**
 * Prints the loaded document in pieces at once and joins them. `bodyStart` is the 0-based page where the arabic
 * folios start at 1 (cuts are always after it). A piece whose document `store` kept a print of is not printed again
 * (piece-cache.ts): `reused` counts those.
 */
export async function printInPieces(
  galley: GalleyBrowser,
  page: Page,
  files: Map<string, ServedFile>,
  composition: Composition,
  cuts: Cut[],
  bodyStart: number,
  print: (page: Page) => Promise<Uint8Array>,
  store?: PieceStore,
  timings: Record<string, number> = {},
): Promise<{ bytes: Uint8Array; doc: PDFDocument; blocked: BlockedRequest[]; pieces: number; reused: number }> {
  let at = performance.now();
  // What each step of a print in pieces costs, for the bench (decision 0028): the pieces' own prints are one of them.
  const clock = (name: string) => {
    timings[name] = (timings[name] ?? 0) + (performance.now() - at) / 1000;
    at = performance.now();
  };
  const parts = await split(
    page,
    cuts.map((c) => c.id),
  );
  clock('pieces: split');
  const blocked: BlockedRequest[] = [];
  let reused = 0;
  const printed = await Promise.all(
    parts.markup.map(async (_, index) => {
      const start = index === 0 ? undefined : cuts[index - 1]!.page - bodyStart + 1;
      const html = pieceHtml(composition, parts, index, start);
      const kept = await store?.take(html);
      if (kept) {
        reused++;
        return kept;
      }
      const own = new Map(files);
      own.set('book.html', { mediaType: 'text/html; charset=utf-8', data: html });
      const sandbox = await openSandboxedPage(galley, own, BOOK_CSP, { isolated: true });
      try {
        await sandbox.load('book.html');
        await loadMarginFonts(sandbox.page, composition);
        const bytes = await print(sandbox.page);
        blocked.push(...sandbox.blocked);
        // A piece that asked for something refused is printed again next time, so the request is reported again.
        if (sandbox.blocked.length === 0) store?.keep(html, bytes);
        return bytes;
      } finally {
        await sandbox.close();
      }
    }),
  );
  clock('pieces: load and print');
  const owner = new Map(parts.owners);
  const docs = await Promise.all(printed.map((bytes) => loadPdf(bytes)));
  const joined: PDFDocument = joinPieces(docs, (name) => owner.get(name));
  const bytes = await joined.save({ useObjectStreams: false });
  clock('pieces: join');
  return {
    bytes,
    doc: joined,
    blocked,
    pieces: printed.length,
    reused,
  };
}
