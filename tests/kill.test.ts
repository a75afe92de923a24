/**
 * Adversarial case 19: `galley build` killed with SIGKILL during the PDF step
 * leaves `dist/` with the previous artifacts (or complete new ones), never a
 * truncated file under a final name, and no Chromium behind it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { PDFDocument } from '@cantoo/pdf-lib';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GALLEY, ROOT, tempDir } from './helpers.ts';
import { ownChromiumEnv } from './light-helpers.ts';

const exec = promisify(execFile);
const EPOCH = '1780000000';
/** Temporary names from scripts/util/atomic.ts: `.<final name>.tmp-<pid>-<time>` (and `.old` while a folder is swapped). */
const TEMP_NAME = /^\.[^/]+\.tmp-\d+-[0-9a-z]+(\.old)?$/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Processes as `ps` sees them. */
async function processes(): Promise<{ pid: number; ppid: number; args: string }[]> {
  const { stdout } = await exec('ps', ['-eo', 'pid=,ppid=,args='], { maxBuffer: 16 * 1024 * 1024 });
  return stdout
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
}

/** A book long enough that its PDF takes a few seconds: the kill lands inside the PDF step. */
async function writeBook(dir: string, edition: string) {
  await cp(path.join(ROOT, 'tests', 'books', 'mini'), dir, { recursive: true });
  const summary = await readFile(path.join(dir, 'SUMMARY.md'), 'utf8');
  const extra: string[] = [];
  for (let i = 1; i <= 24; i++) {
    const paragraphs = Array.from(
      { length: 12 },
      (_, p) =>
        `Paragraph ${p + 1} of chapter ${i} (${edition}): ${'the quick brown fox jumps over the lazy dog '.repeat(8)}with $$x_${p}^2 + y_${i}$$ inline.`,
    );
    await writeFile(path.join(dir, `long-${i}.md`), `# Long chapter ${i}\n\n${paragraphs.join('\n\n')}\n`);
    extra.push(`* [Long chapter ${i}](long-${i}.md)`);
  }
  await writeFile(path.join(dir, 'SUMMARY.md'), `${summary.trimEnd()}\n${extra.join('\n')}\n`);
}

function startBuild(manuscript: string, out: string, cwd: string): ChildProcess {
  return spawn(
    process.execPath,
    [GALLEY, 'build', '--manuscript', manuscript, '--out', out, '--format', 'html,epub,pdf', '--quiet'],
    {
      cwd,
      // A Chromium of its own, not a context in the run's shared one: its process is what must not survive the kill.
      env: ownChromiumEnv({ ...process.env, SOURCE_DATE_EPOCH: EPOCH, GALLEY_CACHE_DIR: path.join(cwd, 'cache') }),
      // Its own process group, so the whole group can be killed at once.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const walk = async (sub: string) => {
    for (const entry of await readdir(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.join(sub, entry.name);
      if (entry.isDirectory()) await walk(rel);
      else files.set(rel, await readFile(path.join(dir, rel)));
    }
  };
  await walk('');
  return files;
}

describe('a build killed with SIGKILL during the PDF step', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let manuscript: string;
  let out: string;
  let before: Map<string, Buffer>;
  let after: Map<string, Buffer>;
  let topLevel: string[];
  let killedAt: { epubReplaced: boolean; browserPid?: number; profileDir?: string };
  let survivors: { pid: number; args: string }[] = [];
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    work = await tempDir('galley-kill-');
    manuscript = path.join(work.dir, 'book');
    out = path.join(work.dir, 'dist');
    await writeBook(manuscript, 'first');
    // A complete build first: these are the artifacts a killed build must leave alone.
    const first = startBuild(manuscript, out, work.dir);
    let stderr = '';
    first.stderr!.on('data', (chunk) => (stderr += chunk));
    const done = await exited(first);
    expect(done.code, stderr).toBe(0);
    before = await snapshot(out);

    // Change the book, so the second build's artifacts differ from the first's.
    await writeBook(manuscript, 'second');
    child = startBuild(manuscript, out, work.dir);
    const epubName = [...before.keys()].find((name) => name.endsWith('.epub'))!;
    killedAt = { epubReplaced: false };
    const deadline = Date.now() + 90_000;
    // The PDF comes before the EPUB (which takes the print's page starts): kill once the browser is running.
    while (Date.now() < deadline && child.exitCode === null) {
      const list = await processes();
      const browser = list.find((p) => p.ppid === child!.pid && /galley-chromium-/.test(p.args));
      if (browser) {
        killedAt.browserPid = browser.pid;
        killedAt.profileDir = /--user-data-dir=(\S+)/.exec(browser.args)?.[1];
        // Let it get into loading and printing.
        await sleep(400);
        const epub = await readFile(path.join(out, epubName)).catch(() => undefined);
        killedAt.epubReplaced = Boolean(epub && !epub.equals(before.get(epubName)!));
        process.kill(-child.pid!, 'SIGKILL');
        break;
      }
      await sleep(50);
    }
    const end = await exited(child);
    expect(end.signal, 'the build was killed, not finished').toBe('SIGKILL');
    // Chromium reads its end of the DevTools pipe; with the build gone it should follow within seconds.
    for (let i = 0; i < 100; i++) {
      survivors = (await processes()).filter(
        (p) => (killedAt.profileDir && p.args.includes(killedAt.profileDir)) || p.pid === killedAt.browserPid,
      );
      if (survivors.length === 0) break;
      await sleep(100);
    }
    after = await snapshot(out);
    topLevel = await readdir(out);
  }, 180_000);

  afterAll(async () => {
    // Never leave a browser behind, whatever the test found.
    for (const p of survivors) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // Gone.
      }
    }
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Gone.
      }
    }
    // Chromium's throwaway profile outlives a SIGKILLed build (nothing is left to remove it): remove it here.
    if (killedAt?.profileDir?.includes('galley-chromium-'))
      await rm(killedAt.profileDir, { recursive: true, force: true });
    await work?.cleanup();
  });

  it('was killed while the browser was printing', () => {
    expect(killedAt.browserPid).toBeGreaterThan(0);
    // The EPUB is made after the PDF (its page-list follows the print), so it was not started yet.
    expect(killedAt.epubReplaced, 'the EPUB step had not started').toBe(false);
  });

  it('leaves the previous PDF byte for byte', () => {
    const name = [...before.keys()].find((n) => n.endsWith('.pdf'))!;
    expect(after.get(name)?.equals(before.get(name)!)).toBe(true);
  });

  it('leaves no truncated artifact under a final name: the EPUB and the PDF are whole', async () => {
    const finals = topLevel.filter((name) => !TEMP_NAME.test(name));
    expect(finals.sort()).toEqual([...new Set([...before.keys()].map((n) => n.split(path.sep)[0]!))].sort());
    for (const name of finals.filter((n) => n.endsWith('.epub'))) {
      const zip = await JSZip.loadAsync(after.get(name)!, { checkCRC32: true });
      expect(Object.keys(zip.files)[0]).toBe('mimetype');
      // The previous build's, byte for byte (the EPUB step comes after the PDF), and whole.
      expect(after.get(name)!.equals(before.get(name)!)).toBe(true);
      expect(await zip.file('OEBPS/long-24.xhtml')!.async('string')).toContain('(first)');
    }
    for (const name of finals.filter((n) => n.endsWith('.pdf'))) {
      const doc = await PDFDocument.load(after.get(name)!, { updateMetadata: false });
      expect(doc.getPageCount()).toBeGreaterThan(10);
    }
  });

  it('leaves a complete web edition: every page of one build or the other, each well-formed', () => {
    const pages = [...after.keys()].filter((n) => n.startsWith(`html${path.sep}`) && n.endsWith('.xhtml'));
    expect(pages.sort()).toEqual(
      [...before.keys()].filter((n) => n.startsWith(`html${path.sep}`) && n.endsWith('.xhtml')).sort(),
    );
    const editions = new Set<string>();
    for (const page of pages) {
      const text = after.get(page)!.toString('utf8');
      expect(XMLValidator.validate(text), page).toBe(true);
      if (/\((first|second)\)/.test(text)) editions.add(/\((first|second)\)/.exec(text)![1]!);
    }
    expect(editions.size, 'one build, not a mix').toBe(1);
  });

  it('leaves temporary files only under temporary names', () => {
    for (const name of topLevel) {
      if (before.has(name) || name === 'html') continue;
      expect(name).toMatch(TEMP_NAME);
    }
  });

  it('leaves no Chromium running', () => {
    expect(survivors.map((p) => `${p.pid} ${p.args.slice(0, 120)}`)).toEqual([]);
  });
});
