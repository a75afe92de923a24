import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PDFDocument } from '@cantoo/pdf-lib';
import type { LoadedBook } from '../model/book/load.ts';
import type { Diagnostic } from '../model/report.ts';
import { pageFonts } from '../render/pdf/read/fonts.ts';

/** Characters that never need a glyph of their own: joiners, variation selectors, bidi and format marks. */
const INVISIBLE_RANGES: [number, number][] = [
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x2064],
  [0xfe00, 0xfe0f],
  [0xe0000, 0xe007f],
  // Skin-tone modifiers: the base emoji carries the meaning.
  [0x1f3fb, 0x1f3ff],
];
const invisible = (cp: number) => INVISIBLE_RANGES.some(([lo, hi]) => cp >= lo && cp <= hi);

/** Every character the PDF's embedded fonts can show: the union of their ToUnicode maps. */
export async function pdfGlyphs(pdfFile: string): Promise<Set<string>> {
  const doc = await PDFDocument.load(await readFile(pdfFile), { updateMetadata: false });
  const seen = new Set<string>();
  const fonts = new Set<string>();
  for (const page of doc.getPages()) {
    for (const [name, font] of pageFonts(doc, page)) {
      if (fonts.has(name)) continue;
      fonts.add(name);
      for (const text of font.unicode.values()) {
        // U+FFFD is what a .notdef box maps to: never a glyph. Shaped scripts map presentation forms (Arabic
        // ﺳ for س, the ligature ﻼ for لا, ﮤ for ۀ = ە + hamza above): their compatibility forms, composed and
        // decomposed, name the letters and marks the source has.
        for (const ch of text + text.normalize('NFKC') + text.normalize('NFKD')) if (ch !== '\uFFFD') seen.add(ch);
      }
    }
  }
  return seen;
}

/**
 * The glyph check of `galley check --print`: every character of the sources above ASCII that no embedded font of
 * the PDF can show (it printed as a `.notdef` box, or not at all) is an error at its first place in each source
 * file, with its code point and how often it occurs there. Characters the PDF never prints (in an HTML comment or
 * a URL) can be reported too; `checks: { print-missing-glyph: off }` silences the rule.
 */
export async function checkGlyphs(book: LoadedBook, pdfFile: string): Promise<Diagnostic[]> {
  const glyphs = await pdfGlyphs(pdfFile);
  const setting = book.config.checks?.['print-missing-glyph'] ?? 'error';
  if (setting === 'off') return [];
  const out: Diagnostic[] = [];
  for (const chapter of book.chapters) {
    const source = String(chapter.file.value ?? '');
    const first = new Map<string, { line: number; column: number; count: number }>();
    source.split('\n').forEach((text, index) => {
      let column = 1;
      for (const ch of text) {
        if (ch.codePointAt(0)! > 0x7f && !/\s/u.test(ch) && !invisible(ch.codePointAt(0)!) && !glyphs.has(ch)) {
          const place = first.get(ch);
          if (place) place.count++;
          else first.set(ch, { line: index + 1, column, count: 1 });
        }
        column += ch.length;
      }
    });
    const file = path.relative(book.boundary, chapter.file.path).split(path.sep).join('/');
    for (const [ch, place] of first) {
      const code = `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
      out.push({
        file,
        line: place.line,
        column: place.column,
        ruleId: 'print-missing-glyph',
        severity: setting === 'warn' ? 'warning' : 'error',
        message: `${code} “${ch}” has no glyph in the PDF's fonts (it prints as a box or not at all)${place.count > 1 ? `, ${place.count} times in this file` : ''}: name a font that has it in output.pdf.fonts`,
      });
    }
  }
  return out;
}
