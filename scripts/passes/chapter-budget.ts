/**
 * What one chapter may cost to process: a worker's heap and a deadline.
 * Every chapter (not only those of a big book) goes through a worker with
 * this budget, so any input shape that runs away, known or not, ends with an
 * error naming the chapter instead of a build that takes the machine's
 * memory or never ends (issue 24; docs/decisions/0006-untrusted-manuscripts.md).
 */
export interface ChapterBudget {
  /** The worker's old-generation heap, MB (`resourceLimits.maxOldGenerationSizeMb`). */
  heapMb: number;
  /** Seconds one chapter may take on its worker. */
  seconds: number;
}

/**
 * The 1M-word benchmark book's largest chapter peaks near 150 MB of heap and
 * takes 2 s; 768 MB and 40 s leave five and twenty times that, and keep a
 * whole build inside the 60 s the issue gives a hostile shape.
 */
export const DEFAULT_BUDGET: ChapterBudget = { heapMb: 768, seconds: 40 };

const positive = (value: string | undefined): number | undefined =>
  value !== undefined && /^\d+(\.\d+)?$/.test(value.trim()) && Number(value) > 0 ? Number(value) : undefined;

/** The budget, with `GALLEY_CHAPTER_HEAP_MB` and `GALLEY_CHAPTER_SECONDS` overriding the defaults (tests, huge books). */
export function chapterBudget(env: NodeJS.ProcessEnv = process.env): ChapterBudget {
  return {
    heapMb: positive(env.GALLEY_CHAPTER_HEAP_MB) ?? DEFAULT_BUDGET.heapMb,
    seconds: positive(env.GALLEY_CHAPTER_SECONDS) ?? DEFAULT_BUDGET.seconds,
  };
}

/** The error a chapter gets when its worker went over the budget. */
export function overBudgetMessage(kind: 'memory' | 'time' | 'crash', budget: ChapterBudget, detail = ''): string {
  const advice = 'something in it makes work without bound: split the chapter or simplify the construct';
  if (kind === 'memory')
    return `Processing this chapter went over its memory budget (${budget.heapMb} MB) and was stopped: ${advice}`;
  if (kind === 'time')
    return `Processing this chapter took over its time budget (${budget.seconds} s) and was stopped: ${advice}`;
  return `Processing this chapter stopped its worker${detail ? ` (${detail})` : ''}: ${advice}`;
}
