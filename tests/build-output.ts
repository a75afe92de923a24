import { readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { build } from '../scripts/api/build.ts';
import type { BuildCache } from '../scripts/model/build-cache.ts';
import { openBuildCache } from '../scripts/passes/cache/build-cache.ts';

/** Every byte an HTML and EPUB build wrote, by path, and every message it gave. */
export interface BuildOutput {
  files: Map<string, Buffer>;
  diagnostics: string[];
  /** The build's cache: its stats say what was reused. */
  cache: BuildCache;
}

const ENV = ['GALLEY_CACHE_DIR', 'GALLEY_WORKERS', 'GALLEY_WORKERS_ONLY', 'SOURCE_DATE_EPOCH'] as const;
export type BuildEnv = Partial<Record<(typeof ENV)[number], string>>;

/** A whole build (HTML and EPUB) with the given cache and thread settings, the environment restored after. */
export async function buildOutput(
  manuscript: string,
  out: string,
  env: BuildEnv,
  options: { noCache?: boolean } = {},
): Promise<BuildOutput> {
  const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
  for (const key of ENV) delete process.env[key];
  Object.assign(process.env, { SOURCE_DATE_EPOCH: '1767225600' }, env);
  try {
    await rm(out, { recursive: true, force: true });
    // Opened once the environment names the cache folder.
    const cache = openBuildCache(!options.noCache);
    const result = await build({ manuscript, out, formats: ['html', 'epub'], quiet: true, cache });
    const files = new Map<string, Buffer>();
    for (const name of (await readdir(out, { recursive: true })).sort()) {
      const full = path.join(out, name);
      if ((await stat(full)).isFile()) files.set(name.split(path.sep).join('/'), await readFile(full));
    }
    return {
      files,
      cache,
      diagnostics: result.diagnostics.map(
        (d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.ruleId} ${d.message}`,
      ),
    };
  } finally {
    for (const key of ENV) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}

/** The same files with the same bytes (an EPUB among them), and the same messages. */
export function expectSameOutput(actual: BuildOutput, expected: BuildOutput) {
  expect([...actual.files.keys()]).toEqual([...expected.files.keys()]);
  expect([...actual.files.keys()].some((n) => n.endsWith('.epub'))).toBe(true);
  for (const [name, bytes] of expected.files) expect(actual.files.get(name)!.equals(bytes), name).toBe(true);
  expect(actual.diagnostics).toEqual(expected.diagnostics);
}
