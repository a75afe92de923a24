/**
 * vitest global setup: tests spawn the compiled `galley` (lib/galley.js), as an
 * author runs it. Compile scripts/ into lib/ first when lib/ is missing or older
 * than any source, so `npx vitest run` alone never tests stale code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

export default function setup() {
  const bin = path.join(ROOT, 'lib', 'galley.js');
  const built = existsSync(bin) ? statSync(bin).mtimeMs : 0;
  if (built >= Math.max(newest(path.join(ROOT, 'scripts')), statSync(path.join(ROOT, 'tsconfig.build.json')).mtimeMs))
    return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // From an empty lib/: tsc never removes what a moved or deleted module compiled to.
  rmSync(path.join(ROOT, 'lib'), { recursive: true, force: true });
  execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
}
