/**
 * A file's SHA-256 known from its stat: a cached chapter's included files are
 * checked before the entry is used (dependencies.ts), and reading and hashing
 * every one of them on every rebuild costs time for nothing when none changed.
 * So the hash is remembered with the file's identity as `stat` gives it:
 * device, inode, size, and modification and change times in nanoseconds. An
 * edit that keeps the size and puts the old mtime back still moves the change
 * time (no call sets it), and a save by rename moves the inode; anything that
 * differs means the file is read and hashed again.
 *
 * Like git's index, a stamp taken too soon after the file last changed is not
 * trusted: a second write within the file system's timestamp granularity
 * would keep it. The memo is saved in the chapter cache folder with an HMAC
 * made with that folder's secret (util/cache-location.ts), so a memo that
 * came from elsewhere is never believed.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { BuildCache, FileDigests } from '../../model/build-cache.ts';
import { cacheSecret } from '../../util/cache-location.ts';
import { sign, verify, writeCacheFile } from '../../util/signed-entry.ts';

/** A stamp this close to the file's last change is not remembered (coarse timestamps, FAT's two seconds). */
export const RACY_MS = 2000;

const FILE = '.stat-digests.json';
const FORMAT = 1;
/** Signed before the memo, as a key is before a cache entry: a chapter entry's signature is never a memo's. */
const LABEL = 'stat-digests';

/** `dev:ino:size:mtimeNs:ctimeNs`. */
export function stampOf(stats: fs.BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

interface Entry {
  stamp: string;
  sha256: string;
}

export interface DigestOptions {
  /** The clock, for the racy check (tests). */
  now?: number;
  /** How the bytes are read (tests count the reads). */
  read?: (file: string) => Buffer;
}

export class StatDigests implements FileDigests {
  private readonly entries = new Map<string, Entry>();
  private dirty = false;
  /** Files read and hashed, and answered from the memo, since it was opened. */
  readonly stats = { hashed: 0, remembered: 0 };

  constructor(
    /** Where the memo is saved; none keeps it in memory only. */
    readonly dir?: string,
  ) {
    if (dir) this.load(dir);
  }

  /** The file's SHA-256 (hex); undefined when it cannot be read as a file. */
  digest(file: string, options: DigestOptions = {}): string | undefined {
    let stats: fs.BigIntStats;
    try {
      stats = fs.statSync(file, { bigint: true });
    } catch {
      return undefined;
    }
    if (!stats.isFile()) return undefined;
    const stamp = stampOf(stats);
    const known = this.entries.get(file);
    if (known && known.stamp === stamp) {
      this.stats.remembered++;
      return known.sha256;
    }
    let bytes: Buffer;
    try {
      bytes = (options.read ?? fs.readFileSync)(file);
    } catch {
      return undefined;
    }
    this.stats.hashed++;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const now = options.now ?? Date.now();
    const changed = Number((stats.mtimeNs > stats.ctimeNs ? stats.mtimeNs : stats.ctimeNs) / 1_000_000n);
    // Stamped too soon after the last change (or with a clock in the future): hash again next time.
    if (now - changed >= RACY_MS) {
      this.entries.set(file, { stamp, sha256 });
      this.dirty = true;
    } else if (known) {
      this.entries.delete(file);
      this.dirty = true;
    }
    return sha256;
  }

  /** Writes the memo (atomically) when it changed; a folder that cannot be written is skipped silently. */
  save(): void {
    if (!this.dir || !this.dirty) return;
    const json = JSON.stringify([FORMAT, [...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
    const signature = sign(cacheSecret(this.dir), [LABEL, json]);
    if (writeCacheFile(path.join(this.dir, FILE), `${signature}\n${json}`)) this.dirty = false;
  }

  private load(dir: string) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, FILE), 'utf8');
    } catch {
      return;
    }
    const newline = text.indexOf('\n');
    const json = text.slice(newline + 1);
    if (newline < 0 || !verify(cacheSecret(dir), [LABEL, json], text.slice(0, newline))) return;
    try {
      const [format, entries] = JSON.parse(json) as [number, [string, Entry][]];
      if (format !== FORMAT || !Array.isArray(entries)) return;
      for (const [file, entry] of entries) {
        if (typeof file === 'string' && typeof entry?.stamp === 'string' && /^[0-9a-f]{64}$/.test(entry.sha256))
          this.entries.set(file, { stamp: entry.stamp, sha256: entry.sha256 });
      }
    } catch {
      // A damaged memo: every file is hashed again.
    }
  }
}

/** The memo of the cache's chapter folder, opened once per build cache (so a `galley dev` session keeps it warm). */
export function statDigests(cache: BuildCache): FileDigests {
  const dir = cache.chapters.dir;
  if (!cache.chapters.digests || cache.chapters.digests.dir !== dir) cache.chapters.digests = new StatDigests(dir);
  return cache.chapters.digests;
}
