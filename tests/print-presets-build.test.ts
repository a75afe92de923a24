import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PDFDocument } from '@cantoo/pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../scripts/api/build.ts';
import { check } from '../scripts/api/check.ts';
import { readTextLayout } from '../scripts/render/pdf/read/text-layout.ts';
import { ROOT, chaptersOnThisThread, tempDir } from './helpers.ts';
import { sharedBrowser } from './light-helpers.ts';

/** Each preset on a small fixture book (the sample book's KDP build is in pdfx.test.ts), and check --print. */
const PRESS = path.join(ROOT, 'tests', 'books', 'press');
const FAULTS = path.join(ROOT, 'tests', 'books', 'preset-faults');
const PT = 72;

// The presets shape the PDF, not how it is made: the four builds print with one Chromium (a launch is about 1.3
// CPU-seconds) and process chapters on the test's thread (a worker's start-up is about a CPU-second per build).
chaptersOnThisThread();
const browser = sharedBrowser();

let root: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  root = await tempDir('galley-presets-');
});
afterAll(() => root.cleanup());

/** The press fixture with another `output.pdf` block, built to PDF. */
async function buildWith(name: string, pdfBlock: string) {
  const manuscript = path.join(root.dir, name);
  await cp(PRESS, manuscript, { recursive: true });
  const yaml = await readFile(path.join(manuscript, 'book.yaml'), 'utf8');
  await writeFile(
    path.join(manuscript, 'book.yaml'),
    yaml.replace(/ {2}pdf:\n( {4}.*\n)+/, `  pdf:\n${pdfBlock.replace(/^/gm, '    ')}\n`),
  );
  const out = path.join(root.dir, `${name}-out`);
  const result = await build({ manuscript, out, formats: ['pdf'], quiet: true, browser: browser() });
  const file = result.artifacts.find((a) => a.format === 'pdf')!.path;
  const doc = await PDFDocument.load(await readFile(file), { updateMetadata: false });
  return { result, file, doc };
}

describe('presets on a real build', () => {
  it('ingramspark: no crop marks even when asked (with a warning), bleed, a blank last page', async () => {
    const { result, file, doc } = await buildWith('ingram', 'preset: ingramspark\ncrop_marks: true');
    expect(result.ok).toBe(true);
    expect(result.diagnostics.map((d) => d.ruleId)).toContain('print-preset');
    const first = doc.getPage(0);
    // 6x9in plus 0.125 in bleed on each side, nothing more (no room for marks).
    expect(first.getMediaBox().width / PT).toBeCloseTo(6.25, 2);
    expect(first.getTrimBox().width / PT).toBeCloseTo(6, 2);
    const pages = await readTextLayout(file);
    expect(pages.length).toBe(doc.getPageCount());
    expect(pages.at(-1)!.blocks).toEqual([]);
    expect(pages.at(-2)!.blocks.length).toBeGreaterThan(0);
  }, 120_000);

  it('lulu: every page with 0.125 in bleed; a4-office: an A4 sheet without bleed', async () => {
    const lulu = await buildWith('lulu', 'preset: lulu');
    expect(lulu.result.ok).toBe(true);
    expect(lulu.doc.getPage(0).getMediaBox().height / PT).toBeCloseTo(9.25, 2);
    expect(lulu.doc.getPage(0).getBleedBox().width / PT).toBeCloseTo(6.25, 2);
    const a4 = await buildWith('a4', 'preset: a4-office');
    expect(a4.result.ok).toBe(true);
    const box = a4.doc.getPage(0).getMediaBox();
    expect([Math.round((box.width / PT) * 25.4), Math.round((box.height / PT) * 25.4)]).toEqual([210, 297]);
  }, 120_000);
});

describe('galley check --print with a preset', () => {
  it('reports each rule the fixture breaks, at book.yaml lines where a setting is the cause', async () => {
    const out = path.join(root.dir, 'faults-out');
    const built = await build({ manuscript: FAULTS, out, formats: ['pdf'], quiet: true, browser: browser() });
    expect(built.ok).toBe(true);
    const { diagnostics } = await check({ manuscript: FAULTS, out, print: true, quiet: true });
    const preset = diagnostics.filter((d) => d.ruleId.startsWith('print-preset'));
    const rules = new Set(preset.map((d) => d.ruleId));
    expect([...rules].sort()).toEqual([
      'print-preset-gutter',
      'print-preset-image-dpi',
      'print-preset-pages',
      'print-preset-safe-area',
    ]);
    expect(preset.every((d) => d.severity === 'error')).toBe(true);
    const pages = preset.find((d) => d.ruleId === 'print-preset-pages')!;
    expect([pages.file, pages.line]).toEqual(['book.yaml', 12]);
    expect(pages.message).toMatch(/IngramSpark prints 18 to 1200/);
    const gutter = preset.find((d) => d.ruleId === 'print-preset-gutter')!;
    expect([gutter.file, gutter.line]).toEqual(['book.yaml', 15]);
    const image = preset.find((d) => d.ruleId === 'print-preset-image-dpi')!;
    expect(image.message).toMatch(/at 2\d\d dpi.*300 dpi/);
    // At the image's Markdown line, not only a PDF page.
    expect([image.file, image.line]).toEqual(['rules.md', 6]);
    // The blank last page is there: Galley added it.
    expect(rules.has('print-preset-blank-last-page')).toBe(false);
  }, 120_000);
});
