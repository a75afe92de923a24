/**
 * Paged.js on the same composed print document, in the same Chromium, for
 * figure 3 of the benchmark: its polyfill paginates in the page (TOC page
 * numbers through `target-counter()`), then Chromium prints what it laid out.
 * Paged.js needs JavaScript, so this tab is not the renderer's sandbox; it
 * still answers only from memory and aborts every other request.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { HTTPRequest } from 'puppeteer-core';
import type { LoadedBook } from '../../scripts/model/book/load.ts';
import { sharedFiles } from '../../scripts/render/assets.ts';
import { BOOK_ORIGIN, type GalleyBrowser, type ServedFile } from '../../scripts/render/browser.ts';
import type { Page } from '../../scripts/model/pages.ts';
import { composeBook, composeHtml, EMPTY_LAYOUT } from '../../scripts/render/pdf/compose.ts';
import { buildDate } from '../../scripts/util/build-date.ts';

const require = createRequire(import.meta.url);
/** The stylesheets the PDF renderer links (scripts/render/pdf.ts). */
const STYLESHEETS = ['css/fonts.css', 'css/book.css', 'css/print.css', 'css/pages.css'];
/** What Chromium cannot do natively and Paged.js is there for: page numbers in the TOC. */
const PAGED_CSS = 'a.toc-entry::after { content: target-counter(attr(href), page); }\n';

/** The polyfill bundle; the package's `exports` do not name the file, so it is found from the package's entry. */
export function pagedPolyfill(): string | undefined {
  try {
    const entry = require.resolve('pagedjs');
    return path.join(
      entry.slice(0, entry.lastIndexOf(`${path.sep}pagedjs${path.sep}`) + '/pagedjs/'.length),
      'dist',
      'paged.polyfill.js',
    );
  } catch {
    return undefined;
  }
}

export async function runPagedJs(
  book: LoadedBook,
  pages: Page[],
  galley: GalleyBrowser,
): Promise<{ seconds: number; pages: number; bytes: number }> {
  const started = performance.now();
  const composition = composeBook(book, pages, { date: buildDate(book.root) });
  const files = new Map<string, ServedFile>();
  for (const file of await sharedFiles(book, ['pdf/print.css']))
    files.set(file.path, { mediaType: file.mediaType, data: file.data });
  files.set('css/pages.css', { mediaType: 'text/css', data: composition.pageCss });
  files.set('css/paged.css', { mediaType: 'text/css', data: PAGED_CSS });
  files.set('paged.polyfill.js', {
    mediaType: 'text/javascript',
    data: await readFile(pagedPolyfill() ?? 'pagedjs is not installed'),
  });
  const html = composeHtml(composition, EMPTY_LAYOUT, [...STYLESHEETS, 'css/paged.css']).replace(
    '</head>',
    '<script>window.PagedConfig = { auto: true, after: (flow) => { window.__galleyPaged = { pages: flow.total }; } };</script><script src="paged.polyfill.js"></script></head>',
  );
  files.set('book.html', { mediaType: 'text/html; charset=utf-8', data: html });

  const page = await galley.newPage();
  try {
    await page.setRequestInterception(true);
    page.on('request', (request: HTTPRequest) => {
      const url = request.url();
      const served = url.startsWith(`${BOOK_ORIGIN}/`)
        ? files.get(decodeURIComponent(new URL(url).pathname.slice(1)))
        : undefined;
      if (served) void request.respond({ status: 200, contentType: served.mediaType, body: served.data });
      else if (url.startsWith('data:') || url.startsWith('blob:')) void request.continue();
      else void request.abort('blockedbyclient');
    });
    await page.goto(`${BOOK_ORIGIN}/book.html`, { waitUntil: 'load', timeout: 600_000 });
    // Polled with short evaluations: one waitForFunction over Paged.js's minutes of layout outlasts the browser's
    // protocol timeout (180 s), and the figure was lost as "Waiting failed".
    const deadline = performance.now() + 600_000;
    while (!(await page.evaluate('window.__galleyPaged !== undefined'))) {
      if (performance.now() > deadline) throw new Error('Paged.js did not finish in 10 minutes');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const counted = (await page.evaluate('window.__galleyPaged.pages')) as number;
    // Tagged, with an outline, as Galley's own final print is: the same kind of file.
    const bytes = await page.pdf({
      preferCSSPageSize: true,
      printBackground: true,
      tagged: true,
      outline: true,
      timeout: 0,
    });
    return { seconds: (performance.now() - started) / 1000, pages: counted, bytes: bytes.length };
  } finally {
    await page.close().catch(() => undefined);
  }
}
