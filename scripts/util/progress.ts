import { createRequire } from 'node:module';
import type cliProgressModule from 'cli-progress';

export interface Progress {
  phase(label: string, total: number): void;
  tick(detail?: string): void;
  done(): void;
  /**
   * A progress of its own for work that runs beside this one (one language edition while another prints): its own
   * line on a terminal. A Progress without it gives its lanes nothing to show (`laneOf`).
   */
  lane?(name: string): Progress;
}

const silent: Progress = { phase() {}, tick() {}, done() {}, lane: () => silent };

/**
 * One progress per job run side by side: a line of its own each, named, when there is more than one job and the
 * progress has lanes; else the first job shows on the progress itself and the others show nothing (a Progress an
 * API caller gave without lanes).
 */
export function lanes(progress: Progress, names: string[]): Progress[] {
  if (names.length === 1) return [progress];
  return names.map((name, i) => progress.lane?.(name) ?? (i === 0 ? progress : silent));
}

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
  const bars = new cliProgress.MultiBar(
    {
      format: ' {phase} [{bar}] {value}/{total} {detail}',
      stream,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  let open = 0;
  const line = (name: string): Progress => {
    let bar: cliProgressModule.SingleBar | undefined;
    const close = () => {
      if (!bar) return;
      bars.remove(bar);
      bar = undefined;
      // The last line closed: the terminal gets its cursor back and nothing is left on screen.
      if (--open === 0) bars.stop();
    };
    return {
      phase(label, total) {
        close();
        open++;
        bar = bars.create(Math.max(total, 1), 0, { phase: `${name}${label}`.padEnd(10), detail: '' });
      },
      tick(detail = '') {
        bar?.increment(1, { detail: detail.slice(0, 40) });
      },
      done: close,
      lane: (lane) => line(`${lane} `),
    };
  };
  return line('');
}
