import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import LongestFirst from './tests/setup/sequencer.ts';

/**
 * Tests that need no Chromium, EPUBCheck, poppler or compiled `galley`: the
 * Markdown pipeline, plugins, model and pure helpers. `npm run test:fast`
 * runs these alone; `npm test` runs them with the rest. The repository’s own
 * checks (type check, lint, format, layers) are a file here too.
 */
export const FAST = [
  'tests/checks.test.ts',
  'tests/plugins/**/*.test.ts',
  'tests/fidelity-source.test.ts',
  'tests/markdown.test.ts',
  'tests/element-rules.test.ts',
  'tests/config.test.ts',
  'tests/property.test.ts',
  'tests/pathological.test.ts',
  'tests/external-links.test.ts',
  'tests/summary.test.ts',
  'tests/worker-plan.test.ts',
  'tests/xhtml-serialise.test.ts',
  'tests/pdf-lib-speed.test.ts',
  'tests/callouts-listings.test.ts',
  'tests/print-presets.test.ts',
  'tests/pdf-analysis.test.ts',
  'tests/module-state.test.ts',
  'tests/epub-package.test.ts',
  'tests/live-server.test.ts',
  'tests/progress.test.ts',
  'tests/signed-entry.test.ts',
  'tests/compound-words.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One file per core and one more: a file waiting on Chromium, EPUBCheck or a shared build leaves its core idle,
    // and the third file fills it (issue 26, round three: 337 s against 379 s wall, with less CPU). Round two's hang
    // tests now bound CPU time, not wall time; the remaining wall-time bounds (hostile-bounds, hostile-reads) have
    // several times their usual time as margin. GALLEY_TEST_WORKERS=2 goes back to one file per core.
    maxWorkers: Number(process.env.GALLEY_TEST_WORKERS) || availableParallelism() + 1,
    // Every project's files in one queue, longest first, so no long file starts last.
    sequence: { sequencer: LongestFirst },
    env: {
      // EPUBCheck's JVM, in every test and every `galley` a test starts: the quick JIT tier only and one GC thread.
      // Same report, half the CPU and a third of the wall time per run on this 2-core machine (decision 0025).
      JDK_JAVA_OPTIONS: '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC',
    },
    projects: [
      {
        extends: true,
        // One module graph per worker: these files import the same pipeline and set no global state.
        test: { name: 'fast', include: FAST, isolate: false },
      },
      {
        extends: true,
        test: {
          name: 'slow',
          include: ['tests/**/*.test.ts'],
          exclude: FAST,
          // These spawn the compiled `galley`: lib/ is brought up to date first. Then a folder for the fixture
          // builds several files read, each made once per run when first asked for (tests/setup/shared-builds.ts).
          globalSetup: ['tests/setup/compiled.ts', 'tests/setup/shared-builds.ts'],
        },
      },
    ],
  },
});
