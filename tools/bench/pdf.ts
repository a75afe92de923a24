/**
 * PDF benchmark: the two-pass Chromium renderer against the floor (one plain
 * `page.pdf` of the same composed document) and against Paged.js (its
 * polyfill paginating the same document in the same Chromium), on the sample
 * book and on a generated book of about 300 pages. Prints seconds and ratios.
 *
 *   npx tsx tools/bench/pdf.ts [--runs 3]
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { prepare } from '../../scripts/api/build.ts';
import { BOOK_ORIGIN, launchBrowser, type GalleyBrowser } from '../../scripts/render/browser.ts';
import { composeBook, composeHtml, EMPTY_LAYOUT } from '../../scripts/render/pdf/compose.ts';
import { printFloor, renderPdf } from '../../scripts/render/pdf/pdf.ts';
import { sharedFiles } from '../../scripts/render/assets.ts';
import { buildDate } from '../../scripts/util/build-date.ts';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const WORDS =
  'model data training loss gradient feature label sample matrix vector bias variance error metric validation precision recall network layer weight optimiser batch epoch regularisation kernel distribution probability estimate inference'.split(
    ' ',
  );

/** A deterministic pseudo-random stream, so every run generates the same book. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

function sentence(next: () => number, words = 12 + Math.floor(next() * 14)): string {
  const list = Array.from({ length: words }, () => WORDS[Math.floor(next() * WORDS.length)]!);
  list[0] = list[0]![0]!.toUpperCase() + list[0]!.slice(1);
  return `${list.join(' ')}.`;
}

/** A manuscript of `chapters` chapters in three parts, each chapter about 1,600 words with math, code, a table and questions. */
export async function generateManuscript(dir: string, chapters = 45): Promise<string> {
  const next = random(42);
  const src = path.join(dir, 'manuscript');
  await mkdir(src, { recursive: true });
  await writeFile(
    path.join(src, 'book.yaml'),
    'title: "Benchmark Book"\nauthors: ["Galley"]\nlanguage: en\ncopyright:\n  year: 2026\n  holder: "Galley"\n',
  );
  const summary = ['# Summary', '', '* [Preface](preface.md)', ''];
  await writeFile(
    path.join(src, 'preface.md'),
    `# Preface\n\n${Array.from({ length: 6 }, () => sentence(next)).join(' ')}\n`,
  );
  for (let c = 1; c <= chapters; c++) {
    if ((c - 1) % 15 === 0) summary.push(`## Part ${Math.ceil(c / 15)}`, '');
    summary.push(`* [Chapter ${c}](ch${c}.md)`);
    const body: string[] = [`# Chapter ${c}`, ''];
    for (let s = 1; s <= 5; s++) {
      body.push(`## Section ${c}.${s}`, '');
      for (let p = 0; p < 3; p++) body.push(Array.from({ length: 5 }, () => sentence(next)).join(' '), '');
      if (s === 2) body.push('$$', `\\sum_{i=1}^{n} (x_i - \\bar{x})^2 = ${c}\\,\\sigma^2`, '$$', '');
      if (s === 3) {
        body.push(
          '```python',
          `def f${c}(x):`,
          '    return sum(v * v for v in x)  # a comment long enough to show how long lines wrap on the page',
          '```',
          '',
        );
      }
      if (s === 4) {
        body.push(
          '| Metric | Value | Note |',
          '| --- | --- | --- |',
          ...Array.from({ length: 4 }, (_, i) => `| m${i} | ${i * c} | ${sentence(next, 5)} |`),
          '',
        );
      }
    }
    body.push(
      '## Questions',
      '',
      `1. [E] ${sentence(next)}`,
      `2. [M] ${sentence(next)}`,
      `3. [H] ${sentence(next)}`,
      '',
    );
    await writeFile(path.join(src, `ch${c}.md`), body.join('\n'));
  }
  await writeFile(path.join(src, 'SUMMARY.md'), summary.join('\n') + '\n');
  return src;
}

/**
 * Paged.js 0.4.3 in the same Chromium, on the same composed document: its
 * polyfill runs as a script (JavaScript on, for this generated book only),
 * paginates, then Chromium prints. Returns undefined when pagedjs is not installed.
 */
async function pagedJs(
  galley: GalleyBrowser,
  manuscript: string,
): Promise<{ seconds: number; pages: number } | undefined> {
  let polyfill: string;
  try {
    // pagedjs's exports hide package.json; its CommonJS entry sits in lib/.
    polyfill = await readFile(
      path.join(path.dirname(require.resolve('pagedjs')), '..', 'dist/paged.polyfill.min.js'),
      'utf8',
    );
  } catch {
    return undefined;
  }
  const { book, pages } = await prepare(manuscript);
  const composition = composeBook(book, pages, { date: buildDate(book.root) });
  const files = new Map<string, { mediaType: string; data: Buffer | string }>();
  for (const file of await sharedFiles(book, ['pdf/print.css']))
    files.set(file.path, { mediaType: file.mediaType, data: file.data });
  // Paged.js does the TOC numbers itself, with target-counter.
  files.set('css/pages.css', {
    mediaType: 'text/css',
    data: `${composition.pageCss}\n.toc-page::after { content: target-counter(attr(href), page); }\n`,
  });
  const html = composeHtml(composition, EMPTY_LAYOUT, [
    'css/fonts.css',
    'css/book.css',
    'css/print.css',
    'css/pages.css',
  ])
    .replace(
      /<a href="(#[^"]+)" class="toc-entry">([\s\S]*?)<span class="toc-page"><\/span>/g,
      '<a href="$1" class="toc-entry">$2<span class="toc-page" href="$1"></span>',
    )
    .replace(
      '</head>',
      '<script>window.PagedConfig = { auto: true, after: () => { window.__pagedDone = true; } };</script><script src="paged.polyfill.js"></script></head>',
    );
  files.set('book.html', { mediaType: 'text/html; charset=utf-8', data: html });
  files.set('paged.polyfill.js', { mediaType: 'text/javascript', data: polyfill });
  const page = await galley.newPage();
  try {
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      const url = request.url();
      const served = url.startsWith(`${BOOK_ORIGIN}/`)
        ? files.get(decodeURIComponent(new URL(url).pathname.slice(1)))
        : undefined;
      if (served) void request.respond({ status: 200, contentType: served.mediaType, body: served.data });
      else if (url.startsWith('data:')) void request.continue();
      else void request.abort('blockedbyclient');
    });
    const started = performance.now();
    await page.goto(`${BOOK_ORIGIN}/book.html`, { waitUntil: 'load', timeout: 600_000 });
    await page.waitForFunction('window.__pagedDone === true', { timeout: 600_000, polling: 100 });
    const count = await page.evaluate(() => document.querySelectorAll('.pagedjs_page').length);
    await page.pdf({ preferCSSPageSize: true, printBackground: true, tagged: true, outline: true, timeout: 0 });
    return { seconds: (performance.now() - started) / 1000, pages: count };
  } finally {
    await page.close();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export interface PdfBenchRow {
  book: string;
  pages: number;
  floor: number;
  twoPass: number;
  pagedJs?: number;
  pagedJsPages?: number;
}

export async function benchPdf(runs = 3): Promise<PdfBenchRow[]> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'galley-bench-pdf-'));
  const galley = await launchBrowser();
  const rows: PdfBenchRow[] = [];
  try {
    const generated = await generateManuscript(work);
    for (const [name, manuscript] of [
      ['sample', path.join(ROOT, 'manuscript')],
      ['generated', generated],
    ] as const) {
      const floor: number[] = [];
      const twoPass: number[] = [];
      const paged: number[] = [];
      let pages = 0;
      let pagedPages: number | undefined;
      for (let run = 0; run < runs; run++) {
        const a = await prepare(manuscript);
        floor.push((await printFloor(a.book, a.pages, galley)).seconds);
        const b = await prepare(manuscript);
        const result = await renderPdf(b.book, b.pages, path.join(work, 'out'), { browser: galley });
        twoPass.push(result.seconds);
        pages = result.pages;
        const p = await pagedJs(galley, manuscript);
        if (p) {
          paged.push(p.seconds);
          pagedPages = p.pages;
        }
      }
      rows.push({
        book: name,
        pages,
        floor: median(floor),
        twoPass: median(twoPass),
        pagedJs: paged.length ? median(paged) : undefined,
        pagedJsPages: pagedPages,
      });
    }
  } finally {
    await galley.close();
    await rm(work, { recursive: true, force: true });
  }
  return rows;
}

export function formatPdfBench(rows: PdfBenchRow[]): string {
  const lines = [
    'book        pages   floor (1 print)   two-pass (Galley)   Paged.js 0.4.3      two-pass/floor   Paged.js/two-pass',
  ];
  for (const r of rows) {
    lines.push(
      [
        r.book.padEnd(10),
        String(r.pages).padStart(6),
        `${r.floor.toFixed(2)} s`.padStart(17),
        `${r.twoPass.toFixed(2)} s`.padStart(19),
        (r.pagedJs === undefined ? 'n/a' : `${r.pagedJs.toFixed(2)} s (${r.pagedJsPages} p)`).padStart(19),
        `${(r.twoPass / r.floor).toFixed(1)}×`.padStart(16),
        (r.pagedJs === undefined ? 'n/a' : `${(r.pagedJs / r.twoPass).toFixed(1)}×`).padStart(19),
      ].join(' '),
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const index = process.argv.indexOf('--runs');
  const runs = index > 0 ? Number(process.argv[index + 1]) : 3;
  console.log(formatPdfBench(await benchPdf(runs)));
}
