import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import nodeModule from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCacheDir, enableCompileCache, type CompileCacheHost } from '../scripts/util/compile-cache.ts';
import { GALLEY, tempDir } from './helpers.ts';

const STATUS = { FAILED: 0, ENABLED: 1, ALREADY_ENABLED: 2, DISABLED: 3 };

/** A stand-in for `node:module` that records where it was asked to cache. */
function host(status = STATUS.ENABLED) {
  const calls: (string | undefined)[] = [];
  const fake: CompileCacheHost = {
    enableCompileCache: (directory?: string) => {
      calls.push(directory);
      return { status, directory };
    },
    constants: { compileCacheStatus: STATUS },
  };
  return { fake, calls };
}

describe('the module compile cache at start-up', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    work = await tempDir();
  });
  afterAll(async () => {
    await work.cleanup();
  });

  it('lives in the cache folder Galley already uses, never beside the manuscript', () => {
    expect(compileCacheDir({ GALLEY_CACHE_DIR: '/tmp/somewhere' })).toBe(path.resolve('/tmp/somewhere/compile'));
    expect(compileCacheDir({ XDG_CACHE_HOME: '/home/a/.cache' })).toBe('/home/a/.cache/galley/compile');
  });

  it('is a no-op on a Node without module.enableCompileCache (before 22.1)', () => {
    const outcome = enableCompileCache({ GALLEY_CACHE_DIR: path.join(work.dir, 'none') }, {});
    expect(outcome).toEqual({ enabled: false, reason: 'unsupported' });
    expect(existsSync(path.join(work.dir, 'none'))).toBe(false);
  });

  it('asks Node for the cache in <cache root>/compile where Node has it', () => {
    const { fake, calls } = host();
    const env = { GALLEY_CACHE_DIR: path.join(work.dir, 'cache') };
    expect(enableCompileCache(env, fake)).toEqual({
      enabled: true,
      directory: path.join(work.dir, 'cache', 'compile'),
    });
    expect(calls).toEqual([path.join(work.dir, 'cache', 'compile')]);
  });

  it('reports a cache Node refused or could not open, and never throws', () => {
    const refused = host(STATUS.DISABLED);
    const env = { GALLEY_CACHE_DIR: path.join(work.dir, 'cache') };
    expect(enableCompileCache(env, refused.fake)).toMatchObject({ enabled: false, reason: 'failed' });
    const throwing: CompileCacheHost = {
      enableCompileCache: () => {
        throw new Error('EACCES');
      },
    };
    expect(enableCompileCache(env, throwing)).toMatchObject({ enabled: false, reason: 'failed', message: 'EACCES' });
  });

  it('does not use a cache folder that git tracks: compiled code from elsewhere would run', () => {
    const repo = path.join(work.dir, 'repo');
    mkdirSync(path.join(repo, 'cache'), { recursive: true });
    writeFileSync(path.join(repo, 'cache', 'entry'), 'x');
    const git = (...args: string[]) => spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
    git('init', '-q');
    git('add', 'cache/entry');
    const { fake, calls } = host();
    const outcome = enableCompileCache({ GALLEY_CACHE_DIR: path.join(repo, 'cache') }, fake);
    expect(outcome).toMatchObject({ enabled: false, reason: 'untrusted' });
    expect(calls).toEqual([]);
  });

  it('starts the compiled CLI on this Node, caching compiled code only where Node can', () => {
    const cache = path.join(work.dir, 'cli-cache');
    const result = spawnSync(process.execPath, [GALLEY, '--version'], {
      cwd: work.dir,
      env: { ...process.env, GALLEY_CACHE_DIR: cache, NODE_DISABLE_COMPILE_CACHE: '' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const supported = typeof (nodeModule as CompileCacheHost).enableCompileCache === 'function';
    const compiled = path.join(cache, 'compile');
    expect(existsSync(compiled) && readdirSync(compiled, { recursive: true }).length > 0).toBe(supported);
    // Nothing lands in the folder the command ran in.
    expect(readdirSync(work.dir).filter((name) => name.startsWith('compile'))).toEqual([]);
  });
});
