import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isbnProblem } from '../scripts/model/config/isbn.ts';
import { loadConfig } from '../scripts/model/config/load.ts';
import { coverSize, PRESETS, spineWidth, type PresetName } from '../scripts/model/config/presets.ts';
import { pdfSchema } from '../scripts/model/config/schema.ts';
import { presetProblems } from '../scripts/checks/print-preset.ts';
import { coverLayout } from '../scripts/render/cover.ts';
import { pageGeometry } from '../scripts/render/pdf/pages-css.ts';
import type { Layout } from '../scripts/render/pdf/analysis/index.ts';
import { tempDir } from './helpers.ts';

let root: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  root = await tempDir();
});
afterAll(() => root.cleanup());

async function messagesFor(yaml: string) {
  const dir = path.join(root.dir, String(Math.random()).slice(2));
  await mkdir(dir);
  await writeFile(path.join(dir, 'book.yaml'), yaml);
  const { file, config } = await loadConfig(dir);
  return { config, messages: file.messages.map((m) => `${m.line}:${m.column} ${m.reason} [${m.ruleId}]`) };
}

const IN = 25.4;

describe('presets: the interior page', () => {
  it('takes the preset trim when book.yaml names none, and keeps a named one', () => {
    expect(pdfSchema.parse({ preset: 'a4-office' }).trim).toBe('A4');
    expect(pdfSchema.parse({ preset: 'kdp' }).trim).toBe('6x9in');
    expect(pdfSchema.parse({ preset: 'kdp', trim: '5.5x8.5in' }).trim).toBe('5.5x8.5in');
    expect(pdfSchema.parse({}).trim).toBe('6x9in');
  });

  it.each(['kdp', 'ingramspark', 'lulu', 'a4-office'] as PresetName[])(
    '%s: margins at least the service minimums, and a gutter that grows with the page count',
    (name) => {
      const preset = PRESETS[name];
      const pdf = pdfSchema.parse({ preset: name });
      let previous = 0;
      for (const pages of [30, 200, 400, 600, 750]) {
        const g = pageGeometry(pdf, false, pages);
        expect(g.margins.inner).toBeGreaterThanOrEqual(preset.gutter(pages) * IN - 1e-9);
        expect(g.margins.inner).toBeGreaterThanOrEqual(previous);
        previous = g.margins.inner;
        const outside = (g.bleed > 0 ? preset.outside.bleed : preset.outside.plain) * IN;
        for (const side of [g.margins.top, g.margins.bottom, g.margins.outer])
          expect(side).toBeGreaterThanOrEqual(outside - 1e-9);
      }
    },
  );

  it("follows KDP's gutter table", () => {
    const gutter = PRESETS.kdp.gutter;
    expect([24, 150, 151, 300, 301, 500, 501, 700, 701, 828].map(gutter)).toEqual([
      0.375, 0.375, 0.5, 0.5, 0.625, 0.625, 0.75, 0.75, 0.875, 0.875,
    ]);
    // A thick book's gutter overtakes Galley's own inner margin (20 mm on 6x9in).
    expect(pageGeometry(pdfSchema.parse({ preset: 'kdp' }), false, 750).margins.inner).toBeCloseTo(0.875 * IN, 6);
  });

  it('bleed on or off, crop marks off where the service refuses them', () => {
    const kdp = pageGeometry(pdfSchema.parse({ preset: 'kdp' }));
    expect([kdp.bleed, kdp.extra, kdp.cropMarks]).toEqual([0, 0, false]);
    const lulu = pageGeometry(pdfSchema.parse({ preset: 'lulu' }));
    expect(lulu.bleed).toBeCloseTo(0.125 * IN, 6);
    expect(lulu.cropMarks).toBe(false);
    const ingram = pageGeometry(pdfSchema.parse({ preset: 'ingramspark', crop_marks: true }));
    expect(ingram.cropMarks).toBe(false);
    expect(ingram.cropMarksRefused).toBe(true);
    expect(ingram.bleed).toBeCloseTo(0.125 * IN, 6);
    const kdpMarks = pageGeometry(pdfSchema.parse({ preset: 'kdp', crop_marks: true }));
    expect(kdpMarks.cropMarks).toBe(true);
    expect(kdpMarks.bleed).toBeCloseTo(0.125 * IN, 6);
    const a4 = pageGeometry(pdfSchema.parse({ preset: 'a4-office' }));
    expect([a4.width, a4.height, a4.bleed]).toEqual([210, 297, 0]);
    expect(PRESETS.ingramspark.blankLastPage).toBe(true);
    expect(PRESETS.kdp.blankLastPage).toBe(false);
  });
});

describe('cover spread', () => {
  const trim = { width: 6, height: 9 };
  it.each([
    [100, 'white'],
    [320, 'cream'],
    [612, 'white'],
  ] as const)('%i pages on %s paper: 2 × trim + spine + 2 × bleed', (pages, paper) => {
    const caliper = paper === 'white' ? 0.002252 : 0.0025;
    const size = coverSize(PRESETS.kdp, paper, pages, trim);
    expect(size.spine).toBeCloseTo(pages * caliper, 9);
    expect(size.width).toBeCloseTo(2 * 6 + pages * caliper + 2 * 0.125, 9);
    expect(size.height).toBeCloseTo(9.25, 9);
  });

  it('places the spine between back and front, and the barcode zone on the back', () => {
    const layout = coverLayout(PRESETS.kdp, 'white', 300, trim);
    expect(spineWidth(PRESETS.kdp, 'white', 300)).toBeCloseTo(0.6756, 9);
    expect(layout.width).toBeCloseTo(12.9256, 9);
    expect(layout.spineLeft).toBeCloseTo(6.125, 9);
    expect(layout.front).toBeCloseTo(6.125 + 0.6756, 9);
    expect(layout.barcode.x + layout.barcode.width).toBeLessThanOrEqual(layout.spineLeft - 0.25 + 1e-9);
    expect(layout.barcode.x).toBeGreaterThanOrEqual(layout.back);
    expect(layout.barcode.y).toBeCloseTo(0.125 + 0.25, 9);
  });

  it('opens the other way for a right-to-left book: front on the left, back and barcode on the right', () => {
    const layout = coverLayout(PRESETS.kdp, 'white', 300, trim, true);
    expect(layout.front).toBeCloseTo(0.125, 9);
    expect(layout.back).toBeCloseTo(6.125 + 0.6756, 9);
    expect(layout.barcode.x).toBeCloseTo(layout.back + 0.25, 9);
    expect(layout.width).toBeCloseTo(coverLayout(PRESETS.kdp, 'white', 300, trim).width, 9);
  });
});

/** A page of poppler's layout with one word at (x, y) points from the top left. */
function layoutOf(pages: { words: [number, number][] }[], images: Layout['images'] = []): Layout {
  return {
    pages: pages.map((p) => ({
      width: 432,
      height: 648,
      blocks: p.words.map(([x, y]) => {
        const box = { xMin: x, yMin: y, xMax: x + 20, yMax: y + 10 };
        return { ...box, lines: [{ ...box, text: 'word', words: [{ ...box, text: 'word' }] }] };
      }),
    })),
    starts: new Map(),
    images,
  };
}

describe('preset preflight (unit)', () => {
  const trims = (n: number) => Array.from({ length: n }, () => ({ xMin: 0, yMin: 0, xMax: 432, yMax: 648 }));
  const page = { words: [[100, 100]] as [number, number][] };
  const blank = { words: [] as [number, number][] };

  it.each(['kdp', 'ingramspark', 'lulu'] as PresetName[])('%s: reports each of its rules', (name) => {
    const preset = PRESETS[name];
    const pages = [page, { words: [[5, 300]] as [number, number][] }, page];
    const layout = layoutOf(pages, [{ page: 0, width: 600, height: 400, xPpi: 200, yPpi: 200 }]);
    const rules = presetProblems(preset, layout, trims(pages.length), 5).map((p) => p.rule);
    expect(rules).toContain('print-preset-pages');
    expect(rules).toContain('print-preset-image-dpi');
    expect(rules).toContain('print-preset-safe-area');
    expect(rules).toContain('print-preset-gutter');
    expect(rules.includes('print-preset-blank-last-page')).toBe(preset.blankLastPage);
  });

  it('is quiet about a book that keeps the rules', () => {
    const preset = PRESETS.ingramspark;
    const pages = [...Array.from({ length: 40 }, () => page), blank];
    const layout = layoutOf(pages, [{ page: 0, width: 1800, height: 1200, xPpi: 300, yPpi: 300 }]);
    expect(presetProblems(preset, layout, trims(pages.length), 0.5 * IN)).toEqual([]);
  });
});

describe('ISBN', () => {
  it('accepts valid ISBN-10 and ISBN-13, hyphens or not', () => {
    for (const good of ['978-0-306-40615-7', '9780306406157', '0-306-40615-2', '080442957X', 'urn:isbn:9780306406157'])
      expect(isbnProblem(good)).toBeUndefined();
  });

  it('names the wrong check digit', () => {
    expect(isbnProblem('978-0-306-40615-8')).toMatch(/ISBN-13 .* wrong check digit \(expected 7\)/);
    expect(isbnProblem('0-306-40615-3')).toMatch(/ISBN-10 .* wrong check digit \(expected 2\)/);
    expect(isbnProblem('12345')).toMatch(/expected an ISBN-13/);
  });

  it('is a config error at its line in book.yaml', async () => {
    const { messages } = await messagesFor(
      'title: A\nauthors: [B]\nisbn:\n  print: 978-0-306-40615-8\n  ebook: "0-306-40615-3"\n',
    );
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/^4:3 Invalid value for `isbn.print`: ISBN-13 .*expected 7.*\[book-config\]$/);
    expect(messages[1]).toMatch(/^5:3 Invalid value for `isbn.ebook`: ISBN-10 .*expected 2.*\[book-config\]$/);
  });

  it('an unknown preset or paper is a config error at its line', async () => {
    const { messages } = await messagesFor('title: A\noutput:\n  pdf:\n    preset: createspace\n    paper: gold\n');
    expect(messages.map((m) => m.split(' ')[0])).toEqual(['4:5', '5:5']);
  });
});
