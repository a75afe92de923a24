import nodeModule from 'node:module';
import path from 'node:path';
import { cacheRoot, trackedByGit } from './cache-location.ts';

/**
 * Node's on-disk module compile cache (`module.enableCompileCache`, Node 22.1+): a fresh `galley` process
 * compiles some 700 modules before it builds anything, which a one-chapter rebuild pays every time
 * (docs/decisions/0027-faster-round-two.md). The cache lives beside Galley's other caches in the user's
 * cache folder (util/cache-location.ts), never in the manuscript or the output.
 */

/** The part of `node:module` this needs; absent before Node 22.1. */
export interface CompileCacheHost {
  enableCompileCache?: (directory?: string) => { status: number; message?: string; directory?: string };
  constants?: { compileCacheStatus?: Record<string, number> };
}

export type CompileCacheOutcome =
  | { enabled: true; directory: string }
  | { enabled: false; reason: 'unsupported' | 'untrusted' | 'failed'; directory?: string; message?: string };

/** `<cache root>/compile`: the folder Node keeps compiled code in. */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), 'compile');
}

/**
 * Turns the compile cache on where Node has it. Only modules loaded afterwards use it, so the entry point
 * calls this before it imports the CLI. A cache folder git tracks (`GALLEY_CACHE_DIR` inside a repository)
 * is not used: code compiled elsewhere would run here. `NODE_DISABLE_COMPILE_CACHE=1` turns it off (Node).
 */
export function enableCompileCache(
  env: NodeJS.ProcessEnv = process.env,
  host: CompileCacheHost = nodeModule as CompileCacheHost,
): CompileCacheOutcome {
  if (typeof host.enableCompileCache !== 'function') return { enabled: false, reason: 'unsupported' };
  const directory = compileCacheDir(env);
  // The default folder is the user's own; a folder named in the environment may sit in a checkout.
  if (env.GALLEY_CACHE_DIR && trackedByGit(path.dirname(directory)))
    return { enabled: false, reason: 'untrusted', directory };
  try {
    const result = host.enableCompileCache(directory);
    const statuses = host.constants?.compileCacheStatus ?? {};
    const ok = result.status === statuses.ENABLED || result.status === statuses.ALREADY_ENABLED;
    return ok
      ? { enabled: true, directory: result.directory ?? directory }
      : { enabled: false, reason: 'failed', directory, message: result.message };
  } catch (error) {
    // A read-only cache folder must not stop a build: it only makes start-up slower.
    return { enabled: false, reason: 'failed', directory, message: (error as Error).message };
  }
}
