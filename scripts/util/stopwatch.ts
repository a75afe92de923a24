import { performance } from 'node:perf_hooks';

/**
 * Seconds spent per named step: `lap('print')` charges the time since the
 * previous lap to `print`; `skip()` starts afresh when the time in between
 * was already counted elsewhere.
 */
export function stopwatch() {
  const timings: Record<string, number> = {};
  let mark = performance.now();
  return {
    timings,
    lap: (name: string) => {
      const now = performance.now();
      timings[name] = (timings[name] ?? 0) + (now - mark) / 1000;
      mark = now;
    },
    skip: () => {
      mark = performance.now();
    },
  };
}
