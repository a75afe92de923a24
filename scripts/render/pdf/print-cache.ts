/**
 * Finished PDFs by what was printed, in `print/` under the cache root: the key
 * is the composed document before any print (its HTML and every file served
 * with it) with everything else that shapes the print (the toolchain,
 * Chromium's version, the render options); the value the finished file and
 * what `renderPdf` returns about it. The print is reproducible (same document,
 * same browser, same bytes), so a build whose composed document did not change
 * (a rebuild, an edit of something the print does not show) takes the file
 * instead of probing, printing and finishing it again. Each entry carries an
 * HMAC with the folder's secret (util/cache-location.ts), as the chapter and
 * diagram caches do: an entry nobody here wrote is never read.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { toolchainVersion } from '../../util/toolchain-version.ts';
import { cacheSecret } from '../../util/cache-location.ts';
import { decodeSigned, encodeSigned, writeCacheFile } from '../../util/signed-entry.ts';
import type { PrintPageMap } from '../print-page-map.ts';

const FORMAT = 'galley-print-1';

/** What a finished print returns besides its bytes. */
export interface PrintFacts {
  pages: number;
  prints: number;
  pieces: number;
  pageMap?: PrintPageMap;
}

/** The key of a print: `document` is the composed document's fingerprint (its HTML and served files). */
export function printKey(document: string, browserVersion: string, options: unknown): string {
  return createHash('sha256')
    .update(`${FORMAT}\0${toolchainVersion()}\0${browserVersion}\0${JSON.stringify(options)}\0${document}`)
    .digest('hex');
}

const SUFFIX = '.pdf-entry';
const entryPath = (dir: string, key: string) => path.join(dir, `${key}${SUFFIX}`);

/** One folder per PDF written (by its path): it keeps that file's last print only, a few MB. */
export function printDirOf(dir: string, target: string): string {
  return path.join(dir, createHash('sha256').update(target).digest('hex').slice(0, 32));
}

/** The cached print, or undefined (none, a damaged one, or one this folder's secret did not sign). */
export async function readPrint(
  dir: string,
  key: string,
): Promise<{ bytes: Uint8Array; facts: PrintFacts } | undefined> {
  let data: Buffer;
  try {
    data = await readFile(entryPath(dir, key));
  } catch {
    return undefined;
  }
  // `<format> <signature>\n<facts as one line of JSON>\n<the PDF>`
  const [facts, bytes] = decodeSigned(cacheSecret(dir), FORMAT, key, data, 2) ?? [];
  if (!facts || !bytes) return undefined;
  try {
    return { bytes, facts: JSON.parse(facts.toString('utf8')) as PrintFacts };
  } catch {
    return undefined;
  }
}

/** Keeps the print (and drops this PDF's older one); a cache that cannot be written costs a print next build only. */
export async function writePrint(dir: string, key: string, bytes: Uint8Array, facts: PrintFacts): Promise<void> {
  const entry = encodeSigned(cacheSecret(dir), FORMAT, key, [JSON.stringify(facts), bytes]);
  if (!writeCacheFile(entryPath(dir, key), entry)) return;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    // A removal that fails (a folder by that name, no permission) costs disk, never the build.
    if (name.endsWith(SUFFIX) && name !== `${key}${SUFFIX}`)
      await rm(path.join(dir, name), { force: true }).catch(() => undefined);
  }
}
