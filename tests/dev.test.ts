import { spawn, type ChildProcess } from 'node:child_process';
import { cp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDev, type DevSession, type RebuildEvent } from '../scripts/api/dev.ts';
import { build } from '../scripts/api/build.ts';
import { launchBrowser, type GalleyBrowser } from '../scripts/render/browser.ts';
import { GALLEY, ROOT, tempDir } from './helpers.ts';

/**
 * What `galley dev` redoes after a save, and that it matches a fresh build, not how chapters are spread over
 * threads: the in-process sessions and builds of the calling suite process their chapters on this thread
 * (`GALLEY_WORKERS=0`), which spares a worker's start-up (about a CPU-second each, from the TypeScript sources) per
 * save. The worker pool has tests of its own (tests/cache.test.ts, tests/hostile-bounds.test.ts), and the spawned
 * `galley dev` in the browser below keeps its workers.
 */
function chaptersOnThisThread() {
  beforeAll(() => {
    vi.stubEnv('GALLEY_WORKERS', '0');
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });
}

describe('galley dev', () => {
  chaptersOnThisThread();
  let work: { dir: string; cleanup: () => Promise<void> };
  let session: DevSession;
  let manuscript: string;
  beforeAll(async () => {
    work = await tempDir();
    manuscript = path.join(work.dir, 'book');
    await cp(path.join(ROOT, 'tests/books/mini'), manuscript, { recursive: true });
    // Not watching: these tests call rebuild() themselves, and a watcher's rebuild of the same save would race them.
    session = await startDev({ manuscript, out: path.join(work.dir, 'dist') });
  });
  afterAll(async () => {
    await session.close();
    await work.cleanup();
  });

  it('rewrites only the edited chapter’s page, and the questions index when questions change', async () => {
    const two = path.join(manuscript, 'chapters/two.md');
    await writeFile(two, '# Second chapter\n\nA new paragraph.\n\n1. [H] Prove it.\n2. [M] Explain it.\n');
    const quiet = await session.rebuild([two]);
    expect(quiet.full).toBe(false);
    expect(quiet.pages).toEqual(['chapters-two.html']);
    expect(await readFile(path.join(work.dir, 'dist/.dev/web/chapters-two.html'), 'utf8')).toContain(
      'A new paragraph.',
    );

    await writeFile(two, '# Second chapter\n\n1. [H] Prove it.\n2. [E] Explain it again.\n');
    const withQuestions = await session.rebuild([two]);
    // The questions index's headings count each difficulty, and the shared contents list them.
    expect(withQuestions.pages).toEqual(['chapters-two.html', 'questions.html', 'js/toc.js', 'index.html']);
    expect(await readFile(path.join(work.dir, 'dist/.dev/web/questions.html'), 'utf8')).toContain('Explain it again.');
  });

  it('rewrites the pages that show a chapter’s title, the shared contents and the title page when it changes', async () => {
    const two = path.join(manuscript, 'chapters/two.md');
    const before = await readFile(two, 'utf8');
    const untouched = await readFile(path.join(work.dir, 'dist/.dev/web/preface.html'), 'utf8');
    await writeFile(two, `---\ntitle: The second chapter, renamed\n---\n${before}`);
    const renamed = await session.rebuild([two]);
    expect(renamed.full).toBe(false);
    // The page before it names it in its Next link; a page that shows nothing of it is left alone.
    expect(renamed.pages).toEqual(
      expect.arrayContaining(['chapters-one-b.html', 'chapters-two.html', 'js/toc.js', 'index.html']),
    );
    expect(renamed.pages).not.toContain('preface.html');
    expect(await readFile(path.join(work.dir, 'dist/.dev/web/preface.html'), 'utf8')).toBe(untouched);
    expect(await readFile(path.join(work.dir, 'dist/.dev/web/chapters-one-b.html'), 'utf8')).toContain(
      'The second chapter, renamed',
    );
    expect(await readFile(path.join(work.dir, 'dist/.dev/web/js/toc.js'), 'utf8')).toContain(
      'The second chapter, renamed',
    );
    expect(await readFile(path.join(work.dir, 'dist/.dev/web/index.html'), 'utf8')).toContain(
      'The second chapter, renamed',
    );
    await writeFile(two, before);
    await session.rebuild([two]);
  });

  it('produces the same page as a full build', async () => {
    const fresh = path.join(work.dir, 'fresh');
    await build({ manuscript, out: fresh, formats: ['html', 'web'], quiet: true });
    await session.settled();
    for (const name of ['chapters-two.html', 'questions.html', 'chapters-one.html', 'js/search-index.js']) {
      expect(await readFile(path.join(work.dir, 'dist/.dev/web', name), 'utf8'), name).toBe(
        await readFile(path.join(fresh, 'web', name), 'utf8'),
      );
    }
  });

  it('rebuilds everything when SUMMARY.md changes, and picks up saves from the watcher', async () => {
    const summary = path.join(manuscript, 'SUMMARY.md');
    const event = await session.rebuild([summary]);
    expect(event.full).toBe(true);
    const events: RebuildEvent[] = [];
    const watching = await startDev({
      manuscript,
      out: path.join(work.dir, 'dist-watched'),
      onRebuild: (e) => events.push(e),
    });
    try {
      const one = path.join(manuscript, 'chapters/one.md');
      await writeFile(one, (await readFile(one, 'utf8')).replace('Energy is', 'Energy, famously, is'));
      for (let i = 0; i < 100 && !events.some((e) => e.changed.includes('chapters/one.md')); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(events.find((e) => e.changed.includes('chapters/one.md'))?.pages).toEqual(['chapters-one.html']);
    } finally {
      await watching.close();
    }
  });
});

/** Polls `read` until `ok` holds: the page may reload in between, which a single wait does not survive. */
async function poll<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeout = 45_000): Promise<T> {
  const until = Date.now() + timeout;
  let last: T | undefined;
  while (Date.now() < until) {
    try {
      last = await read();
      if (ok(last)) return last;
    } catch {
      // The page was navigating: read again.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out; last value: ${String(last)}`);
}

describe('galley dev with its output inside the manuscript', () => {
  chaptersOnThisThread();
  it('is not woken by what it writes', async () => {
    const work = await tempDir();
    const events: RebuildEvent[] = [];
    const book = path.join(work.dir, 'book');
    await cp(path.join(ROOT, 'tests/books/mini'), book, { recursive: true });
    const session = await startDev({
      manuscript: book,
      out: path.join(book, 'dist'),
      onRebuild: (e) => events.push(e),
    });
    try {
      // A change that rebuilds the whole site, so every file under dist/ is written again.
      const summary = path.join(book, 'SUMMARY.md');
      await writeFile(summary, (await readFile(summary, 'utf8')) + '\n');
      await poll(
        () => Promise.resolve(events.length),
        (n) => n >= 1,
      );
      await new Promise((r) => setTimeout(r, 500));
      expect(events.map((e) => e.changed)).toEqual([['SUMMARY.md']]);
    } finally {
      await session.close();
      await work.cleanup();
    }
  });
});

/** A dev session (not watching) on a copy of a test book, stopped and removed afterwards. */
async function withDev(
  name: string,
  run: (dev: { work: { dir: string }; book: string; session: DevSession }) => Promise<void>,
): Promise<void> {
  const work = await tempDir();
  const book = path.join(work.dir, 'book');
  await cp(path.join(ROOT, 'tests/books', name), book, { recursive: true });
  const session = await startDev({ manuscript: book, out: path.join(work.dir, 'dist') });
  try {
    await run({ work, book, session });
  } finally {
    await session.close();
    await work.cleanup();
  }
}

describe('galley dev keeps what a chapter save does not touch', () => {
  chaptersOnThisThread();
  it('keeps the shared contents in step with section headings, and writes a changed image under its new name', async () => {
    await withDev('mini', async ({ work, book, session }) => {
      const site = path.join(work.dir, 'dist/.dev/web');
      const one = path.join(book, 'chapters/one.md');
      await writeFile(one, (await readFile(one, 'utf8')).replace('## Details', '## Finer details'));
      const renamed = await session.rebuild([one]);
      expect(renamed.full).toBe(false);
      expect(renamed.reloadAll).toBe(true);
      expect(await readFile(path.join(site, 'js/toc.js'), 'utf8')).toContain('Finer details');

      const square = path.join(book, 'images/square.svg');
      await writeFile(square, (await readFile(square, 'utf8')).replace(/red/g, 'blue'));
      const redrawn = await session.rebuild([square]);
      expect(redrawn.full).toBe(true);
      const page = await readFile(path.join(site, 'chapters-one.html'), 'utf8');
      const src = /src="(images\/[^"]+)"/.exec(page)![1]!;
      expect(await readFile(path.join(site, src), 'utf8')).toContain('blue');
    });
  });

  it('redoes every edition when the main book.yaml changes a setting they inherit', async () => {
    await withDev('editions-mini', async ({ work, book, session }) => {
      const site = path.join(work.dir, 'dist/.dev/web');
      const config = path.join(book, 'book.yaml');
      await writeFile(
        config,
        (await readFile(config, 'utf8')).replace('authors: ["Ann Author"]', 'authors: ["Bea Author"]'),
      );
      const event = await session.rebuild([config]);
      expect(event.full).toBe(true);
      for (const page of ['index.html', 'de/index.html']) {
        const html = await readFile(path.join(site, page), 'utf8');
        expect(html, page).toContain('Bea Author');
        expect(html, page).not.toContain('Ann Author');
      }
      // The edition keeps its own title: only the inherited setting moved.
      expect(await readFile(path.join(site, 'de/index.html'), 'utf8')).toContain('Zwei Ausgaben');
    });
  });

  it("renumbers when a heading that carries the author's number is edited, as a fresh build does", async () => {
    await withDev('honkit-sections', async ({ work, book, session }) => {
      const summary = path.join(book, 'SUMMARY.md');
      // The chapter's number then comes from its heading alone, not from its title in the contents.
      await writeFile(
        summary,
        (await readFile(summary, 'utf8')).replace('[5.1 Algebra and reduction]', '[Algebra and reduction]'),
      );
      await session.rebuild([summary]);
      const algebra = path.join(book, 'part-2/algebra.md');
      await writeFile(
        algebra,
        (await readFile(algebra, 'utf8')).replace('### 5.1 Algebra and reduction', '### 5.4 Algebra and reduction'),
      );
      const event = await session.rebuild([algebra]);
      const fresh = path.join(work.dir, 'fresh');
      await build({ manuscript: book, out: fresh, formats: ['web'], quiet: true });
      const site = path.join(work.dir, 'dist/.dev/web');
      // A HonKit book's pages keep their folders (part-2/algebra.html).
      const pages = (await readdir(path.join(fresh, 'web'), { recursive: true })).filter((name) =>
        name.endsWith('.html'),
      );
      expect(pages.length).toBeGreaterThan(5);
      for (const name of pages) {
        const page = await readFile(path.join(site, name), 'utf8');
        // Dev pages carry the live-reload script; everything else is the fresh build's.
        expect(page.replace(/<script[^>]*dev[^>]*><\/script>/g, ''), name).toBe(
          await readFile(path.join(fresh, 'web', name), 'utf8'),
        );
      }
      expect(await readFile(path.join(site, 'part-2/algebra.html'), 'utf8')).toContain('5.4');
      expect(event.full).toBe(true);
    });
  });

  it('empties the old appendix when errata.yaml names another chapter for it', async () => {
    await withDev('errata-mini', async ({ work, book, session }) => {
      const errata = path.join(book, 'errata.yaml');
      await writeFile(errata, `appendix: chapters/second.md\n${await readFile(errata, 'utf8')}`);
      await session.rebuild([errata]);
      const fresh = path.join(work.dir, 'fresh');
      await build({ manuscript: book, out: fresh, formats: ['html', 'web'], quiet: true });
      for (const name of ['back-errata.html', 'chapters-second.html']) {
        expect(await readFile(path.join(work.dir, 'dist/.dev/web', name), 'utf8'), name).toBe(
          await readFile(path.join(fresh, 'web', name), 'utf8'),
        );
      }
    });
  });

  it('redoes the errata passes for an errata.yaml edit, without a full rebuild, and writes only pages that changed', async () => {
    await withDev('errata-mini', async ({ work, book, session }) => {
      const errata = path.join(book, 'errata.yaml');
      await writeFile(
        errata,
        (await readFile(errata, 'utf8')).replace('now: "the middle value"', 'now: "the very middle value"'),
      );
      const event = await session.rebuild([errata]);
      expect(event.full).toBe(false);
      expect(event.pages).toEqual(['back-errata.html']);
      expect(await readFile(path.join(work.dir, 'dist/.dev/web/back-errata.html'), 'utf8')).toContain(
        'the very middle value',
      );

      // The same book built from scratch has the same appendix.
      const fresh = path.join(work.dir, 'fresh');
      await build({ manuscript: book, out: fresh, formats: ['html', 'web'], quiet: true });
      expect(await readFile(path.join(work.dir, 'dist/.dev/web/back-errata.html'), 'utf8')).toBe(
        await readFile(path.join(fresh, 'web/back-errata.html'), 'utf8'),
      );

      // A location that no longer resolves is reported at once, as a build would.
      await writeFile(
        errata,
        (await readFile(errata, 'utf8')).replace(
          'location: chapters/first.md#averages',
          'location: chapters/first.md#gone',
        ),
      );
      await session.rebuild([errata]);
      expect(session.problems().some((d) => d.file.endsWith('errata.yaml') && d.ruleId === 'errata-location')).toBe(
        true,
      );
    });
  });

  it('keeps errata problems after a chapter is saved, and reads no chapter turned into a symlink out of the manuscript', async () => {
    const work = await tempDir();
    const book = path.join(work.dir, 'book');
    await cp(path.join(ROOT, 'tests/books/errata-mini'), book, { recursive: true });
    const errata = path.join(book, 'errata.yaml');
    await writeFile(
      errata,
      (await readFile(errata, 'utf8')).replace(
        'location: chapters/first.md#averages',
        'location: chapters/first.md#no-such-anchor',
      ),
    );
    const session = await startDev({ manuscript: book, out: path.join(work.dir, 'dist') });
    try {
      // A location that does not resolve warns in a build (and so in dev); `galley check` makes it an error.
      const errataProblems = () =>
        session.problems().filter((d) => d.file.endsWith('errata.yaml') && d.ruleId === 'errata-location');
      expect(errataProblems().length).toBe(1);
      const second = path.join(book, 'chapters/second.md');
      await writeFile(second, (await readFile(second, 'utf8')) + '\nOne more line.\n');
      expect((await session.rebuild([second])).full).toBe(false);
      expect(errataProblems().length).toBe(1);

      // A save that swaps the chapter for a symlink to a file outside: its text must not reach the site.
      const secret = path.join(work.dir, 'secret.txt');
      await writeFile(secret, 'TOP-SECRET-LINE');
      await rm(second);
      await symlink(secret, second);
      await session.rebuild([second]);
      await session.settled();
      for (const name of await readdir(path.join(work.dir, 'dist/.dev/web'), { recursive: true })) {
        const file = path.join(work.dir, 'dist/.dev/web', String(name));
        if (/\.(html|js)$/.test(file))
          expect(await readFile(file, 'utf8'), String(name)).not.toContain('TOP-SECRET-LINE');
      }
    } finally {
      await session.close();
      await work.cleanup();
    }
  });
});

describe('galley dev in a browser', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  let child: ChildProcess | undefined;
  let browser: GalleyBrowser | undefined;
  let stderr = '';

  beforeAll(async () => {
    work = await tempDir();
    await cp(path.join(ROOT, 'tests/books/mini'), path.join(work.dir, 'book'), { recursive: true });
    browser = await launchBrowser({ allowLoopback: true });
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await browser?.close();
    await work.cleanup();
  });

  it('serves on a free port, shows a saved change in the open page, overlays an error with file and line, and stops on Ctrl-C', async () => {
    child = spawn(process.execPath, [GALLEY, 'dev', '--manuscript', 'book', '--out', 'dist', '--port', '0'], {
      cwd: work.dir,
      env: { ...process.env, CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`galley dev did not start: ${stdout} ${stderr}`)), 30_000);
      child!.stdout!.on('data', () => {
        const found = /at (http:\/\/127\.0\.0\.1:(\d+)\/)/.exec(stdout);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]!);
        }
      });
      child!.once('exit', (code) => reject(new Error(`galley dev exited with ${code}: ${stderr}`)));
    });
    expect(Number(new URL(url).port)).toBeGreaterThan(0);

    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push((error as Error).message));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    await page.goto(`${url}chapters-one.html`, { waitUntil: 'load' });
    expect(await page.$eval('main', (m) => m.textContent)).toContain('Energy is');
    // The live script is connected before the edit, so the reload is the one the edit causes.
    await page.waitForSelector('html[data-galley-live="connected"]');

    const one = path.join(work.dir, 'book/chapters/one.md');
    const original = await readFile(one, 'utf8');
    await writeFile(one, original.replace('Energy is', 'Energy, as the author just wrote, is'));
    await poll(
      () => page.evaluate(() => document.querySelector('main')?.textContent ?? ''),
      (text) => text.includes('as the author just wrote'),
    );

    // A formula that does not parse: the page and the terminal say where.
    await writeFile(
      one,
      original.replace('$$E = mc^2$$', () => '$$E = \\frac{mc^2$$'),
    );
    const overlay = await poll(
      () => page.evaluate(() => document.getElementById('galley-dev-overlay')?.textContent ?? ''),
      (text) => text.includes('one.md'),
    );
    expect(overlay).toMatch(/book\/chapters\/one\.md:5:\d+ error/);
    for (let i = 0; i < 100 && !/book\/chapters\/one\.md:5:\d+/.test(stderr); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(stderr).toMatch(/book\/chapters\/one\.md:5:\d+/);

    // It kept running: fixing the file clears the overlay and shows the text.
    await writeFile(one, original.replace('Energy is', 'Energy, fixed, is'));
    await poll(
      () =>
        page.evaluate(
          () =>
            !document.getElementById('galley-dev-overlay') &&
            Boolean(document.querySelector('main')?.textContent?.includes('Energy, fixed, is')),
        ),
      Boolean,
    );
    expect(errors).toEqual([]);
    await page.close();

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    // Nothing listens any more.
    await expect(fetch(url)).rejects.toThrow();
  }, 180_000);
});
