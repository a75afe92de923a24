import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PDFDict, PDFDocument, PDFName } from '@cantoo/pdf-lib';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../scripts/api/build.ts';
import { ROOT, chaptersOnThisThread, runGalleyInProcess, tempDir } from './helpers.ts';
import { sharedBrowser } from './light-helpers.ts';
import { checkPdfX, PDFX_REQUIREMENTS } from './pdfx-check.ts';

/** PDF/X-4 interiors and covers: the sample book with the KDP preset, and the press fixture. */
const SAMPLE = path.join(ROOT, 'manuscript');
const PRESS = path.join(ROOT, 'tests', 'books', 'press');
const PT = 72;

// Chapters on the test's thread: these copies miss the chapter cache, and the print is under test, not the workers.
chaptersOnThisThread();

let root: { dir: string; cleanup: () => Promise<void> };
let epoch: string | undefined;
const browser = sharedBrowser();
beforeAll(async () => {
  root = await tempDir('galley-pdfx-');
  epoch = process.env.SOURCE_DATE_EPOCH;
  process.env.SOURCE_DATE_EPOCH = '1767225600';
});
afterAll(async () => {
  if (epoch === undefined) delete process.env.SOURCE_DATE_EPOCH;
  else process.env.SOURCE_DATE_EPOCH = epoch;
  await root.cleanup();
});

async function coverWidthMatches(coverFile: string, pages: number, caliper: number) {
  const cover = await PDFDocument.load(await readFile(coverFile), { updateMetadata: false });
  const { width, height } = cover.getPage(0).getMediaBox();
  // 6x9in trim, 0.125 in bleed on every side.
  expect(Math.abs(width / PT - (2 * 6 + pages * caliper + 2 * 0.125))).toBeLessThan(0.01);
  expect(Math.abs(height / PT - (9 + 2 * 0.125))).toBeLessThan(0.01);
}

describe('PDF/X-4', () => {
  it('the sample book with the KDP preset: interior and cover pass the X-4 check; the spine fits the page count', async () => {
    const manuscript = path.join(root.dir, 'sample');
    await cp(SAMPLE, manuscript, { recursive: true });
    const yaml = await readFile(path.join(manuscript, 'book.yaml'), 'utf8');
    await writeFile(
      path.join(manuscript, 'book.yaml'),
      yaml.replace(
        'output:\n  slug: ml-interviews\n',
        'output:\n  slug: ml-interviews\n  pdf:\n    preset: kdp\n    standard: pdf/x-4\n    paper: cream\n',
      ),
    );
    const out = path.join(root.dir, 'sample-out');
    const result = await build({
      manuscript,
      out,
      formats: ['pdf', 'cover'],
      edition: 'en',
      quiet: true,
      browser: browser(),
    });
    expect(result.ok, result.diagnostics.map((d) => d.message).join('\n')).toBe(true);
    const pdf = result.artifacts.find((a) => a.format === 'pdf')!;
    const cover = result.artifacts.find((a) => a.format === 'cover')!;
    expect(cover.path).toBe(path.join(out, 'ml-interviews-cover.pdf'));
    const interior = await checkPdfX(await readFile(pdf.path));
    expect(interior.checked).toEqual(PDFX_REQUIREMENTS);
    expect(interior.problems).toEqual([]);
    expect((await checkPdfX(await readFile(cover.path))).problems).toEqual([]);
    await coverWidthMatches(cover.path, pdf.pages!, 0.0025);
    // Still tagged: the structure tree Chromium wrote is kept.
    const doc = await PDFDocument.load(await readFile(pdf.path), { updateMetadata: false });
    expect(doc.catalog.lookupMaybe(PDFName.of('StructTreeRoot'), PDFDict)).toBeDefined();
    // 67 pages or so: under KDP's 79, so the spine carries no text, and the build says so.
    if (pdf.pages! < 79) expect(result.diagnostics.map((d) => d.ruleId)).toContain('cover-spine-text');
    // The sample's 800 × 1200 cover image is under 300 dpi across a 6.125 × 9.25 in front.
    const lowRes = result.diagnostics.find((d) => d.ruleId === 'cover-image-resolution');
    expect(lowRes?.message).toMatch(/800×1200 cover image prints at 12\d dpi/);
    expect(lowRes?.line).toBe(16);
  }, 180_000);

  it('the press fixture: both files pass; a cover built alone measures the same interior, byte for byte', async () => {
    const out = path.join(root.dir, 'press-out');
    const first = await build({ manuscript: PRESS, out, formats: ['pdf', 'cover'], quiet: true, browser: browser() });
    expect(first.ok).toBe(true);
    const pdf = first.artifacts.find((a) => a.format === 'pdf')!;
    const coverFile = path.join(out, 'press-cover.pdf');
    const interiorBytes = await readFile(pdf.path);
    const coverBytes = await readFile(coverFile);
    expect((await checkPdfX(interiorBytes)).problems).toEqual([]);
    expect((await checkPdfX(coverBytes)).problems).toEqual([]);
    await coverWidthMatches(coverFile, pdf.pages!, 0.0025);
    // The print ISBN is in the XMP packet and the Info dictionary.
    const text = Buffer.from(interiorBytes).toString('latin1');
    expect(text).toContain('<rdf:li>urn:isbn:9780306406157</rdf:li>');
    const interior = await PDFDocument.load(interiorBytes, { updateMetadata: false });
    const info = interior.context.lookup(interior.context.trailerInfo.Info, PDFDict);
    expect(info.get(PDFName.of('ISBN'))?.toString()).toBe('(9780306406157)');
    // The guides are optional content that is off in the default (press) configuration.
    const cover = await PDFDocument.load(coverBytes, { updateMetadata: false });
    const oc = cover.catalog.lookup(PDFName.of('OCProperties'), PDFDict);
    expect(oc.lookup(PDFName.of('D'), PDFDict).lookup(PDFName.of('OFF'))?.toString()).toMatch(/\d+ 0 R/);

    // The checker is not a rubber stamp: the same file without its output intent, a TrimBox and the X-4 key fails.
    interior.catalog.delete(PDFName.of('OutputIntents'));
    interior.getPage(2).node.delete(PDFName.of('TrimBox'));
    info.delete(PDFName.of('GTS_PDFXVersion'));
    const broken = (await checkPdfX(await interior.save())).problems.join('\n');
    expect(broken).toMatch(/GTS_PDFXVersion is missing/);
    expect(broken).toMatch(/0 GTS_PDFX output intents/);
    expect(broken).toMatch(/page 3 has no TrimBox/);

    const alone = path.join(root.dir, 'press-cover-only');
    const second = await build({ manuscript: PRESS, out: alone, formats: ['cover'], quiet: true, browser: browser() });
    expect(second.ok).toBe(true);
    expect(second.artifacts.map((a) => a.format)).toEqual(['html', 'cover']);
    expect(Buffer.compare(await readFile(path.join(alone, 'press-cover.pdf')), coverBytes)).toBe(0);
  }, 180_000);

  it('the ebook ISBN is the EPUB identifier; the copyright page lists the print ISBN', async () => {
    const out = path.join(root.dir, 'press-epub');
    const result = await build({ manuscript: PRESS, out, formats: ['epub'], quiet: true });
    expect(result.ok).toBe(true);
    const zip = await JSZip.loadAsync(await readFile(path.join(out, 'press.epub')));
    const names = Object.keys(zip.files);
    const opf = await zip.file(names.find((n) => n.endsWith('.opf'))!)!.async('string');
    expect(opf).toContain('<dc:identifier id="pub-id">urn:isbn:0306406152</dc:identifier>');
    const copyright = await Promise.all(
      names.filter((n) => /copyright/.test(n)).map((n) => zip.file(n)!.async('string')),
    );
    expect(copyright.join('\n')).toMatch(/ISBN 0306406152[\s\S]*ISBN 978-0-306-40615-7 \(print\)/);
  });

  it('--pdfx makes a book without the setting PDF/X-4', async () => {
    const out = path.join(root.dir, 'faults-pdfx');
    const book = path.join(ROOT, 'tests', 'books', 'preset-faults');
    // The command's own `main()` in this process: the flag is under test, not the process (a spawned `galley` would
    // add a Node start and its module loading, about a CPU-second).
    const built = await runGalleyInProcess(['build', book, '--out', out, '--format', 'pdf', '--pdfx', '--quiet'], ROOT);
    expect(built.code, built.stderr).toBe(0);
    const report = await checkPdfX(await readFile(path.join(out, 'preset-faults.pdf')));
    expect(report.problems).toEqual([]);
  }, 120_000);
});
