import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Element } from 'hast';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber } from '@cantoo/pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepare } from '../scripts/api/build.ts';
import { launchBrowser, onBrowserLaunch, type GalleyBrowser } from '../scripts/render/browser.ts';
import { drawDiagrams } from '../scripts/render/diagrams/diagrams.ts';
import { BuildCache } from '../scripts/model/build-cache.ts';
import { pageGeometry, toMm } from '../scripts/render/pdf/pages-css.ts';
import { bookSlug } from '../scripts/model/book-slug.ts';
import { renderPdf, pageLabel, type PdfResult } from '../scripts/render/pdf/pdf.ts';
import { pdfSchema } from '../scripts/model/config/schema.ts';
import { ROOT, chaptersOnThisThread, tempDir } from './helpers.ts';
import { withoutSharedChromium } from './light-helpers.ts';
import { sharedBuild } from './shared-builds.ts';
import { withEnv } from '../scripts/util/env.ts';

const exec = promisify(execFile);
const SAMPLE = path.join(ROOT, 'manuscript');
/** A small book for what does not need the sample's size (the sandbox's blocked requests). */
const MINI = path.join(ROOT, 'tests', 'books', 'mini');
const EPOCH = '1780000000';

async function tool(command: string, args: string[]): Promise<string> {
  const { stdout } = await exec(command, args, { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
  return stdout;
}

/** Text of one page (1-based), optionally only a band of it (points from the top). */
async function pageText(
  file: string,
  page: number,
  band?: { y: number; height: number; width: number },
): Promise<string> {
  const args = ['-layout', '-f', String(page), '-l', String(page)];
  if (band) {
    args.push(
      '-x',
      '0',
      '-y',
      String(Math.round(band.y)),
      '-W',
      String(Math.round(band.width)),
      '-H',
      String(Math.round(band.height)),
    );
  }
  return tool('pdftotext', [...args, file, '-']);
}

/** Every page's text (`-layout`, optionally one band of each page), from one pdftotext run: index 0 is page `first`. */
async function pagesText(
  file: string,
  band?: { y: number; height: number; width: number },
  range?: { first: number; last: number },
): Promise<string[]> {
  const args = ['-layout'];
  if (range) args.push('-f', String(range.first), '-l', String(range.last));
  if (band) {
    args.push('-x', '0', '-y', String(Math.round(band.y)), '-W', String(Math.round(band.width)));
    args.push('-H', String(Math.round(band.height)));
  }
  // Each page's text ends with a form feed: the last piece is what follows the last page (nothing).
  return (await tool('pdftotext', [...args, file, '-'])).split('\f').slice(0, -1);
}

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

interface TocRow {
  title: string;
  label: string;
}

/** Lines of the printed contents: `3   Mathematical foundations ........ 17` (leaders are drawn, not typed). */
function parseToc(text: string): TocRow[] {
  const rows: TocRow[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    // The contents run over two pages now (sections of every chapter): skip the folio and the running head between them.
    // A verso's running head prints its folio on the same line, on the outer side.
    const head = /^(?:[ivxlcdm]+\s+)?Machine Learning Interviews, Compactly(?:\s+[ivxlcdm]+)?$/;
    if (!line || line === 'Contents' || /^[ivxlcdm]+$/.test(line) || head.test(line)) continue;
    const match = /^(.*?)\s{2,}([ivxlcdm]+|\d+)$/.exec(line);
    if (!match) {
      pending = `${pending} ${line}`.trim();
      continue;
    }
    const title = squash(`${pending} ${match[1]!}`).replace(/^\d+\s+/, '');
    rows.push({ title, label: match[2]! });
    pending = '';
  }
  return rows.filter((row) => !/^[ivxlcdm]+$/.test(row.title));
}

interface OutlineItem {
  title: string;
  page: number;
  depth: number;
}

/** The bookmarks as poppler reads them (pdftohtml -xml), in order, with their depth. */
async function outline(file: string): Promise<OutlineItem[]> {
  const xml = await tool('pdftohtml', ['-xml', '-i', '-stdout', '-q', file]);
  const start = xml.indexOf('<outline>');
  const items: OutlineItem[] = [];
  let depth = 0;
  for (const match of xml.slice(start).matchAll(/<outline>|<\/outline>|<item page="(\d+)">([^<]*)<\/item>/g)) {
    if (match[0] === '<outline>') {
      depth++;
    } else if (match[0] === '</outline>') {
      depth--;
    } else {
      items.push({
        title: match[2]!
          .replace(/&amp;/g, '&')
          .replace(/&#39;/g, "'")
          .replace(/&quot;/g, '"'),
        page: Number(match[1]),
        depth,
      });
    }
  }
  return items;
}

/** The /PageLabels ranges: [start index, style, first number]. */
async function pageLabels(file: string): Promise<{ start: number; style: string; first: number }[]> {
  const doc = await PDFDocument.load(await readFile(file), { updateMetadata: false });
  const labels = doc.catalog.lookupMaybe(PDFName.of('PageLabels'), PDFDict);
  const nums = labels?.lookup(PDFName.of('Nums'), PDFArray);
  const out: { start: number; style: string; first: number }[] = [];
  for (let i = 0; nums && i + 1 < nums.size(); i += 2) {
    const dict = nums.lookup(i + 1, PDFDict);
    out.push({
      start: (nums.lookup(i) as PDFNumber).asNumber(),
      style: dict.lookup(PDFName.of('S'))!.toString(),
      first: dict.lookupMaybe(PDFName.of('St'), PDFNumber)?.asNumber() ?? 1,
    });
  }
  return out;
}

/** One Chromium for the small prints after the sample's (the sandbox's and the A5 book's), launched by the first. */
let smallPrints: Promise<GalleyBrowser> | undefined;
const sharedBrowser = () => (smallPrints ??= launchBrowser());
afterAll(async () => {
  await (await smallPrints)?.close();
});

function processArgs(): Promise<string> {
  return tool('ps', ['-eo', 'pid,args']);
}

describe('PDF of the sample book', () => {
  let out: Awaited<ReturnType<typeof tempDir>>;
  /** The sample book's PDF from the run's shared build (tests/setup/shared-builds.ts). */
  let first: { path: string; pages: number };
  /** A second build of it here, under another time zone and locale. */
  let second: PdfResult;
  let file: string;
  /** The sample book as prepared for the second build (the same book as the first). */
  let sample: Awaited<ReturnType<typeof prepare>>['book'];
  /** Every page's text, `-layout`, page 1 at index 0. */
  let texts: string[];
  let toc: TocRow[];
  let bodyStart: number;
  /** The first build's bookmarks, read once (pdftohtml reads every page to give them). */
  let bookmarks: Promise<OutlineItem[]> | undefined;
  const sampleOutline = () => (bookmarks ??= outline(file));
  const launched: { pid?: number; profileDir: string }[] = [];
  const width = 432;

  beforeAll(async () => {
    out = await tempDir('galley-pdf-');
    const stop = onBrowserLaunch((browser) =>
      launched.push({ pid: browser.browser.process()?.pid, profileDir: browser.profileDir }),
    );
    try {
      // The first build is `galley build` of the sample book, SOURCE_DATE_EPOCH fixed, made once per run.
      const shared = await sharedBuild('sample');
      const pdf = shared.editions[0]!.artifacts.find((a) => a.format === 'pdf')!;
      first = { path: pdf.path, pages: pdf.pages! };
      // The second build runs here under another time zone and locale: the bytes must not care.
      await withEnv(
        { SOURCE_DATE_EPOCH: EPOCH, TZ: 'Asia/Tehran', LANG: 'fa_IR.UTF-8', LC_ALL: 'fa_IR.UTF-8' },
        async () => {
          const { book, pages, errata } = await prepare(SAMPLE);
          sample = book;
          // One browser, as `galley build` has: it draws the sample's diagrams (as the build does first), then prints.
          // Launched here, under this time zone and locale (the run's shared Chromium runs under the runner's), and
          // watched by onBrowserLaunch.
          const browser = await withoutSharedChromium(() => launchBrowser());
          try {
            await drawDiagrams(book, new BuildCache(), { browser: () => Promise.resolve(browser) });
            second = await renderPdf(book, pages, path.join(out.dir, 'b'), { errata, browser });
          } finally {
            await browser.close();
          }
        },
      );
    } finally {
      stop();
    }
    file = first.path;
    const labels = await pageLabels(file);
    bodyStart = labels.find((l) => l.style === '/D')!.start;
    texts = await pagesText(file);
    toc = parseToc(texts[4]! + texts[5]!);
  }, 300_000);

  afterAll(async () => {
    await out?.cleanup();
  });

  it('writes <slug>.pdf with the pages the renderer reports, on a 6×9 in trim', async () => {
    const book = sample;
    expect(path.basename(file)).toBe(`${bookSlug(book)}.pdf`);
    const info = await tool('pdfinfo', [file]);
    expect(Number(/^Pages:\s+(\d+)/m.exec(info)![1])).toBe(first.pages);
    expect(second.pages).toBe(first.pages);
    expect(path.basename(second.path)).toBe(`${bookSlug(book)}.pdf`);
    expect(first.pages).toBeGreaterThan(40);
    expect(info).toMatch(/^Page size:\s+432 x 648 pts/m);
    expect(texts.length).toBe(first.pages);
    expect(second.prints).toBe(2);
  });

  it('is tagged, with document metadata and the build date', async () => {
    const info = await tool('pdfinfo', ['-isodates', file]);
    expect(info).toMatch(/^Tagged:\s+yes/m);
    expect(info).toMatch(/^Title:\s+Machine Learning Interviews, Compactly/m);
    expect(info).toMatch(/^Author:\s+The Galley Authors/m);
    expect(info).toMatch(/^Subject:\s+A short, practical guide/m);
    expect(info).toMatch(/^Keywords:\s+machine learning/m);
    expect(info).toMatch(/^Metadata Stream:\s+yes/m);
    expect(info).toMatch(/^CreationDate:\s+2026-05-28T20:26:40(Z|\+00)/m);
    expect(info).toMatch(/^ModDate:\s+2026-05-28T20:26:40(Z|\+00)/m);
    const meta = await tool('pdfinfo', ['-meta', file]);
    expect(meta).toContain(
      '<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">Copyright ©2025-2026 The Galley Authors</rdf:li>',
    );
    expect(meta).toContain('CC BY-SA 4.0');
    expect(meta).toContain('<rdf:li>en</rdf:li>');
    const custom = await tool('pdfinfo', ['-custom', file]);
    expect(custom).toMatch(/Rights:\s+Copyright ©2025-2026 The Galley Authors/);
  });

  it('embeds every font, the book fonts and a real math font among them', async () => {
    const rows = (await tool('pdffonts', [file])).split('\n').slice(2).filter(Boolean);
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) {
      // name type encoding emb sub uni object ID: `emb` is the fourth column from the end.
      const cols = row.trim().split(/\s+/);
      expect(cols[cols.length - 5], row).toBe('yes');
    }
    const names = rows.map((r) => r.split(/\s+/)[0]!).join(' ');
    expect(names).toMatch(/SourceSerif4/);
    expect(names).toMatch(/IBMPlexMono/);
    expect(names).toMatch(/STIXTwoMath/);
  });

  it('prints a contents list with roman front matter and arabic body numbers', () => {
    const titles = toc.map((r) => r.title);
    expect(titles).toContain('Preface');
    expect(titles).toContain('Part I: The interview process');
    expect(titles).toContain('Mathematical foundations');
    expect(toc.find((r) => r.title === 'Preface')!.label).toMatch(/^[ivx]+$/);
    expect(toc.find((r) => r.title === 'Part I: The interview process')!.label).toBe('1');
    expect(pageLabel(bodyStart, bodyStart)).toBe('1');
  });

  it('has page numbers in the TOC equal to the pages where those headings print, and folios that agree', async () => {
    const physical = (label: string) => (/^[ivxlcdm]+$/.test(label) ? romanValue(label) : bodyStart + Number(label));
    for (const row of toc) {
      const page = physical(row.label);
      const text = squash(texts[page - 1] ?? '');
      expect(text, `“${row.title}” should print on page ${page} (label ${row.label})`).toContain(row.title);
    }
    // A chapter's opening page carries its folio at the foot.
    const chapter = toc.find((r) => r.title === 'Mathematical foundations')!;
    const foot = await pageText(file, physical(chapter.label), { y: 600, height: 48, width });
    expect(squash(foot)).toBe(chapter.label);
  });

  it('has an outline that mirrors the TOC, pointing at the same pages', async () => {
    const items = await sampleOutline();
    expect(items.map((i) => i.title.replace(/^\d+\.\s+/, ''))).toEqual(toc.map((r) => r.title));
    for (const [index, item] of items.entries()) {
      const label = toc[index]!.label;
      expect(item.page, item.title).toBe(/^[ivxlcdm]+$/.test(label) ? romanValue(label) : bodyStart + Number(label));
    }
    expect(items.find((i) => i.title === 'Part I: The interview process')!.depth).toBe(1);
    expect(items.find((i) => i.title === '1. Roles and companies')!.depth).toBe(2);
  });

  it('opens parts and chapters on right-hand pages, after blank versos without head or folio', async () => {
    const items = await sampleOutline();
    const openings = items.filter((i) => i.depth === 1 || /^\d+\.\s/.test(i.title));
    for (const item of openings) expect(item.page % 2, `${item.title} on page ${item.page}`).toBe(1);
    const part = items.find((i) => i.title === 'Part II: Knowledge questions')!;
    // The page after a part title is its blank verso: nothing printed at all.
    expect(squash(texts[part.page] ?? 'no such page')).toBe('');
  });

  it('prints running heads: the book title on left pages, the chapter on right pages, none on an opening', async () => {
    const chapter = toc.find((r) => r.title === 'Mathematical foundations')!;
    const opening = bodyStart + Number(chapter.label);
    const head = { y: 0, height: 50, width };
    expect(squash(await pageText(file, opening, head))).toBe('');
    expect(squash(await pageText(file, opening + 1, head))).toBe('Machine Learning Interviews, Compactly');
    expect(squash(await pageText(file, opening + 2, head))).toBe('Mathematical foundations');
    // Front matter pages carry roman folios.
    expect(
      squash(
        await pageText(file, romanValue(toc.find((r) => r.title === 'Preface')!.label) + 1, {
          y: 600,
          height: 48,
          width,
        }),
      ),
    ).toMatch(/^[ivx]+$/);
  });

  it('adds /PageLabels: roman from the first page, arabic from the body', async () => {
    const labels = await pageLabels(file);
    expect(labels).toEqual([
      { start: 0, style: '/r', first: 1 },
      { start: bodyStart, style: '/D', first: 1 },
    ]);
    const items = await sampleOutline();
    expect(items.find((i) => i.title === 'Part I: The interview process')!.page).toBe(bodyStart + 1);
  });

  it('never leaves a heading as the last line of a page', async () => {
    const headings = new Set(
      sample.chapters.flatMap((c) => c.headings.filter((h) => h.depth >= 2).map((h) => squash(h.text))),
    );
    const stranded: string[] = [];
    const bands = await pagesText(file, { y: 0, height: 590, width }, { first: bodyStart + 1, last: first.pages });
    expect(bands.length).toBe(first.pages - bodyStart);
    for (const [index, band] of bands.entries()) {
      const page = bodyStart + 1 + index;
      const lines = band.split('\n').map(squash).filter(Boolean);
      const last = lines[lines.length - 1];
      if (last && headings.has(last)) stranded.push(`${page}: ${last}`);
    }
    expect(stranded).toEqual([]);
  });

  it('keeps internal links working: TOC entries are links to named destinations', async () => {
    const dests = await tool('pdfinfo', ['-dests', file]);
    expect(dests).toMatch(/"part-2-math-foundations"/);
    expect(dests).toMatch(/"part-2-math-foundations--linear-algebra"/);
  });

  it('gives identical bytes for two builds with the same SOURCE_DATE_EPOCH (other TZ and locale)', async () => {
    const a = await readFile(first.path);
    const b = await readFile(second.path);
    expect(b.length).toBe(a.length);
    expect(Buffer.compare(a, b)).toBe(0);
  });

  it('closes every browser it launched: no process left, profile removed', async () => {
    // The build made here (the shared one ran in a process of its own, which has exited).
    expect(launched.length).toBe(1);
    const ps = await processArgs();
    for (const browser of launched) {
      expect(existsSync(browser.profileDir)).toBe(false);
      expect(ps).not.toContain(browser.profileDir);
      if (browser.pid) expect(() => process.kill(browser.pid!, 0)).toThrow();
    }
  });
});

function romanValue(label: string): number {
  const values: Record<string, number> = { i: 1, v: 5, x: 10, l: 50, c: 100, d: 500, m: 1000 };
  let total = 0;
  for (let i = 0; i < label.length; i++) {
    const v = values[label[i]!]!;
    const next = values[label[i + 1] ?? ''] ?? 0;
    total += v < next ? -v : v;
  }
  return total;
}

describe('PDF sandbox', () => {
  // Chapters on the test's thread: the print's sandbox is under test, not the chapter workers.
  chaptersOnThisThread();
  let server: http.Server;
  let port: number;
  const hits: string[] = [];
  let out: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      hits.push(request.url ?? '');
      response.end('x');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    out = await tempDir('galley-pdf-sandbox-');
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await out?.cleanup();
  });

  it('blocks requests the content makes, reports them at their Markdown line, and the canary hears nothing', async () => {
    const { book, pages } = await prepare(MINI);
    const page = pages.find((p) => p.chapter?.source === 'chapters/one.md')!;
    const base = `http://127.0.0.1:${port}`;
    const at = (line: number) => ({ start: { line, column: 1 }, end: { line, column: 10 } });
    // Past the sanitizer on purpose: the renderer must hold even if hostile markup got this far.
    const hostile: Element[] = [
      {
        type: 'element',
        tagName: 'img',
        properties: { src: `${base}/x.png`, alt: 'x' },
        children: [],
        position: at(7),
      },
      { type: 'element', tagName: 'link', properties: { rel: ['stylesheet'], href: `${base}/x.css` }, children: [] },
      { type: 'element', tagName: 'iframe', properties: { src: `${base}/frame` }, children: [] },
      { type: 'element', tagName: 'img', properties: { src: 'file:///etc/passwd', alt: 'y' }, children: [] },
      {
        type: 'element',
        tagName: 'p',
        properties: { style: `background-image: url(${base}/bg.png)` },
        children: [{ type: 'text', value: 'styled' }],
      },
      {
        type: 'element',
        tagName: 'script',
        properties: {},
        children: [{ type: 'text', value: `fetch('${base}/script')` }],
      },
    ];
    page.body = { ...page.body, children: [...page.body.children, ...hostile] };
    const result = await renderPdf(book, pages, out.dir, { browser: await sharedBrowser() });
    expect(hits).toEqual([]);
    expect(result.blocked.map((b) => b.url)).toContain(`${base}/x.png`);
    const message = page.chapter!.file.messages.find(
      (m) => m.ruleId === 'pdf-blocked-request' && m.reason.includes('/x.png'),
    );
    expect(message?.line).toBe(7);
    expect(message?.fatal).toBe(true);
    // A PDF that silently lacks what its content asked for is not written.
    expect(existsSync(result.path)).toBe(false);
  });
});

describe('Page geometry', () => {
  chaptersOnThisThread();
  it('reads trims, margins and bleed from output.pdf', () => {
    const a4 = pageGeometry(pdfSchema.parse({ trim: 'A4' }));
    expect([a4.width, a4.height]).toEqual([210, 297]);
    expect(a4.extra).toBe(0);
    const custom = pageGeometry(
      pdfSchema.parse({ trim: { width: '5in', height: '8in' }, margins: { inner: '0.9in' } }),
    );
    expect(custom.width).toBeCloseTo(127);
    expect(custom.margins.inner).toBeCloseTo(toMm('0.9in'));
    const marks = pageGeometry(pdfSchema.parse({}), true);
    expect(marks.bleed).toBe(3);
    expect(marks.cropMarks).toBe(true);
    expect(marks.extra).toBeGreaterThanOrEqual(marks.bleed + 6);
  });

  it('prints a book without parts on A5 with bleed, crop marks and trim boxes', async () => {
    const book = await tempDir('galley-pdf-marks-');
    try {
      const src = path.join(book.dir, 'manuscript');
      await mkdir(src, { recursive: true });
      await writeFile(
        path.join(src, 'book.yaml'),
        'title: "Marks"\nauthors: ["A. Author"]\noutput:\n  pdf:\n    trim: A5\n    crop_marks: true\n',
      );
      await writeFile(path.join(src, 'SUMMARY.md'), '# Summary\n\n* [One](one.md)\n* [Two](two.md)\n');
      await writeFile(path.join(src, 'one.md'), '# One\n\nFirst chapter.\n\n## A section\n\nText.\n');
      await writeFile(path.join(src, 'two.md'), '# Two\n\nSecond chapter, with $$x^2$$ math.\n');
      const { book: loaded, pages } = await prepare(src);
      const result = await renderPdf(loaded, pages, path.join(book.dir, 'out'), { browser: await sharedBrowser() });
      const info = await tool('pdfinfo', ['-box', result.path]);
      const geometry = pageGeometry(loaded.config.output.pdf);
      const pt = (mm: number) => (mm * 72) / 25.4;
      const [w, h] = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info)!.slice(1).map(Number) as [number, number];
      expect(w).toBeCloseTo(pt(148 + 2 * geometry.extra), 0);
      expect(h).toBeCloseTo(pt(210 + 2 * geometry.extra), 0);
      const trim = /TrimBox:\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/.exec(info)!.slice(1).map(Number);
      expect(trim[2]! - trim[0]!).toBeCloseTo(pt(148), 0);
      expect(trim[3]! - trim[1]!).toBeCloseTo(pt(210), 0);
      expect(info).toMatch(/BleedBox:/);
      expect(info).toMatch(/^Tagged:\s+yes/m);
      // No parts: the body starts with chapter 1, on a right-hand page, numbered 1.
      const items = await outline(result.path);
      expect(items.map((i) => i.title)).toEqual(['1. One', 'A section', '2. Two']);
      expect(items[0]!.page % 2).toBe(1);
      const labels = await pageLabels(result.path);
      expect(labels[1]).toEqual({ start: items[0]!.page - 1, style: '/D', first: 1 });
    } finally {
      await book.cleanup();
    }
  });
});
