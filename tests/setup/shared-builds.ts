/**
 * vitest global setup (slow project): the fixture builds several test files
 * read, made once per run instead of once per file (decision 0025, round two).
 * Each build is `galley build` in a child process, started here and not
 * awaited, so the files that need none run meanwhile; a file that needs one
 * waits for it through `sharedBuild()` (tests/shared-builds.ts), which throws
 * the build's own output if it failed. The outputs are read-only for tests: a
 * test that changes one copies it first. Teardown stops what still runs and
 * removes the folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { SHARED_BUILDS, type SharedBuildName } from './shared-build-list.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder the shared builds write into: `<name>/` the output, `<name>.json` the outcome (exit code, `--json` output, stderr). */
    sharedBuilds: string;
  }
}

export default function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'galley-shared-'));
  const running = new Set<ChildProcess>();
  for (const [name, build] of Object.entries(SHARED_BUILDS) as [
    SharedBuildName,
    (typeof SHARED_BUILDS)[SharedBuildName],
  ][]) {
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'lib', 'galley.js'),
        'build',
        '--manuscript',
        build.manuscript,
        '--out',
        path.join(dir, name),
        '--json',
        ...build.args,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1', SOURCE_DATE_EPOCH: build.epoch },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const started = Date.now();
    child.on('close', (code, signal) => {
      running.delete(child);
      writeFileSync(
        path.join(dir, `${name}.json`),
        JSON.stringify({ code, signal, stdout, stderr, ms: Date.now() - started }),
      );
    });
    child.on('error', (error) => {
      running.delete(child);
      writeFileSync(
        path.join(dir, `${name}.json`),
        JSON.stringify({ code: null, stdout: '', stderr: String(error), ms: 0 }),
      );
    });
  }
  project.provide('sharedBuilds', dir);
  return async () => {
    for (const child of running) {
      const closed = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGTERM');
      await closed;
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
