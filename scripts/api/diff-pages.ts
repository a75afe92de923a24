import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFString } from '@cantoo/pdf-lib';
import { sameContent } from '../util/imagediff.ts';
import { diffSequences } from '../util/textdiff.ts';
import { localDigits, roman } from '../model/numerals.ts';

const exec = promisify(execFile);

export interface PdfPage {
  /** 1-based page index in the file. */
  index: number;
  png: string;
  /** sha256 of the PNG file: equal bytes, equal rendering. */
  hash: string;
  /** The page's text without running heads and folios: what identifies it when it moves. */
  key: string;
  /** The page's text as pdftotext reads it, for finding which text changes it shows. */
  text: string;
}

/** Pixel height of the page images: a page of body text stays legible at it (issue 19: at least 1000). */
export const PAGE_IMAGE_HEIGHT = 1200;

/**
 * Renders every page of a PDF to PNG (`pdftoppm -r <dpi> -png`, small: enough
 * to tell pages apart) and reads its text (`pdftotext`, pages split at form
 * feeds). `heads` are running-head texts (the book title, chapter titles) to
 * leave out of each page's key, with folio lines, so a page that only moved
 * keeps its key.
 */
export async function rasterize(
  pdf: string,
  dir: string,
  prefix: string,
  heads: Iterable<string>,
  dpi = 50,
): Promise<PdfPage[]> {
  await exec('pdftoppm', ['-r', String(dpi), '-png', pdf, path.join(dir, prefix)], { maxBuffer: 64 * 1024 * 1024 });
  const { stdout } = await exec('pdftotext', ['-enc', 'UTF-8', pdf, '-'], {
    maxBuffer: 256 * 1024 * 1024,
    encoding: 'utf8',
  });
  const texts = stdout.split('\f');
  const names = (await readdir(dir)).filter((n) => n.startsWith(`${prefix}-`) && n.endsWith('.png'));
  names.sort((x, y) => Number(/-(\d+)\.png$/.exec(x)![1]) - Number(/-(\d+)\.png$/.exec(y)![1]));
  const headSet = new Set([...heads].map((h) => h.replace(/\s+/g, ' ').trim().toLowerCase()).filter(Boolean));
  const labels = await pageLabels(pdf, names.length);
  const pages: PdfPage[] = [];
  for (const [i, name] of names.entries()) {
    const file = path.join(dir, name);
    const bytes = await readFile(file);
    pages.push({
      index: i + 1,
      png: file,
      hash: createHash('sha256').update(bytes).digest('hex'),
      key: pageKey(texts[i] ?? '', headSet, labels[i]),
      text: texts[i] ?? '',
    });
  }
  return pages;
}

/**
 * Renders one page (1-based) `height` pixels high whatever the trim size, so
 * the changed words in a report are legible; returns the PNG's path. Only
 * the pages a report shows are rendered this large.
 */
export async function renderPage(
  pdf: string,
  index: number,
  file: string,
  height = PAGE_IMAGE_HEIGHT,
): Promise<string> {
  const base = file.replace(/\.png$/, '');
  await exec(
    'pdftoppm',
    [
      '-f',
      String(index),
      '-l',
      String(index),
      '-singlefile',
      '-scale-to-x',
      '-1',
      '-scale-to-y',
      String(height),
      '-png',
      pdf,
      base,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return `${base}.png`;
}

/** The folio each page prints, from the PDF's /PageLabels (decimal and roman styles); empty when it has none. */
export async function pageLabels(pdf: string, count: number): Promise<(string | undefined)[]> {
  const out = new Array<string | undefined>(count).fill(undefined);
  try {
    const doc = await PDFDocument.load(await readFile(pdf), { updateMetadata: false });
    const nums = doc.catalog.lookupMaybe(PDFName.of('PageLabels'), PDFDict)?.lookup(PDFName.of('Nums'), PDFArray);
    const ranges: { start: number; style?: string; first: number; prefix: string }[] = [];
    for (let i = 0; nums && i + 1 < nums.size(); i += 2) {
      const dict = nums.lookup(i + 1, PDFDict);
      const prefix = dict.lookupMaybe(PDFName.of('P'), PDFString, PDFHexString)?.decodeText() ?? '';
      ranges.push({
        start: (nums.lookup(i) as PDFNumber).asNumber(),
        style: dict.lookupMaybe(PDFName.of('S'), PDFName)?.decodeText(),
        first: dict.lookupMaybe(PDFName.of('St'), PDFNumber)?.asNumber() ?? 1,
        prefix,
      });
    }
    for (const [r, range] of ranges.entries()) {
      const end = ranges[r + 1]?.start ?? count;
      for (let i = range.start; i < end && i < count; i++) {
        const n = range.first + i - range.start;
        // Prefix-only labels (a Persian-digit edition's folios, pdf-finish.ts) are the whole folio.
        const number =
          range.style === 'D'
            ? String(n)
            : range.style === 'r'
              ? roman(n)
              : range.style === 'R'
                ? roman(n).toUpperCase()
                : '';
        out[i] = range.prefix + number || undefined;
      }
    }
  } catch {
    // No labels: folios are recognised by their look alone.
  }
  return out;
}

/**
 * A page's characters without folios (`57`, `xii`) and running heads, as a
 * sorted multiset: how pdftotext orders and groups the glyphs of a formula
 * changes with sub-pixel shifts between two prints of the same page, which
 * glyphs are on it does not. (Order is not ignored: pages with equal keys are
 * also compared as images.)
 */
export function pageKey(text: string, heads: Set<string>, folio?: string): string {
  const lines = text
    .replace(/\u00ad/g, '')
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  // The page's own folio, wherever pdftotext put it; Persian digits too.
  const persian = folio === undefined ? undefined : localDigits(folio, true);
  let at = -1;
  for (let i = lines.length - 1; folio && i >= 0 && at < 0; i--) if (lines[i] === folio || lines[i] === persian) at = i;
  if (at >= 0) lines.splice(at, 1);
  // Heads (and, without labels, folio-like lines) print at the top or the bottom of a page.
  const kept = lines.filter((line, i) => {
    const edge = i < 2 || i >= lines.length - 2;
    return !(edge && ((at < 0 && /^(\d+|[ivxlcdm]+)$/i.test(line)) || heads.has(line.toLowerCase())));
  });
  return [...kept.join('').replace(/\s+/g, '')].sort().join('');
}

export type PageChange =
  | { status: 'unchanged'; before: PdfPage; after: PdfPage }
  | { status: 'moved'; before: PdfPage; after: PdfPage }
  | { status: 'changed'; before: PdfPage; after: PdfPage }
  | { status: 'removed'; before: PdfPage }
  | { status: 'added'; after: PdfPage };

/**
 * Pairs the pages of two renderings. Pages with the same text (heads and
 * folios left out) are matched in order (LCS); a matched pair is unchanged
 * when it renders the same at the same place, moved when it is elsewhere but
 * shows the same content (compared with the margins and heads cropped), and
 * changed otherwise (at the same place, any pixel difference is a change). Unmatched pages between two matches are paired in order
 * as changed; what is left over was added or removed.
 */
export async function matchPages(before: PdfPage[], after: PdfPage[]): Promise<PageChange[]> {
  const ops = diffSequences(before, after, (x, y) => x.key === y.key);
  const out: PageChange[] = [];
  let removed: PdfPage[] = [];
  let added: PdfPage[] = [];
  const flush = () => {
    const n = Math.min(removed.length, added.length);
    for (let i = 0; i < n; i++) out.push({ status: 'changed', before: removed[i]!, after: added[i]! });
    for (const page of removed.slice(n)) out.push({ status: 'removed', before: page });
    for (const page of added.slice(n)) out.push({ status: 'added', after: page });
    removed = [];
    added = [];
  };
  for (const op of ops) {
    if (op.op === 'delete') {
      removed.push(op.a);
    } else if (op.op === 'insert') {
      added.push(op.b);
    } else {
      flush();
      const { a, b } = op;
      if (a.hash === b.hash) {
        out.push({ status: a.index === b.index ? 'unchanged' : 'moved', before: a, after: b });
      }
      // In the same place, the same page renders to the same pixels: any difference is a change.
      else if (a.index === b.index) {
        out.push({ status: 'changed', before: a, after: b });
      } else {
        const same = sameContent(await readFile(a.png), await readFile(b.png));
        out.push({ status: same ? 'moved' : 'changed', before: a, after: b });
      }
    }
  }
  flush();
  return out;
}
