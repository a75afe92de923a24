/**
 * The repository's own checks, run as tests so that they share the run's cores
 * with the other files instead of going before them: the type check, the typed
 * lint, the format check and the layer rule (package.json's `checks`, the same
 * commands with the same caches).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.ts';

const CACHE = path.join(ROOT, 'node_modules', '.cache', 'galley');
const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

function run(command: string, args: string[]) {
  const result = spawnSync(bin(command), args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status, output: `${result.stdout}${result.stderr}`, error: result.error };
}

const CHECKS: [string, string, string[]][] = [
  [
    'type check (tsc, strict)',
    'tsc',
    ['--noEmit', '--incremental', '--tsBuildInfoFile', path.join(CACHE, 'tsbuildinfo')],
  ],
  [
    'lint (typescript-eslint, type-checked)',
    'eslint',
    ['--cache', '--cache-location', path.join(CACHE, 'eslint'), '.'],
  ],
  ['format (prettier)', 'prettier', ['--check', '--cache', '--log-level', 'warn', '.']],
  ['layers (dependency-cruiser)', 'depcruise', ['scripts', '--config', '.dependency-cruiser.cjs']],
];

describe('the repository’s own checks', () => {
  for (const [name, command, args] of CHECKS) {
    it(`${name} passes`, { timeout: 600_000 }, () => {
      const { code, output, error } = run(command, args);
      expect(error).toBeUndefined();
      // The tool's own report is the failure message.
      expect(code, output).toBe(0);
    });
  }
});
