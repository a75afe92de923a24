/**
 * The helpers a test that only runs `galley` needs, without tests/helpers.ts's
 * imports: that module loads the Markdown pipeline (for renderMarkdown), about
 * 1.5 CPU-seconds of module loading in every test file that imports it.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import type { GalleyBrowser } from '../scripts/render/browser.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The compiled `galley` command, as the package runs it (tests/setup/compiled.ts keeps it current). */
export const GALLEY = path.join(ROOT, 'lib', 'galley.js');

export async function tempDir(prefix = 'galley-test-') {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * One Chromium for the in-process builds of the enclosing file or `describe`
 * (`build({ …, browser: browser() })`), launched before its tests and closed
 * after: each build would otherwise launch and close its own, about 1.3
 * CPU-seconds apiece.
 */
export function sharedBrowser(): () => GalleyBrowser {
  let running: GalleyBrowser | undefined;
  beforeAll(async () => {
    const { launchBrowser } = await import('../scripts/render/browser.ts');
    running = await launchBrowser();
  });
  afterAll(async () => {
    await running?.close();
  });
  return () => {
    if (!running) throw new Error('sharedBrowser(): read it inside a test or hook, after beforeAll');
    return running;
  };
}

/**
 * CPU seconds used by this process's children that have ended and been waited for (`cutime + cstime` of
 * /proc/self/stat, in Linux's 100 ticks a second). The difference across one awaited `execFile` is that child's
 * CPU, its threads included: a bound on it, unlike one on wall time, holds when other jobs share the machine.
 */
export function endedChildrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // The fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // cutime and cstime are fields 16 and 17 of the whole line: 14 and 15 counted from the state field (field 3).
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** CPU milliseconds `fn` takes in this process (every thread of it: vitest runs each file in its own process). */
export async function cpuMilliseconds<T>(fn: () => T | Promise<T>): Promise<{ value: T; ms: number }> {
  const before = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(before);
  return { value, ms: (used.user + used.system) / 1000 };
}

/**
 * Runs `fn` with builds launching a Chromium of their own instead of opening a
 * context in the run's shared one (tests/setup/shared-chromium.ts): for tests
 * about a launched browser's life, or whose browser must run in `fn`'s
 * environment (time zone, locale).
 */
export async function withoutSharedChromium<T>(fn: () => Promise<T>): Promise<T> {
  const saved = process.env.GALLEY_BROWSER_WS_ENDPOINT;
  delete process.env.GALLEY_BROWSER_WS_ENDPOINT;
  try {
    return await fn();
  } finally {
    if (saved !== undefined) process.env.GALLEY_BROWSER_WS_ENDPOINT = saved;
  }
}

/** `env` for a spawned `galley` that must launch its own Chromium (see withoutSharedChromium). */
export function ownChromiumEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const own = { ...env };
  delete own.GALLEY_BROWSER_WS_ENDPOINT;
  return own;
}

/** Chromium's tagged print of one HTML document, sized by its `@page` rule: a fixture for the PDF post-passes. */
export async function printHtml(html: string): Promise<Uint8Array> {
  const { launchBrowser } = await import('../scripts/render/browser.ts');
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.setContent(html);
    return await page.pdf({ preferCSSPageSize: true, tagged: true });
  } finally {
    await browser.close();
  }
}

/**
 * The book at `book` prepared without the chapter cache and its PDF rendered in this process into `out`, with the
 * file's bytes: the caches' tests compare builds byte for byte. The pipeline and the renderer are loaded on first use.
 */
export async function renderBookPdf(
  book: string,
  out: string,
  options: import('../scripts/render/pdf/pdf.ts').PdfOptions,
): Promise<{ result: import('../scripts/render/pdf/pdf.ts').PdfResult; bytes: Buffer }> {
  const [{ prepare }, { renderPdf }, { readFile }] = await Promise.all([
    import('../scripts/api/build.ts'),
    import('../scripts/render/pdf/pdf.ts'),
    import('node:fs/promises'),
  ]);
  const prepared = await prepare(book, undefined, { cache: false });
  const result = await renderPdf(prepared.book, prepared.pages, out, { errata: prepared.errata, ...options });
  return { result, bytes: await readFile(result.path) };
}
