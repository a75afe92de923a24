/**
 * Chromium's prints of the pieces of a book printed in pieces (pieces.ts), by
 * piece document, in `print/pieces/` under the cache root (issue 31, item 2;
 * decision 0028). A piece's document holds everything its print depends on
 * besides the files served with it: the head, its blocks with the contents'
 * and page references' numbers filled in, the stand-ins for targets other
 * pieces hold, and its first folio. So a warm build after an edit prints only
 * the pieces whose document changed and joins the others' kept prints; the
 * print is reproducible, so the joined book is the one a cold build in the
 * same pieces makes. Entries are signed like every other cache's
 * (util/signed-entry.ts): one nobody here wrote is never read.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { cacheSecret } from '../../util/cache-location.ts';
import { decodeSigned, encodeSigned, writeCacheFile } from '../../util/signed-entry.ts';
import { toolchainVersion } from '../../util/toolchain-version.ts';
import { printDirOf } from './print-cache.ts';

const FORMAT = 'galley-piece-1';
const SUFFIX = '.piece-entry';

/** One folder per PDF written (by its path), beside the finished prints' folders. */
export function pieceDirOf(printDir: string, target: string): string {
  return printDirOf(path.join(printDir, 'pieces'), target);
}

/** What a piece cache needs to know about the pieces to take or keep; printInPieces asks nothing else. */
export interface PieceStore {
  /** The kept print of this piece document, or undefined. */
  take(html: string): Promise<Uint8Array | undefined>;
  /** Keeps a piece's print (a cache that cannot be written costs a print next build only). */
  keep(html: string, bytes: Uint8Array): void;
}

export class PieceCache implements PieceStore {
  /** Keys taken or kept by the last print in pieces: the entries the next build can use. */
  private readonly used = new Set<string>();
  private readonly salt: string;

  /**
   * `served` is the fingerprint of the files served with every piece (fonts, stylesheets, images); `options` what
   * else shapes a piece's print and is not in its document.
   */
  constructor(
    readonly dir: string,
    served: string,
    browserVersion: string,
    options: unknown,
  ) {
    this.salt = `${FORMAT}\0${toolchainVersion()}\0${browserVersion}\0${JSON.stringify(options)}\0${served}\0`;
  }

  key(html: string): string {
    return createHash('sha256').update(this.salt).update(html).digest('hex');
  }

  private file(key: string): string {
    return path.join(this.dir, `${key}${SUFFIX}`);
  }

  async take(html: string): Promise<Uint8Array | undefined> {
    const key = this.key(html);
    let data: Buffer;
    try {
      data = await readFile(this.file(key));
    } catch {
      return undefined;
    }
    const [bytes] = decodeSigned(cacheSecret(this.dir), FORMAT, key, data) ?? [];
    if (!bytes) return undefined;
    this.used.add(key);
    return bytes;
  }

  keep(html: string, bytes: Uint8Array): void {
    const key = this.key(html);
    if (writeCacheFile(this.file(key), encodeSigned(cacheSecret(this.dir), FORMAT, key, [bytes]))) this.used.add(key);
  }

  /** Drops the entries this build's print did not use: the folder holds one book's pieces, not its history. */
  async prune(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const unused = names.filter((name) => name.endsWith(SUFFIX) && !this.used.has(name.slice(0, -SUFFIX.length)));
    // Like a write, a removal that fails (a folder by that name, no permission) costs disk, never the build.
    await Promise.all(unused.map((name) => rm(path.join(this.dir, name), { force: true }).catch(() => undefined)));
  }
}
