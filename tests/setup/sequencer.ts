/**
 * The order test files start in. vitest's own sequencer runs the projects one
 * after the other (all of `fast`, then `slow`) and, within each, the longest
 * first; so a long `fast` file can start late, and the run ends with one worker
 * busy on the last long file while the others wait. Here every file of every
 * project is one queue, longest first by the last run's times (vitest's cache),
 * so the long files start at once and the short ones fill the gaps at the end
 * (decision 0025).
 */
import { readFileSync } from 'node:fs';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Each file's time (ms) in a whole run, by `project:path`, as vitest's cache
 * holds them; refresh with the cache's `results.json` after adding long files.
 */
const COMMITTED = JSON.parse(readFileSync(new URL('durations.json', import.meta.url), 'utf8')) as Record<
  string,
  number
>;

export default class LongestFirst extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cache = this.ctx.cache;
    const key = (spec: TestSpecification) =>
      `${spec.project.name}:${spec.moduleId.slice(this.ctx.config.root.length + 1)}`;
    // A fresh clone (CI) has no cache of last run's times: the committed times of a whole run stand in for them.
    const known = (spec: TestSpecification) => {
      const cached = cache.getFileTestResults(key(spec));
      if (cached) return cached;
      const duration = COMMITTED[key(spec)];
      return duration === undefined ? undefined : { duration, failed: false };
    };
    // Files never timed run first: a new file may be long, and a short one costs little at the front.
    // Among them the slow project first (it drives Chromium and EPUBCheck), then the larger file.
    const unknownWeight = (spec: TestSpecification) =>
      (spec.project.name === 'fast' ? 0 : 1e12) + (cache.getFileStats(key(spec))?.size ?? 0);
    const sorted = [...files].sort((a, b) => {
      const ra = known(a);
      const rb = known(b);
      if (!ra || !rb) {
        if (ra) return 1;
        if (rb) return -1;
        return unknownWeight(b) - unknownWeight(a);
      }
      if (ra.failed !== rb.failed) return ra.failed ? -1 : 1;
      return (rb.duration ?? 0) - (ra.duration ?? 0);
    });
    return Promise.resolve(sorted);
  }
}
