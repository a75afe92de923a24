import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepare } from '../scripts/api/build.ts';
import { checkPrint, readLayout } from '../scripts/checks/preflight.ts';
import { launchBrowser, type GalleyBrowser } from '../scripts/render/browser.ts';
import { renderPdf } from '../scripts/render/pdf/pdf.ts';
import { withEnv } from '../scripts/util/env.ts';
import type { Diagnostic } from '../scripts/model/report.ts';
import { ROOT, tempDir } from './helpers.ts';

const exec = promisify(execFile);
const BOOK = path.join(ROOT, 'tests/books/print-keep');

/** What introduces the next thing in the fixture: its headings, colon lead-ins and a `Filename:` label. */
const INTRODUCES = /^(## .*|.*:|Filename: .*)$/;

async function pageLines(file: string, page: number): Promise<string[]> {
  const { stdout } = await exec('pdftotext', ['-layout', '-f', String(page), '-l', String(page), file, '-']);
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/**
 * The measure-then-adjust pass on a real layout. Chromium holds print.css's
 * keep-with-next rules wherever tried (lead-ins before images, listings,
 * tables, math; in lists, quotes, flex and grid), so the fixture prints with
 * them off (`cssKeep: false`): the first layout strands a heading, a colon
 * lead-in, a `Filename:` label and a lead-in before an image at page feet, and
 * the adjust pass alone must move each to the next page with what it
 * introduces.
 */
describe('keep with next through the adjust pass', () => {
  let browser: GalleyBrowser;
  let out: Awaited<ReturnType<typeof tempDir>>;
  let source: string[];
  const built: Record<'stranded' | 'adjusted' | 'normal', { pdf: string; found: Diagnostic[] }> = {} as never;

  beforeAll(async () => {
    out = await tempDir('galley-adjust-');
    browser = await launchBrowser();
    source = (await readFile(path.join(BOOK, 'charts.md'), 'utf8')).split('\n');
    await withEnv({ SOURCE_DATE_EPOCH: '1780000000' }, async () => {
      const { book, pages } = await prepare(BOOK);
      const variants = {
        stranded: { adjust: false, cssKeep: false },
        adjusted: { cssKeep: false },
        normal: {},
      } as const;
      for (const [name, options] of Object.entries(variants)) {
        const dir = path.join(out.dir, name);
        const pdf = (await renderPdf(book, pages, dir, { browser, ...options })).path;
        built[name as keyof typeof built] = { pdf, found: await checkPrint(book, pages, dir) };
      }
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await out?.cleanup();
  });

  const keep = (found: Diagnostic[]) => found.filter((d) => d.ruleId === 'print-keep-with-next');

  it('without the pass, reports each stranded heading and lead-in at its page and its own source line', async () => {
    const { pdf, found } = built.stranded;
    const stranded = keep(found);
    expect(stranded.length).toBeGreaterThanOrEqual(4);
    const lines = new Set<number>();
    for (const d of stranded) {
      expect(d.file).toBe('charts.md');
      const text = source[d.line - 1]!;
      expect(text).toMatch(INTRODUCES);
      lines.add(d.line);
      // The page the message names ends with that text (its last line before the folio).
      const page = Number(/^PDF page (\d+) \(sheet (\d+)\)/.exec(d.message)![2]);
      const printed = await pageLines(pdf, page);
      expect(printed[printed.length - 2]).toBe(text.replace(/^## /, ''));
    }
    // A recurring lead-in is found at each of its own lines, not always at the first.
    expect(lines.size).toBe(stranded.length);
    const kinds = stranded.map((d) => source[d.line - 1]!);
    expect(kinds.some((t) => t.startsWith('## '))).toBe(true);
    expect(kinds.some((t) => t.startsWith('Filename:'))).toBe(true);
    expect(kinds.some((t) => /like this:$/.test(t))).toBe(true);
  });

  it('with the pass, the warnings are gone and each lead-in prints on the page of what it introduces', async () => {
    for (const variant of [built.adjusted, built.normal]) {
      expect(keep(variant.found)).toEqual([]);
      const layout = await readLayout(variant.pdf);
      let checked = 0;
      for (let page = 1; page <= layout.pages.length; page++) {
        const printed = await pageLines(variant.pdf, page);
        for (const [at, text] of printed.entries()) {
          if (!/^(Bands \d+|.*:|Filename: .*)$/.test(text)) continue;
          checked++;
          const rest = printed.slice(at + 1, -1);
          if (/^(Filename: src\/main\.rs|Run these steps in order:)$/.test(text)) {
            // The listing's first line follows on the same page.
            expect(rest[0], `page ${page}: ${text}`).toMatch(/^let \w+_0 = 0 \* \d+;$/);
          } else {
            // A heading or lead-in before an image: the image is on this page, below it.
            const line = layout.pages[page - 1]!.blocks.flatMap((b) => b.lines).find((l) => l.text === text)!;
            const below = (layout.imageBoxes?.[page - 1] ?? []).some((b) => b.yMin >= line.yMax - 1);
            expect(below, `page ${page}: ${text}`).toBe(true);
          }
        }
      }
      // Every lead-in and image heading of the fixture was looked at.
      expect(checked).toBe(source.filter((l) => /^(## Bands \d+|.*:|Filename: .*)$/.test(l)).length);
    }
  });
});
