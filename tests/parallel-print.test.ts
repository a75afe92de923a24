import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef } from '@cantoo/pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepare } from '../scripts/api/build.ts';
import { launchBrowser, type GalleyBrowser } from '../scripts/render/browser.ts';
import { renderPdf, type PdfResult } from '../scripts/render/pdf/pdf.ts';
import { destinations } from '../scripts/render/pdf/post/finish.ts';
import { withEnv } from '../scripts/util/env.ts';
import { ROOT, tempDir } from './helpers.ts';

/**
 * The final print in pieces printed at once and joined (decision 0028) against the book printed whole. The fixture
 * opens every part and chapter on a right-hand page and has nothing wider than the page, so its layout cannot
 * depend on where the book is cut.
 */
const BOOK = path.join(ROOT, 'tests', 'books', 'parallel-print');
const run = promisify(execFile);

/** Every page at 30 dpi, as grey pixels. */
async function pagePixels(pdf: string, dir: string): Promise<Buffer[]> {
  await run('pdftoppm', ['-r', '30', '-gray', pdf, path.join(dir, 'p')]);
  const names = (await readdir(dir)).filter((n) => n.endsWith('.pgm')).sort();
  return Promise.all(names.map((n) => readFile(path.join(dir, n))));
}

/** The structure elements' types, counted. */
function structTypes(doc: PDFDocument): Map<string, number> {
  const counts = new Map<string, number>();
  const seen = new Set<string>();
  const walk = (value: unknown) => {
    if (value instanceof PDFRef) {
      if (seen.has(value.toString())) return;
      seen.add(value.toString());
      walk(doc.context.lookup(value));
    } else if (value instanceof PDFArray) {
      for (const item of value.asArray()) walk(item);
    } else if (value instanceof PDFDict) {
      const type = value.get(PDFName.of('S'));
      if (type) counts.set(String(type), (counts.get(String(type)) ?? 0) + 1);
      walk(value.get(PDFName.of('K')));
    }
  };
  walk(doc.catalog.lookup(PDFName.of('StructTreeRoot'), PDFDict).get(PDFName.of('K')));
  return counts;
}

describe('the final print in pieces, joined', () => {
  let out: Awaited<ReturnType<typeof tempDir>>;
  let galley: GalleyBrowser;
  let whole: PdfResult;
  let pieces: PdfResult;
  let again: Uint8Array;

  beforeAll(async () => {
    out = await tempDir('galley-parallel-');
    galley = await launchBrowser();
    await withEnv({ SOURCE_DATE_EPOCH: '1780000000' }, async () => {
      // Prepared once: the three prints differ only in how they are cut.
      const { book, pages, errata } = await prepare(BOOK);
      const render = (count: number, dir: string) =>
        renderPdf(book, pages, path.join(out.dir, dir), { browser: galley, errata, pieces: count });
      whole = await render(1, 'whole');
      pieces = await render(3, 'pieces');
      again = await readFile((await render(3, 'again')).path);
    });
  }, 300_000);

  afterAll(async () => {
    await galley?.close();
    await out?.cleanup();
  });

  it('prints the book in three pieces and joins them into as many pages as the whole print', () => {
    expect(whole.pieces).toBe(1);
    expect(pieces.pieces).toBe(3);
    expect(pieces.pages).toBe(whole.pages);
    expect(pieces.pages).toBeGreaterThan(20);
  });

  it('gives pixel-equal pages: running heads, folios and blank versos included', async () => {
    const { dir: a } = await tempDir('galley-parallel-a-');
    const { dir: b } = await tempDir('galley-parallel-b-');
    const left = await pagePixels(whole.path, a);
    const right = await pagePixels(pieces.path, b);
    expect(right.length).toBe(left.length);
    const differ = left.flatMap((page, i) => (page.equals(right[i]!) ? [] : [i + 1]));
    expect(differ).toEqual([]);
  });

  it('has the same text on every page', async () => {
    const text = async (file: string) => (await run('pdftotext', ['-layout', file, '-'])).stdout;
    const lines = (page: string) =>
      page
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    const a = (await text(whole.path)).split('\f').map(lines);
    const b = (await text(pieces.path)).split('\f').map(lines);
    expect(b).toEqual(a);
    expect(a.flat().length).toBeGreaterThan(500);
  });

  it('is tagged with one structure tree holding what the whole print holds, with its outline and destinations', async () => {
    const info = (await run('pdfinfo', [pieces.path])).stdout;
    expect(info).toMatch(/^Tagged:\s+yes/m);
    const a = await PDFDocument.load(await readFile(whole.path), { updateMetadata: false });
    const b = await PDFDocument.load(await readFile(pieces.path), { updateMetadata: false });
    expect(structTypes(b)).toEqual(structTypes(a));
    expect(structTypes(b).get('/H1')).toBeGreaterThan(5);
    const pagesOf = (doc: PDFDocument) =>
      Object.fromEntries([...destinations(doc)].map(([id, dest]) => [id, dest.page]));
    expect(pagesOf(b)).toEqual(pagesOf(a));
    expect(Object.keys(pagesOf(b)).length).toBeGreaterThan(10);
    const outline = (doc: PDFDocument) => doc.catalog.lookup(PDFName.of('Outlines'), PDFDict).get(PDFName.of('Count'));
    expect(String(outline(b))).toBe(String(outline(a)));
    // Links across pieces (the contents, each chapter's link back) are kept.
    const links = (doc: PDFDocument) =>
      doc.getPages().map((page) => page.node.lookupMaybe(PDFName.of('Annots'), PDFArray)?.size() ?? 0);
    expect(links(b)).toEqual(links(a));
    expect(links(b).reduce((x, y) => x + y, 0)).toBeGreaterThan(10);
  });

  it('is reproducible: the same bytes from another print in pieces', async () => {
    expect(Buffer.from(again).equals(await readFile(pieces.path))).toBe(true);
  });
});
