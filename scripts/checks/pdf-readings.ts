import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIG = { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 } as const;

/** What poppler's tools say about one PDF: each tool runs at most once, when first asked. */
export interface PdfReadings {
  /** `pdfinfo`: pages, title, tagging, encryption. */
  info(): Promise<string>;
  /** `pdfinfo -custom`: the document's own metadata keys (Rights, Version, …). */
  custom(): Promise<string>;
  /** `pdffonts`: one row per font, header dropped. */
  fonts(): Promise<string[]>;
  /** `pdftotext -layout` of the first eight pages, where the title and copyright pages are. */
  front(): Promise<string>;
}

/** The readings of each PDF a caller asks about, kept by path for as long as the caller keeps this. */
export type PdfReader = (file: string) => PdfReadings;

/**
 * A reader that runs each tool once per file: `galley release` hands the same
 * one to the artifact checks and its own PDF checks, which ask the same
 * questions of the same file.
 */
export function pdfReader(): PdfReader {
  const byFile = new Map<string, PdfReadings>();
  return (file) => {
    let readings = byFile.get(file);
    if (!readings) {
      readings = readPdf(file);
      byFile.set(file, readings);
    }
    return readings;
  };
}

/** The readings of one file, each tool run lazily and at most once. */
export function readPdf(file: string): PdfReadings {
  const once = <T>(make: () => Promise<T>) => {
    let made: Promise<T> | undefined;
    return () => (made ??= make());
  };
  return {
    info: once(async () => (await run('pdfinfo', [file], BIG)).stdout),
    custom: once(async () => (await run('pdfinfo', ['-custom', file], BIG)).stdout),
    fonts: once(async () => (await run('pdffonts', [file], BIG)).stdout.split('\n').slice(2).filter(Boolean)),
    front: once(async () => (await run('pdftotext', ['-f', '1', '-l', '8', '-layout', file, '-'], BIG)).stdout),
  };
}
