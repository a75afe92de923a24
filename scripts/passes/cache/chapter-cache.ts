/**
 * A content-addressed cache of per-chapter results: what the chapter
 * pipeline made of one chapter (the hast tree before the book passes, the
 * messages it reported, what it collected, the images it asked for), keyed by
 * everything that can change it. Entries are written atomically and carry an
 * HMAC keyed by a secret of the cache folder (util/cache-location.ts), so a
 * truncated, tampered or forged entry is noticed, ignored and replaced: it can
 * cost a reprocessing, never a wrong book.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { Root as HastRoot } from 'hast';
import type { Point, Position } from 'unist';
import type { VFile } from 'vfile';
import type { Dependency } from './dependencies.ts';
import { cacheRoot, cacheSecret } from '../../util/cache-location.ts';
import { sign, verify, writeCacheFile } from '../../util/signed-entry.ts';
import { toolchainVersion } from '../../util/toolchain-version.ts';

/** Bumped whenever the entry layout changes; part of every key. */
export const CACHE_FORMAT = 'galley-chapter-cache/2';
const HEADER = 'galley-chapter 2';

/** A message as stored: what `diagnostics()` and the checks read, nothing that holds nodes. */
export interface StoredMessage {
  reason: string;
  place?: Point | Position;
  ruleId?: string;
  source?: string;
  /** 1 error, 0 warning, null info (vfile's fatal true/false/undefined). */
  fatal: 0 | 1 | null;
  url?: string;
  note?: string;
  actual?: string;
  expected?: string[];
}

/** One image reference the chapter resolved, and what it resolved to, in order. */
export interface AssetRef {
  href: string;
  target?: string;
  error?: string;
}

/** What processing one chapter produced, independent of the process that produced it. */
export interface ChapterResult {
  tree: HastRoot;
  messages: StoredMessage[];
  /**
   * Everything the pipeline left on `file.data` besides its inputs: today
   * `collected`, `questions`, `formulas`, `sourceFooter`; a key a future
   * plugin adds is kept too, without anyone having to remember the cache.
   */
  data: Record<string, unknown>;
  assets: AssetRef[];
  /** Files besides the chapter that processing read or probed (includes). */
  dependencies: Dependency[];
}

const TAG = '$galley';

/** JSON for `file.data` values: Maps, Sets and Dates survive the trip. */
function replacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Map) return { [TAG]: 'map', entries: [...raw] };
  if (raw instanceof Set) return { [TAG]: 'set', values: [...raw] };
  if (raw instanceof Date) return { [TAG]: 'date', iso: raw.toISOString() };
  return value;
}

function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  if (object[TAG] === 'map')
    return new Map((object.entries as [unknown, unknown][]).map(([k, v]) => [revive(k), revive(v)]));
  if (object[TAG] === 'set') return new Set((object.values as unknown[]).map(revive));
  if (object[TAG] === 'date') return new Date(String(object.iso));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(object)) out[k] = revive(v);
  return out;
}

/**
 * A result as text: one line of JSON with everything but the tree, then the
 * tree's JSON (plain JSON.stringify, no replacer on the big part). The first
 * line alone is what the book passes need of an unchanged chapter, so a build
 * that reuses that chapter's pages never parses its tree (passes/cache/page-cache.ts).
 */
export function encodeResult(result: ChapterResult): string {
  return `{"messages":${JSON.stringify(result.messages)},"assets":${JSON.stringify(result.assets)},"dependencies":${JSON.stringify(result.dependencies)},"data":${JSON.stringify(result.data, replacer)}}\n${JSON.stringify(result.tree)}`;
}

/** Everything of a result but its tree. */
export type ChapterSummary = Omit<ChapterResult, 'tree'>;

function isSummary(value: unknown): value is ChapterSummary {
  const v = value as ChapterSummary;
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray(v.messages) &&
    v.messages.every((m) => typeof m === 'object' && m !== null && typeof m.reason === 'string') &&
    Array.isArray(v.assets) &&
    v.assets.every((a) => typeof a === 'object' && a !== null && typeof a.href === 'string') &&
    Array.isArray(v.dependencies) &&
    v.dependencies.every((d) => typeof d === 'object' && d !== null && typeof d.path === 'string') &&
    typeof v.data === 'object' &&
    v.data !== null &&
    !Array.isArray(v.data)
  );
}

function isTree(value: unknown): value is HastRoot {
  const v = value as HastRoot;
  return typeof v === 'object' && v !== null && v.type === 'root' && Array.isArray(v.children);
}

function parse(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

/** The summary line of what encodeResult wrote; undefined for anything else. */
function decodeSummary(json: string): ChapterSummary | undefined {
  const value = parse(json);
  if (!isSummary(value)) return undefined;
  value.data = revive(value.data) as Record<string, unknown>;
  return value;
}

/** The tree of what encodeResult wrote; undefined for anything else. */
function decodeTree(json: string): HastRoot | undefined {
  const value = parse(json);
  return isTree(value) ? value : undefined;
}

/** Parses what encodeResult wrote; undefined for anything else. */
export function decodeResult(json: string): ChapterResult | undefined {
  const newline = json.indexOf('\n');
  if (newline < 0) return undefined;
  const summary = decodeSummary(json.slice(0, newline));
  const tree = summary && decodeTree(json.slice(newline + 1));
  return summary && tree ? { ...summary, tree } : undefined;
}

export function storeMessages(file: VFile, from = 0): StoredMessage[] {
  return file.messages.slice(from).map((m) => {
    const stored: StoredMessage = { reason: m.reason, fatal: m.fatal === true ? 1 : m.fatal === false ? 0 : null };
    if (m.place) stored.place = m.place;
    if (m.ruleId) stored.ruleId = m.ruleId;
    if (m.source) stored.source = m.source;
    if (m.url) stored.url = m.url;
    if (m.note) stored.note = m.note;
    if (m.actual !== undefined) stored.actual = m.actual;
    if (m.expected !== undefined) stored.expected = m.expected;
    return stored;
  });
}

/** Puts stored messages back on a file, as if the plugins had reported them there. */
export function restoreMessages(file: VFile, messages: StoredMessage[]) {
  for (const stored of messages) {
    const message = file.message(stored.reason, { place: stored.place, ruleId: stored.ruleId, source: stored.source });
    message.fatal = stored.fatal === 1 ? true : stored.fatal === 0 ? false : undefined;
    if (stored.url) message.url = stored.url;
    if (stored.note) message.note = stored.note;
    if (stored.actual !== undefined) message.actual = stored.actual;
    if (stored.expected !== undefined) message.expected = stored.expected;
  }
}

/** Everything about a chapter that processing reads, besides the images (checked when an entry is used). */
export interface KeyInputs {
  /** The book's whole validated config. */
  config: unknown;
  lint: boolean;
  boundary: string;
  /** Absolute path of the chapter file: relative links and images resolve from it. */
  path: string;
  key: string;
  source: string;
  number?: string;
  language: string;
  frontmatter: Record<string, unknown>;
  /** What the pipeline is told about the chapter (title, numbering). */
  context?: unknown;
  /** What the loader put on `file.data` for the pipeline (boundary, bibliography, dialect settings). */
  data: Record<string, unknown>;
  /** The chapter's text after front matter was split off. */
  text: string;
}

/**
 * A hash of one `file.data` value; a value shared by every chapter (the bibliography) is hashed once per
 * `digests`, which the caller makes for one round of keys (process-chapters.ts), so a value changed between
 * builds is hashed again.
 */
function digest(value: unknown, digests: WeakMap<object, string>): string {
  if (value !== null && typeof value === 'object') {
    const known = digests.get(value);
    if (known) return known;
    const made = createHash('sha256')
      .update(JSON.stringify(value, replacer) ?? 'undefined')
      .digest('hex');
    digests.set(value, made);
    return made;
  }
  return JSON.stringify(value) ?? 'undefined';
}

export function cacheKey(inputs: KeyInputs, digests = new WeakMap<object, string>()): string {
  const hash = createHash('sha256');
  const { text, data, ...rest } = inputs;
  const loader = Object.keys(data)
    .sort()
    .map((name) => [name, digest(data[name], digests)]);
  hash.update(JSON.stringify([CACHE_FORMAT, toolchainVersion(), rest, loader]));
  hash.update('\0');
  hash.update(text);
  return hash.digest('hex');
}

/** `chapters/` under the cache root: `GALLEY_CACHE_DIR`, else the user's cache folder (util/cache-location.ts), never the working tree. */
export function defaultCacheDir(): string {
  return path.join(cacheRoot(), 'chapters');
}

export function entryPath(dir: string, key: string): string {
  return path.join(dir, key.slice(0, 2), `${key}.json`);
}

/**
 * The bytes of an entry: a header line with the signatures of the summary line and of the tree (util/signed-entry.ts),
 * then the payload. Two signatures, not one, so a build that needs only the summary never reads the tree.
 */
export function encodeEntry(key: string, json: string, secret: Buffer = cacheSecret(defaultCacheDir())): string {
  const newline = json.indexOf('\n');
  const summary = newline < 0 ? json : json.slice(0, newline);
  const tree = newline < 0 ? '' : json.slice(newline + 1);
  return `${HEADER} ${key} ${sign(secret, [key, summary])} ${sign(secret, [key, tree])}\n${json}`;
}

export type ReadOutcome = { result: ChapterResult } | { missing: true } | { corrupt: string };

/** A cached chapter's summary; its tree is parsed (and its HMAC checked) only when `tree()` is called. */
export interface LazyResult extends ChapterSummary {
  /** The tree; undefined when that part of the entry is damaged. */
  tree: () => HastRoot | undefined;
}

export type LazyOutcome = { result: LazyResult } | { missing: true } | { corrupt: string };

/** Parses an entry's bytes up to the tree; anything short of a whole, matching, well-formed summary is `corrupt`. */
export function decodeEntryLazy(
  key: string,
  bytes: string,
  secret: Buffer = cacheSecret(defaultCacheDir()),
  /** The tree's part when `bytes` stops after the summary line (`readEntryLazy`). */
  treePart?: () => string,
): LazyOutcome {
  const newline = bytes.indexOf('\n');
  if (newline < 0) return { corrupt: 'no header' };
  const [magic, version, storedKey, summarySum, treeSum] = bytes.slice(0, newline).split(' ');
  if (`${magic} ${version}` !== HEADER) return { corrupt: 'bad header' };
  if (storedKey !== key) return { corrupt: 'key mismatch' };
  const json = bytes.slice(newline + 1);
  const split = json.indexOf('\n');
  const summaryJson = split < 0 ? json : json.slice(0, split);
  if (!verify(secret, [key, summaryJson], summarySum) || !treeSum) return { corrupt: 'checksum mismatch' };
  const summary = decodeSummary(summaryJson);
  if (!summary || split < 0) return { corrupt: 'not a chapter result' };
  let tree: HastRoot | undefined;
  let tried = false;
  return {
    result: {
      ...summary,
      tree: () => {
        if (!tried) {
          tried = true;
          const treeJson = treePart ? treePart() : json.slice(split + 1);
          tree = verify(secret, [key, treeJson], treeSum) ? decodeTree(treeJson) : undefined;
        }
        return tree;
      },
    },
  };
}

/** Parses an entry's bytes; anything short of a whole, matching, well-formed entry is `corrupt`. */
export function decodeEntry(key: string, bytes: string, secret: Buffer = cacheSecret(defaultCacheDir())): ReadOutcome {
  const outcome = decodeEntryLazy(key, bytes, secret);
  if (!('result' in outcome)) return outcome;
  const { tree: load, ...summary } = outcome.result;
  const tree = load();
  if (!tree) return { corrupt: 'checksum mismatch' };
  return { result: { ...summary, tree } };
}

function readEntryWith<T extends object>(
  dir: string,
  key: string,
  decode: (key: string, bytes: string, secret: Buffer) => T,
): T | { missing: true } {
  const file = entryPath(dir, key);
  let bytes: string;
  try {
    bytes = readFileSync(file, 'utf8');
  } catch {
    return { missing: true };
  }
  return settleEntry(file, decode(key, bytes, cacheSecret(dir)));
}

/**
 * A bad entry is removed now and rewritten after processing (it never gets a second chance to be read); a good one
 * is marked used now, so it is the last to go when the folder is pruned.
 */
function settleEntry<T extends object>(file: string, outcome: T): T {
  if ('corrupt' in outcome) {
    rmSync(file, { force: true });
  } else {
    const now = new Date();
    try {
      utimesSync(file, now, now);
    } catch {
      // A read-only cache still serves.
    }
  }
  return outcome;
}

export function readEntry(dir: string, key: string): ReadOutcome {
  return readEntryWith(dir, key, decodeEntry);
}

/**
 * The bytes of an entry up to the end of its summary line, and a way to read
 * the rest: the tree is most of an entry, and a build that takes the chapter's
 * page from the page cache never needs it.
 */
function readHead(file: string): { head: string; rest: () => string } | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    let buffer = Buffer.alloc(64 * 1024);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, length);
      length += read;
      const header = buffer.subarray(0, length).indexOf(0x0a);
      const summary = header < 0 ? -1 : buffer.subarray(0, length).indexOf(0x0a, header + 1);
      if (summary >= 0 || read === 0) {
        const end = summary >= 0 ? summary : length;
        // A newline byte is never inside a multi-byte character: the cut is between characters.
        const head = buffer.toString('utf8', 0, end);
        const offset = end + 1;
        return {
          head: summary >= 0 ? `${head}\n` : head,
          rest: () => {
            try {
              return readFileSync(file).toString('utf8', offset);
            } catch {
              return '';
            }
          },
        };
      }
      if (length === buffer.length) {
        const bigger = Buffer.alloc(buffer.length * 2);
        buffer.copy(bigger);
        buffer = bigger;
      }
    }
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Like `readEntry`, but only the summary is read now; the tree is read and parsed when asked for. */
export function readEntryLazy(dir: string, key: string): LazyOutcome {
  const file = entryPath(dir, key);
  const read = readHead(file);
  if (!read) return { missing: true };
  let rest: string | undefined;
  // The tree's part of the entry, read only when the tree is wanted; its own HMAC vouches for it.
  return settleEntry(
    file,
    decodeEntryLazy(key, read.head, cacheSecret(dir), () => (rest ??= read.rest())),
  );
}

/** Writes an entry atomically (temporary file, then rename); a cache that cannot be written is skipped silently. */
export function writeEntry(dir: string, key: string, json: string): boolean {
  return writeCacheFile(entryPath(dir, key), encodeEntry(key, json, cacheSecret(dir)));
}

const DAY = 24 * 60 * 60 * 1000;

/** `GALLEY_CACHE_MAX_MB`, else 1 GB. */
export function cacheLimitBytes(): number {
  const mb = Number(process.env.GALLEY_CACHE_MAX_MB);
  return (Number.isFinite(mb) && mb > 0 ? mb : 1024) * 1024 * 1024;
}

/**
 * Keeps a cache folder under its size limit: every save of a chapter adds an
 * entry, and old ones are never read again. At most once a day (a marker
 * file says when), entries not used for longest go first, down to 80% of the
 * limit; temporary files a killed build left behind go too.
 */
export function pruneCache(
  dir: string,
  options: { maxBytes?: number; everyMs?: number; now?: number } = {},
): { removed: number; bytes: number } {
  const now = options.now ?? Date.now();
  const marker = path.join(dir, '.last-prune');
  try {
    if (now - statSync(marker).mtimeMs < (options.everyMs ?? DAY)) return { removed: 0, bytes: 0 };
  } catch {
    // Never pruned: go on.
  }
  const files: { file: string; size: number; used: number }[] = [];
  let removed = 0;
  let shards: string[];
  try {
    shards = readdirSync(dir).filter((name) => /^[0-9a-f]{2}$/.test(name));
  } catch {
    return { removed: 0, bytes: 0 };
  }
  for (const shard of shards) {
    let names: string[];
    try {
      names = readdirSync(path.join(dir, shard));
    } catch {
      continue;
    }
    for (const name of names) {
      const file = path.join(dir, shard, name);
      try {
        const stat = statSync(file);
        if (name.includes('.tmp-')) {
          if (now - stat.mtimeMs > 60 * 60 * 1000) {
            rmSync(file, { force: true });
            removed++;
          }
        } else if (name.endsWith('.json')) {
          files.push({ file, size: stat.size, used: stat.mtimeMs });
        }
      } catch {
        // Gone meanwhile (another build pruning): nothing to do.
      }
    }
  }
  let total = files.reduce((sum, f) => sum + f.size, 0);
  const max = options.maxBytes ?? cacheLimitBytes();
  if (total > max) {
    files.sort((a, b) => a.used - b.used);
    for (const entry of files) {
      if (total <= max * 0.8) break;
      rmSync(entry.file, { force: true });
      total -= entry.size;
      removed++;
    }
  }
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(marker, '');
    utimesSync(marker, new Date(now), new Date(now));
  } catch {
    // Read-only: try again next time.
  }
  return { removed, bytes: total };
}
