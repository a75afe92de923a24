/**
 * How many worker threads a chapter loop should start, from what the work
 * costs rather than a fixed size: the Markdown still to process, the
 * measured cost of a character, what a worker costs to start and what it
 * adds once running, and the cores there are.
 *
 * The model: the main thread processes characters at 1/c per second; a
 * worker, once started (S seconds: loading the pipeline through tsx, its own
 * JIT warm-up), adds g/c more, g < 1 because its results travel as JSON and
 * are applied on the main thread, and threads share cores and caches. With w
 * workers (k = w·g), all threads finish together at
 *
 *   T(w) = (N·c + k·S) / (1 + k)      against T(0) = N·c,
 *
 * so a worker pays only when the serial time exceeds S, and more workers
 * bring T down towards S, never below it. The constants are this machine's
 * (docs/decisions/0020-performance-an-incremental-epub.md, "The worker threshold comes from measured costs").
 */

export interface WorkerCosts {
  /** Seconds per character of Markdown, serial, cold JIT (whole pipeline). */
  perChar: number;
  /** Seconds of main-thread work a worker's start-up costs before it adds anything. */
  startup: number;
  /** What one running worker adds, as a fraction of the main thread's throughput. */
  gain: number;
}

/**
 * Measured with `npm run bench` (chapter loop alone, fresh processes,
 * medians) on the 2-core machine this project is built on, under the other
 * engineers' load: 200k words (1.7 M characters) serial 2.5 s, main + 1
 * worker 2.8 s; 1M words (8 M characters) 11.4 s and 9.7 s. Fitting T(1) to
 * both gives g ≈ 0.3 and S ≈ 3.9 s; c ≈ 1.45 µs per character.
 */
export const MEASURED_COSTS: WorkerCosts = { perChar: 1.45e-6, startup: 3.9, gain: 0.29 };

/** A worker must save this share of the serial time: the model is rough, and a worker costs memory. */
const PAYBACK = 0.9;
/** Fewer chapters than this per thread and the queue cannot keep a worker fed. */
const CHAPTERS_PER_WORKER = 16;
/**
 * Each worker holds its own pipeline and heap (~100–150 MB on the 1M-word
 * book); beyond three the time gained is small (T(w) approaches S) and the
 * 1 GB budget is not.
 */
export const MAX_WORKERS = 3;

export interface WorkerPlan {
  workers: number;
  /** Predicted seconds for the chapter loop, serial and with `workers`. */
  serial: number;
  parallel: number;
}

/** Predicted chapter-loop seconds with `workers` workers. */
export function predictSeconds(chars: number, workers: number, costs: WorkerCosts = MEASURED_COSTS): number {
  const serial = chars * costs.perChar;
  const k = workers * costs.gain;
  return (serial + k * costs.startup) / (1 + k);
}

/**
 * The number of workers that minimises the predicted time, if it saves
 * enough over one thread; 0 otherwise. `cores` is
 * `os.availableParallelism()`: one is the main thread's.
 */
export function planWorkers(input: {
  chars: number;
  chapters: number;
  cores: number;
  costs?: WorkerCosts;
}): WorkerPlan {
  const costs = input.costs ?? MEASURED_COSTS;
  const serial = predictSeconds(input.chars, 0, costs);
  const most = Math.min(MAX_WORKERS, Math.max(0, input.cores - 1), Math.floor(input.chapters / CHAPTERS_PER_WORKER));
  let best: WorkerPlan = { workers: 0, serial, parallel: serial };
  for (let workers = 1; workers <= most; workers++) {
    const parallel = predictSeconds(input.chars, workers, costs);
    if (parallel <= serial * PAYBACK && parallel < best.parallel) best = { workers, serial, parallel };
  }
  return best;
}
