import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import JSZip from 'jszip';
import type { LoadedBook } from '../model/book/load.ts';
import type { Diagnostic } from '../model/report.ts';
import { footerText } from '../model/pages.ts';
import { bookSlug } from '../model/book-slug.ts';
import { readPdf, type PdfReader } from './pdf-readings.ts';
const squash = (s: string) =>
  s
    .replace(/\s+/g, ' ')
    .replace(/&#xA9;|&copy;/g, '©')
    .trim();

/**
 * `copyright-footer` on what was built, not only on the sources: every web
 * page and EPUB document carries the footer, the PDF's copyright page prints
 * it, and EPUB `dc:rights` and the PDF's Rights metadata say the same. Also
 * the PDF checks poppler can make: every font embedded, the file tagged.
 */
export async function checkArtifacts(
  book: LoadedBook,
  outDir: string,
  webDir?: string,
  // `galley release` passes the reader its own PDF checks use, so poppler reads each file once.
  readPdfOf: PdfReader = readPdf,
): Promise<Diagnostic[]> {
  const expected = footerText(book);
  const out: Diagnostic[] = [];
  const problem = (
    file: string,
    message: string,
    ruleId = 'copyright-footer',
    severity: Diagnostic['severity'] = 'error',
  ) =>
    out.push({
      file: path.relative(book.boundary, file).split(path.sep).join('/') || file,
      line: 1,
      column: 1,
      ruleId,
      severity,
      message,
    });
  const slug = bookSlug(book);

  const htmlDir = path.join(outDir, 'html');
  // The HTML intermediate and the web edition (its own folder only: another edition's pages carry that edition's footer).
  for (const dir of [htmlDir, webDir]) {
    if (!expected || !dir || !existsSync(dir)) continue;
    for (const name of (await readdir(dir)).filter((n) => /\.x?html$/.test(n)).sort()) {
      if (!squash(await readFile(path.join(dir, name), 'utf8')).includes(expected))
        problem(path.join(dir, name), `Web page ${name} does not carry the copyright footer “${expected}”`);
    }
  }

  const epubPath = path.join(outDir, `${slug}.epub`);
  if (existsSync(epubPath)) {
    const zip = await JSZip.loadAsync(await readFile(epubPath));
    const opfName = Object.keys(zip.files).find((n) => n.endsWith('.opf'));
    const opf = opfName ? await zip.file(opfName)!.async('string') : '';
    const rights = /<dc:rights[^>]*>([\s\S]*?)<\/dc:rights>/.exec(opf)?.[1];
    if (expected && !(rights && squash(rights).includes(expected)))
      problem(epubPath, `EPUB dc:rights is “${rights ?? ''}”, not the copyright footer “${expected}”`);
    if (expected) {
      for (const name of Object.keys(zip.files)
        .filter((n) => n.endsWith('.xhtml'))
        .sort()) {
        const text = squash(await zip.file(name)!.async('string'));
        if (/epub:type="cover"/.test(text) && !/<p/.test(text)) continue;
        // The title page, like a printed one, leaves the copyright line to the copyright page that follows it.
        if (/epub:type="titlepage"/.test(text)) continue;
        if (!text.includes(expected))
          problem(epubPath, `EPUB document ${name} does not carry the copyright footer “${expected}”`);
      }
    }
  }

  const pdfPath = path.join(outDir, `${slug}.pdf`);
  if (![htmlDir, epubPath, pdfPath, webDir].some((file) => file && existsSync(file))) {
    problem(outDir, `Nothing built in ${outDir} to check: run \`galley build\` first`, 'artifacts');
    return out;
  }
  if (existsSync(pdfPath)) {
    const pdf = readPdfOf(pdfPath);
    const rights = /^Rights:\s*(.*)$/m.exec(await pdf.custom())?.[1];
    if (expected && !(rights && squash(rights).includes(expected)))
      problem(pdfPath, `PDF Rights metadata is “${rights ?? ''}”, not the copyright footer “${expected}”`);
    if (!/^Tagged:\s*yes/m.test(await pdf.info())) problem(pdfPath, 'PDF is not tagged', 'pdf-tagged');
    for (const line of await pdf.fonts()) {
      const cols = line.trim().split(/\s+/);
      if (cols[cols.length - 5] !== 'yes') problem(pdfPath, `PDF font ${cols[0]} is not embedded`, 'pdf-fonts');
    }
    if (expected) {
      // The copyright page is in the front matter, within the first pages.
      const front = await pdf.front();
      // pdftotext reorders right-to-left runs and marks them with bidi controls: compare the words of a line.
      const words = expected.split(/\s+/);
      const printed = front.split('\n').some((line) => {
        const tokens = new Set(line.replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, ' ').split(/\s+/));
        return words.every((w) => tokens.has(w));
      });
      if (!printed) problem(pdfPath, `The PDF's copyright page does not print “${expected}”`);
    }
  }
  return out;
}
