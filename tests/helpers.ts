import { spawn } from 'node:child_process';
import path from 'node:path';
import { VFile } from 'vfile';
import { bookSchema, type BookConfig } from '../scripts/model/config/schema.ts';
import type { ChapterSettings } from '../scripts/model/book/load.ts';
import { createChapterProcessor } from '../scripts/markdown/processor.ts';
import { hastToXml } from '../scripts/render/xhtml.ts';
import { afterAll, beforeAll } from 'vitest';
import { levelOf } from '../scripts/util/messages.ts';
import '../scripts/markdown/plugins/types.ts';
import { GALLEY, ROOT, tempDir } from './light-helpers.ts';

// What needs no Markdown pipeline lives in light-helpers.ts, which files that only run `galley` import alone.
export { GALLEY, ROOT, tempDir };

/** A real HonKit book, trimmed (tests/corpora/algorithm-archive/NOTICE.md: CC BY-SA 4.0). */
export const CORPUS = path.join(ROOT, 'tests', 'corpora', 'algorithm-archive');

export function config(overrides: Partial<BookConfig> = {}): BookConfig {
  return bookSchema.parse({ title: 'Test book', ...overrides });
}

/** Runs one Markdown string through the chapter pipeline: its XHTML and its messages. */
export function renderMarkdown(
  markdown: string,
  options: { config?: BookConfig; number?: string; settings?: ChapterSettings } = {},
) {
  const processor = createChapterProcessor(options.config ?? config(), { settings: options.settings });
  const file = new VFile({ path: 'input.md', value: markdown });
  file.data.chapter = { key: 'input', source: 'input.md', number: options.number };
  const tree = processor.runSync(processor.parse(file), file);
  const html = hastToXml(tree);
  const messages = file.messages.map(
    (m) => `${m.line ?? 1}:${m.column ?? 1} ${levelOf(m.fatal)} ${m.reason} [${m.ruleId}]`,
  );
  return { html, messages, file, tree };
}

/**
 * A temporary folder for the enclosing `describe`, with GALLEY_CACHE_DIR pointed at `cache/` inside it until the
 * block ends (then put back as it was): builds in the block never touch the developer's cache. Read `.dir` in tests.
 */
export function tempDirWithCache(): { readonly dir: string } {
  let work: Awaited<ReturnType<typeof tempDir>> | undefined;
  const saved = process.env.GALLEY_CACHE_DIR;
  beforeAll(async () => {
    work = await tempDir();
    process.env.GALLEY_CACHE_DIR = path.join(work.dir, 'cache');
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.GALLEY_CACHE_DIR;
    else process.env.GALLEY_CACHE_DIR = saved;
    await work?.cleanup();
  });
  return {
    get dir() {
      if (!work) throw new Error('tempDirWithCache: read .dir inside a test, after beforeAll');
      return work.dir;
    },
  };
}

/** Runs the compiled `galley` in `cwd` as an author would, killed after `timeout` ms; never rejects. */
export function runGalley(args: string[], cwd: string, timeout = 60_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [GALLEY, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/**
 * Chapters processed on the test's own thread (`GALLEY_WORKERS=0`) for the enclosing `describe` or file, and for
 * every `galley` it spawns; put back as it was after. A chapter the cache misses otherwise goes through a worker
 * thread, which, run from the TypeScript sources, registers tsx and compiles the whole pipeline again: about a second
 * of CPU per build of a copied book, for output the same bytes (tests/cache.test.ts). Not for files that test the
 * workers or the chapter budget they enforce.
 */
export function chaptersOnThisThread(): void {
  const saved = process.env.GALLEY_WORKERS;
  beforeAll(() => {
    process.env.GALLEY_WORKERS = '0';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.GALLEY_WORKERS;
    else process.env.GALLEY_WORKERS = saved;
  });
}

/**
 * `galley <args>` run in `cwd` through the CLI's own `main()` in this process: the same argument handling, reports
 * and exit code as the command, without a process and a chapter worker to start per call (about a CPU-second each).
 * Chapters go through the main thread unless `env` says otherwise (default `GALLEY_WORKERS=0`): what a command
 * reads, refuses and reports is the same code either way; pass `{}` to keep the workers and their chapter budget. Spawn the command (`runGalley`) where the process is the point: a read that must never block, a
 * signal, a time or memory limit, the chapter budget.
 */
export async function runGalleyInProcess(
  args: string[],
  cwd: string,
  env: Record<string, string> = { GALLEY_WORKERS: '0' },
) {
  const [{ main }, { withEnv }, { vi }] = await Promise.all([
    import('../scripts/cli.ts'),
    import('../scripts/util/env.ts'),
    import('vitest'),
  ]);
  const started = Date.now();
  const saved = process.cwd();
  let stdout = '';
  let stderr = '';
  const capture = (add: (text: string) => void) => (chunk: string | Uint8Array) => (add(String(chunk)), true);
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture((t) => (stdout += t)));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture((t) => (stderr += t)));
  process.chdir(cwd);
  try {
    const code = await withEnv({ NO_COLOR: '1', ...env }, () => main(args));
    return { code, stdout, stderr, ms: Date.now() - started };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.chdir(saved);
  }
}
