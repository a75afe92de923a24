/**
 * What every cache key starts from: which Galley is running. The chapter, page, diagram and print caches all hold
 * it, so it lives below them all (render/ keys use it without reaching into passes/cache/).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function listFiles(dir: string, test: (name: string) => boolean, out: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const full = path.join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) continue;
    if (statSync(full).isDirectory()) listFiles(full, test, out);
    else if (test(name)) out.push(full);
  }
  return out;
}

/** The running code's identity (below), worked out once: it cannot change while the code runs, so not cache state. */
let toolchain: string | undefined;

/** The folder of the running code: scripts/ from the sources, lib/ in the package. */
const CODE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The installed version of a dependency, found as Node finds a package folder
 * (node_modules in each folder up from Galley's own): a package's exports may
 * not expose its package.json to `require.resolve`.
 */
function installedVersion(name: string): string {
  for (let dir = ROOT; ; dir = path.dirname(dir)) {
    try {
      return (
        (JSON.parse(readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version?: string })
          .version ?? '?'
      );
    } catch {
      if (path.dirname(dir) === dir) return 'missing';
    }
  }
}

/**
 * The toolchain's identity: Galley's version, the code that runs (scripts/ or
 * lib/) and the templates, and the installed version of each dependency (so an
 * upgrade, say a new Temml, invalidates every entry). Only files the package
 * ships count: an installed Galley has no lockfile. Hashed once per process, a
 * few milliseconds.
 */
export function toolchainVersion(): string {
  if (toolchain) return toolchain;
  const hash = createHash('sha256');
  const read = (file: string) => {
    try {
      return readFileSync(file);
    } catch {
      return Buffer.alloc(0);
    }
  };
  const pkg = JSON.parse(read(path.join(ROOT, 'package.json')).toString('utf8') || '{}') as {
    version?: string;
    dependencies?: Record<string, string>;
  };
  hash.update(`${pkg.version ?? '0'}\0${process.version}\0`);
  for (const name of Object.keys(pkg.dependencies ?? {}).sort()) hash.update(`${name}@${installedVersion(name)}\0`);
  const files = [
    ...listFiles(CODE, (n) => /\.(ts|mts|mjs|js)$/.test(n)),
    ...listFiles(path.join(ROOT, 'templates'), () => true),
  ];
  for (const file of files) {
    hash.update(`\0${path.relative(ROOT, file)}\0`);
    hash.update(read(file));
  }
  toolchain = `${pkg.version ?? '0'}+${hash.digest('hex').slice(0, 16)}`;
  return toolchain;
}
