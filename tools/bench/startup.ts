/**
 * Figure 6 of `npm run bench`: start-up of the compiled package (lib/galley.js),
 * beside `node -e 0` measured in the same run. `galley --help` and
 * `--version` should stay within 3× a bare Node start, and `galley check` of a
 * one-chapter book within 1 s; an HTML build of that book is printed beside
 * it (decision 0027, "Round five: what a galley process loads"). Each process reports its own CPU time (a
 * preloaded script prints process.cpuUsage() on exit), which moves less than
 * wall time on a shared machine; both are printed.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

export interface StartupTiming {
  /** Median wall time, seconds. */
  wall: number;
  /** Median CPU time (user + system), seconds. */
  cpu: number;
  runs: number;
  failed?: string;
}

export interface StartupFigures {
  node: StartupTiming;
  help: StartupTiming;
  version: StartupTiming;
  check: StartupTiming;
  /** `galley build --format html` of the same book, no cache: start-up, the chapter worker and the HTML. */
  html: StartupTiming;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const PRELOAD = `process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write('\\nGALLEY_CPU ' + (u.user + u.system) + '\\n'); });\n`;

function once(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; preload: string },
): Promise<{ wall: number; cpu: number; code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--require', options.preload, ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('close', (code) => {
      const wall = (performance.now() - started) / 1000;
      const cpu = Number(/GALLEY_CPU (\d+)/.exec(stderr)?.[1] ?? NaN) / 1e6;
      resolve({ wall, cpu, code, stderr: stderr.replace(/\s*GALLEY_CPU \d+\s*$/, '') });
    });
  });
}

async function timing(
  runs: number,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; preload: string },
  expected = 0,
): Promise<StartupTiming> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let run = 0; run < runs; run++) {
    const result = await once(args, options);
    if (result.code !== expected) {
      return {
        wall: NaN,
        cpu: NaN,
        runs: run,
        failed: `exit ${result.code}: ${result.stderr.trim().split('\n').slice(-2).join(' | ')}`,
      };
    }
    walls.push(result.wall);
    cpus.push(result.cpu);
  }
  return { wall: median(walls), cpu: median(cpus), runs };
}

/** A book of one chapter, written from scratch (no Galley code involved). */
async function oneChapterBook(dir: string) {
  await mkdir(path.join(dir, 'chapters'), { recursive: true });
  await writeFile(path.join(dir, 'book.yaml'), 'title: "Start-up"\nauthors: ["Bench"]\nlanguage: en\n');
  await writeFile(path.join(dir, 'SUMMARY.md'), '# Summary\n\n* [One](chapters/one.md)\n');
  await writeFile(
    path.join(dir, 'chapters/one.md'),
    '# One\n\nA paragraph with inline math $$e^{i\\pi} + 1 = 0$$ and a [link](#a-section).\n\n## A section\n\n1. [E] Why?\n2. [M] How?\n\n```python\nprint("hello")\n```\n',
  );
}

export async function measureStartup(root: string, work: string, runs: number): Promise<StartupFigures> {
  const galley = path.join(root, 'lib', 'galley.js');
  if (!existsSync(galley)) throw new Error('lib/galley.js is missing: run `npm run compile` first');
  const dir = path.join(work, 'startup');
  await rm(dir, { recursive: true, force: true });
  await oneChapterBook(path.join(dir, 'book'));
  const preload = path.join(dir, 'cpu.cjs');
  await writeFile(preload, PRELOAD);
  const options = { cwd: dir, env: { ...process.env, CI: '1', GALLEY_CACHE_DIR: path.join(dir, 'cache') }, preload };
  // One unmeasured start of each, so every measured run finds the files in the page cache alike.
  await once([galley, '--version'], options);
  await once([galley, 'check', 'book', '--no-cache'], options);
  return {
    node: await timing(runs, ['-e', '0'], options),
    help: await timing(runs, [galley, '--help'], options),
    version: await timing(runs, [galley, '--version'], options),
    // --no-cache: every run processes the chapter, as the first check of a new checkout does.
    check: await timing(runs, [galley, 'check', 'book', '--no-cache'], options),
    html: await timing(
      runs,
      [galley, 'build', 'book', '--format', 'html', '--no-cache', '--quiet', '--out', path.join(dir, 'out')],
      options,
    ),
  };
}

export function startupLines(figures: StartupFigures): { figure: string; details: string[] } {
  const { node, help, version, check, html } = figures;
  const s = (t: number) => `${t.toFixed(2)} s`;
  const both = (t: StartupTiming) => (t.failed ? `failed (${t.failed})` : `${s(t.wall)} wall, ${s(t.cpu)} CPU`);
  const ratio = (t: StartupTiming) => (t.failed ? NaN : Math.max(t.wall / node.wall, t.cpu / node.cpu));
  const met = (ok: boolean) => (ok ? 'met' : 'not met');
  const details = [
    `node -e 0: ${both(node)}`,
    `galley --help: ${both(help)} = ${(help.wall / node.wall).toFixed(1)}× wall, ${(help.cpu / node.cpu).toFixed(1)}× CPU`,
    `galley --version: ${both(version)} = ${(version.wall / node.wall).toFixed(1)}× wall, ${(version.cpu / node.cpu).toFixed(1)}× CPU`,
    `galley check, one-chapter book, no cache: ${both(check)}`,
    `galley build --format html, one-chapter book, no cache: ${both(html)}`,
  ];
  const startWorst = Math.max(ratio(help), ratio(version));
  const figure =
    `6. Start-up of the compiled package: --help ${s(help.wall)}, --version ${s(version.wall)} vs node -e 0 ${s(node.wall)} = ≤ ${startWorst.toFixed(1)}× (target ≤ 3×: ${met(startWorst <= 3)}); ` +
    `check of a one-chapter book ${s(check.wall)} wall, ${s(check.cpu)} CPU (target ≤ 1 s: ${met(check.wall <= 1)}${check.wall > 1 && check.cpu <= 1 ? ' in wall time; met in CPU time' : ''})`;
  return { figure, details };
}

// `npx tsx tools/bench/startup.ts [--runs N]`: this figure alone.
if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const at = process.argv.indexOf('--runs');
  const runs = at >= 0 ? Number(process.argv[at + 1]) : 5;
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
  const { mkdtemp } = await import('node:fs/promises');
  const os = await import('node:os');
  const work = await mkdtemp(path.join(os.tmpdir(), 'galley-startup-'));
  try {
    const { figure, details } = startupLines(await measureStartup(root, work, runs));
    for (const line of details) console.log(`     ${line}`);
    console.log(figure);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
