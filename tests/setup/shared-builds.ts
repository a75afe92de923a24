/**
 * vitest global setup (slow project): a folder for the fixture builds several
 * test files read, made once per run instead of once per file (decision 0025,
 * round two). A build starts when a file first asks for it (`sharedBuild()` in
 * tests/shared-builds.ts), so running one file makes only what it reads; the
 * other files that ask wait for the same build. Teardown stops any build still
 * running and removes the folder.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the shared builds go: `<name>/` the output, `<name>.json` the outcome, `<name>.pid` while it runs. */
    sharedBuilds: string;
  }
}

export default function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'galley-shared-'));
  project.provide('sharedBuilds', dir);
  return () => {
    // A build whose outcome was never written is still running (its test file gave up waiting): stop it.
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.pid'))) {
      const outcome = path.join(dir, name.replace(/\.pid$/, '.json'));
      if (readdirSync(dir).includes(path.basename(outcome))) continue;
      try {
        process.kill(Number(readFileSync(path.join(dir, name), 'utf8')), 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
