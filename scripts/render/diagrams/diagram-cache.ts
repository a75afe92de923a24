/**
 * Drawn diagrams by content, in `diagrams/` under the cache root: the key is
 * the fence's text with everything else that shapes the drawing (Mermaid's
 * version, its configuration, the fonts' bytes), the value the SVG as the
 * diagram page returned it, or Mermaid's reason for drawing nothing (a fence
 * that does not parse fails the same way every time: a check run again after
 * an unrelated edit need not start Chromium to say so). Each entry carries an HMAC with the folder's
 * secret (util/cache-location.ts), and what is read is sanitized again before
 * it enters the book (render/diagrams/diagrams.ts), like a fresh drawing.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheSecret } from '../../util/cache-location.ts';
import { decodeSigned, encodeSigned, writeCacheFile } from '../../util/signed-entry.ts';

import type { Drawn } from './mermaid-page.ts';

const FORMAT = 'galley-diagram-2';

export function diagramKey(source: string, context: string): string {
  return createHash('sha256').update(FORMAT).update('\0').update(context).update('\0').update(source).digest('hex');
}

const entryPath = (dir: string, key: string) => path.join(dir, key.slice(0, 2), `${key}.svg`);

/** The cached drawing or refusal, or undefined (none, or an entry this folder's secret did not sign). */
export async function readDiagram(dir: string, key: string): Promise<Drawn | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(entryPath(dir, key));
  } catch {
    return undefined;
  }
  // `<format> <signature>\n<svg|error>\n<the SVG or the reason>`
  const [kind, text] = decodeSigned(cacheSecret(dir), FORMAT, key, bytes, 2) ?? [];
  if (!kind || !text) return undefined;
  const value = text.toString('utf8');
  const what = kind.toString('utf8');
  return what === 'svg' ? { svg: value } : what === 'error' ? { error: value } : undefined;
}

/**
 * Keeps a drawing or Mermaid's refusal; a failure that may not happen again (a timeout) is not kept. A cache that
 * cannot be written costs a drawing next build, never this build.
 */
export function writeDiagram(dir: string, key: string, drawn: Drawn): void {
  if ('transient' in drawn && drawn.transient) return;
  const [kind, text] = 'svg' in drawn ? ['svg', drawn.svg] : ['error', drawn.error];
  writeCacheFile(entryPath(dir, key), encodeSigned(cacheSecret(dir), FORMAT, key, [kind, text]));
}
