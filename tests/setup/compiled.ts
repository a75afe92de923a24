/**
 * vitest global setup: tests spawn the compiled `galley` (lib/galley.js), as an
 * author runs it. Compile scripts/ into lib/ first when lib/ is missing or older
 * than any source, so `npx vitest run` alone never tests stale code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestMtime } from '../../scripts/util/newest-mtime.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default function setup() {
  const bin = path.join(ROOT, 'lib', 'galley.js');
  const built = existsSync(bin) ? statSync(bin).mtimeMs : 0;
  if (
    built >= Math.max(newestMtime(path.join(ROOT, 'scripts')), statSync(path.join(ROOT, 'tsconfig.build.json')).mtimeMs)
  )
    return;
  // package.json's `compile`: from an empty lib/ (tsc never removes what a moved module compiled to), bins executable.
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'compile'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}
