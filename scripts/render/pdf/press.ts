import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadedBook } from '../../model/book/load.ts';
import { isbnDigits } from '../../model/config/isbn.ts';
import { presetOf } from '../../model/config/presets.ts';
import { report } from '../../util/messages.ts';
import { linksOutside } from '../../util/paths.ts';
import type { PdfXOptions } from './post/pdf-x.ts';

/** Where `key:` first appears in book.yaml, so a message about its value lands on its line. */
export function keyPlace(book: LoadedBook, key: string): { line: number; column: number } {
  const lines = String(book.configFile.value ?? '').split('\n');
  const index = lines.findIndex((line) => new RegExp(`^\\s*${key}\\s*:`).test(line));
  return index < 0 ? { line: 1, column: 1 } : { line: index + 1, column: lines[index]!.indexOf(key) + 1 };
}

/**
 * The ICC profile book.yaml names for the output intent: a file inside the manuscript whose header says it is an
 * ICC profile with RGB data. Anything else is an error at its line and the build uses sRGB.
 */
function outputIntent(book: LoadedBook, name: string): PdfXOptions['profile'] | undefined {
  const file = path.resolve(book.root, name);
  const where = keyPlace(book, 'output_intent');
  const refuse = (why: string) => {
    report(book.configFile, 'error', `output.pdf.output_intent \`${name}\`: ${why}`, where, 'pdfx-output-intent');
    return undefined;
  };
  const relative = path.relative(book.boundary, file);
  if (relative.startsWith('..') || path.isAbsolute(relative) || linksOutside(book.boundary, file))
    return refuse('the profile must be a file inside the manuscript');
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return refuse('no such file');
  }
  if (bytes.length < 132 || bytes.toString('latin1', 36, 40) !== 'acsp') return refuse('not an ICC profile');
  const space = bytes.toString('latin1', 16, 20);
  // Chromium's content is RGB and Galley converts no colours: under a CMYK or grey intent the file would not be X-4.
  if (space !== 'RGB ')
    return refuse(`Galley's pages are RGB, so the output intent must be an RGB profile, not ${space.trim()}`);
  return { bytes, name: path.basename(name).replace(/\.ic[cm]$/i, '') };
}

export interface PressOptions {
  pdfx?: PdfXOptions;
  blankLastPage: boolean;
  isbn?: string;
}

/** What book.yaml asks of a file for the press: PDF/X-4, the preset's blank last page, the print ISBN. */
export function pressOptions(book: LoadedBook): PressOptions {
  const pdf = book.config.output.pdf;
  const profile = pdf.output_intent ? outputIntent(book, pdf.output_intent) : undefined;
  return {
    pdfx: pdf.standard === 'pdf/x-4' ? { profile } : undefined,
    blankLastPage: presetOf(pdf)?.blankLastPage ?? false,
    isbn: book.config.isbn?.print ? isbnDigits(book.config.isbn.print) : undefined,
  };
}
