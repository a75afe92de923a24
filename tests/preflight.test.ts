import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepare } from '../scripts/api/build.ts';
import { listEditions } from '../scripts/model/book/editions.ts';
import { check, type CheckResult } from '../scripts/api/check.ts';
import { analyse, checkPrint, readLayout, type Layout } from '../scripts/checks/preflight.ts';
import { composeBook, type Composition } from '../scripts/render/pdf/compose.ts';
import { renderPdf } from '../scripts/render/pdf/pdf.ts';
import { launchBrowser, type GalleyBrowser } from '../scripts/render/browser.ts';
import type { TextLine, TextPage } from '../scripts/render/pdf/read/text-layout.ts';
import { stripSoftHyphensFromContent } from '../scripts/render/pdf/post/text-layer.ts';
import { withEnv } from '../scripts/util/env.ts';
import { ROOT, chaptersOnThisThread, tempDir } from './helpers.ts';
import { sharedBuild } from './shared-builds.ts';

const exec = promisify(execFile);
const FAULTS = path.join(ROOT, 'tests/books/print-faults');
const SAMPLE = path.join(ROOT, 'manuscript');
const EPOCH = '1780000000';

/** One Chromium for the file's two prints, launched by the first. */
let browser: Promise<GalleyBrowser> | undefined;
const sharedBrowser = () => (browser ??= launchBrowser());
afterAll(async () => {
  await (await browser)?.close();
});

/** Each PDF's text as `pdftotext -layout` gives it, from one run per file instead of one per page read. */
const layoutTexts = new Map<string, Promise<string>>();
function layoutText(file: string): Promise<string> {
  let text = layoutTexts.get(file);
  if (!text) {
    text = exec('pdftotext', ['-layout', file, '-'], { maxBuffer: 1 << 26 }).then(({ stdout }) => stdout);
    layoutTexts.set(file, text);
  }
  return text;
}

/** One page's text (1-based): each page of the file's text ends with a form feed. */
async function pageText(file: string, page: number): Promise<string> {
  const text = (await layoutText(file)).split('\f')[page - 1];
  if (text === undefined) throw new Error(`${file} has no page ${page}`);
  return text;
}

describe('print preflight rules on laid-out pages', () => {
  let composition: Composition;
  const W = 432;
  const H = 648;
  // 6×9 in: text block from 19 mm to 229.6 − 19 mm; left pages start at 15 mm, right pages at 20 mm.
  const top = 19 * (72 / 25.4);
  const bottom = H - 19 * (72 / 25.4);
  const leftOf = (index: number) => (index % 2 === 0 ? 20 : 15) * (72 / 25.4);
  const measure = (152.4 - 35) * (72 / 25.4);

  const line = (
    index: number,
    y: number,
    text: string,
    options: { width?: number; indent?: number } = {},
  ): TextLine => {
    const xMin = leftOf(index) + (options.indent ?? 0);
    const xMax = xMin + (options.width ?? measure - (options.indent ?? 0));
    return { xMin, xMax, yMin: y - 10, yMax: y, text, words: [{ xMin, xMax, yMin: y - 10, yMax: y, text }] };
  };
  const page = (lines: TextLine[]): TextPage => ({
    width: W,
    height: H,
    blocks: lines.map((l) => ({ ...l, lines: [l] })),
  });
  /** A full page of justified body lines. */
  const full = (index: number, from = top + 12): TextLine[] => {
    const out: TextLine[] = [];
    for (let y = from; y < bottom - 2; y += 14)
      out.push(line(index, y, 'copper meadow ledger harbour quarry thimble saddle walnut pebble'));
    return out;
  };
  const layoutOf = (pages: TextLine[][]): Layout => ({
    pages: pages.map(page),
    starts: new Map([[composition.blocks.find((b) => b.page?.key === 'lead-ins')!.id, 0]]),
    images: [],
  });
  const rules = (layout: Layout) => analyse(composition, layout).map((f) => f.rule);

  chaptersOnThisThread();
  beforeAll(async () => {
    const { book, pages } = await prepare(FAULTS);
    composition = composeBook(book, pages, { date: new Date(0) });
  });

  it('finds a lead-in, a Filename: label and a heading at the foot of a page', () => {
    for (const text of ['Work through these steps:', 'Filename: src/main.rs', 'Section 2']) {
      const first = full(0);
      first[first.length - 1] = line(0, first[first.length - 1]!.yMax, text, { width: 120 });
      expect(rules(layoutOf([first, full(1)]))).toContain('print-keep-with-next');
    }
    expect(rules(layoutOf([full(0), full(1)]))).not.toContain('print-keep-with-next');
  });

  it('sees an image under a lead-in at the foot, and an image filling a page, from where the PDF draws them', () => {
    const first = full(0).slice(0, 20);
    const leadIn = line(0, first[first.length - 1]!.yMax, 'Work through these steps:', { width: 120 });
    first[first.length - 1] = leadIn;
    const image = { xMin: leftOf(0), xMax: leftOf(0) + 200, yMin: leadIn.yMax + 6, yMax: bottom - 4 };
    const layout = layoutOf([first, full(1)]);
    expect(rules(layout)).toContain('print-keep-with-next');
    expect(rules({ ...layout, imageBoxes: [[image], []] })).not.toContain('print-keep-with-next');
    const sparse = [line(1, top + 12, 'copper meadow ledger'), line(1, top + 26, 'harbour quarry.', { width: 80 })];
    const figure = { xMin: leftOf(1), xMax: leftOf(1) + 200, yMin: top + 34, yMax: top + 300 };
    const sparseLayout = layoutOf([full(0), sparse, full(2)]);
    expect(rules(sparseLayout)).toContain('print-near-empty');
    expect(rules({ ...sparseLayout, imageBoxes: [[], [figure], []] })).not.toContain('print-near-empty');
  });

  it('finds a near-empty page that is not the last page of its chapter, and not the last one', () => {
    const sparse = [line(1, top + 12, 'copper meadow ledger'), line(1, top + 26, 'harbour quarry.', { width: 80 })];
    expect(rules(layoutOf([full(0), sparse, full(2)]))).toContain('print-near-empty');
    expect(rules(layoutOf([full(0), sparse]))).not.toContain('print-near-empty');
  });

  it('finds text past the text block', () => {
    const lines = full(0);
    lines[3] = line(0, lines[3]!.yMax, 'x_1 + x_2 + x_3', { width: measure + 20 });
    expect(rules(layoutOf([lines, full(1)]))).toContain('print-overfull');
  });

  it('finds an orphan at the foot and a widow at the top', () => {
    const orphaned = full(0);
    // A paragraph's indented first line alone at the foot, after a paragraph gap.
    orphaned[orphaned.length - 1] = line(
      0,
      orphaned[orphaned.length - 1]!.yMax + 3,
      'Walnut pebble kettle furrow beacon hinge tide lantern',
      { indent: 12 },
    );
    expect(rules(layoutOf([orphaned, full(1)]))).toContain('print-orphan');
    const widowed = full(1);
    widowed[0] = line(1, widowed[0]!.yMax, 'orchard copper meadow.', { width: 90 });
    widowed[1] = line(1, widowed[1]!.yMax + 6, 'Copper meadow ledger harbour quarry thimble saddle walnut pebble');
    expect(rules(layoutOf([full(0), widowed]))).toContain('print-widow');
    expect(rules(layoutOf([full(0), full(1)]))).not.toContain('print-widow');
  });

  it('takes soft hyphens out of a content stream without moving a glyph', () => {
    const content =
      '<0020> Tj\n/Span<</ActualText <FEFF00AD> >> BDC\n7.2 0 Td <0001> Tj\nEMC\n0 0 Td <001E> Tj\n/Span<</ActualText <FEFF006600AD0066> >> BDC\n4.3 0 Td <0081> Tj\nEMC\n';
    const { text, removed } = stripSoftHyphensFromContent(content);
    expect(removed).toBe(2);
    expect(text).toBe(
      '<0020> Tj\n7.2 0 Td\n0 0 Td <001E> Tj\n/Span<</ActualText <FEFF00660066> >> BDC\n4.3 0 Td <0081> Tj\nEMC\n',
    );
  });
});

describe('print preflight of a fixture book with faults', () => {
  chaptersOnThisThread();
  let out: Awaited<ReturnType<typeof tempDir>>;
  let pdf: string;
  // The print check of the book and the PDF's layout, each made once for the tests that read them (neither changes).
  let checked: Promise<CheckResult> | undefined;
  const checkFaults = () => (checked ??= check({ manuscript: FAULTS, print: true, out: out.dir, quiet: true }));
  let read: Promise<Layout> | undefined;
  const layoutOfPdf = () => (read ??= readLayout(pdf));

  beforeAll(async () => {
    out = await tempDir('galley-preflight-');
    await withEnv({ SOURCE_DATE_EPOCH: EPOCH }, async () => {
      const { book, pages } = await prepare(FAULTS);
      pdf = (await renderPdf(book, pages, out.dir, { browser: await sharedBrowser() })).path;
    });
  }, 240_000);

  afterAll(async () => {
    await out?.cleanup();
  });

  it('reports the repeated heading and the low-resolution image at their source lines, with book.yaml severities, as JSON', async () => {
    const result = await checkFaults();
    const print = result.diagnostics.filter((d) => d.ruleId.startsWith('print-'));
    const repeated = print.find((d) => d.ruleId === 'print-repeated-heading');
    expect(repeated).toMatchObject({ file: 'repeated.md', line: 5, severity: 'warning' });
    expect(repeated!.message).toMatch(/^PDF page \d+ \(sheet \d+\) prints the heading “Setting up” twice/);
    const image = print.find((d) => d.ruleId === 'print-image-resolution');
    // The image's place on its page, read from the content stream: inside the page, where pdfimages puts it.
    const layout = await layoutOfPdf();
    const placed = layout.imageBoxes!.flatMap((boxes, page) => boxes.map((box) => ({ page, box })));
    expect(placed.map((p) => p.page)).toEqual(layout.images.map((i) => i.page));
    for (const { page, box } of placed) {
      expect(box.xMax - box.xMin).toBeGreaterThan(1);
      expect(box.yMin).toBeGreaterThanOrEqual(0);
      expect(box.yMax).toBeLessThanOrEqual(layout.pages[page]!.height);
    }
    // book.yaml raises this rule to an error.
    expect(image).toMatchObject({ file: 'low-resolution.md', severity: 'error' });
    expect(image!.message).toMatch(/at \d+ dpi \(under 150 dpi/);
    expect(JSON.parse(JSON.stringify(print))).toEqual(print);
  });

  /** The sheet (1-based PDF page) a finding names, and its page's text lines without blanks, running head or folio. */
  const sheetOf = (message: string) => Number(/\(sheet (\d+)\)/.exec(message)![1]);
  const bodyOf = async (sheet: number) => {
    const lines = (await pageText(pdf, sheet))
      .split('\n')
      .map((l) => l.replace(/\s+/g, ' ').trim())
      .filter(Boolean);
    // A chapter's opening page has no running head; every page ends with its folio.
    return lines.slice(/^CHAPTER \d+$/.test(lines[0]!) ? 0 : 1, -1);
  };
  const sourceLine = async (file: string, line: number) =>
    (await readFile(path.join(FAULTS, file), 'utf8')).split('\n')[line - 1]!;

  it('finds the page a table too tall for it left near-empty, at the table’s line, in Chromium’s own layout', async () => {
    const result = await checkFaults();
    const found = result.diagnostics.filter((d) => d.ruleId === 'print-near-empty');
    expect(found).toHaveLength(1);
    const [near] = found;
    expect(near).toMatchObject({ file: 'long-table.md', severity: 'warning' });
    expect(await sourceLine('long-table.md', near!.line)).toMatch(/^\| Gauge \| Reading/);
    expect(near!.message).toMatch(/is \d+% full \(under 30% of the text area\)/);
    // The page holds the chapter's title and its first paragraph; the whole table starts the next page.
    const sheet = sheetOf(near!.message);
    const page = await bodyOf(sheet);
    expect(page[1]).toBe('Long table');
    expect(page.at(-1)).toMatch(/with this paragraph\.$/);
    expect(page.join(' ')).not.toContain('Gauge');
    expect((await bodyOf(sheet + 1))[0]).toMatch(/^Gauge Reading \(mm\) Remark$/);
  });

  it('wraps a listing too wide for the line and keeps widows and orphans: none of those rules finds anything', async () => {
    const result = await checkFaults();
    const rules = new Set(result.diagnostics.map((d) => d.ruleId));
    for (const rule of ['print-overfull', 'print-widow', 'print-orphan']) expect(rules).not.toContain(rule);
  });

  it('keeps every lead-in, label and heading with what follows: no page ends with one', async () => {
    const { book, pages } = await prepare(FAULTS);
    const found = await checkPrint(book, pages, out.dir);
    expect(found.filter((d) => d.ruleId === 'print-keep-with-next')).toEqual([]);
    const layout = await layoutOfPdf();
    let checked = 0;
    for (let i = 1; i <= layout.pages.length; i++) {
      const lines = (await pageText(pdf, i))
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      // The last line is the folio; the one before it ends the text.
      const last = lines.length > 1 ? lines[lines.length - 2]! : '';
      if (last) checked++;
      expect(last).not.toMatch(/:$|^Section \d+$/);
    }
    expect(checked).toBeGreaterThan(4);
  });

  it('wraps a long code line under a drawn ↪ mark: the text layer keeps the code as written', async () => {
    const layout = await layoutOfPdf();
    const text = (await pageText(pdf, layout.pages.length)).replace(/\s+/g, ' ');
    expect(text).toContain('task.estimated_duration_in_minutes, task.owner.lower()))');
    expect(text).not.toContain('↪');
    // The wrapped line's second part prints indented past the listing's left edge (the mark's column).
    const lines = layout.pages[layout.pages.length - 1]!.blocks.flatMap((b) => b.lines);
    // Where the line wraps depends on the fonts' widths; its second part holds `task.owner` either way.
    const wrapped = lines.find((l) => l.text.includes('task.owner') && !l.text.includes('lambda'))!;
    const opening = lines.find((l) => l.text.startsWith('def schedule'))!;
    expect(wrapped.xMin - opening.xMin).toBeGreaterThan(5);
  });

  it('lays code out one block per line, with short listings unsplit', async () => {
    const { book, pages } = await prepare(FAULTS);
    const composition = composeBook(book, pages, { date: new Date(0) });
    const html = JSON.stringify(composition.blocks.map((b) => b.element));
    expect(html).toContain('code-line');
    expect(html).toContain('galley-short');
    expect(html).toContain('galley-keep');
  });
});

describe('print preflight of a word too long for the line', () => {
  const OVERFULL = path.join(ROOT, 'tests/books/print-overfull');
  let out: Awaited<ReturnType<typeof tempDir>>;
  let pdf: string;

  beforeAll(async () => {
    out = await tempDir('galley-preflight-overfull-');
    await withEnv({ SOURCE_DATE_EPOCH: EPOCH }, async () => {
      const { book, pages } = await prepare(OVERFULL);
      // print.css breaks such a word (tests/overlong-words.test.ts): without it, the layout Chromium makes of it.
      pdf = (await renderPdf(book, pages, out.dir, { wrapWords: false, browser: await sharedBrowser() })).path;
    });
  }, 240_000);

  afterAll(async () => {
    await out?.cleanup();
  });

  it('finds the key Chromium cuts at the text block, at its page and source line', async () => {
    const result = await check({ manuscript: OVERFULL, print: true, out: out.dir, quiet: true });
    const found = result.diagnostics.filter((d) => d.ruleId === 'print-overfull');
    expect(found).toHaveLength(1);
    const source = await readFile(path.join(OVERFULL, 'unbreakable.md'), 'utf8');
    const key = /\d{100,}/.exec(source)![0];
    expect(found[0]).toMatchObject({ file: 'unbreakable.md', severity: 'warning' });
    expect(source.split('\n')[found[0]!.line - 1]).toContain(key);
    const sheet = Number(/\(sheet (\d+)\)/.exec(found[0]!.message)![1]);
    expect(found[0]!.message).toContain(`cuts “${key.slice(0, 40)}”`);
    // The page prints the key's start, up to the edge, and then the rest of the sentence: the rest of the key is
    // nowhere, and its last digit is inside the preflight's 3 pt allowance (nothing reads as past the block).
    const text = (await pageText(pdf, sheet)).replace(/\s+/g, ' ');
    const printed = /\d{50,}/.exec(text)![0];
    expect(key.startsWith(printed)).toBe(true);
    expect(printed.length).toBeLessThan(key.length - 20);
    expect(text).toContain(`${printed} and then the sentence goes on.`);
    expect(text).not.toContain(key.slice(-20));
    const lines = (await readLayout(pdf)).pages[sheet - 1]!.blocks.flatMap((b) => b.lines);
    const cut = lines.flatMap((l) => l.words).find((w) => w.text === printed)!;
    const edge = Math.max(...lines.filter((l) => !l.text.includes(printed)).map((l) => l.xMax));
    expect(cut.xMax - edge).toBeLessThan(3);
  });
});

describe('the sample book in print', () => {
  let out: string;
  const built: { code: string; pdf: string }[] = [];

  beforeAll(async () => {
    // `galley build` of the sample book, both editions, made once per run (tests/setup/shared-builds.ts).
    const shared = await sharedBuild('sample');
    out = shared.dir;
    for (const edition of shared.editions)
      built.push({ code: edition.code, pdf: edition.artifacts.find((a) => a.format === 'pdf')!.path });
  }, 600_000);

  it('passes the preflight with no warnings in both editions', async () => {
    expect(built.map((b) => b.code)).toEqual(['en', 'fa']);
    expect(await listEditions(SAMPLE).then((editions) => editions.map((e) => e.code))).toEqual(['en', 'fa']);
    const result = await check({ manuscript: SAMPLE, print: true, out, quiet: true });
    expect(result.diagnostics.filter((d) => d.ruleId.startsWith('print-'))).toEqual([]);
  });

  it('has a searchable text layer: no soft hyphen, hyphenated words whole', async () => {
    for (const { pdf } of built) {
      const { stdout } = await exec('pdftotext', [pdf, '-'], { maxBuffer: 1 << 26 });
      expect(stdout).not.toContain('\u00ad');
    }
    // A word broken at a line end is drawn as its first part and a hyphen: a last word on its line that is much
    // narrower per letter than its line's words. It reads whole (a word of the manuscript), on that line, even
    // where poppler would not join lines (-layout); a compound broken at its own hyphen keeps it.
    const vocabulary = new Set<string>();
    const { stdout: sources } = await exec('find', [SAMPLE, '-name', '*.md', '-not', '-path', '*/fa/*']);
    for (const file of sources.trim().split('\n')) {
      for (const w of (await readFile(file, 'utf8')).match(/[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*/gu) ?? [])
        vocabulary.add(w.toLowerCase());
    }
    const broken: string[] = [];
    for (const page of (await readLayout(built[0]!.pdf)).pages) {
      for (const line of page.blocks.flatMap((b) => b.lines)) {
        const perLetter = (w: TextLine['words'][number]) => (w.xMax - w.xMin) / [...w.text].length;
        const widths = line.words.map(perLetter).sort((a, b) => a - b);
        const last = line.words.at(-1)!;
        const word = /^\(?(\p{L}{2,}(?:-\p{L}+)*-?)[.,;:?)]*$/u.exec(last.text)?.[1];
        if (word && line.words.length >= 4 && perLetter(last) < 0.7 * widths[widths.length >> 1]!) broken.push(word);
      }
    }
    expect(broken.length).toBeGreaterThan(50);
    expect(broken.filter((w) => !vocabulary.has(w.toLowerCase()))).toEqual([]);
    expect(broken).toContain('cross-entropy');
    const stdout = await layoutText(built[0]!.pdf);
    expect(stdout).toMatch(/Regularisation/);
    expect(stdout).not.toMatch(/crossentropy/);
  });

  it('lists the sections of chapters inside parts in the printed contents (toc_depth 2)', async () => {
    const contents =
      (await pageText(built[0]!.pdf, 5)) + (await pageText(built[0]!.pdf, 6)) + (await pageText(built[0]!.pdf, 7));
    expect(contents).toMatch(/Mathematical foundations/);
    expect(contents).toMatch(/Linear algebra/);
  });
});
