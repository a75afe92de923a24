import { createRequire } from 'node:module';
import type cliProgressModule from 'cli-progress';

export interface Progress {
  phase(label: string, total: number): void;
  tick(detail?: string): void;
  done(): void;
}

const silent: Progress = { phase() {}, tick() {}, done() {} };

/**
 * A progress bar on an interactive terminal; nothing in CI, in pipes or with
 * `--quiet`, so logs stay clean.
 */
export function createProgress(options: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet || !stream.isTTY || process.env.CI) return silent;
  // Only a terminal shows a bar: a build in a pipe, in CI or with --quiet never loads the bar's package.
  // It is CommonJS, so it loads synchronously here.
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof cliProgressModule;
  const bar = new cliProgress.SingleBar(
    {
      format: ' {phase} [{bar}] {value}/{total} {detail}',
      stream,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  return {
    phase(label, total) {
      if (running) bar.stop();
      bar.start(Math.max(total, 1), 0, { phase: label.padEnd(10), detail: '' });
      running = true;
    },
    tick(detail = '') {
      if (running) bar.increment(1, { detail: detail.slice(0, 40) });
    },
    done() {
      if (running) bar.stop();
      running = false;
    },
  };
}
