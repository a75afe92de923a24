/**
 * Drawn diagrams by content, in `diagrams/` under the cache root: the key is
 * the fence's text with everything else that shapes the drawing (Mermaid's
 * version, its configuration, the fonts' bytes), the value the SVG as the
 * diagram page returned it. Each entry carries an HMAC with the folder's
 * secret (util/cache-location.ts), and what is read is sanitized again before
 * it enters the book (render/diagrams/diagrams.ts), like a fresh drawing.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheSecret } from '../../util/cache-location.ts';
import { decodeSigned, encodeSigned, writeCacheFile } from '../../util/signed-entry.ts';

const FORMAT = 'galley-diagram-1';

export function diagramKey(source: string, context: string): string {
  return createHash('sha256').update(FORMAT).update('\0').update(context).update('\0').update(source).digest('hex');
}

const entryPath = (dir: string, key: string) => path.join(dir, key.slice(0, 2), `${key}.svg`);

/** The cached SVG, or undefined (none, or an entry this folder's secret did not sign). */
export async function readDiagram(dir: string, key: string): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(entryPath(dir, key));
  } catch {
    return undefined;
  }
  return decodeSigned(cacheSecret(dir), FORMAT, key, bytes)?.[0]?.toString('utf8');
}

/** Keeps a drawing; a cache that cannot be written costs a drawing next build, never this build. */
export function writeDiagram(dir: string, key: string, svg: string): void {
  writeCacheFile(entryPath(dir, key), encodeSigned(cacheSecret(dir), FORMAT, key, [svg]));
}
