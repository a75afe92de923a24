/** Spawning a measured child for `npm run bench`: wall time, exit code, and what the child reports. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openCpuGroup } from './cgroup-cpu.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHILD = path.join(ROOT, 'tools/bench/child.mjs');

export interface Timed {
  seconds: number;
  code: number | null;
  maxRssKb?: number;
  /** User + system CPU seconds of the child, all its threads (tools/bench/child.mjs). */
  cpuSeconds?: number;
  /**
   * User + system CPU seconds of the child and every process it waited for (Chromium's, for a PDF), from
   * this process's `cutime` + `cstime` (/proc/self/stat) before and after: undefined off Linux. Children run
   * one at a time, so the difference is this child's.
   */
  treeCpuSeconds?: number;
  /**
   * User + system CPU seconds of every process the child started, orphans included (Chromium's renderers, which
   * `treeCpuSeconds` misses), from a cgroup (cgroup-cpu.ts): undefined where none can be made.
   */
  groupCpuSeconds?: number;
  /** The chapter loop's counts, from a `galley` child (tools/bench/child.mjs). */
  chapters?: { chapters: number; hits: number; processed: number; onWorkers: number; workers: number };
  stderr: string;
}

/** Clock ticks per second of /proc's times: 100 on every Linux this runs on (`getconf CLK_TCK`). */
const TICKS = 100;

/** CPU seconds of this process's waited-for children and their waited-for descendants. */
export function childrenCpu(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // The command name may hold spaces: the fields are counted from after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 (cutime, cstime) of proc(5) are the 14th and 15th after the name.
    return (Number(fields[13]) + Number(fields[14])) / TICKS;
  } catch {
    return undefined;
  }
}

/** Runs a command to its end; wall time from spawn to exit. */
export function timed(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Timed> {
  return new Promise((resolve) => {
    const cpuBefore = childrenCpu();
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // Joined at once: Node starts no process of its own for milliseconds, Galley none before Chromium.
    let group = openCpuGroup();
    try {
      if (child.pid !== undefined) group?.add(child.pid);
    } catch {
      group = undefined;
    }
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (stderr.length > 1_000_000) stderr = stderr.slice(-500_000);
    });
    child.on('error', (error) => resolve({ seconds: NaN, code: null, stderr: `${error.message}` }));
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const cpuAfter = childrenCpu();
      const line = /GALLEY_BENCH (\{.*\})\s*$/.exec(stderr);
      const report = line ? (JSON.parse(line[1]!) as Pick<Timed, 'maxRssKb' | 'cpuSeconds' | 'chapters'>) : {};
      const groupCpu = group ? group.close().catch(() => undefined) : Promise.resolve(undefined);
      void groupCpu.then((groupCpuSeconds) =>
        resolve({
          seconds,
          code,
          maxRssKb: report.maxRssKb,
          cpuSeconds: report.cpuSeconds,
          treeCpuSeconds: cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined,
          groupCpuSeconds,
          chapters: report.chapters ?? undefined,
          stderr,
        }),
      );
    });
  });
}

/** `galley build` as a whole process: what an author or CI runs. */
export function galleyBuild(
  manuscript: string,
  out: string,
  flags: string[],
  env: NodeJS.ProcessEnv,
  nodeFlags: string[] = [],
  formats = 'html,epub',
): Promise<Timed> {
  return timed(
    process.execPath,
    [
      ...nodeFlags,
      CHILD,
      'cli',
      'build',
      '--manuscript',
      manuscript,
      '--out',
      out,
      '--format',
      formats,
      '--quiet',
      ...flags,
    ],
    { env },
  );
}

export function failure(result: Timed): string | undefined {
  if (result.code === 0) return undefined;
  const lines = result.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('GALLEY_BENCH'));
  return `exit ${result.code}: ${lines.slice(-3).join(' | ')}`;
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
export const s = (seconds: number) => `${seconds.toFixed(2)} s`;
export const list = (values: number[], unit = s) => values.map(unit).join(', ');
export const verdict = (met: boolean) => (met ? 'met' : 'not met');
