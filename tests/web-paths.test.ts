/**
 * Links that keep working: a HonKit or mdBook book's web pages at the source
 * tool's paths (output.web.paths), and `redirects:` / mdBook's
 * `[output.html.redirect]` pages, followed to their targets. Web edition only:
 * no browser.
 */
import { execFile } from 'node:child_process';
import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { fromHtml } from 'hast-util-from-html';
import { selectAll } from 'hast-util-select';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GALLEY, ROOT, tempDir } from './helpers.ts';

const exec = promisify(execFile);
let work: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  work = await tempDir('galley-web-paths-');
});
afterAll(() => work?.cleanup());

async function galley(args: string[]) {
  try {
    // The pages' paths are what is tested, not how chapters are spread over threads (tests/cache.test.ts runs the
    // worker pool): chapters are processed on the main thread, which spares a worker's start-up per build.
    const { stdout, stderr } = await exec(process.execPath, [GALLEY, ...args], {
      cwd: work.dir,
      env: { ...process.env, GALLEY_WORKERS: '0' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A fixture book copied into the test's folder, with extra files written into it. */
async function copyBook(name: string, as: string, extra: Record<string, string> = {}) {
  const dir = path.join(work.dir, as);
  await cp(path.join(ROOT, 'tests', 'books', name), dir, { recursive: true });
  for (const [file, text] of Object.entries(extra)) await writeFile(path.join(dir, file), text);
  return dir;
}

async function buildWeb(book: string) {
  const out = path.join(work.dir, `${path.basename(book)}-out`);
  const result = await galley(['build', book, '--format', 'web', '--out', out, '--quiet']);
  expect(result.code, result.stderr).toBe(0);
  return path.join(out, 'web');
}

async function htmlFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await htmlFiles(path.join(dir, entry.name), relative)));
    // Every edition's 404.html is the host's not-found page, not a page of the book.
    else if (entry.name.endsWith('.html') && relative !== '404.html') out.push(relative);
  }
  return out.sort();
}

/** Follows a link as a browser would from `page` (its `<base>` included): the file it reaches and the id, if any. */
async function follow(site: string, page: string, href: string) {
  const tree = fromHtml(await readFile(path.join(site, page), 'utf8'));
  const base = selectAll('base', tree)[0]?.properties.href;
  const url = new URL(href, new URL(base ?? '.', `file:///site/${page}`));
  const file = decodeURIComponent(url.pathname.replace(/^\/site\//, ''));
  const target = await readFile(path.join(site, file), 'utf8').catch(() => undefined);
  const hash = decodeURIComponent(url.hash.slice(1));
  const found = target !== undefined && (!hash || selectAll(`[id="${hash}"]`, fromHtml(target)).length > 0);
  return { file, hash, found };
}

describe('page paths', () => {
  it('puts a HonKit book’s pages at HonKit’s paths, every link on them reaching its page and anchor', async () => {
    const site = await buildWeb(await copyBook('honkit-mini', 'honkit'));
    const pages = await htmlFiles(site);
    expect(pages).toEqual(['chapters/algorithms.html', 'index.html']);
    const chapter = fromHtml(await readFile(path.join(site, 'chapters/algorithms.html'), 'utf8'));
    expect(selectAll('base', chapter).map((b) => b.properties.href)).toEqual(['../']);
    const hrefs = selectAll('a[href], link[href]', chapter)
      .map((a) => String(a.properties.href))
      .filter((href) => !/^https?:/.test(href));
    expect(hrefs).toContain('chapters/algorithms.html#content');
    expect(hrefs.length).toBeGreaterThan(5);
    for (const href of hrefs)
      expect(await follow(site, 'chapters/algorithms.html', href), href).toMatchObject({ found: true });
    // The search index and the contents script link the same paths.
    expect(await readFile(path.join(site, 'js/search-index.js'), 'utf8')).toContain('chapters/algorithms.html');
  }, 120_000);

  it('keeps Galley’s flat names with output.web.paths: galley', async () => {
    const book = await copyBook('honkit-mini', 'honkit-flat', {
      'book.yaml': 'title: Mini HonKit\noutput:\n  web:\n    paths: galley\n',
    });
    expect(await htmlFiles(await buildWeb(book))).toEqual(['chapters-algorithms.html', 'index.html', 'readme.html']);
  }, 120_000);
});

describe('redirects', () => {
  it('writes mdBook’s [output.html.redirect] pages, each leading to its page and anchor', async () => {
    const site = await buildWeb(await copyBook('mdbook-backend', 'mdbook'));
    const redirects = { 'old/start.html': 'start.html', 'guide/old-usage.html': 'usage.html' };
    for (const [from, to] of Object.entries(redirects)) {
      const tree = fromHtml(await readFile(path.join(site, from), 'utf8'));
      const refresh = String(selectAll('meta[http-equiv="refresh"]', tree)[0]?.properties.content);
      const url = /^0; url=(.+)$/.exec(refresh)![1]!;
      expect(selectAll('link[rel="canonical"]', tree)[0]?.properties.href).toBe(url);
      expect(await follow(site, from, url)).toMatchObject({ file: to, found: true });
    }
    expect((await follow(site, 'guide/old-usage.html', '../usage.html#options')).hash).toBe('options');
  }, 120_000);

  it('writes book.yaml redirects too, and galley check reports one that leads nowhere at its line', async () => {
    const book = await copyBook('honkit-mini', 'honkit-redirects', {
      'book.yaml': [
        'title: Mini HonKit',
        'redirects:',
        '  old/algo.html: /chapters/algorithms.html',
        '  intro.html: index.html',
        '  gone.html: chapters/nowhere.html',
        '',
      ].join('\n'),
    });
    const site = await buildWeb(book);
    expect(await follow(site, 'old/algo.html', '../chapters/algorithms.html')).toMatchObject({ found: true });
    const written = String(
      selectAll('meta[http-equiv="refresh"]', fromHtml(await readFile(path.join(site, 'old/algo.html'), 'utf8')))[0]
        ?.properties.content,
    );
    expect(written).toBe('0; url=../chapters/algorithms.html');
    const checked = await galley(['check', book, '--format', 'json']);
    const redirectErrors = (
      JSON.parse(checked.stdout) as { file: string; line: number; ruleId: string; message: string }[]
    ).filter((d) => d.ruleId === 'redirect');
    expect(redirectErrors).toEqual([
      expect.objectContaining({
        file: 'book.yaml',
        line: 5,
        message: expect.stringContaining('chapters/nowhere.html') as unknown,
      }),
    ]);
    expect(checked.code).toBe(1);
  }, 120_000);
});
