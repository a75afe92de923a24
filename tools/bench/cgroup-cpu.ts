/**
 * CPU time of everything a measured child starts, Chromium's renderers included. `cutime` (run.ts `childrenCpu`)
 * counts only processes their parent waited for: the renderers Chromium leaves when its browser process is closed
 * are reaped by init, and their CPU never reaches it (700-page PDF build: 31.8 CPU-s by `time`, 60.2 by a cgroup).
 * A cgroup v1 `cpuacct` group counts every process put in it and their descendants, reaped by whomever. Where no
 * group can be made (cgroup v2 without delegation, no permission, not Linux), the bench keeps `cutime`.
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = '/sys/fs/cgroup/cpuacct';

export interface CpuGroup {
  /** Puts a process (and whatever it starts from then on) in the group. */
  add(pid: number): void;
  /** CPU seconds of everything in the group so far; then the group is removed once its processes are gone. */
  close(): Promise<number>;
}

/** A fresh group, or undefined where the machine does not let this process make one. */
export function openCpuGroup(): CpuGroup | undefined {
  const dir = path.join(ROOT, `galley-bench-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    mkdirSync(dir);
  } catch {
    return undefined;
  }
  return {
    add(pid) {
      writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
    },
    async close() {
      // Orphaned renderers may still be exiting: their last slices count, and a group with members cannot go.
      for (let i = 0; i < 50 && readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').trim(); i++) await sleep(100);
      const usage = Number(readFileSync(path.join(dir, 'cpuacct.usage'), 'utf8')) / 1e9;
      try {
        rmdirSync(dir);
      } catch {
        // Still occupied: left for the system; the figure is taken.
      }
      return usage;
    },
  };
}
