import { describe, expect, it } from 'vitest';
import { MAX_WORKERS, MEASURED_COSTS, planWorkers, predictSeconds } from '../scripts/passes/worker-plan.ts';

/** Characters of Markdown in the benchmark books (tools/bench/generate.ts). */
const BOOK_200K = 1_700_000;
const BOOK_1M = 8_100_000;

describe('worker plan', () => {
  it('reproduces the measurements it was fitted to (2 cores: 200k serial 2.5 s, +1 worker 2.8 s; 1M 11.4 s and 9.7 s)', () => {
    expect(predictSeconds(BOOK_200K, 0)).toBeCloseTo(2.5, 0);
    expect(predictSeconds(BOOK_200K, 1)).toBeGreaterThan(predictSeconds(BOOK_200K, 0));
    expect(Math.abs(predictSeconds(BOOK_1M, 1) - 9.7) / 9.7).toBeLessThan(0.06);
    expect(Math.abs(predictSeconds(BOOK_1M, 0) - 11.4) / 11.4).toBeLessThan(0.06);
  });

  it('on 2 cores: no worker for the 200k-word book, one for the 1M-word book, the switch in between', () => {
    expect(planWorkers({ chars: BOOK_200K, chapters: 102, cores: 2 }).workers).toBe(0);
    expect(planWorkers({ chars: BOOK_1M, chapters: 502, cores: 2 }).workers).toBe(1);
    const first = [2e6, 3e6, 4e6, 5e6, 6e6, 7e6].find(
      (chars) => planWorkers({ chars, chapters: 500, cores: 2 }).workers > 0,
    );
    expect(first).toBeGreaterThanOrEqual(3e6);
    expect(first).toBeLessThanOrEqual(6e6);
  });

  it('never more workers than cores besides the main thread, chapters to feed them, or the memory cap', () => {
    for (const cores of [1, 2, 4, 8, 64]) {
      const plan = planWorkers({ chars: 50e6, chapters: 5000, cores });
      expect(plan.workers).toBe(Math.min(cores - 1, MAX_WORKERS));
    }
    expect(planWorkers({ chars: BOOK_1M, chapters: 15, cores: 8 }).workers).toBe(0);
    expect(planWorkers({ chars: BOOK_1M, chapters: 40, cores: 8 }).workers).toBe(2);
  });

  it('more cores lower the predicted time but never below a worker’s start-up', () => {
    const times = [1, 2, 3].map((w) => predictSeconds(BOOK_1M, w));
    expect(times[1]!).toBeLessThan(times[0]!);
    expect(times[2]!).toBeLessThan(times[1]!);
    expect(predictSeconds(1e9, 1000)).toBeGreaterThan(MEASURED_COSTS.startup);
  });
});
