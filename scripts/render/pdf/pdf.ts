import { createHash } from 'node:crypto';
import { PDFArray, PDFNumber, type PDFDocument } from '@cantoo/pdf-lib';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Element } from 'hast';
import { EXIT, visit } from 'unist-util-visit';
import type { LoadedBook } from '../../model/book/load.ts';
import { authorCss } from '../../model/author-css.ts';
import { buildDate } from '../../util/build-date.ts';
import { writeFileAtomic } from '../../util/atomic.ts';
import { report } from '../../util/messages.ts';
import { sharedFiles } from '../assets.ts';
import {
  BOOK_ORIGIN,
  launchBrowser,
  openSandboxedPage,
  type BlockedRequest,
  type GalleyBrowser,
  type SandboxedPage,
  type ServedFile,
} from '../browser.ts';
import { footerText, type Page } from '../../model/pages.ts';
import { composeBook, composeHtml, EMPTY_LAYOUT, type Composition, type PrintLayout, type TocLine } from './compose.ts';
import { destinations, finishPdf, readDestinations, type OutlineNode } from './post/finish.ts';
import { bookSlug } from '../../model/book-slug.ts';
import { fixTextLayer } from './post/text-layer.ts';
import { loadPdf } from './lib-speed.ts';
import { keyPlace, pressOptions } from './press.ts';
import { presetOf } from '../../model/config/presets.ts';
import { compoundWords } from './post/hyphen-words.ts';
import { adjustAfterPrint, canAdjust, markWideTables, popplerVersion, readFindings } from './adjust.ts';
import { fitWideMath } from './fit-math.ts';
import { fillPageRefsInPage, pageRefTargets, pageWord } from '../../passes/errata/appendix.ts';
import { mergeIndexPagesInPage } from '../../passes/book-index.ts';
import type { Errata } from '../../model/errata/load.ts';
import { editionStamp, pdfStampInfo } from '../../model/errata/stamp.ts';
import { BOOK_CSP } from '../xhtml.ts';
import { stopwatch } from '../../util/stopwatch.ts';
import { localDigits, roman } from '../../model/numerals.ts';
import type { Renderer } from '../renderer.ts';
import type { Page as PuppeteerPage } from 'puppeteer-core';
import { chooseCuts, printInPieces } from './pieces.ts';
import type { PrintPageMap } from '../print-page-map.ts';
import { measurePageStarts } from './page-starts.ts';
import type { BuildCache, TextLayerCacheStats } from '../../model/build-cache.ts';
import { TextLayerCache } from './text-layer-cache.ts';
import { printDirOf, printKey, readPrint, writePrint } from './print-cache.ts';
import { PieceCache, pieceDirOf } from './piece-cache.ts';

export interface PdfOptions {
  /** The book's errata (prepare() returns it): the printing for the copyright page and metadata. */
  errata?: Errata;
  /** Bleed and crop marks for a printer (`--print-marks`); book.yaml's crop_marks also turns them on. */
  printMarks?: boolean;
  /** A browser the build already launched; otherwise one is launched and closed here. */
  browser?: GalleyBrowser;
  /** Chromium binary, when no browser is given. */
  executablePath?: string;
  /** The measure-then-adjust pass (print-adjust.ts); on unless false (tests compare without it). */
  adjust?: boolean;
  /**
   * print.css's keep-with-next rules; on unless false. Chromium holds them wherever tried so far, so tests turn
   * them off to give the adjust pass stranded headings and lead-ins to fix on its own.
   */
  cssKeep?: boolean;
  /**
   * print.css's break of a word longer than the line; on unless false. Tests of the preflight's overfull rule turn
   * it off to have Chromium overrun the text block as it would without it.
   */
  wrapWords?: boolean;
  /**
   * Make the final print in this many pieces at once, joined into one PDF (decision 0028); 1, the default, prints
   * the book whole. GALLEY_PRINT_PIECES sets it when this is not given.
   */
  pieces?: number;
  /** Write the file (default); false only measures it (a cover built without its interior needs the page count). */
  write?: boolean;
  /** Also measure where every page starts (render/pdf/page-starts.ts), for the EPUB made in the same run. */
  pageStarts?: boolean;
  /**
   * The build's cache: a composed document printed before (same HTML, files, options, browser and toolchain) is
   * taken from its print cache instead of printed again (print-cache.ts). None when not given.
   */
  cache?: BuildCache;
}

export interface PdfResult {
  path: string;
  pages: number;
  bytes: number;
  seconds: number;
  /**
   * Chromium prints made: 2 normally (the layout probe and the final print), more if the layout moved between them;
   * the adjust pass's rounds (a probe and a final print each) are not counted.
   */
  prints: number;
  /** Pieces the kept print was made in (1: the book whole; see PdfOptions.pieces). */
  pieces: number;
  /** Of the kept print's pieces, those Chromium printed in this build (0 when the whole PDF came from the cache). */
  piecesReprinted: number;
  /** Of the kept print's pieces, those taken from the piece cache (render/pdf/piece-cache.ts) instead. */
  piecesReused: number;
  /** Requests the book's content made that were refused (each also reported on its chapter). */
  blocked: BlockedRequest[];
  /** Seconds spent in each step, for `npm run bench`. */
  timings: Record<string, number>;
  /** Where every page starts, when `pageStarts` asked and the measuring print kept the layout. */
  pageMap?: PrintPageMap;
  /** The kept print's text layer: content streams, and how many came from the text-layer cache (none without one). */
  textLayer?: TextLayerCacheStats;
}

/** ↪, the mark print.css draws before each continuation of a wrapped code line. */
const CONTINUATION_MARK =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 14"><path d="M3.2 4.2a1.9 1.9 0 0 0 0 3.8H8.6M6.9 6.3 8.7 8 6.9 9.7" fill="none" stroke="#666" stroke-width="0.9" stroke-linecap="round" stroke-linejoin="round"/></svg>';
const STYLESHEETS = ['css/fonts.css', 'css/book.css', 'css/print.css', 'css/pages.css'];
/** Undoes print.css's keep-with-next rules (not the adjust pass's own breaks): `cssKeep: false`. */
const NO_KEEP = {
  path: 'css/no-keep.css',
  css: `:is(.galley-keep, .galley-keep + *, .galley-keep + :is(ol, ul) > li:first-child, h2, h3, h4, h5, h6,
  :is(h2, h3, h4, h5, h6) + *, :is(h2, h3) + :is(ol, ul) > li:first-child):not(.galley-break) {
  break-before: auto !important;
  break-after: auto !important;
}
`,
};
/** Undoes print.css's break of overlong words: `wrapWords: false`. */
const NO_WRAP = { path: 'css/no-wrap.css', css: 'body.galley-print {\n  overflow-wrap: normal !important;\n}\n' };
const DOCUMENT = 'book.html';
/** Final prints made again when the layout moved between the probe and the print (it should not). */
const MAX_REPRINTS = 2;
/** Rounds of the measure-then-adjust pass (print-adjust.ts); each costs a print, and only runs when a page needs it. */
const ADJUST_ROUNDS = 3;

/** The label a reader sees on page `index` (0-based): roman before the body, arabic from 1 after. */
export function pageLabel(index: number, bodyStart: number | undefined, persianDigits = false): string {
  // Persian has no roman numerals: the front matter counts in Persian digits as well.
  if (bodyStart === undefined || index < bodyStart)
    return persianDigits ? localDigits(index + 1, true) : roman(index + 1);
  const arabic = String(index - bodyStart + 1);
  return localDigits(arabic, persianDigits);
}

export interface Plan {
  layout: PrintLayout;
  /** Where every TOC target will print (0-based page index) once the blanks are in. */
  predicted: Map<string, number>;
  bodyStart?: number;
}

function tocTargets(lines: TocLine[], out: string[] = []): string[] {
  for (const line of lines) {
    if (line.target) out.push(line.target);
    tocTargets(line.children, out);
  }
  return out;
}

/**
 * From where things printed without blank versos (`natural`, 0-based page
 * per id), decides where blank versos go so that parts and top-level
 * chapters open on right-hand pages, and what page label each TOC entry gets.
 * Blank pages sit between forced page breaks, so they move later pages without
 * reflowing anything.
 */
export function planLayout(composition: Composition, natural: Map<string, number>): Plan {
  const blanksBefore = new Set<string>();
  const shiftOf = new Map<string, number>();
  let shift = 0;
  for (const block of composition.blocks) {
    const at = natural.get(block.id);
    if (
      at !== undefined &&
      block.recto &&
      (block.kind === 'part' || block.kind === 'chapter') &&
      (at + shift) % 2 === 1
    ) {
      blanksBefore.add(block.id);
      shift++;
    }
    shiftOf.set(block.id, shift);
  }
  const predicted = new Map<string, number>();
  for (const [id, at] of natural) {
    const block = composition.blockOfTarget.get(id);
    if (block !== undefined) predicted.set(id, at + (shiftOf.get(block) ?? 0));
  }
  const firstBody = composition.blocks.find((b) => b.matter !== 'front' && (b.kind === 'part' || b.kind === 'chapter'));
  const bodyStart = firstBody ? predicted.get(firstBody.id) : undefined;
  const pageLabels = new Map<string, string>();
  for (const target of tocTargets(composition.toc)) {
    const at = predicted.get(target);
    if (at !== undefined) pageLabels.set(target, pageLabel(at, bodyStart, composition.persianDigits));
  }
  const pageRefLabels = new Map<string, string>();
  for (const target of composition.blocks.flatMap((b) => pageRefTargets(b.element))) {
    const at = predicted.get(target);
    if (at !== undefined) pageRefLabels.set(target, pageLabel(at, bodyStart, composition.persianDigits));
  }
  return { layout: { blanksBefore, pageLabels, pageRefLabels }, predicted, bodyStart };
}

function outlineOf(lines: TocLine[]): OutlineNode[] {
  return lines.map((line) => ({
    title: line.number ? `${line.number}. ${line.title}` : line.title,
    target: line.target,
    open: line.kind === 'part',
    children: outlineOf(line.children),
  }));
}

/** Finds the element in the book that asked for `url`, to report the request at its Markdown line. */
function reportBlocked(book: LoadedBook, composition: Composition, blocked: BlockedRequest[]) {
  const documentUrl = `${BOOK_ORIGIN}/${DOCUMENT}`;
  const seen = new Set<string>();
  for (const request of blocked) {
    if (seen.has(request.url)) continue;
    seen.add(request.url);
    let where: { block: (typeof composition.blocks)[number]; node: Element } | undefined;
    for (const block of composition.blocks) {
      visit(block.element, 'element', (node: Element) => {
        for (const value of Object.values(node.properties)) {
          if (value === undefined || value === null || typeof value === 'boolean') continue;
          const text = Array.isArray(value) ? value.join(' ') : String(value);
          let resolved: string | undefined;
          try {
            resolved = new URL(text, documentUrl).href;
          } catch {
            resolved = undefined;
          }
          if (text.includes(request.url) || resolved === request.url) {
            where = { block, node };
            return EXIT;
          }
        }
      });
      if (where) break;
    }
    const file = where?.block.page?.chapter?.file ?? book.configFile;
    report(
      file,
      'error',
      `The PDF's content asked for ${request.url} (${request.resourceType}); the request was blocked: a book may only use its own files`,
      where?.node.position ?? { line: 1, column: 1 },
      'pdf-blocked-request',
    );
  }
}

async function load(
  sandbox: SandboxedPage,
  files: Map<string, ServedFile>,
  html: string,
  timings: Record<string, number>,
) {
  files.set(DOCUMENT, { mediaType: 'text/html; charset=utf-8', data: html });
  const started = performance.now();
  await sandbox.load(DOCUMENT);
  timings.load = (timings.load ?? 0) + (performance.now() - started) / 1000;
}

async function print(sandbox: SandboxedPage, final: boolean, timings: Record<string, number>): Promise<Uint8Array> {
  const started = performance.now();
  const bytes = await printPage(sandbox.page, final);
  timings.print = (timings.print ?? 0) + (performance.now() - started) / 1000;
  return bytes;
}

function printPage(page: PuppeteerPage, final: boolean): Promise<Uint8Array> {
  return page.pdf({
    preferCSSPageSize: true,
    printBackground: true,
    displayHeaderFooter: false,
    // Tags and Chromium's outline only matter for the print that is kept.
    tagged: final,
    outline: final,
    timeout: 0,
  });
}

interface Probe {
  pages: number;
  /** Each target's 0-based page, without blank versos. */
  at: Map<string, number>;
  /** Where on its page, as Chromium's destination says (points from the foot). */
  top: Map<string, number>;
}

const topOf = (array: PDFArray) => {
  const value = array.lookup(3);
  return value instanceof PDFNumber ? value.asNumber() : 0;
};

/**
 * Where every target lands without blank versos, from a print of the layout
 * alone: everything hidden (visibility breaks nothing and paints nothing),
 * untagged, without an outline. It gives the same pages and destinations as
 * the real print at about 40% of an untagged print's cost (decision 0021), so
 * the tagged print that follows is the only full one.
 */
async function probe(sandbox: SandboxedPage, timings: Record<string, number>): Promise<Probe> {
  await sandbox.page.evaluate(() => document.documentElement.style.setProperty('visibility', 'hidden', 'important'));
  try {
    const { pages, dests } = await readDestinations(await print(sandbox, false, timings));
    return {
      pages,
      at: new Map([...dests].map(([id, d]) => [id, d.page])),
      top: new Map([...dests].map(([id, d]) => [id, topOf(d.array)])),
    };
  } finally {
    await sandbox.page.evaluate(() => document.documentElement.style.removeProperty('visibility'));
  }
}

/**
 * Turns the loaded first-print document into the second-print one without
 * loading it again (fonts, images and parsing are kept): blank versos go in,
 * TOC slots get their numbers. Toolchain code run through the DevTools
 * protocol; the page's own JavaScript stays off. The result is the document
 * `composeHtml(composition, layout)` describes.
 */
async function applyLayout(
  sandbox: SandboxedPage,
  composition: Composition,
  layout: PrintLayout,
  timings: Record<string, number>,
) {
  const started = performance.now();
  const blanks: [string, string][] = [];
  let previous: Composition['blocks'][number] | undefined;
  for (const block of composition.blocks) {
    if (block.kind !== 'title' && layout.blanksBefore.has(block.id))
      blanks.push([block.id, previous?.matter === 'front' ? 'galley-blank-front' : 'galley-blank']);
    previous = block;
  }
  const applied = await sandbox.page.evaluate(
    (blanks: [string, string][], labels: [string, string][]) => {
      let count = 0;
      for (const [id, name] of blanks) {
        const block = document.getElementById(id);
        if (!block?.parentNode) continue;
        const blank = document.createElement('div');
        blank.setAttribute('class', 'galley-blank');
        blank.setAttribute('style', `page: ${name}`);
        blank.setAttribute('aria-hidden', 'true');
        blank.setAttribute('data-galley-inserted', '');
        block.parentNode.insertBefore(blank, block);
        count++;
      }
      const byTarget = new Map(labels);
      for (const entry of Array.from(document.querySelectorAll('a.toc-entry'))) {
        const label = byTarget.get((entry.getAttribute('href') ?? '').slice(1));
        const slot = entry.querySelector('.toc-page');
        if (label !== undefined && slot) {
          slot.textContent = label;
          count++;
        }
      }
      return count;
    },
    blanks,
    [...layout.pageLabels],
  );
  const slots = composition.blocks
    .flatMap((b) => pageRefTargets(b.element))
    .filter((t) => layout.pageRefLabels.has(t)).length;
  if (slots > 0) {
    // What each page-reference slot held before, for undoLayout.
    await sandbox.page.evaluate(() => {
      for (const slot of Array.from(document.querySelectorAll('a > span.page-ref')))
        slot.setAttribute('data-galley-empty', slot.textContent ?? '');
    });
  }
  const filled =
    slots > 0
      ? await sandbox.page.evaluate(fillPageRefsInPage, [...layout.pageRefLabels], pageWord(composition.language))
      : 0;
  if (applied !== blanks.length + [...layout.pageLabels].length || filled !== slots)
    throw new Error('The composed print document did not take the second-print layout');
  // The index lists a page once, and consecutive pages as a range.
  if (filled > 0) await sandbox.page.evaluate(mergeIndexPagesInPage);
  timings.load = (timings.load ?? 0) + (performance.now() - started) / 1000;
}

/**
 * Takes applyLayout's blank versos and page references out again, so the
 * adjust pass measures the document its findings were read from (it finds
 * elements by their place among those of their tag, and a filled reference
 * may rewrap a paragraph). TOC numbers stay: nothing measured is in the
 * contents.
 */
async function undoLayout(sandbox: SandboxedPage) {
  await sandbox.page.evaluate(() => {
    for (const blank of Array.from(document.querySelectorAll('[data-galley-inserted]'))) blank.remove();
    for (const merged of Array.from(document.querySelectorAll<HTMLElement>('[data-galley-merged]'))) {
      if (merged.getAttribute('data-galley-merged') === 'hidden') merged.style.removeProperty('display');
      merged.removeAttribute('data-galley-merged');
    }
    for (const slot of Array.from(document.querySelectorAll('[data-galley-empty]'))) {
      slot.textContent = slot.getAttribute('data-galley-empty');
      slot.removeAttribute('data-galley-empty');
    }
  });
}

/** Everything a print needs, served from memory on the private origin. */
async function servedFiles(book: LoadedBook, composition: Composition): Promise<Map<string, ServedFile>> {
  const files = new Map<string, ServedFile>();
  for (const file of await sharedFiles(book, ['pdf/print.css'], { pdf: true }))
    files.set(file.path, { mediaType: file.mediaType, data: file.data });
  files.set('css/pages.css', { mediaType: 'text/css', data: composition.pageCss });
  files.set('css/continuation.svg', { mediaType: 'image/svg+xml', data: CONTINUATION_MARK });
  return files;
}

function fingerprint(files: Map<string, ServedFile>, html: string, extra: string[]): string {
  const hash = createHash('sha256');
  for (const value of extra) hash.update(`${value}\0`);
  hash.update(html);
  for (const name of [...files.keys()].sort()) {
    if (name === DOCUMENT) continue;
    hash.update(`\0${name}\0`);
    hash.update(files.get(name)!.data);
  }
  return hash.digest('hex');
}

/** Messages on the book's files so far: a print that adds one is not cached. */
const messageCount = (book: LoadedBook) =>
  [...new Set([...book.files, book.configFile])].reduce((sum, file) => sum + file.messages.length, 0);

/**
 * The print edition: the book composed as one HTML document, probed once
 * (a print of the layout alone says where headings and chapters land) and
 * printed once in full (with blank versos and page numbers), then finished with
 * pdf-lib (metadata, page labels, outline, fixed dates and /ID). Writes
 * `<outDir>/<slug>.pdf` atomically.
 */
export async function renderPdf(
  book: LoadedBook,
  pages: Page[],
  outDir: string,
  options: PdfOptions = {},
): Promise<PdfResult> {
  const started = performance.now();
  const config = book.config;
  const date = buildDate(book.root);
  if (config.output.pdf.footnotes === 'page-foot') {
    report(
      book.configFile,
      'warning',
      'output.pdf.footnotes: page-foot is not available with the Chromium engine; notes print at the end of each chapter (docs/decisions/0003-pdf-engine.md)',
      { line: 1, column: 1 },
      'pdf-footnotes',
    );
  }

  const { timings, lap, skip } = stopwatch();
  const stamp = editionStamp(book, options.errata);
  let composition = composeBook(book, pages, { printMarks: options.printMarks, date, stamp });
  const press = pressOptions(book);
  const preset = presetOf(config.output.pdf);
  if (preset && composition.geometry.cropMarksRefused) {
    report(
      book.configFile,
      'warning',
      `${preset.service} refuses crop marks in the interior: the PDF is printed without them (output.pdf.preset: ${preset.name})`,
      keyPlace(book, 'preset'),
      'print-preset',
    );
  }
  const files = await servedFiles(book, composition);
  const stylesheets = [...STYLESHEETS];
  for (const [off, sheet] of [
    [options.cssKeep === false, NO_KEEP],
    [options.wrapWords === false, NO_WRAP],
  ] as const) {
    if (!off) continue;
    stylesheets.push(sheet.path);
    files.set(sheet.path, { mediaType: 'text/css', data: sheet.css });
  }
  // The author's stylesheet comes last: it may override Galley's (and the internal test sheets above).
  const own = authorCss(book, 'pdf');
  if (own) {
    files.set('css/author.css', { mediaType: 'text/css', data: own });
    stylesheets.push('css/author.css');
  }
  lap('compose');
  const galley = options.browser ?? (await launchBrowser({ executablePath: options.executablePath }));
  lap('launch');
  const target = path.join(outDir, `${bookSlug(book)}.pdf`);
  const adjusting = options.adjust !== false && (await canAdjust());
  const pieces = options.pieces ?? Number(process.env.GALLEY_PRINT_PIECES ?? 1);
  const firstHtml = composeHtml(composition, EMPTY_LAYOUT, stylesheets);
  const messages = messageCount(book);
  // The render options that reach Chromium's print itself: part of the whole print's key and of each piece's.
  const printShape = {
    printMarks: options.printMarks ?? false,
    cssKeep: options.cssKeep ?? true,
    wrapWords: options.wrapWords ?? true,
  };
  const cached = options.cache?.print.dir
    ? {
        dir: printDirOf(options.cache.print.dir, path.resolve(target)),
        key: printKey(fingerprint(files, firstHtml, []), await galley.browser.version(), {
          date: date.toISOString(),
          ...printShape,
          adjusting,
          // poppler reads the printed pages: what the adjust pass moves and where pages start.
          poppler: await popplerVersion(),
          pieces,
          pageStarts: options.pageStarts ?? false,
          // The finish writes metadata the document may not show (keywords, identifier, the press's settings).
          config,
          stamp: pdfStampInfo(stamp),
        }),
      }
    : undefined;
  const hit = cached ? await readPrint(cached.dir, cached.key) : undefined;
  if (hit) {
    lap('print cache');
    options.cache!.print.hits++;
    if (!options.browser) await galley.close();
    if (options.write !== false) {
      skip();
      await writeFileAtomic(target, hit.bytes);
      lap('write');
    }
    return {
      path: target,
      pages: hit.facts.pages,
      bytes: hit.bytes.length,
      seconds: (performance.now() - started) / 1000,
      prints: 0,
      pieces: hit.facts.pieces,
      piecesReprinted: 0,
      piecesReused: 0,
      blocked: [],
      timings,
      ...(hit.facts.pageMap ? { pageMap: hit.facts.pageMap } : {}),
    };
  }
  // The last round's piece prints, when the book was printed in pieces and cached.
  let pieceCache: PieceCache | undefined;
  let result: {
    bytes: Uint8Array;
    pages: number;
    prints: number;
    pieces: number;
    reused: number;
    blocked: BlockedRequest[];
    pageMap?: PrintPageMap;
    textLayer?: TextLayerCacheStats;
  };
  try {
    const sandbox = await openSandboxedPage(galley, files, BOOK_CSP);
    try {
      await load(sandbox, files, firstHtml, timings);
      const tables = config.output.pdf.wide_tables
        ? await markWideTables(sandbox.page, composition, config.output.pdf.wide_tables)
        : 0;
      if (tables + (await fitWideMath(sandbox.page, composition)) > 0)
        await load(sandbox, files, composeHtml(composition, EMPTY_LAYOUT, stylesheets), timings);
      lap('first load');

      let natural: Probe = await probe(sandbox, timings);
      lap('probe print');
      if (preset) {
        // The service's gutter grows with the page count, known once probed: one more probe when it moves to another
        // step. The blank versos come in the final print, so each right-hand opening counts as one: a gutter a step
        // too wide near a boundary is allowed, one too narrow is not.
        const openings = composition.blocks.filter((b) => b.recto && (b.kind === 'part' || b.kind === 'chapter'));
        const count = natural.pages + openings.length + (press.blankLastPage ? 1 : 0);
        const sized = composeBook(book, pages, { printMarks: options.printMarks, date, stamp, pageCount: count });
        if (sized.geometry.margins.inner !== composition.geometry.margins.inner) {
          composition = sized;
          files.set('css/pages.css', { mediaType: 'text/css', data: composition.pageCss });
          await load(sandbox, files, composeHtml(composition, EMPTY_LAYOUT, stylesheets), timings);
          natural = await probe(sandbox, timings);
          lap('gutter print');
        }
      }
      type Finished = Awaited<ReturnType<typeof finishPdf>>;
      // Read while Chromium prints; every finish of this build (an adjust round may finish a print it drops) uses it.
      const textLayerDir = options.cache?.textLayer.dir;
      const textLayerCache = textLayerDir ? TextLayerCache.open(textLayerDir, target) : undefined;
      let textLayer: TextLayerCacheStats | undefined;
      const finish = async (
        doc: PDFDocument,
        html: string,
        plan: Plan,
        mayReprint: boolean,
        stop: AbortSignal,
      ): Promise<{ moved: Map<string, { page: number }> } | { finished: Finished } | undefined> => {
        const clock = (name: string, since: number) => {
          timings[name] = (timings[name] ?? 0) + (performance.now() - since) / 1000;
          return performance.now();
        };
        let at = performance.now();
        const dests = destinations(doc);
        const moved = [...plan.predicted].filter(([id, page]) => dests.get(id)?.page !== page);
        if (moved.length > 0 && mayReprint) return { moved: dests };
        if (moved.length > 0) {
          report(
            book.configFile,
            'warning',
            `PDF: ${moved.length} TOC page numbers may be off by a page (the layout kept moving between prints)`,
            { line: 1, column: 1 },
            'pdf-toc-pages',
          );
        }
        if (stop.aborted) return undefined;
        const compounds = compoundWords(html);
        const kept = await textLayerCache;
        textLayer = fixTextLayer(doc, (word) => compounds.has(word), kept);
        at = clock('text layer', at);
        if (stop.aborted) return undefined;
        const finished = await finishPdf(doc, {
          title: config.subtitle ? `${config.title}: ${config.subtitle}` : config.title,
          authors: config.authors,
          subject: config.description ?? config.subtitle,
          keywords: config.keywords,
          language: config.language,
          rights: footerText(book),
          licence: config.licence,
          info: pdfStampInfo(stamp),
          identifier: config.identifier,
          publisher: config.publisher,
          date,
          fingerprint: fingerprint(files, html, [date.toISOString(), String(options.printMarks ?? false)]),
          bodyStart: plan.bodyStart,
          persianDigits: composition.persianDigits,
          outline: outlineOf(composition.toc),
          geometry: composition.geometry,
          ...press,
          producer: `Galley (${(await galley.browser.version()).replace('HeadlessChrome', 'Chromium')} Skia/PDF; pdf-lib)`,
        });
        clock('finish', at);
        timings['finish: save'] = finished.saveSeconds;
        return { finished };
      };
      // The final print comes straight after the probe; the adjust pass (page breaks before stranded headings,
      // figures floated past the text that fills their gap) reads that print itself, in poppler's own processes
      // while pdf-lib finishes it. When the reading moves nothing (most books, and the last round of every book),
      // the finished file is the one kept; when it moves something, the round starts again with a probe.
      let printedPieces = 1;
      let reusedPieces = 0;
      let refused = false;
      const finalPrint = async (plan: Plan, natural: Probe) => {
        printedPieces = 1;
        reusedPieces = 0;
        const total = natural.pages + plan.layout.blanksBefore.size;
        const cuts =
          pieces > 1 && !refused && plan.bodyStart !== undefined
            ? chooseCuts(composition, plan.layout, natural.at, total, pieces)
            : [];
        // A round printed whole prunes no piece entries: the folder keeps the pieces of the last print in pieces.
        if (cuts.length === 0 || plan.bodyStart === undefined) {
          pieceCache = undefined;
          return print(sandbox, true, timings);
        }
        const started = performance.now();
        // Each round's pieces are kept by their own documents: the last round's are the ones the folder keeps.
        pieceCache = cached
          ? new PieceCache(
              pieceDirOf(options.cache!.print.dir!, path.resolve(target)),
              fingerprint(files, '', []),
              await galley.browser.version(),
              // The date, the finish's settings, the adjust pass and the number of pieces do not reach a piece's print.
              printShape,
            )
          : undefined;
        const joined = await printInPieces(
          galley,
          sandbox.page,
          files,
          composition,
          cuts,
          plan.bodyStart,
          (page) => printPage(page, true),
          pieceCache,
          timings,
        );
        sandbox.blocked.push(...joined.blocked);
        timings.print = (timings.print ?? 0) + (performance.now() - started) / 1000;
        // Chromium sets every page of a document smaller when something in it is wider than the page: then a piece
        // without it prints larger than the book does. Every target must sit where the probe of the whole book put it.
        const dests = destinations(joined.doc);
        const off = [...natural.top].filter(([id, top]) => {
          const dest = dests.get(id);
          return dest !== undefined && Math.abs(topOf(dest.array) - top) > 0.5;
        });
        if (off.length === 0) {
          printedPieces = joined.pieces;
          reusedPieces = joined.reused;
          timings['pieces reused'] = joined.reused;
          return joined.bytes;
        }
        timings['pieces refused'] = (timings['pieces refused'] ?? 0) + 1;
        // What made the scale differ is still there in the adjust pass's next round: print that round whole.
        refused = true;
        pieceCache = undefined;
        return print(sandbox, true, timings);
      };
      let reprints = 0;
      for (let round = 0; ; round++) {
        const plan = planLayout(composition, natural.at);
        lap('plan');
        await applyLayout(sandbox, composition, plan.layout, timings);
        lap('apply layout');
        const printing = finalPrint(plan, natural);
        printing.catch(() => undefined);
        // The document as composed (its hash is the PDF's /ID) is serialised while Chromium prints.
        const html = composeHtml(composition, plan.layout, stylesheets);
        lap('plan');
        const printed = await printing;
        lap('final print');
        // One parse of the print for both: the reading takes what it needs of it before the finish changes it.
        const doc = await loadPdf(printed);
        lap('pdf-lib load');
        const reading = adjusting && round < ADJUST_ROUNDS ? readFindings(composition, printed, doc) : undefined;
        reading?.catch(() => undefined);
        lap('adjust reading (from the parse)');
        const stop = new AbortController();
        const finishing = finish(doc, html, plan, reprints < MAX_REPRINTS, stop.signal);
        finishing.catch(() => undefined);
        const findings = reading ? await reading : [];
        lap('adjust analysis');
        if (findings.length > 0) {
          await undoLayout(sandbox);
          const changed = await adjustAfterPrint(sandbox.page, composition, printed, round, findings);
          lap('adjust analysis');
          if (changed > 0) {
            stop.abort();
            await finishing.catch(() => undefined);
            lap('finish (thrown away)');
            await load(sandbox, files, composeHtml(composition, EMPTY_LAYOUT, stylesheets), timings);
            natural = await probe(sandbox, timings);
            lap('adjust prints');
            continue;
          }
        }
        const outcome = await finishing;
        lap('finish (waited)');
        if (outcome && 'moved' in outcome) {
          // The layout moved between probe and print (it should not): start again from what this print shows.
          reprints++;
          const at = new Map<string, number>();
          for (const [id, dest] of outcome.moved) {
            const block = composition.blockOfTarget.get(id);
            const before = block ? composition.blocks.findIndex((b) => b.id === block) : -1;
            const blanks = composition.blocks
              .slice(0, before + 1)
              .filter((b) => plan.layout.blanksBefore.has(b.id)).length;
            at.set(id, dest.page - blanks);
          }
          natural = { ...natural, at };
          await undoLayout(sandbox);
          continue;
        }
        if (!outcome) throw new Error('The PDF was not finished');
        result = {
          bytes: outcome.finished.bytes,
          pages: outcome.finished.pages,
          prints: 2 + reprints,
          pieces: printedPieces,
          reused: reusedPieces,
          blocked: [...sandbox.blocked],
          ...(textLayer ? { textLayer } : {}),
        };
        // Kept once, for the print kept: a round the adjust pass threw away left its entries in the cache's `used`.
        const kept = await textLayerCache;
        if (kept && textLayer) {
          const stats = options.cache!.textLayer.stats;
          stats.streams += textLayer.streams;
          stats.reused += textLayer.reused;
          stats.rewritten += textLayer.rewritten;
          kept.save();
          lap('text layer: cache write');
        }
        if (options.pageStarts) {
          // Read from the kept file's text, in the loaded document (render/pdf/page-starts.ts).
          const bodyStart = plan.bodyStart;
          result.pageMap = await measurePageStarts(
            sandbox,
            composition.blocks.filter((b) => b.page !== undefined).map((b) => b.id),
            outcome.finished.pages,
            (index) => pageLabel(index, bodyStart, composition.persianDigits),
            outcome.finished.bytes,
            new Map([...outcome.finished.dests].map(([id, d]) => [id, d.page])),
          );
          lap('page starts');
        }
        break;
      }
    } finally {
      await sandbox.close();
    }
  } finally {
    if (!options.browser) await galley.close();
  }
  if (result.blocked.length > 0) {
    // The content asked for something outside the book: an error, and no PDF that silently lacks it.
    reportBlocked(book, composition, result.blocked);
  } else if (options.write !== false) {
    skip();
    await writeFileAtomic(target, result.bytes);
    lap('write');
  }
  // Only a print that said nothing: a cached one would not say it again.
  if (cached && result.blocked.length === 0 && messageCount(book) === messages) {
    const { pageMap } = result;
    await writePrint(cached.dir, cached.key, result.bytes, {
      pages: result.pages,
      prints: result.prints,
      pieces: result.pieces,
      ...(pageMap ? { pageMap } : {}),
    });
    await pieceCache?.prune();
    lap('print cache');
  }
  return {
    path: target,
    pages: result.pages,
    bytes: result.bytes.length,
    seconds: (performance.now() - started) / 1000,
    prints: result.prints,
    pieces: result.pieces,
    piecesReprinted: result.pieces - result.reused,
    piecesReused: result.reused,
    blocked: result.blocked,
    timings,
    ...(result.pageMap ? { pageMap: result.pageMap } : {}),
    ...(result.textLayer ? { textLayer: result.textLayer } : {}),
  };
}

/**
 * One plain `page.pdf` of the composed book (no second print, no post-pass):
 * the floor any PDF approach here is measured against (npm run bench).
 */
export async function printFloor(
  book: LoadedBook,
  pages: Page[],
  galley: GalleyBrowser,
): Promise<{ seconds: number; pages: number }> {
  const composition = composeBook(book, pages, { date: buildDate(book.root) });
  const files = await servedFiles(book, composition);
  const sandbox = await openSandboxedPage(galley, files, BOOK_CSP);
  try {
    const timings: Record<string, number> = {};
    await load(sandbox, files, composeHtml(composition, EMPTY_LAYOUT, STYLESHEETS), timings);
    const bytes = await print(sandbox, true, timings);
    const seconds = timings.load! + timings.print!;
    return { seconds, pages: (await readDestinations(bytes)).pages };
  } finally {
    await sandbox.close();
  }
}

export const renderer: Renderer = {
  format: 'pdf',
  async render(ctx) {
    const pdf = await renderPdf(ctx.book, ctx.pages, ctx.outDir, {
      printMarks: ctx.printMarks,
      browser: await ctx.browser(),
      errata: ctx.errata,
      // The EPUB of the same run marks where each printed page starts (render/epub/page-list.ts).
      pageStarts: ctx.formats?.includes('epub') === true,
      cache: ctx.cache,
    });
    return [{ format: 'pdf', path: pdf.path, pages: pdf.pages, ...(pdf.pageMap ? { pageMap: pdf.pageMap } : {}) }];
  },
};
