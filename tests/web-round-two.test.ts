import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { fromHtml } from 'hast-util-from-html';
import { select, selectAll } from 'hast-util-select';
import { toString } from 'hast-util-to-string';
import type { Page as BrowserPage } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { build, type BuildResult } from '../scripts/api/build.ts';
import { startDev } from '../scripts/api/dev.ts';
import { release } from '../scripts/api/release.ts';
import { launchBrowser, type GalleyBrowser } from '../scripts/render/browser.ts';
import { serveSite, type SiteServer } from '../scripts/render/web/server.ts';
import { snippet, tokenize } from '../scripts/render/web/search-index.ts';
import { ROOT, tempDir } from './helpers.ts';
import { withoutSharedChromium } from './light-helpers.ts';

const exec = promisify(execFile);
const BOOK = path.join(ROOT, 'tests/books/web-scripts');
const SITE_URL = 'https://books.example.org/web-scripts/';
const SUB = '/shelf/web-scripts/';
/** A sentence with 收敛速度 in its middle, as chapters/optimisation.md has it. */
const CHINESE_SENTENCE = '在实际应用中，提高算法的收敛速度往往比追求理论上的最优解更加重要。';

async function htmlFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true });
  return names
    .map((n) => String(n).split(path.sep).join('/'))
    .filter((n) => n.endsWith('.html'))
    .sort();
}

/** A page that records console errors, failed requests and error responses. */
async function open(browser: GalleyBrowser, options: { scheme?: 'light' | 'dark'; width?: number } = {}) {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${(e as Error).message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  await page.setViewport({ width: options.width ?? 1280, height: 860 });
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: options.scheme ?? 'light' }]);
  return { page, errors };
}

/** Types a query and waits for its results (each hit's link carries the words the query split into). */
async function search(page: BrowserPage, query: string, language: string) {
  const words = tokenize(query, language).join(' ');
  await page.click('#search-input', { count: 3 });
  await page.keyboard.press('Backspace');
  await page.keyboard.type(query);
  await page.waitForFunction(
    (w) => {
      const href = document.querySelector('#search-results:not([hidden]) .search-list a')?.getAttribute('href');
      return href ? new URL(href).searchParams.get('highlight') === w : false;
    },
    {},
    words,
  );
  return page.$$eval('.search-list a', (links) =>
    links.map((a) => ({
      path: new URL(a.getAttribute('href')!).pathname,
      marks: Array.from(a.querySelectorAll('.result-snippet mark, .result-title mark')).map((m) => m.textContent),
      snippet: a.querySelector('.result-snippet')!.textContent,
    })),
  );
}

// The site is what these tests read, not how chapters are spread over threads (tests/cache.test.ts and
// tests/hostile-bounds.test.ts cover the worker pool): the builds, releases and dev session here process their
// chapters on this thread, which spares a worker's start-up (about a CPU-second each, from the TypeScript sources).
beforeAll(() => {
  vi.stubEnv('GALLEY_WORKERS', '0');
});
/** One browser for the whole file (the releases print with it too), launched when first asked for. */
let launched: Promise<GalleyBrowser> | undefined;
// Launched, not a context in the run's shared Chromium: its pages load large scripts (axe-core, the site's own), which
// an off-the-record context compiles afresh on every page (decision 0025, round five).
const sharedBrowser = () => (launched ??= withoutSharedChromium(() => launchBrowser({ allowLoopback: true })));
afterAll(async () => {
  await (await launched)?.close();
  vi.unstubAllEnvs();
});

describe('web edition in Chinese and Persian (tests/books/web-scripts)', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let result: BuildResult;
  let site: string;
  let server: SiteServer;
  let browser: GalleyBrowser;

  beforeAll(async () => {
    work = await tempDir('galley-web2-');
    result = await build({ manuscript: BOOK, out: path.join(work.dir, 'dist'), quiet: true, noCache: true });
    site = path.join(work.dir, 'dist/web');
    server = await serveSite(site, { base: SUB });
    browser = await sharedBrowser();
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await work?.cleanup();
  });

  it('splits Chinese into words with the language, and cuts the snippet at the sentence', () => {
    expect(result.ok).toBe(true);
    const words = tokenize(CHINESE_SENTENCE, 'zh');
    // Split by dictionary, not at spaces (there are none): the word is a word of its own, not the whole sentence.
    expect(words).toContain('速度');
    expect(words.length).toBeGreaterThan(10);
    const text = `梯度下降是训练模型最常用的方法。${CHINESE_SENTENCE}学习率过大时，损失函数会来回振荡。`;
    expect(snippet(text, tokenize('收敛速度', 'zh'), 200, 'zh')).toBe(`… ${CHINESE_SENTENCE} …`);
    // Japanese and Thai, also written without spaces, split into words by the same dictionary-based segmenter.
    expect(tokenize('機械学習では収束速度が重要です。', 'ja')).toEqual(
      expect.arrayContaining(['学習', '収束', '速度']),
    );
    expect(tokenize('การเรียนรู้ของเครื่องต้องการข้อมูลจำนวนมาก', 'th')).toEqual(expect.arrayContaining(['เครื่อง', 'ข้อมูล']));
    // Persian: the words between spaces, a zero-width non-joiner inside a word kept.
    expect(tokenize('فاصله‌ها از میانگین', 'fa')).toEqual(['فاصله‌ها', 'از', 'میانگین']);
  });

  it('finds a word from the middle of a Chinese sentence, marks the words found and shows their sentence', async () => {
    const { page, errors } = await open(browser);
    await page.goto(`${server.url}index.html`, { waitUntil: 'load' });
    const hits = await search(page, '收敛速度', 'zh');
    expect(hits[0]!.path).toBe(`${SUB}chapters-optimisation.html`);
    expect(hits[0]!.marks.join('')).toContain('收敛速度');
    expect(hits[0]!.snippet.replace(/^… | …$/g, '')).toBe(CHINESE_SENTENCE);
    // Followed by the keyboard, the page marks the words too.
    await page.keyboard.press('ArrowDown');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    expect(new URL(page.url()).pathname).toBe(`${SUB}chapters-optimisation.html`);
    const marked = await page.$$eval('main mark.search-hit', (marks) => marks.map((m) => m.textContent).join(''));
    expect(marked).toContain('收敛速度');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('finds a Persian word from the middle of a sentence typed with the Arabic yeh, and marks it as written', async () => {
    const { page, errors } = await open(browser);
    await page.goto(`${server.url}fa/index.html`, { waitUntil: 'load' });
    // پیچیده with U+064A (Arabic yeh) where the book has U+06CC (Persian yeh).
    const query = 'پ\u064Aچ\u064Aده';
    const hits = await search(page, query, 'fa');
    expect(hits[0]!.path).toBe(`${SUB}fa/chapters-variance.html`);
    expect(hits[0]!.marks).toContain('پ\u06CCچ\u06CCده');
    expect(hits[0]!.snippet).toContain('مدلی که بیش از اندازه پیچیده است');
    expect((await search(page, 'واريانس', 'fa'))[0]!.path).toBe(`${SUB}fa/chapters-variance.html`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('gives every page a canonical link and card tags, and sitemap.xml lists each page once and validates', async () => {
    const pages = (await htmlFiles(site)).filter((n) => !n.endsWith('404.html'));
    expect(pages).toContain('fa/chapters-variance.html');
    const cover = (await readdir(path.join(site, 'images'))).find((n) => n.startsWith('cover'))!;
    for (const name of pages) {
      const tree = fromHtml(await readFile(path.join(site, name), 'utf8'));
      const content = (selector: string) => selectAll(selector, tree).map((e) => String(e.properties.content));
      expect(
        selectAll('link[rel~=canonical]', tree).map((e) => e.properties.href),
        name,
      ).toEqual([SITE_URL + name]);
      expect(content('meta[property="og:url"]'), name).toEqual([SITE_URL + name]);
      expect(content('meta[property="og:title"]')[0], name).toBe(toString(select('title', tree)!));
      expect(content('meta[name="twitter:title"]'), name).toHaveLength(1);
      expect(content('meta[property="og:description"]')[0], name).toBeTruthy();
      expect(content('meta[property="og:locale"]'), name).toEqual([name.startsWith('fa/') ? 'fa_IR' : 'zh_CN']);
      if (name.startsWith('fa/')) {
        // The Persian edition names no cover of its own.
        expect(content('meta[property="og:image"]'), name).toEqual([]);
        expect(content('meta[name="twitter:card"]'), name).toEqual(['summary']);
      } else {
        expect(content('meta[property="og:image"]'), name).toEqual([`${SITE_URL}images/${cover}`]);
        expect(content('meta[name="twitter:image"]'), name).toEqual([`${SITE_URL}images/${cover}`]);
        expect(content('meta[name="twitter:card"]'), name).toEqual(['summary_large_image']);
      }
    }
    // A chapter's card describes the chapter: its opening sentence; the title page the book.
    const description = async (name: string) =>
      selectAll('meta[property="og:description"]', fromHtml(await readFile(path.join(site, name), 'utf8'))).map(
        (e) => e.properties.content,
      );
    expect(await description('chapters-optimisation.html')).toEqual(['梯度下降是训练模型最常用的方法。']);
    expect(await description('fa/chapters-variance.html')).toEqual(['خطای هر مدل را می‌توان به سه بخش تقسیم کرد.']);
    expect(await description('index.html')).toEqual(['梯度下降、动量与正则化的简短介绍。']);
    const sitemap = await readFile(path.join(site, 'sitemap.xml'), 'utf8');
    const locs = [...sitemap.matchAll(/<loc>([^<]*)<\/loc>/g)].map((m) => m[1]!);
    expect(new Set(locs).size).toBe(locs.length);
    expect([...locs].sort()).toEqual(pages.map((n) => SITE_URL + n).sort());
    const { stderr } = await exec('xmllint', [
      '--noout',
      '--schema',
      path.join(ROOT, 'tests/fixtures/sitemap-0.9.xsd'),
      path.join(site, 'sitemap.xml'),
    ]);
    expect(stderr).toMatch(/validates/);
    expect(await readFile(path.join(site, 'robots.txt'), 'utf8')).toContain(`Sitemap: ${SITE_URL}sitemap.xml`);
  });

  it('serves 404.html in galley dev for a missing path at any depth, styled and with a search that works', async () => {
    const dev = await startDev({ manuscript: BOOK, out: path.join(work.dir, 'dev'), port: 0 });
    const { page, errors } = await open(browser);
    try {
      const missing = `${dev.url}no/such/folder/page.html`;
      const response = await fetch(missing);
      expect(response.status).toBe(404);
      expect(await response.text()).toContain('Page not found');
      await page.goto(missing, { waitUntil: 'load' });
      expect(await page.$eval('h1', (h) => h.textContent)).toBe('Page not found');
      // The book's stylesheet reached from a missing page three folders down.
      expect(await page.$eval('.site-header', (h) => getComputedStyle(h).position)).toBe('sticky');
      const hits = await search(page, '过拟合', 'zh');
      expect(hits[0]!.path).toMatch(/\/chapters-regularisation\.html$/);
      expect((await fetch(new URL(hits[0]!.path, dev.url))).status).toBe(200);
      // Only the missing page itself is an error response.
      expect(errors.filter((e) => !e.includes('404'))).toEqual([]);
    } finally {
      await page.close();
      await dev.close();
    }
    // The built 404 page carries a <base> of the site's path, for a host that serves it at any depth.
    expect(await readFile(path.join(site, '404.html'), 'utf8')).toContain('<base href="/web-scripts/">');
  });

  it('offers text size and theme from the keyboard, announces and remembers them, and reads without JavaScript', async () => {
    const { page, errors } = await open(browser);
    await page.goto(`${server.url}chapters-optimisation.html`, { waitUntil: 'load' });
    const active = () => page.evaluate(() => document.activeElement?.className + '#' + document.activeElement?.id);
    // Tab until the largest size has the focus: it is reachable by keyboard alone.
    for (let i = 0; i < 20 && (await active()) !== 'size-large#'; i++) await page.keyboard.press('Tab');
    expect(await active()).toBe('size-large#');
    await page.keyboard.press('Enter');
    expect(await page.$eval('html', (h) => h.dataset.textSize)).toBe('large');
    expect(await page.$$eval('.text-size button', (b) => b.map((x) => x.getAttribute('aria-pressed')))).toEqual([
      'false',
      'false',
      'true',
    ]);
    await page.waitForFunction(() => document.getElementById('reader-status')?.textContent === 'Text size: Large');
    expect(await page.$eval('body', (b) => getComputedStyle(b).fontSize)).toBe('20px');
    await page.keyboard.press('Tab');
    expect(await active()).toBe('#theme-select');
    for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowDown');
    expect(await page.$eval('html', (h) => h.dataset.theme)).toBe('dark');
    await page.waitForFunction(() => document.getElementById('reader-status')?.textContent === 'Theme: Dark');
    const background = await page.$eval('body', (b) => getComputedStyle(b).backgroundColor);
    expect(background).toBe('rgb(23, 24, 27)');
    // Remembered for the site: another page, another edition, drawn with them from the start.
    await page.goto(`${server.url}fa/index.html`, { waitUntil: 'load' });
    expect(await page.$eval('html', (h) => [h.dataset.theme, h.dataset.textSize])).toEqual(['dark', 'large']);
    expect(await page.$eval('#theme-select', (s) => (s as HTMLSelectElement).value)).toBe('dark');
    expect(errors).toEqual([]);
    await page.close();

    const plain = await browser.newPage();
    await plain.setJavaScriptEnabled(false);
    await plain.goto(`${server.url}chapters-optimisation.html`, { waitUntil: 'load' });
    expect(await plain.$eval('.reader-controls', (c) => getComputedStyle(c).display)).toBe('none');
    expect(await plain.$eval('main', (m) => m.innerText)).toContain(CHINESE_SENTENCE);
    await plain.close();
  });

  it('has no serious or critical axe-core violation in any theme or text size', async () => {
    const axe = await readFile(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
    const found: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      const { page } = await open(browser, { scheme });
      // axe is injected as an inline script, which the pages' policy (rightly) refuses.
      await page.setBypassCSP(true);
      for (const target of ['chapters-optimisation.html', 'fa/chapters-variance.html']) {
        await page.goto(`${server.url}${target}`, { waitUntil: 'load' });
        await page.addScriptTag({ content: axe });
        // The system theme in both schemes; the chosen themes once.
        const themes = scheme === 'light' ? ['system', 'light', 'dark', 'sepia'] : ['system'];
        for (const theme of themes) {
          for (const size of ['small', 'medium', 'large']) {
            const violations = await page.evaluate(
              async (theme, size) => {
                const root = document.documentElement;
                if (theme === 'system') delete root.dataset.theme;
                else root.dataset.theme = theme;
                if (size === 'medium') delete root.dataset.textSize;
                else root.dataset.textSize = size;
                const axe = (
                  window as unknown as {
                    axe: {
                      run: (n: Node, o: { resultTypes: string[] }) => Promise<{ violations: unknown[] }>;
                    };
                  }
                ).axe;
                // Every rule still runs and every violating node is listed; only the passing rules' nodes are cut
                // to one each, which spares axe a unique selector for every node that passed (most of its time).
                const results = await axe.run(document, { resultTypes: ['violations'] });
                if ((results as unknown as { passes: unknown[] }).passes.length < 10)
                  return ['axe did not run its rules'];
                return (results.violations as { id: string; impact: string; nodes: { target: string[] }[] }[])
                  .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                  .map((v) => `${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
              },
              theme,
              size,
            );
            for (const v of violations) found.push(`${target} ${scheme}/${theme}/${size}: ${v}`);
          }
        }
      }
      await page.close();
    }
    expect(found).toEqual([]);
  }, 120_000);

  it('refuses a site.url that is not an http(s) address, at its line in book.yaml', async () => {
    const book = path.join(work.dir, 'bad-url');
    await cp(BOOK, book, { recursive: true });
    const yaml = await readFile(path.join(book, 'book.yaml'), 'utf8');
    for (const url of ['ftp://books.example.org/', 'https://books.example.org/a"><script>', 'example.org']) {
      await writeFile(path.join(book, 'book.yaml'), yaml.replace(/^( {2}url: ).*$/m, `$1'${url}'`));
      const built = await build({ manuscript: book, out: path.join(work.dir, 'bad-url-dist'), quiet: true });
      expect(built.ok, url).toBe(false);
      const line = yaml.split('\n').findIndex((l) => l.startsWith('  url:')) + 1;
      expect(
        built.diagnostics.map((d) => `${d.file}:${d.line} ${d.ruleId}`),
        url,
      ).toContain(`book.yaml:${line} book-config`);
    }
  });

  it('without site.url: no absolute tags, no sitemap, and a note in the build summary', async () => {
    const book = path.join(work.dir, 'no-url');
    await cp(BOOK, book, { recursive: true });
    const yaml = await readFile(path.join(book, 'book.yaml'), 'utf8');
    await writeFile(path.join(book, 'book.yaml'), yaml.replace(/^site:\n {2}url: .*\n/m, ''));
    const built = await build({ manuscript: book, out: path.join(work.dir, 'no-url-dist'), quiet: true });
    expect(built.ok).toBe(true);
    expect(built.editions[0]!.summary.notes?.join('\n')).toMatch(/no site\.url in book\.yaml/);
    const dir = path.join(work.dir, 'no-url-dist/web');
    expect(existsSync(path.join(dir, 'sitemap.xml'))).toBe(false);
    expect(existsSync(path.join(dir, 'robots.txt'))).toBe(false);
    for (const name of await htmlFiles(dir)) {
      const html = await readFile(path.join(dir, name), 'utf8');
      expect(html, name).not.toMatch(/rel="canonical"|og:url|og:image|twitter:image|<base /);
      expect(html, name).not.toContain('https://');
    }
  });
});

describe('version menu across two releases (tests/books/errata-mini)', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let releases: string;
  let browser: GalleyBrowser;

  beforeAll(async () => {
    work = await tempDir('galley-versions-');
    const book = path.join(work.dir, 'book');
    await cp(path.join(ROOT, 'tests/books/errata-mini'), book, { recursive: true });
    const out = path.join(work.dir, 'dist');
    browser = await sharedBrowser();
    const first = await release({ manuscript: book, out, browser });
    expect(first.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // The next printing: a new version in book.yaml and errata.yaml.
    const yaml = path.join(book, 'book.yaml');
    await writeFile(yaml, (await readFile(yaml, 'utf8')).replace('version: "1.1.0"', 'version: "1.2.0"'));
    const errata = path.join(book, 'errata.yaml');
    await writeFile(
      errata,
      (await readFile(errata, 'utf8')).replace(
        '\nentries:',
        '\n  - version: "1.2.0"\n    date: "2026-04-01"\n    summary: "A reprint."\n\nentries:',
      ),
    );
    const second = await release({ manuscript: book, out, browser });
    expect(second.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    releases = path.join(out, 'release');
  }, 400_000);

  afterAll(async () => {
    await work?.cleanup();
  });

  async function menu(page: BrowserPage) {
    await page.waitForSelector('nav.versions:not([hidden]) li');
    return page.$$eval('nav.versions li', (items) =>
      items.map((li) => ({
        text: li.textContent.trim(),
        href: li.querySelector('a')?.href,
        current: li.querySelector('a')?.getAttribute('aria-current') === 'page',
      })),
    );
  }

  it('lists the released versions, newest marked, from file://, and an older one links to the same page in the newest', async () => {
    expect((await readdir(releases)).sort()).toEqual(['1.1.0', '1.2.0', 'versions.js']);
    const old = pathToFileURL(path.join(releases, '1.1.0/web/chapters-first.html')).href;
    const { page, errors } = await open(browser);
    await page.goto(old, { waitUntil: 'load' });
    const items = await menu(page);
    expect(items.map((i) => i.text)).toEqual([
      'Version 1.2.0 (2026-04-01) newest',
      'Version 1.1.0 (2026-03-01)',
      'Version 1.0.0 (2026-01-10)',
    ]);
    expect(items.map((i) => i.current)).toEqual([false, true, false]);
    // 1.0.0 was released before Galley kept sites: listed, not linked.
    expect(items[2]!.href).toBeUndefined();
    const newest = pathToFileURL(path.join(releases, '1.2.0/web/chapters-first.html')).href;
    expect(items[0]!.href).toBe(newest);
    const banner = await page.$eval('main .version-banner', (b) => ({
      text: b.textContent,
      href: b.querySelector('a')!.href,
    }));
    expect(banner.text).toContain('You are reading version 1.1.0; the newest is 1.2.0.');
    expect(banner.href).toBe(newest);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('main .version-banner a')]);
    expect(page.url()).toBe(newest);
    expect(await page.$('main .version-banner')).toBeNull();
    expect((await menu(page)).map((i) => i.current)).toEqual([true, false, false]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('works under any path on a server', async () => {
    const server = await serveSite(releases, { base: '/deep/books/mini/' });
    const { page, errors } = await open(browser);
    try {
      await page.goto(`${server.url}1.1.0/web/index.html`, { waitUntil: 'load' });
      const link = await page.$eval('main .version-banner a', (a) => a.href);
      expect(link).toBe(`${server.url}1.2.0/web/index.html`);
      expect((await fetch(link)).status).toBe(200);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await server.close();
    }
  });
});
