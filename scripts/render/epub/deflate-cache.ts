/**
 * Deflated zip entries kept between builds, keyed by their bytes: a rebuild
 * of an EPUB deflates only the entries whose bytes changed (an edited chapter,
 * the package document) and takes every other one as it was.
 *
 * One pack per output (a book's EPUB), beside the chapter cache: the entries
 * of its last build, rewritten after each build with exactly the entries that
 * build used, so it never grows past one EPUB's worth and needs no pruning.
 * A pack carries an HMAC keyed by the cache folder's secret (like chapter
 * entries), and a hit is found under the SHA-256 of the bytes it stands for
 * and checked for their size and CRC, so a stale, truncated, altered or
 * forged pack can cost a deflate, never a wrong EPUB; the compressed bytes are those fflate gives for that input, so
 * a warm build is byte-identical to a cold one (tests/epub-incremental.test.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { deflateSync } from 'fflate';
import { crc32, type ZipEntry } from './zip.ts';
import { cacheSecret, trackedByGit } from '../../util/cache-location.ts';
import { sign, verify, writeCacheFile } from '../../util/signed-entry.ts';

/** The folder's secret; none for a folder git tracks (it came with the sources, secret and all): no pack is used. */
function cacheSecretOrNone(dir: string): Buffer | undefined {
  return trackedByGit(dir) ? undefined : cacheSecret(dir);
}

/** The compression level every deflated entry gets (the EPUB's level before fflate, JSZip's 9). */
export const DEFLATE_LEVEL = 9;
const MAGIC = 'galley-deflate 2';

/** The installed fflate's name and version, read once: a fact about the code, not cache state. */
let engineName: string | undefined;
/** What made the bytes: another fflate version or level may deflate the same input differently. */
function engine(): string {
  if (!engineName) {
    const version = (createRequire(import.meta.url)('fflate/package.json') as { version: string }).version;
    engineName = `fflate ${version} level ${DEFLATE_LEVEL}`;
  }
  return engineName;
}

interface Stored {
  crc: number;
  size: number;
  data: Uint8Array;
}

export interface DeflateStats {
  /** Entries taken from the pack. */
  reused: number;
  /** Entries deflated in this build. */
  deflated: number;
  /** Entries stored uncompressed (already compressed formats, folders, `mimetype`). */
  stored: number;
}

export interface DeflatePack {
  /** The zip entry for these bytes: stored as given, or deflated (from the pack when it holds these bytes). */
  entry(name: string, bytes: Uint8Array, method: 0 | 8): ZipEntry;
  /** Writes the pack for the next build: the deflated entries this build used, nothing else. */
  save(): void;
  readonly stats: DeflateStats;
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();

/** Pack layout after the header line: per entry, sha256 of the input (32), crc, size, length (u32 LE each), then the deflated bytes. */
function parse(file: Buffer, secret: Buffer | undefined): Map<string, Stored> {
  const entries = new Map<string, Stored>();
  const newline = file.indexOf(0x0a);
  if (newline < 0) return entries;
  const [magic, made, sum] = file.subarray(0, newline).toString('utf8').split('\t');
  if (magic !== MAGIC || made !== engine()) return entries;
  const body = file.subarray(newline + 1);
  if (!secret || !verify(secret, [body], sum)) return entries;
  let at = 0;
  while (at + 44 <= body.length) {
    const key = body.subarray(at, at + 32).toString('hex');
    const crc = body.readUInt32LE(at + 32);
    const size = body.readUInt32LE(at + 36);
    const length = body.readUInt32LE(at + 40);
    at += 44;
    if (at + length > body.length) return new Map();
    entries.set(key, { crc, size, data: body.subarray(at, at + length) });
    at += length;
  }
  return entries;
}

function serialise(entries: Map<string, Stored>, secret: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const [key, stored] of entries) {
    const head = Buffer.alloc(44);
    Buffer.from(key, 'hex').copy(head, 0);
    head.writeUInt32LE(stored.crc >>> 0, 32);
    head.writeUInt32LE(stored.size, 36);
    head.writeUInt32LE(stored.data.length, 40);
    parts.push(head, Buffer.from(stored.data.buffer, stored.data.byteOffset, stored.data.length));
  }
  const body = Buffer.concat(parts);
  const sum = sign(secret, [body]);
  return Buffer.concat([Buffer.from(`${MAGIC}\t${engine()}\t${sum}\n`, 'utf8'), body]);
}

/**
 * True when `stored` stands for `bytes`. It was found under the SHA-256 of
 * these bytes in a pack whose HMAC holds, so it is what this user's build
 * deflated from them; size and CRC are checked again as a guard, without
 * inflating (which cost as much as a tenth of a warm rebuild).
 */
function holds(stored: Stored, bytes: Uint8Array): boolean {
  return stored.size === bytes.length && stored.crc === crc32(bytes);
}

/**
 * Opens the pack for one output: `id` names it (say, the book's folder and
 * EPUB name), `dir` is the folder, `undefined` for no pack at all
 * (`--no-cache`): every entry is deflated and nothing is written.
 */
export function openDeflatePack(dir: string | undefined, id: string): DeflatePack {
  const file = dir ? path.join(dir, `${createHash('sha256').update(id).digest('hex').slice(0, 32)}.pack`) : undefined;
  let previous = new Map<string, Stored>();
  const secret = dir ? cacheSecretOrNone(dir) : undefined;
  if (file && secret) {
    try {
      previous = parse(readFileSync(file), secret);
    } catch {
      // No pack yet, or unreadable: every entry is deflated.
    }
  }
  const next = new Map<string, Stored>();
  const stats: DeflateStats = { reused: 0, deflated: 0, stored: 0 };
  return {
    stats,
    entry(name, bytes, method) {
      if (method === 0) {
        stats.stored++;
        return { name, method, crc: crc32(bytes), size: bytes.length, data: bytes };
      }
      const key = sha(bytes).toString('hex');
      let stored = next.get(key);
      if (!stored) {
        const old = previous.get(key);
        if (old && holds(old, bytes)) {
          stored = old;
          stats.reused++;
        } else {
          stored = { crc: crc32(bytes), size: bytes.length, data: deflateSync(bytes, { level: DEFLATE_LEVEL }) };
          stats.deflated++;
        }
        next.set(key, stored);
      } else {
        stats.reused++;
      }
      return { name, method, crc: stored.crc, size: stored.size, data: stored.data };
    },
    save() {
      if (!file || !secret) return;
      // An unwritable cache costs the next build its deflating, nothing else.
      writeCacheFile(file, serialise(next, secret));
    },
  };
}
