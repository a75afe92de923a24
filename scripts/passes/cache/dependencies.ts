/**
 * The files a chapter's processing looked at besides its own text: HonKit
 * `{% include %}` and `[import](…)` listings, mdBook `{{#include}}`, and
 * whatever a future plugin reads. They are recorded while the (synchronous)
 * pipeline runs, by watching the `node:fs` calls it makes inside the
 * manuscript, and checked again before a cached result is used: an included
 * file that changed, appeared or vanished makes the entry stale.
 *
 * Images are not recorded here: they go through the asset registry, whose
 * answers the cache checks itself (scripts/passes/process-chapters.ts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';

/** What a path looked like: its kind, its real path, and (for files that were read) a hash of the bytes. */
export interface Dependency {
  path: string;
  kind: 'file' | 'dir' | 'missing' | 'other';
  real?: string;
  sha256?: string;
}

const WATCHED = [
  'readFileSync',
  'statSync',
  'lstatSync',
  'existsSync',
  'realpathSync',
  'readdirSync',
  'accessSync',
  'openSync',
] as const;
type Watched = (typeof WATCHED)[number];

/** The probe of the one synchronous call being watched (`track`), cleared when it returns: not cache state. */
let active: { boundary: string; seen: Map<string, boolean> } | undefined;
let paused = 0;

function pathOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg instanceof URL && arg.protocol === 'file:') return decodeURIComponent(arg.pathname);
  if (Buffer.isBuffer(arg)) return arg.toString('utf8');
  return undefined;
}

function record(name: Watched, arg: unknown) {
  if (!active || paused > 0) return;
  const raw = pathOf(arg);
  if (raw === undefined) return;
  const absolute = path.resolve(raw);
  const relative = path.relative(active.boundary, absolute);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return;
  const read = name === 'readFileSync' || name === 'openSync';
  active.seen.set(absolute, (active.seen.get(absolute) ?? false) || read);
}

/** A file's SHA-256, read and hashed now; undefined when it cannot be read. */
export function hashFile(file: string): string | undefined {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

/** Describes a path as it is now; `read` adds a hash of its bytes, from `digest` (a stat-keyed memo, or read now). */
export function probe(
  target: string,
  read: boolean,
  digest: (file: string) => string | undefined = hashFile,
): Dependency {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    return { path: target, kind: 'missing' };
  }
  const dep: Dependency = { path: target, kind: stat.isFile() ? 'file' : stat.isDirectory() ? 'dir' : 'other' };
  try {
    dep.real = fs.realpathSync(target);
  } catch {
    // Gone between the two calls: its kind says enough.
  }
  if (read && dep.kind === 'file') {
    // Known from its stat when it has not changed (stat-digest.ts); read and hashed when it has.
    const sha256 = digest(target);
    if (sha256) dep.sha256 = sha256;
    else dep.kind = 'other';
  } else if (dep.kind === 'dir') {
    try {
      dep.sha256 = createHash('sha256').update(fs.readdirSync(target).sort().join('\0')).digest('hex');
    } catch {
      dep.kind = 'other';
    }
  }
  return dep;
}

/**
 * Runs `fn` (synchronous) and returns what it touched under `boundary`.
 * Only this thread's `node:fs` is watched, and only while `fn` runs.
 */
export function trackDependencies<T>(boundary: string, fn: () => T): { value: T; dependencies: Dependency[] } {
  if (active) return { value: fn(), dependencies: [] };
  const originals = new Map<Watched, unknown>();
  const mutable = fs as unknown as Record<Watched, (...args: unknown[]) => unknown>;
  for (const name of WATCHED) {
    const original = mutable[name];
    originals.set(name, original);
    const wrapped = function (this: unknown, ...args: unknown[]) {
      record(name, args[0]);
      return original.apply(this, args);
    };
    // realpathSync.native and friends keep working.
    Object.assign(wrapped, original);
    mutable[name] = wrapped;
  }
  syncBuiltinESMExports();
  active = { boundary: path.resolve(boundary), seen: new Map() };
  const seen = active.seen;
  let value: T;
  try {
    value = fn();
  } finally {
    active = undefined;
    for (const [name, original] of originals) mutable[name] = original as (...args: unknown[]) => unknown;
    syncBuiltinESMExports();
  }
  const dependencies = [...seen]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([target, read]) => probe(target, read));
  return { value, dependencies };
}

/** Calls `fn` without recording what it touches (the asset registry's own reads). */
export function untracked<T>(fn: () => T): T {
  paused++;
  try {
    return fn();
  } finally {
    paused--;
  }
}

/** Whether every dependency still looks as it did. */
export function dependenciesUnchanged(
  dependencies: Dependency[] | undefined,
  digest?: (file: string) => string | undefined,
): boolean {
  for (const dep of dependencies ?? []) {
    const now = probe(dep.path, dep.sha256 !== undefined && dep.kind === 'file', digest);
    if (now.kind !== dep.kind || now.real !== dep.real || now.sha256 !== dep.sha256) return false;
  }
  return true;
}
