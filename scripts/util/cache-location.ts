import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findRepository, runGit } from './git.ts';

/**
 * Where caches live, and the key that proves an entry was written here. A
 * cache in the working tree can arrive in a pull request or a shared CI cache
 * with entries that put `<script>` into every artifact; so by default the
 * cache lives in the user's cache folder, each entry carries an HMAC made with
 * a secret created there on first use, and a cache folder that git tracks is
 * never read.
 */

/** `GALLEY_CACHE_DIR`, else `$XDG_CACHE_HOME/galley`, else `~/.cache/galley`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GALLEY_CACHE_DIR) return path.resolve(env.GALLEY_CACHE_DIR);
  const xdg =
    env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(xdg, 'galley');
}

/** The EPUB deflate packs (render/epub/deflate-cache.ts): `deflate/` beside the chapters' `chapters/`. */
export function defaultDeflateDir(): string {
  return path.join(cacheRoot(), 'deflate');
}

/** The drawn diagrams (render/diagrams/diagram-cache.ts): `diagrams/` beside `chapters/`. */
export function defaultDiagramDir(): string {
  return path.join(cacheRoot(), 'diagrams');
}

/** The finished PDFs (render/pdf/print-cache.ts): `print/` beside `chapters/`. */
export function defaultPrintDir(): string {
  return path.join(cacheRoot(), 'print');
}

/** The PDF text layer's results per content stream (render/pdf/text-layer-cache.ts): `text-layer/` beside `chapters/`. */
export function defaultTextLayerDir(): string {
  return path.join(cacheRoot(), 'text-layer');
}

const SECRET_FILE = '.secret';
/**
 * The key this process uses for each cache folder: fixed for the life of the process, so what it writes it can
 * read back (a read-only folder gets a key for this process only). An identity, not cache state.
 */
const secrets = new Map<string, Buffer>();

/**
 * The folder's HMAC key: 32 random bytes in `<dir>/.secret` (mode 0600),
 * created on first use. A key file others could have written (group or world
 * writable, not ours, not 64 hex digits) is replaced, which invalidates every
 * entry made with it.
 */
export function cacheSecret(dir: string): Buffer {
  const known = secrets.get(dir);
  if (known) return known;
  const file = path.join(dir, SECRET_FILE);
  let secret: Buffer | undefined;
  try {
    const stat = statSync(file);
    const text = readFileSync(file, 'utf8').trim();
    const ours = typeof process.getuid !== 'function' || stat.uid === process.getuid();
    if (ours && (stat.mode & 0o022) === 0 && /^[0-9a-f]{64}$/.test(text)) secret = Buffer.from(text, 'hex');
  } catch {
    // None yet.
  }
  if (!secret) {
    const fresh = randomBytes(32);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const temp = `${file}.tmp-${process.pid}-${fresh.toString('hex', 0, 4)}`;
      writeFileSync(temp, `${fresh.toString('hex')}\n`, { mode: 0o600 });
      chmodSync(temp, 0o600);
      renameSync(temp, file);
      // Two builds starting at once: whichever rename came last is the key both use from now on.
      const text = readFileSync(file, 'utf8').trim();
      secret = /^[0-9a-f]{64}$/.test(text) ? Buffer.from(text, 'hex') : fresh;
    } catch {
      // A read-only folder: a key for this process only, so nothing there is trusted.
      secret = fresh;
    }
  }
  secrets.set(dir, secret);
  return secret;
}

/** Whether git tracks any file under `dir` (a cache committed to the repository). Asked once per build. */
export function trackedByGit(dir: string): boolean {
  let answer = false;
  const repo = findRepository(dir);
  if (repo) {
    try {
      answer = runGit(repo, ['ls-files', '-z', '--', '.'], { cwd: dir, timeout: 10_000 }).length > 0;
    } catch {
      // Not a folder git knows (or git missing): not tracked.
    }
  }
  return answer;
}
