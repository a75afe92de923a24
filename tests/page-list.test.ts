/**
 * Issue 27 item 5: the EPUB made with the PDF in one run carries a page-break
 * marker where each printed page starts and a page-list of them; the labels
 * are the PDF's folios and the text after each marker is the text that starts
 * that page in `pdftotext`. (Ace on the cross-references fixture, item 7, is
 * in crossrefs.test.ts, on the EPUBs that file builds.)
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runGalleyInProcess, tempDir } from './helpers.ts';
import { runEpubcheck } from '../scripts/checks/epubcheck.ts';
import { runAce } from '../scripts/checks/ace.ts';

const run = promisify(execFile);
const BOOK = path.join(ROOT, 'tests/books/page-list');
const EDITIONS = [
  { code: 'en', epub: 'page-list.epub', pdf: 'page-list.pdf', source: 'urn:isbn:9780306406157' },
  { code: 'fa', epub: 'fa/page-list-fa.epub', pdf: 'fa/page-list-fa.pdf', source: 'فهرست صفحه‌ها (نسخهٔ چاپی)' },
];

let work: Awaited<ReturnType<typeof tempDir>>;

/**
 * `galley <args>` through the CLI's own `main()` in this process, chapters on this thread: the page-list is under
 * test, not the process or the worker pool (a spawned build costs a Node start and its module loading). Throws on a
 * failed build with what it printed.
 */
async function galley(args: string[]) {
  const result = await runGalleyInProcess(args, ROOT, {
    CI: '1',
    SOURCE_DATE_EPOCH: '1765000000',
    GALLEY_CACHE_DIR: path.join(work.dir, 'cache'),
    GALLEY_WORKERS: '0',
  });
  if (result.code !== 0) throw new Error(`galley ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
}

/** Lines of each PDF page, bidi controls and soft hyphens left out. */
async function pdfPages(file: string): Promise<string[][]> {
  const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', file, '-'], { maxBuffer: 64 * 1024 * 1024 });
  const pages = stdout.split('\f').map((page) =>
    page
      .split('\n')
      .map((line) => line.replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069\u00ad]/gu, '').trim())
      .filter(Boolean),
  );
  if (pages.at(-1)?.length === 0) pages.pop();
  return pages;
}

/** Words for comparing: no combining marks (pdftotext moves them), no case, no punctuation. */
const words = (text: string) =>
  text
    .normalize('NFC')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[\s.,;:!?()]+/u)
    .filter(Boolean);

const FOLIO = /^([0-9]+|[ivxlc]+|[۰-۹]+)$/u;

interface Entry {
  label: string;
  file: string;
  id: string;
}

async function readEpub(file: string) {
  const zip = await JSZip.loadAsync(await readFile(file));
  const text = (name: string) => zip.file(`OEBPS/${name}`)!.async('string');
  const nav = await text('toc.xhtml');
  const list = /<nav epub:type="page-list"[^>]*>([\s\S]*?)<\/nav>/.exec(nav)?.[1] ?? '';
  const entries: Entry[] = [...list.matchAll(/<a href="([^"#]+)#([^"]+)">([^<]+)<\/a>/g)].map((m) => ({
    file: m[1]!,
    id: m[2]!,
    label: m[3]!,
  }));
  return { zip, text, nav, entries, opf: await text('content.opf') };
}

/** The text that follows the marker in its document, tags left out. */
function textAfter(xhtml: string, id: string): string {
  const at = xhtml.indexOf(`id="${id}"`);
  if (at < 0) return '';
  const after = xhtml.slice(xhtml.indexOf('>', at) + 1);
  return after
    .replace(/<\/(p|li|h\d|div|section|figure|figcaption|pre|blockquote)>/g, ' ')
    .replace(/<[^>]+>/g, '')
    .replace(/&[a-z]+;/g, ' ');
}

beforeAll(async () => {
  work = await tempDir('galley-page-list-');
  // One after the other: an in-process run changes the working folder and the environment while it lasts.
  await galley(['build', BOOK, '--format', 'epub,pdf', '--out', path.join(work.dir, 'both')]);
  await galley(['build', BOOK, '--format', 'epub', '--edition', 'en', '--out', path.join(work.dir, 'epub-only')]);
}, 240_000);

afterAll(async () => {
  await work?.cleanup();
});

describe.each(EDITIONS)('the $code edition built to EPUB and PDF', (edition) => {
  let epub: Awaited<ReturnType<typeof readEpub>>;
  let pages: string[][];
  beforeAll(async () => {
    epub = await readEpub(path.join(work.dir, 'both', edition.epub));
    pages = await pdfPages(path.join(work.dir, 'both', edition.pdf));
  });

  it('lists one entry per printed page from the first chapter on, labelled with the folio', () => {
    // The first entry is the first page whose content the EPUB holds; the print's own front pages come before it.
    const start = pages.length - epub.entries.length;
    expect(epub.entries.length).toBeGreaterThan(4);
    expect(start).toBeGreaterThan(3);
    let folios = 0;
    epub.entries.forEach((entry, i) => {
      const lines = pages[start + i]!;
      // A blank verso and a part's title page print no folio; every other page ends with its folio.
      if (lines.length === 0 || !FOLIO.test(lines.at(-1)!)) return;
      expect(entry.label, `page ${start + i + 1}`).toBe(lines.at(-1));
      folios++;
    });
    expect(folios).toBeGreaterThanOrEqual(4);
    // Every page before the list is a front page of the print alone (half-title, title, copyright, contents).
    expect(
      pages.slice(0, start).some((lines) => lines.some((l) => l.includes('Chapter 1') || l.includes('فصل ۱'))),
    ).toBe(false);
  });

  it('puts each marker before the text that starts its page in the PDF', async () => {
    let compared = 0;
    const start = pages.length - epub.entries.length;
    for (const [i, entry] of epub.entries.entries()) {
      const lines = pages[start + i]!;
      if (lines.length === 0) continue;
      const after = words(textAfter(await epub.text(entry.file), entry.id)).slice(0, 3);
      // The page's words without the folio; the running head, when there is one, is the first line.
      const body = FOLIO.test(lines.at(-1)!) ? lines.slice(0, -1) : lines;
      const candidates = [words(body.join(' ')), words(body.slice(1).join(' '))];
      // A page may begin with the end of a word hyphenated on the page before: the marker comes after it.
      // A page with fewer words (a part's title page) is compared as far as it goes.
      const same = (pdf: string[]) =>
        pdf.length > 0 && pdf.slice(0, 3).join(' ') === after.slice(0, pdf.length).join(' ');
      const matches = candidates.some((pdf) => same(pdf) || same(pdf.slice(1)));
      expect(matches, `${entry.label}: EPUB "${after.join(' ')}" vs PDF "${body.slice(0, 2).join(' / ')}"`).toBe(true);
      compared++;
    }
    expect(compared).toBeGreaterThan(4);
  });

  it('marks pages with doc-pagebreak spans and names the print edition', async () => {
    const entry = epub.entries[1]!;
    const xhtml = await epub.text(entry.file);
    expect(xhtml).toContain(
      `<span epub:type="pagebreak" role="doc-pagebreak" id="${entry.id}" aria-label="${entry.label}"></span>`,
    );
    expect(epub.nav).toMatch(/<nav epub:type="page-list" role="doc-pagelist" id="page-list" hidden="">/);
    expect(epub.opf).toContain(`<dc:source id="page-source">${edition.source}</dc:source>`);
    expect(epub.opf).toContain('<meta refines="#page-source" property="source-of">pagination</meta>');
    for (const feature of ['pageBreakMarkers', 'printPageNumbers', 'pageNavigation'])
      expect(epub.opf).toContain(`<meta property="schema:accessibilityFeature">${feature}</meta>`);
  });

  it('passes EPUBCheck with no error or warning', async () => {
    const result = await runEpubcheck(path.join(work.dir, 'both', edition.epub));
    const list = result.messages.filter((m) => m.severity !== 'info' && m.severity !== 'usage');
    expect(list.map((m) => `${m.severity} ${m.id} ${m.path}:${m.line} ${m.message}`)).toEqual([]);
  }, 60_000);

  it('has no serious or critical finding in Ace', async () => {
    const ace = await runAce(path.join(work.dir, 'both', edition.epub));
    const worst = [...ace.violations.critical, ...ace.violations.serious];
    expect(worst.map((v) => `${v.impact} ${v.rule} ${v.document} ${v.pointers.join(' ')}`)).toEqual([]);
    expect(ace.metadata.passed).toBe(true);
  }, 120_000);
});

describe('an EPUB built without the PDF', () => {
  it('has no page-list, no markers and no page source', async () => {
    const epub = await readEpub(path.join(work.dir, 'epub-only', 'page-list.epub'));
    expect(epub.nav).not.toContain('page-list');
    expect(epub.opf).not.toContain('dc:source');
    expect(epub.opf).not.toContain('printPageNumbers');
    expect(await epub.text('rivers.xhtml')).not.toContain('pagebreak');
  });
});
