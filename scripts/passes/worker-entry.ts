/**
 * Which module a chapter worker starts. Compiled, it is lib/passes/cache/worker.js. Run from the TypeScript
 * sources (tests, tsx), it is that same compiled worker when lib/ was compiled from the sources as they are now
 * (lib/'s worker no older than any file of scripts/ or tsconfig.build.json: the rule the test setup compiles
 * by); otherwise chapter-worker.mjs, which registers tsx first. Every build starts a worker afresh, and one that
 * registers tsx and transforms the pipeline's modules costs ~0.6 CPU-s more per build than the compiled one
 * (decision 0027, "Per-build fixed costs"). The worker takes and returns plain data only, so which copy of the
 * code runs it is invisible, as long as it is the same code.
 */
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { newestMtime } from '../util/newest-mtime.ts';

/** The worker module for a worker pool in the module at `from` (scripts/passes/worker-pool.ts or its compiled copy). */
export function workerEntry(from: string): URL {
  if (!from.endsWith('.ts')) return new URL('./cache/worker.js', from);
  const compiled = new URL('../../lib/passes/cache/worker.js', from);
  try {
    const scripts = fileURLToPath(new URL('../', from));
    const config = fileURLToPath(new URL('../../tsconfig.build.json', from));
    const worker = fileURLToPath(compiled);
    if (existsSync(worker) && statSync(worker).mtimeMs >= Math.max(newestMtime(scripts), statSync(config).mtimeMs))
      return compiled;
  } catch {
    // No lib/ or no tsconfig.build.json beside the sources (a copied tree): the sources themselves, through tsx.
  }
  return new URL('./cache/chapter-worker.mjs', from);
}
