import { stat } from 'node:fs/promises';
import path from 'node:path';

export interface Download {
  format: 'epub' | 'pdf';
  /** Where the built artifact is. */
  source: string;
  /** Its name inside the edition's `downloads/` folder. */
  name: string;
  bytes: number;
  mediaType: string;
}

const FORMATS = [
  { format: 'epub', mediaType: 'application/epub+zip' },
  { format: 'pdf', mediaType: 'application/pdf' },
] as const;

/**
 * The EPUB and PDF among the artifacts built in this run. Only those: a file
 * an earlier build left could be of another version than the pages.
 */
export async function findDownloads(artifacts: string[]): Promise<Download[]> {
  const found: Download[] = [];
  for (const { format, mediaType } of FORMATS) {
    const source = artifacts.find((file) => file.endsWith(`.${format}`));
    const info = source ? await stat(source).catch(() => undefined) : undefined;
    if (source && info?.isFile())
      found.push({ format, source, name: path.basename(source), bytes: info.size, mediaType });
  }
  return found;
}

/** `820 KB`, `1.4 MB`, in the book's language and digits. */
export function formatSize(bytes: number, language: string): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return new Intl.NumberFormat(language, {
    style: 'unit',
    unit: units[unit],
    unitDisplay: 'short',
    maximumFractionDigits: value < 10 && unit > 0 ? 1 : 0,
  }).format(value);
}
