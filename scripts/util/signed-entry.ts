/**
 * The one way Galley's on-disk caches sign and check what they keep. A cache
 * folder can be shared, restored in CI or arrive with a pull request; an
 * entry signed with the folder's secret (util/cache-location.ts) proves this
 * user's build wrote it, so a damaged, altered or forged entry costs a miss,
 * never a wrong book. Every cache (chapters, pages, stat digests, deflate
 * packs, diagrams, prints) signs through `sign` and checks through `verify`;
 * most keep the layout of `encodeSigned`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';

/** What a signature covers: text (as UTF-8) or bytes. */
export type SignedPart = string | Uint8Array;

const NUL = Buffer.from([0]);
const NEWLINE = 0x0a;

/**
 * HMAC-SHA256 (hex) of the parts with a NUL byte between each: the key an
 * entry is stored under comes first, so an entry copied under another key
 * does not verify.
 */
export function sign(secret: Buffer, parts: readonly SignedPart[]): string {
  const hmac = createHmac('sha256', secret);
  parts.forEach((part, i) => {
    if (i > 0) hmac.update(NUL);
    hmac.update(part);
  });
  return hmac.digest('hex');
}

/** Whether `given` (hex) is the parts' signature; compared in constant time, so timing tells a forger nothing. */
export function verify(secret: Buffer, parts: readonly SignedPart[], given: string | undefined): boolean {
  const expected = Buffer.from(sign(secret, parts), 'hex');
  const actual = Buffer.from(given ?? '', 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * An entry as stored: `<label> <signature>\n` then the parts, a newline
 * between each. The signature covers `key` and the parts, so only the last
 * part may hold a newline. The label names the entry's format (and may hold
 * its key); a reader that expects another label takes nothing.
 */
export function encodeSigned(secret: Buffer, label: string, key: string, parts: readonly SignedPart[]): Buffer {
  const body: Buffer[] = [];
  parts.forEach((part, i) => {
    if (i > 0) body.push(Buffer.from([NEWLINE]));
    body.push(
      typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part.buffer, part.byteOffset, part.length),
    );
  });
  return Buffer.concat([Buffer.from(`${label} ${sign(secret, [key, ...parts])}\n`, 'utf8'), ...body]);
}

/**
 * The `count` parts of an entry `encodeSigned` wrote with this label, key and
 * secret; undefined for anything else (no header, another label or format, a
 * part missing, a signature that does not match).
 */
export function decodeSigned(
  secret: Buffer,
  label: string,
  key: string,
  data: Uint8Array,
  count = 1,
): Buffer[] | undefined {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.length);
  const header = bytes.indexOf(NEWLINE);
  if (header < 0) return undefined;
  const line = bytes.toString('utf8', 0, header);
  const space = line.lastIndexOf(' ');
  if (space < 0 || line.slice(0, space) !== label) return undefined;
  const parts: Buffer[] = [];
  let at = header + 1;
  for (let i = 1; i < count; i++) {
    const end = bytes.indexOf(NEWLINE, at);
    if (end < 0) return undefined;
    parts.push(bytes.subarray(at, end));
    at = end + 1;
  }
  parts.push(bytes.subarray(at));
  return verify(secret, [key, ...parts], line.slice(space + 1)) ? parts : undefined;
}

/**
 * Writes a cache file whole or not at all: a temporary sibling (named
 * `.tmp-`, which pruning sweeps after a killed build), then a rename. The
 * folder is made on the first failure only, so a warm cache costs no mkdir
 * per entry. False when the cache cannot be written: a cache is worth a
 * retry next build, never a failed build.
 */
export function writeCacheFile(file: string, data: string | Uint8Array): boolean {
  const temp = `${file}.tmp-${process.pid}-${threadId}-${randomBytes(4).toString('hex')}`;
  try {
    try {
      // `wx`: never through something already at the temporary name (a planted link).
      writeFileSync(temp, data, { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(temp, data, { flag: 'wx' });
    }
    renameSync(temp, file);
    return true;
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // No folder to hold it (a file in the folder's place): nothing was left.
    }
    return false;
  }
}
