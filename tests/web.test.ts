import http from 'node:http';
import { cp, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { fromHtml } from 'hast-util-from-html';
import { selectAll } from 'hast-util-select';
import { toString } from 'hast-util-to-string';
import type { Page as BrowserPage } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { build, type Artifact } from '../scripts/api/build.ts';
import { footerText } from '../scripts/model/pages.ts';
import { launchBrowser, type GalleyBrowser } from '../scripts/render/browser.ts';
import { serveSite, type SiteServer } from '../scripts/render/web/server.ts';
import { formatSize } from '../scripts/render/web/downloads.ts';
import { ROOT, tempDir } from './helpers.ts';
import { withoutSharedChromium } from './light-helpers.ts';
import { sharedBuild, type SharedBuild, type SharedEdition } from './shared-builds.ts';
import MiniSearch from 'minisearch';
import { normalizeTerm, QUERY_OPTIONS, SEARCH_OPTIONS, tokenize } from '../scripts/render/web/search-index.ts';

/** Every page a visit records: what went wrong on it. */
interface Visit {
  errors: string[];
}

/** Waits for this query's results, not an earlier partial one's: each hit's link carries the words searched for. */
async function resultsFor(page: BrowserPage, query: string) {
  await page.waitForFunction(
    (q) => {
      const href = document.querySelector('#search-results:not([hidden]) .search-list a')?.getAttribute('href');
      return href ? new URL(href).searchParams.get('highlight') === q : false;
    },
    {},
    query,
  );
}

async function htmlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await htmlFiles(full)));
    else if (entry.name.endsWith('.html')) out.push(full);
  }
  return out.sort();
}

/**
 * The site is what these tests read, not how chapters are spread over threads (tests/cache.test.ts and
 * tests/hostile-bounds.test.ts cover the worker pool): the in-process builds of the calling suite process their
 * chapters on this thread, which spares a worker's start-up (about a CPU-second each, from the TypeScript sources).
 * Not for the suite that starts the shared build: its `galley` inherits this environment.
 */
function chaptersOnThisThread() {
  beforeAll(() => {
    vi.stubEnv('GALLEY_WORKERS', '0');
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });
}

/** One browser for every test of the file, launched when first asked for. */
let launched: Promise<GalleyBrowser> | undefined;
// Launched, not a context in the run's shared Chromium: its pages load large scripts (axe-core, the site's own), which
// an off-the-record context compiles afresh on every page (decision 0025, round five).
const sharedBrowser = () => (launched ??= withoutSharedChromium(() => launchBrowser({ allowLoopback: true })));
afterAll(async () => {
  await (await launched)?.close();
});

describe('web edition of the sample book', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  let result: SharedBuild<SharedEdition>;
  let site: string;
  let server: SiteServer;
  let browser: GalleyBrowser;
  const SUB = '/hosted/under/a/sub-path/';

  beforeAll(async () => {
    work = await tempDir();
    // The default formats: what `npm run build` makes, the web edition last, with both editions' downloads. Built
    // once per run; copied, because a test here adds files to the site.
    const shared = await sharedBuild('sample', { pages: true });
    const dist = path.join(work.dir, 'dist');
    await cp(shared.dir, dist, { recursive: true });
    const moved = (artifacts: Artifact[]) =>
      artifacts.map((a) => ({ ...a, path: path.join(dist, path.relative(shared.dir, a.path)) }));
    result = { ...shared, dir: dist, editions: shared.editions.map((e) => ({ ...e, artifacts: moved(e.artifacts) })) };
    site = path.join(work.dir, 'dist/web');
    server = await serveSite(site, { base: SUB });
    browser = await sharedBrowser();
  }, 600_000);

  afterAll(async () => {
    await server?.close();
    await work?.cleanup();
  });

  /**
   * Every page of the site parsed once for the tests that read the files (no test changes a page: the one that adds
   * files adds no page, and removes what it added).
   */
  let parsing: Promise<{ file: string; html: string; tree: ReturnType<typeof fromHtml> }[]> | undefined;
  const parsedSite = () =>
    (parsing ??= htmlFiles(site).then((files) =>
      Promise.all(
        files.map(async (file) => {
          const html = await readFile(file, 'utf8');
          return { file, html, tree: fromHtml(html) };
        }),
      ),
    ));

  /** A page that records console errors, failed requests and error responses. */
  async function open(
    options: { width?: number; height?: number; scheme?: 'light' | 'dark' } = {},
  ): Promise<{ page: BrowserPage; visit: Visit }> {
    const page = await browser.newPage();
    const visit: Visit = { errors: [] };
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warn')
        visit.errors.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => visit.errors.push(`page error: ${(error as Error).message}`));
    page.on('requestfailed', (request) =>
      visit.errors.push(`request failed: ${request.url()} ${request.failure()?.errorText}`),
    );
    page.on('response', (response) => {
      if (response.status() >= 400) visit.errors.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    await page.setViewport({ width: options.width ?? 1280, height: options.height ?? 860 });
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: options.scheme ?? 'light' }]);
    return { page, visit };
  }

  it('is part of the default build: both editions, each with its pages, search index and downloads', async () => {
    expect(result.ok).toBe(true);
    const web = result.editions
      .flatMap((e) => e.artifacts)
      .filter((a) => a.format === 'web')
      .map((a) => path.relative(work.dir, a.path));
    expect(web).toEqual(['dist/web', 'dist/web/fa']);
    for (const edition of result.editions) {
      const dir = path.join(site, edition.outSubdir);
      const names = await readdir(dir);
      expect(names).toContain('index.html');
      for (const page of edition.pages) expect(names).toContain(page.outName.replace(/\.xhtml$/, '.html'));
      expect(await readdir(path.join(dir, 'js'))).toEqual([
        'galley.js',
        'minisearch.js',
        'prefs.js',
        'search-index.js',
        'toc.js',
      ]);
      const downloads = await readdir(path.join(dir, 'downloads'));
      expect(downloads.sort()).toEqual(
        [
          path.basename(edition.artifacts.find((a) => a.format === 'epub')!.path),
          path.basename(edition.artifacts.find((a) => a.format === 'pdf')!.path),
        ].sort(),
      );
    }
  });

  it('links only relatively, and every link inside the site reaches a file', async () => {
    const files = await parsedSite();
    expect(files.length).toBeGreaterThan(15);
    const missing: string[] = [];
    for (const { file, tree } of files) {
      for (const element of selectAll('[href], [src]', tree)) {
        const value = String(element.properties.href ?? element.properties.src);
        const where = `${path.relative(site, file)}: ${element.tagName} ${value}`;
        expect(value.startsWith('/'), where).toBe(false);
        // Remote addresses only as links a reader follows, never as something a page loads.
        if (/^[a-z][a-z+.-]*:/i.test(value)) {
          expect(element.tagName, where).toBe('a');
          expect(value, where).toMatch(/^(https?|mailto):/);
          continue;
        }
        const target = decodeURIComponent(value.split('#')[0]!.split('?')[0]!);
        if (target && !(await stat(path.resolve(path.dirname(file), target)).catch(() => undefined)))
          missing.push(where);
      }
    }
    expect(missing).toEqual([]);
  });

  it('puts the copyright footer on every page', async () => {
    const [en, fa] = result.editions as [SharedEdition, SharedEdition];
    expect(footerText(en.book)).toBe('Copyright ©2025-2026 The Galley Authors');
    for (const { file, tree } of await parsedSite()) {
      const name = path.relative(site, file);
      const footer = selectAll('footer.copyright', tree).map((f) => toString(f));
      expect(footer.join(' '), name).toContain(footerText(name.startsWith('fa/') ? fa.book : en.book));
    }
  });

  it('can be read front to back with Next and back again with Previous, under a sub-path, with no error on any page', async () => {
    const { page, visit } = await open();
    const edition = result.editions[0]!;
    const expected = ['index.html', ...edition.pages.map((p) => p.outName.replace(/\.xhtml$/, '.html'))];
    await page.goto(`${server.url}index.html`, { waitUntil: 'load' });
    const forward: string[] = [];
    // Where each page's Previous leads: read on the way forward, followed below without loading every page again.
    const previous = new Map<string, string | undefined>();
    const here = (url: string) => new URL(url).pathname.slice(SUB.length);
    for (let step = 0; step < 100; step++) {
      const name = here(page.url());
      forward.push(name);
      // Each page is a real page: its own title heading and the footer.
      expect(await page.$eval('main h1', (h) => h.textContent?.trim().length ?? 0)).toBeGreaterThan(0);
      const prev = await page.$eval('nav.pager a[rel~="prev"]', (a) => a.href).catch(() => '');
      previous.set(name, prev ? here(prev) : undefined);
      const next = await page.$('nav.pager a[rel~="next"]');
      if (!next) break;
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), next.click()]);
    }
    expect(forward).toEqual(expected);
    const backward: string[] = [];
    for (let at: string | undefined = forward.at(-1); at !== undefined && backward.length < 100; at = previous.get(at))
      backward.push(at);
    // And Previous, clicked, goes where it says.
    const prev = await page.$('nav.pager a[rel~="prev"]');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), prev!.click()]);
    expect(here(page.url())).toBe(backward[1]);
    expect(backward).toEqual(expected.slice(1).reverse());
    expect(visit.errors).toEqual([]);
    await page.close();
  });

  it('marks where the reader is in the contents and outlines the page', async () => {
    const { page, visit } = await open();
    const chapter = result.editions[0]!.pages.find(
      (p) => p.chapter && p.chapter.headings.filter((h) => h.depth === 2).length >= 2,
    )!;
    const name = chapter.outName.replace(/\.xhtml$/, '.html');
    await page.goto(`${server.url}${name}`, { waitUntil: 'load' });
    expect(
      await page.$$eval('#sidebar [aria-current="page"]', (links) => links.map((a) => a.getAttribute('href'))),
    ).toEqual([name]);
    const outline = await page.$$eval('nav.outline a', (links) => links.map((a) => a.getAttribute('href')));
    const h2 = chapter.chapter!.headings.filter((h) => h.depth === 2).map((h) => `#${h.id}`);
    for (const href of h2) expect(outline).toContain(href);
    expect(visit.errors).toEqual([]);
    await page.close();
  });

  it('finds a word from a chapter and lands on it, highlighted', async () => {
    // A word that occurs on one page only, taken from the built pages, so the test follows the book.
    const edition = result.editions[0]!;
    const words = new Map<string, Set<string>>();
    for (const p of edition.pages) {
      const file = path.join(site, p.outName.replace(/\.xhtml$/, '.html'));
      const parsed = (await parsedSite()).find((f) => f.file === file);
      expect(parsed, file).toBeDefined();
      const text = toString(parsed!.tree);
      const main = text.toLowerCase();
      for (const word of main.match(/\b[a-z]{9,}\b/g) ?? [])
        words.set(word, (words.get(word) ?? new Set()).add(p.outName));
    }
    const [word, where] = [...words].find(([, pages]) => pages.size === 1 && ![...pages][0]!.startsWith('back-'))!;
    const target = [...where][0]!.replace(/\.xhtml$/, '.html');

    const { page, visit } = await open();
    await page.goto(`${server.url}index.html`, { waitUntil: 'load' });
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('search-input');
    await page.keyboard.type(word);
    await resultsFor(page, word);
    const status = await page.$eval('#search-status', (p) => p.textContent);
    expect(status).toMatch(/^\d+ results?$/);
    // Keyboard only: down into the results, Enter to follow the first.
    await page.keyboard.press('ArrowDown');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    const url = new URL(page.url());
    expect(url.pathname).toBe(`${SUB}${target}`);
    expect(url.searchParams.get('highlight')).toBe(word);
    const hits = await page.$$eval('main mark.search-hit', (marks) => marks.map((m) => m.textContent?.toLowerCase()));
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h === word)).toBe(true);
    expect(visit.errors).toEqual([]);
    await page.close();
  });

  it('searches the Farsi edition in Farsi', async () => {
    const { page, visit } = await open();
    await page.goto(`${server.url}fa/index.html`, { waitUntil: 'load' });
    expect(await page.$eval('html', (h) => [h.lang, h.dir])).toEqual(['fa', 'rtl']);
    const firstHit = async (query: string) => {
      await page.click('#search-input', { count: 3 });
      await page.keyboard.press('Backspace');
      await page.keyboard.type(query);
      await resultsFor(page, query);
      return page.$eval(
        '.search-list a',
        (a) => new URL(a.getAttribute('href')!).pathname + new URL(a.getAttribute('href')!).hash,
      );
    };
    const persian = await firstHit('واریانس');
    expect(persian).toMatch(/\/fa\/[^/]+\.html#/);
    // The same word typed with an Arabic keyboard's yeh (U+064A) finds the same place.
    expect(await firstHit('واريانس')).toBe(persian);
    expect(visit.errors).toEqual([]);
    await page.close();
  });

  it("searches with the query settings shipped in the index, ranking as the build's tests do, with snippets cut at word boundaries", async () => {
    const { page, visit } = await open();
    await page.goto(`${server.url}index.html`, { waitUntil: 'load' });
    await page.click('#search-input');
    for (const query of ['bayes', 'dropout', 'regularisation', 'eigenvalues', 'offer negotiation']) {
      await page.click('#search-input', { count: 3 });
      await page.keyboard.press('Backspace');
      await page.keyboard.type(query);
      await resultsFor(page, query);
      expect(
        await page.evaluate(
          () =>
            (window as unknown as { galleySearchIndex: { options: { query: unknown } } }).galleySearchIndex.options
              .query,
        ),
      ).toEqual(JSON.parse(JSON.stringify(QUERY_OPTIONS)));
      const shown = await page.evaluate(() => {
        const index = (
          window as unknown as {
            galleySearchIndex: {
              index: { storedFields: Record<string, { href: string; text?: string; lists?: string }> };
            };
          }
        ).galleySearchIndex.index;
        const stored = new Map(Object.values(index.storedFields).map((f) => [f.href, f]));
        return Array.from(document.querySelectorAll('.search-list a')).map((a) => {
          const url = new URL(a.getAttribute('href')!);
          const href = url.pathname.split('/').pop()! + url.hash;
          return {
            href,
            snippet: a.querySelector('.result-snippet')!.textContent,
            text: stored.get(href)?.text ?? '',
            lists: stored.get(href)?.lists ?? '',
          };
        });
      });
      // The build's engine with the same index and options gives the same hits in the same order.
      const engine = MiniSearch.loadJSON(
        JSON.stringify(
          (
            JSON.parse(
              (await readFile(path.join(site, 'js/search-index.js'), 'utf8'))
                .replace(/^window\.galleySearchIndex = /, '')
                .replace(/;\s*$/, ''),
            ) as { index: unknown }
          ).index,
        ),
        {
          fields: [...SEARCH_OPTIONS.fields],
          storeFields: [...SEARCH_OPTIONS.storeFields],
          processTerm: normalizeTerm,
          tokenize: (text) => tokenize(text, 'en'),
        },
      );
      const expected = engine
        .search(query, { ...QUERY_OPTIONS, boost: { ...QUERY_OPTIONS.boost } })
        .slice(0, 30)
        .map((hit) => hit.href as string);
      expect(
        shown.map((s) => s.href),
        query,
      ).toEqual(expected);
      for (const hit of shown) {
        const cut = hit.snippet.replace(/^… /, '').replace(/ …$/, '');
        const source = [hit.text, hit.lists].find((t) => t.includes(cut));
        expect(source, `snippet of ${hit.href} for ${query}: ${hit.snippet}`).toBeDefined();
        const at = source!.indexOf(cut);
        expect(at === 0 || /\s/.test(source![at - 1]!), `snippet start: ${hit.snippet}`).toBe(true);
        expect(
          at + cut.length === source!.length || /\s/.test(source![at + cut.length]!),
          `snippet end: ${hit.snippet}`,
        ).toBe(true);
      }
    }
    expect(visit.errors).toEqual([]);
    await page.close();
  });

  it('never breaks a date or a version, in the sidebar or the download box, on a desktop or a phone', async () => {
    for (const width of [1280, 390, 320]) {
      const { page, visit } = await open({ width, height: 800 });
      for (const url of ['index.html', 'fa/index.html']) {
        await page.goto(`${server.url}${url}`, { waitUntil: 'load' });
        const lines = async () =>
          page.$$eval('bdi.galley-date, bdi.galley-version', (els) =>
            els.map((e) => {
              // A right-to-left date is several runs (digits, letters) side by side: count lines, not boxes.
              const boxes = Array.from(e.getClientRects())
                .filter((r) => r.width > 0)
                .sort((a, b) => a.top - b.top);
              let lines = 0;
              let bottom = -Infinity;
              for (const box of boxes) {
                if (box.top >= bottom - 1) lines++;
                bottom = Math.max(bottom, box.bottom);
              }
              return { text: e.textContent, lines };
            }),
          );
        const natural = await lines();
        expect(natural.length, url).toBeGreaterThanOrEqual(2);
        for (const line of natural) expect(line.lines, `${url} at ${width}px: ${line.text}`).toBe(1);
        // Squeezed until every other break is taken, a date still stays on one line.
        await page.$$eval('.edition-line', (els) => els.forEach((e) => ((e as HTMLElement).style.width = '3em')));
        for (const line of await lines()) expect(line.lines, `${url} squeezed: ${line.text}`).toBe(1);
      }
      expect(visit.errors).toEqual([]);
      await page.close();
    }
  });

  it('offers the EPUB and PDF with their sizes and the version, and they download', async () => {
    const { page, visit } = await open();
    await page.goto(`${server.url}index.html`, { waitUntil: 'load' });
    const links = await page.$$eval('main .downloads a', (as) =>
      as.map((a) => ({ href: a.getAttribute('href'), text: a.parentElement?.textContent })),
    );
    const edition = result.editions[0]!;
    for (const format of ['epub', 'pdf'] as const) {
      const artifact = edition.artifacts.find((a) => a.format === format)!;
      const size = formatSize((await stat(artifact.path)).size, 'en');
      const link = links.find((l) => l.href === `downloads/${path.basename(artifact.path)}`);
      expect(link?.text).toContain(format.toUpperCase());
      expect(link?.text).toContain(size);
      const response = await page.evaluate(async (href) => {
        const r = await fetch(href);
        return { status: r.status, bytes: (await r.arrayBuffer()).byteLength };
      }, link!.href!);
      expect(response).toEqual({ status: 200, bytes: (await stat(artifact.path)).size });
    }
    expect(await page.$eval('main .downloads .edition-line', (p) => p.textContent)).toContain(
      `Version ${edition.book.config.version}`,
    );
    expect(visit.errors).toEqual([]);
    await page.close();
  });

  it('switches language to the same page of the other edition', async () => {
    const fa = result.editions[1]!;
    const shared = fa.pages.find((p) => p.chapter && result.editions[0]!.pages.some((e) => e.outName === p.outName))!;
    const name = shared.outName.replace(/\.xhtml$/, '.html');
    const { page, visit } = await open();
    await page.goto(`${server.url}${name}`, { waitUntil: 'load' });
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('nav.languages a[hreflang="fa"]')]);
    expect(new URL(page.url()).pathname).toBe(`${SUB}fa/${name}`);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('nav.languages a[hreflang="en"]')]);
    expect(new URL(page.url()).pathname).toBe(`${SUB}${name}`);
    expect(visit.errors).toEqual([]);
    await page.close();
  });

  // Each page is loaded once, and axe runs on it in every scheme and width it is checked at: the scheme is a media
  // feature and the width a viewport, both applied to the loaded page as a reader's system or window would (the site's
  // dark colours are a `prefers-color-scheme` rule, nothing a script reads at load). The same pass measures the phone
  // width's sideways overflow of every page. Run once for the tests below, each of which reads its part (and has
  // room for the whole sweep, should it run first).
  const AXE_RUNS: { scheme: 'light' | 'dark'; width: number; some?: RegExp }[] = [
    { scheme: 'light', width: 1280 },
    { scheme: 'dark', width: 1280 },
    { scheme: 'light', width: 390, some: /index|deep-learning|fundamentals/ },
    { scheme: 'dark', width: 390, some: /index|deep-learning|fundamentals/ },
  ];
  const PHONE = { width: 390, height: 844 };
  interface Sweep {
    /** Per run of AXE_RUNS: the pages checked and the serious or critical violations found. */
    axe: { names: string[]; found: string[] }[];
    /** Each page's sideways overflow at the phone's width (px). */
    overflow: Map<string, number>;
    errors: string[];
  }
  let sweeping: Promise<Sweep> | undefined;
  function sweep(): Promise<Sweep> {
    sweeping ??= (async () => {
      const axeSource = await readFile(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
      const pages = (await htmlFiles(site)).map((file) => path.relative(site, file).split(path.sep).join('/'));
      const result: Sweep = {
        axe: AXE_RUNS.map((run) => ({ names: run.some ? pages.filter((n) => run.some!.test(n)) : pages, found: [] })),
        overflow: new Map(),
        errors: [],
      };
      const { page, visit } = await open();
      // axe is injected by the test, which the pages' own policy would refuse.
      await page.setBypassCSP(true);
      for (const name of pages) {
        await page.setViewport({ width: 1280, height: 860 });
        await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
        await page.goto(`${server.url}${name}`, { waitUntil: 'load' });
        await page.addScriptTag({ content: axeSource });
        for (const [i, run] of AXE_RUNS.entries()) {
          if (!result.axe[i]!.names.includes(name)) continue;
          await page.setViewport({ width: run.width, height: 860 });
          await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: run.scheme }]);
          // The page answers a resize at its next frame (wide formulas become focusable then): wait for it, as a
          // reader's first keypress after turning a phone would.
          await page.evaluate(
            () => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))),
          );
          const violations = await page.evaluate(async () => {
            const axe = (
              window as unknown as {
                axe: {
                  run: (
                    context: Document,
                    options: object,
                  ) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
                };
              }
            ).axe;
            const results = await axe.run(document, { resultTypes: ['violations'] });
            return results.violations
              .filter((v) => v.impact === 'serious' || v.impact === 'critical')
              .map(
                (v) =>
                  `${v.id} (${v.impact}) at ${v.nodes
                    .slice(0, 3)
                    .map((n) => n.target.join(' '))
                    .join(', ')}`,
              );
          });
          for (const v of violations) result.axe[i]!.found.push(`${run.scheme} ${run.width}px ${name}: ${v}`);
        }
        await page.setViewport(PHONE);
        await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
        result.overflow.set(name, await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth));
      }
      result.errors.push(...visit.errors);
      await page.close();
      return result;
    })();
    return sweeping;
  }

  for (const [i, run] of AXE_RUNS.entries()) {
    it(`has no serious or critical axe-core violation on ${run.some ? 'some pages' : 'any page'}, ${run.scheme}, ${run.width}px wide`, async () => {
      const { axe, errors } = await sweep();
      expect(axe[i]!.names.length).toBeGreaterThan(0);
      expect(axe[i]!.found).toEqual([]);
      expect(errors).toEqual([]);
    }, 480_000);
  }

  it('is usable on a phone: no sideways scrolling, and the contents open from the menu button and close with Escape', async () => {
    const { overflow } = await sweep();
    for (const p of result.editions[0]!.pages)
      expect(overflow.get(p.outName.replace(/\.xhtml$/, '.html')), p.outName).toBeLessThanOrEqual(0);
    const { page, visit } = await open(PHONE);
    const last = result.editions[0]!.pages.at(-1)!;
    await page.goto(`${server.url}${last.outName.replace(/\.xhtml$/, '.html')}`, { waitUntil: 'load' });
    expect(await page.$eval('#sidebar', (s) => getComputedStyle(s).visibility)).toBe('hidden');
    await page.click('.menu-toggle');
    await page.waitForFunction(() => getComputedStyle(document.getElementById('sidebar')!).visibility === 'visible');
    expect(await page.$eval('.menu-toggle', (b) => b.getAttribute('aria-expanded'))).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.closest('#sidebar') !== null)).toBe(true);
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => getComputedStyle(document.getElementById('sidebar')!).visibility === 'hidden');
    expect(await page.evaluate(() => document.activeElement?.classList.contains('menu-toggle'))).toBe(true);
    expect(visit.errors).toEqual([]);
    await page.close();
  }, 480_000);

  it('leaves the arrow keys to a wide formula that has the focus on a phone', async () => {
    const { page, visit } = await open({ width: 390, height: 844 });
    const name = 'part-2-deep-learning.html';
    await page.goto(`${server.url}${name}`, { waitUntil: 'load' });
    await page.waitForSelector('main .math-display[tabindex="0"]');
    await page.focus('main .math-display[tabindex="0"]');
    await page.keyboard.press('ArrowRight');
    await new Promise((r) => setTimeout(r, 300));
    expect(new URL(page.url()).pathname).toBe(`${SUB}${name}`);
    expect(visit.errors).toEqual([]);
    await page.close();
  });

  it('is keyboard navigable: the skip link comes first, and the arrow keys turn pages', async () => {
    const { page, visit } = await open();
    const pages = result.editions[0]!.pages;
    await page.goto(`${server.url}${pages[1]!.outName.replace(/\.xhtml$/, '.html')}`, { waitUntil: 'load' });
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip-link');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('content');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('ArrowRight')]);
    expect(new URL(page.url()).pathname).toBe(`${SUB}${pages[2]!.outName.replace(/\.xhtml$/, '.html')}`);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('ArrowLeft')]);
    expect(new URL(page.url()).pathname).toBe(`${SUB}${pages[1]!.outName.replace(/\.xhtml$/, '.html')}`);
    expect(visit.errors).toEqual([]);
    await page.close();
  });

  it('serves a folder asked for without its slash by redirecting to it, so its relative links work', async () => {
    const response = await fetch(`${server.url}fa`, { redirect: 'manual' });
    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe(`${SUB}fa/`);
    expect((await fetch(`${server.url}fa/`)).status).toBe(200);
    expect((await fetch(server.url.replace(SUB, '/elsewhere/'))).status).toBe(404);
  });

  it('serves nothing outside the site, nothing hidden, and only to its own address', async () => {
    // Raw paths, as a client that does not tidy them would send (fetch would resolve the dots itself).
    const raw = (target: string, host = `127.0.0.1:${server.port}`) =>
      new Promise<{ status: number; location?: string }>((resolve, reject) => {
        const request = http.request(
          { host: '127.0.0.1', port: server.port, path: target, headers: { host } },
          (response) => {
            response.resume();
            resolve({ status: response.statusCode ?? 0, location: response.headers.location });
          },
        );
        request.on('error', reject);
        request.end();
      });
    // A symlink out of the site and a hidden file, as a careless copy could leave them.
    const outside = path.join(work.dir, 'outside-secret.txt');
    await writeFile(outside, 'secret');
    await symlink(outside, path.join(site, 'leak.txt'));
    await writeFile(path.join(site, '.hidden'), 'hidden');
    expect((await raw(`${SUB}leak.txt`)).status).toBe(404);
    expect((await raw(`${SUB}.hidden`)).status).toBe(404);
    await rm(path.join(site, 'leak.txt'));
    await rm(path.join(site, '.hidden'));
    for (const target of [
      '../../../../etc/passwd',
      '..%2f..%2f..%2f..%2fetc%2fpasswd',
      '%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '..%5c..%5cetc%5cpasswd',
      '.hidden',
      'css/../../../../../etc/passwd',
    ])
      expect((await raw(`${SUB}${target}`)).status, target).toBe(404);

    expect(await raw(`${SUB}/evil.example/..%2ffa`)).toEqual({ status: 404, location: undefined });
    expect((await raw(`${SUB}index.html`, 'attacker.example')).status).toBe(403);
    expect((await raw(`${SUB}index.html`)).status).toBe(200);
  });

  it('renders math and code at build time: MathML and highlighted code are in the page, no script makes them', async () => {
    const deep = await readFile(path.join(site, 'part-2-deep-learning.html'), 'utf8');
    expect(deep).toMatch(/<math[ >]/);
    const all = await parsedSite();
    expect(all.some(({ html }) => /<code class="hljs language-\w+">[\s\S]*?<span class="hljs-/.test(html))).toBe(true);
    for (const { tree } of all) {
      const scripts = selectAll('script', tree).map((s) => String(s.properties.src));
      expect(scripts).toEqual(['js/prefs.js', 'js/toc.js', 'js/galley.js']);
    }
  });
});

describe('web edition of a HonKit book with LANGS.md', () => {
  chaptersOnThisThread();
  it('puts each language in its folder and lists them at the root', async () => {
    const work = await tempDir();
    try {
      const result = await build({
        manuscript: path.join(ROOT, 'tests/books/honkit-langs'),
        out: work.dir,
        formats: ['html', 'web'],
        quiet: true,
      });
      expect(result.ok).toBe(true);
      const root = await readFile(path.join(work.dir, 'web/index.html'), 'utf8');
      const links = selectAll('a', fromHtml(root)).map((a) => [String(a.properties.href), toString(a)]);
      expect(links).toEqual([
        ['en/index.html', 'English'],
        ['fr/index.html', 'français'],
      ]);
      for (const [href] of links) expect((await stat(path.join(work.dir, 'web', href!))).isFile()).toBe(true);
      // Each edition's switcher leads to the other.
      const en = fromHtml(await readFile(path.join(work.dir, 'web/en/index.html'), 'utf8'));
      expect(selectAll('nav.languages a', en).map((a) => String(a.properties.href))).toEqual(['../fr/index.html']);
    } finally {
      await work.cleanup();
    }
  });
});

describe('search terms', () => {
  it('fold case, accents, Arabic letter forms, diacritics and zero-width joiners', () => {
    expect(normalizeTerm('Régularisation')).toBe('regularisation');
    expect(normalizeTerm('واريانس')).toBe(normalizeTerm('واریانس'));
    expect(normalizeTerm('كتاب')).toBe(normalizeTerm('کتاب'));
    expect(normalizeTerm('جست\u200cوجو')).toBe('جستوجو');
    expect(normalizeTerm('مُدل')).toBe('مدل');
  });

  it('are reduced by the browser exactly as by the build', async () => {
    const script = await readFile(path.join(ROOT, 'templates/web/galley.js'), 'utf8');
    const source = /function normalizeTerm\(term\) \{[\s\S]*?\n {2}\}/.exec(script)?.[0];
    expect(source).toBeDefined();
    // Evaluated as the browser would, in a context of its own: the template's source is the subject under test.
    const browserSide = runInNewContext(`${source}; normalizeTerm`) as (term: string) => string;
    for (const word of ['Régularisation', 'واريانس', 'كتاب', 'جست\u200cوجو', 'مُدل', 'ÆON', 'naïve'])
      expect(browserSide(word), word).toBe(normalizeTerm(word));
  });
});

describe('web edition of a hostile manuscript', () => {
  chaptersOnThisThread();
  let work: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    work = await tempDir();
  });
  afterAll(() => work?.cleanup());

  /** Every script a page would run and every event-handler attribute, across the site. */
  async function activeContent(site: string): Promise<string[]> {
    const found: string[] = [];
    for (const file of await htmlFiles(site)) {
      const tree = fromHtml(await readFile(file, 'utf8'));
      for (const element of selectAll('*', tree)) {
        if (
          element.tagName === 'script' &&
          !['js/prefs.js', 'js/toc.js', 'js/galley.js'].includes(String(element.properties.src))
        )
          found.push(`${path.relative(site, file)}: script ${String(element.properties.src)}`);
        for (const name of Object.keys(element.properties))
          if (/^on/i.test(name)) found.push(`${path.relative(site, file)}: ${element.tagName} ${name}`);
        if (element.tagName === 'img' && String(element.properties.src) === 'x')
          found.push(`${path.relative(site, file)}: img src=x`);
      }
    }
    return found;
  }

  it('writes titles, descriptions and headings as text, never as markup', async () => {
    const book = path.join(work.dir, 'hostile');
    await cp(path.join(ROOT, 'tests/books/mini'), book, { recursive: true });
    const yaml = await readFile(path.join(book, 'book.yaml'), 'utf8');
    await writeFile(
      path.join(book, 'book.yaml'),
      yaml.replace(
        'title: Mini Book',
        `title: '</title><script>alert(1)</script>'\ndescription: '</head><script>alert(2)</script><x y="'\nsubtitle: '"><img src=x onerror=alert(3)>'`,
      ),
    );
    await writeFile(
      path.join(book, 'chapters/two.md'),
      '---\ntitle: "<img src=x onerror=alert(4)>"\n---\n# <script>alert(5)</script> heading\n\nText.\n',
    );
    const result = await build({
      manuscript: book,
      out: path.join(work.dir, 'out'),
      formats: ['html', 'web'],
      quiet: true,
    });
    expect(result.ok).toBe(true);
    expect(await activeContent(path.join(work.dir, 'out/web'))).toEqual([]);
    // And the live preview's script goes where the book's text cannot move it.
    const server = await serveSite(path.join(work.dir, 'out/web'), { live: true, initial: () => [] });
    const browser = await sharedBrowser();
    const page = await browser.newPage();
    try {
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        // The emitter ignores a handler's promise; a failed dismiss surfaces as an unhandled rejection, as before.
        void dialog.dismiss();
      });
      await page.goto(`${server.url}chapters-two.html`, { waitUntil: 'load' });
      await page.waitForSelector('html[data-galley-live="connected"]');
      expect(await page.title()).toContain('</title><script>alert(1)</script>');
      expect(dialogs).toEqual([]);
    } finally {
      await page.close();
      await server.close();
    }
  });

  it('escapes a LANGS.md folder name on the language chooser, and links only to editions that exist', async () => {
    const book = path.join(work.dir, 'langs');
    await cp(path.join(ROOT, 'tests/books/honkit-langs'), book, { recursive: true });
    const evil = 'x"><img src=x onerror=alert(6)>';
    await mkdir(path.join(book, evil));
    await cp(path.join(book, 'fr'), path.join(book, evil), { recursive: true });
    await writeFile(
      path.join(book, 'LANGS.md'),
      `# Languages\n\n* [English](en/)\n* [Français](fr/)\n* [Evil](<${evil}/>)\n`,
    );
    const out = path.join(work.dir, 'langs-out');
    // Only English is built: French and the hostile folder have never been.
    const result = await build({ manuscript: book, out, formats: ['html', 'web'], edition: 'en', quiet: true });
    expect(result.ok).toBe(true);
    expect(await activeContent(path.join(out, 'web'))).toEqual([]);
    const en = fromHtml(await readFile(path.join(out, 'web/en/index.html'), 'utf8'));
    expect(selectAll('nav.languages a', en)).toEqual([]);
    const chooser = fromHtml(await readFile(path.join(out, 'web/index.html'), 'utf8'));
    expect(selectAll('a', chooser).map((a) => String(a.properties.href))).toEqual(['en/index.html']);
  });

  it('offers for download only what the same build made, not what an earlier one left', async () => {
    const out = path.join(work.dir, 'downloads');
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'mini-book.pdf'), '%PDF-1.7 left by an earlier build');
    await build({ manuscript: path.join(ROOT, 'tests/books/mini'), out, formats: ['html', 'web'], quiet: true });
    const index = fromHtml(await readFile(path.join(out, 'web/index.html'), 'utf8'));
    expect(selectAll('.downloads', index)).toEqual([]);
    await expect(stat(path.join(out, 'web/downloads'))).rejects.toThrow();
  });
});
