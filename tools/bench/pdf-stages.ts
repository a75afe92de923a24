/**
 * Where the PDF's time goes beyond the floor: the floor (one plain print of
 * the composed document) and `renderPdf`, alternately in one browser, with
 * `renderPdf`'s own stage timings (PdfResult.timings), medians of the runs.
 * On the bench's print book (BOOK_PDF, ~300 pages) and on manuscript/.
 *
 *   npx tsx tools/bench/pdf-stages.ts [--runs 3] [--book pdf|sample]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { prepare } from '../../scripts/api/build.ts';
import { launchBrowser } from '../../scripts/render/browser.ts';
import { printFloor, renderPdf } from '../../scripts/render/pdf/pdf.ts';
import { BOOK_PDF, writeBook } from './generate.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const value = (name: string) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const runs = Number(value('--runs') ?? 3);
const only = value('--book');

const work = await mkdtemp(path.join(os.tmpdir(), 'galley-pdf-stages-'));
const galley = await launchBrowser();
try {
  const books: [string, string][] = [];
  if (!only || only === 'pdf') {
    await writeBook(path.join(work, 'book'), BOOK_PDF);
    books.push(['BOOK_PDF', path.join(work, 'book')]);
  }
  if (!only || only === 'sample') books.push(['manuscript', path.join(ROOT, 'manuscript')]);
  for (const [name, dir] of books) {
    const floors: number[] = [];
    const totals: number[] = [];
    const stages = new Map<string, number[]>();
    let pages = 0;
    let prints = 0;
    for (let run = 0; run < runs; run++) {
      const a = await prepare(dir);
      const t = performance.now();
      await printFloor(a.book, a.pages, galley);
      floors.push((performance.now() - t) / 1000);
      const b = await prepare(dir);
      const result = await renderPdf(b.book, b.pages, path.join(work, 'out'), { browser: galley, errata: b.errata });
      totals.push(result.seconds);
      pages = result.pages;
      prints = result.prints;
      for (const [key, seconds] of Object.entries(result.timings))
        stages.set(key, [...(stages.get(key) ?? []), seconds]);
    }
    const f = median(floors);
    const g = median(totals);
    console.log(
      `${name}: ${pages} pages, ${prints} prints; floor ${f.toFixed(2)} s, renderPdf ${g.toFixed(2)} s = ${(g / f).toFixed(2)}× [load ${os.loadavg()[0]!.toFixed(2)}]`,
    );
    for (const [key, values] of stages) {
      console.log(
        `  ${key.padEnd(18)} ${median(values).toFixed(3)} s  (${values.map((v) => v.toFixed(3)).join(', ')})`,
      );
    }
  }
} finally {
  await galley.close();
  await rm(work, { recursive: true, force: true });
}
