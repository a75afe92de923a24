/**
 * The public surface as a library user sees it: tests/fixtures/public-api/use.ts
 * imports the package by its name (`galley`, resolved through package.json
 * `exports` to the compiled lib/index.d.ts, as an installed package is) and
 * uses every api/ entry with its options and result types; tsc must accept it.
 * A second program, checked in the same run, imports a name the package does
 * not export and must fail, so the first passing means something.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as galley from '../scripts/index.ts';
import { ROOT } from './helpers.ts';

const exec = promisify(execFile);
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const FIXTURE = path.join(ROOT, 'tests/fixtures/public-api');

async function typecheck(project: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await exec(process.execPath, [TSC, '-p', project], { cwd: ROOT });
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, output: e.stdout };
  }
}

let dir: string;
let result: { code: number; output: string };

// One tsc run over both programs: the user's, which must pass, and one that imports a name the package lacks.
beforeAll(async () => {
  // Inside the repository, so `galley` resolves the same way; removed after.
  dir = await mkdtemp(path.join(FIXTURE, '.tmp-'));
  await writeFile(
    path.join(dir, 'bad.ts'),
    "import { buildEverything } from 'galley';\nexport const x: number = buildEverything;\n",
  );
  await writeFile(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ extends: '../tsconfig.json', include: ['../use.ts', 'bad.ts'], exclude: [] }),
  );
  result = await typecheck(path.join(dir, 'tsconfig.json'));
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the public API', () => {
  it('exports every api/ entry as a function', () => {
    for (const name of ['build', 'check', 'startDev', 'release', 'diffRevisions', 'init', 'initBook', 'addErratum'])
      expect(typeof (galley as Record<string, unknown>)[name], name).toBe('function');
  });

  it('type-checks a program that uses each entry, imported by the package name', () => {
    // The one error is bad.ts's: use.ts, every entry with its types, passes.
    expect(result.output.trim().split('\n')).toHaveLength(1);
    expect(result.output).not.toMatch(/use\.ts/);
  });

  it('refuses a program that imports what the package does not export', () => {
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(
      /bad\.ts\(1,10\): error TS2305: Module '"galley"' has no exported member 'buildEverything'/,
    );
  });
});
