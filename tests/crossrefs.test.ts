import { execFileSync } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, renderMarkdown as render, runGalleyInProcess, tempDir } from './helpers.ts';
import { runEpubcheck } from '../scripts/checks/epubcheck.ts';
import { runAce } from '../scripts/checks/ace.ts';

/** The chapter's XHTML without the namespace each top-level element carries. */
const renderMarkdown = (markdown: string) => {
  const result = render(markdown);
  return { ...result, html: result.html.replaceAll(' xmlns="http://www.w3.org/1999/xhtml"', '') };
};
const BOOK = path.join(ROOT, 'tests/books/crossrefs');

/**
 * `galley <args>` through the CLI's own `main()` in this process (its exit code, stdout and stderr), chapters on
 * this thread: the numbering is under test, not the process or the worker pool. The six builds cost about 5
 * CPU-seconds more as spawned processes (decision 0025, round six).
 */
function galley(args: string[], cacheDir: string) {
  return runGalleyInProcess(args, ROOT, { CI: '1', GALLEY_CACHE_DIR: cacheDir, GALLEY_WORKERS: '0' });
}

/** Every cross-reference link of a page: its href and its text (tags dropped, spaces made plain). */
function references(markup: string): [string, string][] {
  return [...markup.matchAll(/<a href="([^"]*)" class="xref[^"]*">(.*?)<\/a>/g)].map((m) => [
    m[1]!,
    m[2]!.replace(/<[^>]+>/g, '').replaceAll('\u00a0', ' '),
  ]);
}

describe('cross-references in one chapter (no browser)', () => {
  it('labels figures, tables, equations and listings, and links every reference form', () => {
    const { html, messages } = renderMarkdown(
      [
        'See @fig-a, [Figure @fig-a], [-@fig-a] and [@fig-a; @tbl-b].',
        '',
        '![A](a.png){#fig-a}',
        '',
        '$$',
        'x = 1',
        '$$ {#eq-one}',
        '',
        'After the equation.',
        '',
        '| a |',
        '|---|',
        '| 1 |',
        '',
        ': Caption {#tbl-b}',
      ].join('\n'),
    );
    expect(messages).toEqual([]);
    expect(html).toContain('<figure class="figure" id="fig-a">');
    expect(html).toContain('<div class="equation" id="eq-one">');
    // The label closes the math: the paragraph after it is text, not TeX.
    expect(html).toContain('<p>After the equation.</p>');
    expect(html).toContain('<figure class="table-figure" id="tbl-b"><figcaption>Caption</figcaption><table>');
    expect(html).toContain('<a href="#fig-a" class="xref">@fig-a</a>');
    expect(html).toContain('<a href="#fig-a" class="xref xref-custom">Figure\u00a0</a>');
    expect(html).toContain('<a href="#fig-a" class="xref xref-bare"></a>');
    expect(html).toContain('<a href="#fig-a" class="xref">@fig-a</a> and <a href="#tbl-b" class="xref">@tbl-b</a>');
  });

  it('a label used twice in a chapter is an error at the second', () => {
    const { messages } = renderMarkdown('![A](a.png){#fig-a}\n\ntext\n\n![B](b.png){#fig-a}\n');
    expect(messages).toContain('5:1 error The label `fig-a` is used twice [crossref]');
  });

  it('a bracketed citation with no bibliography is an error; a bare @word a warning', () => {
    const { messages, html } = renderMarkdown('As shown [@smith2020].\n\nWrite to @someone today.\n');
    expect(messages).toEqual([
      '1:10 error Citation `@smith2020` but the book has no bibliography (.bib or CSL-JSON) [citation]',
      '3:10 warning `@someone` is neither a cross-reference label nor a citation key: left as text [citation]',
    ]);
    expect(html).toContain('Write to @someone today.');
  });
});

describe('the crossrefs fixture book in every format', () => {
  let out: { dir: string; cleanup: () => Promise<void> };
  let cache: { dir: string; cleanup: () => Promise<void> };
  let en: Awaited<ReturnType<typeof galley>>;
  let fa: Awaited<ReturnType<typeof galley>>;
  beforeAll(async () => {
    out = await tempDir('galley-crossrefs-');
    cache = await tempDir('galley-crossrefs-cache-');
    // Every format of the English edition; the Farsi one only in what is read of it below (HTML and EPUB): its PDF
    // and web edition would cost a Chromium print and a site that nothing here looks at.
    const edition = (code: string, formats: string) =>
      galley(['build', BOOK, '--out', out.dir, '--edition', code, '--format', formats], cache.dir);
    en = await edition('en', 'html,epub,pdf,web');
    fa = await edition('fa', 'html,epub');
  }, 240_000);
  afterAll(async () => {
    await out.cleanup();
    await cache.cleanup();
  });

  const expected: [string, string][] = [
    ['chapters-measuring.xhtml#fig-pipeline', 'Figure 1.1'],
    ['chapters-measuring.xhtml#tbl-times', 'Table 1.1'],
    ['chapters-measuring.xhtml#sec-method', 'Section 1.1'],
    ['chapters-measuring.xhtml#eq-cost', 'Equation (1.1)'],
  ];

  it('builds, warning only about the stray @handle', () => {
    expect([en.code, fa.code]).toEqual([0, 0]);
    expect(en.stderr).toContain(
      'chapters/reporting.md:6:18 warning `@nobody` is neither a cross-reference label nor a citation key',
    );
    expect(en.stderr + fa.stderr).not.toMatch(/ error /);
  });

  it('HTML: every reference a link with its number, captions numbered, the works cited listed and sorted', async () => {
    const one = await readFile(path.join(out.dir, 'html/chapters-measuring.xhtml'), 'utf8');
    const two = await readFile(path.join(out.dir, 'html/chapters-reporting.xhtml'), 'utf8');
    expect(references(one)).toEqual([
      ['#fig-pipeline', 'Figure 1.1'],
      ['#eq-cost', 'Equation (1.1)'],
      ['#tbl-times', 'Table 1.1'],
      ['#lst-timer', 'Listing 1.1'],
      ['#fig-pipeline', '1.1'],
    ]);
    expect(references(two)).toEqual(expected);
    expect(one).toContain('Figure\u00a01.1: </span>The stages of a build');
    expect(one).toContain('Table\u00a01.1: </span>Build times on a small book');
    expect(one).toContain('<span class="equation-number galley-number">(1.1)</span>');
    expect(one).toMatch(/\(see <a href="chapters-reporting.xhtml#ref-knuth1984"[^>]*>Knuth 1984<\/a>, p\. 33\)/);
    expect(two).toMatch(/Knuth \(<a href="#ref-knuth1984"[^>]*>1984<\/a>\)/);
    // Exactly the works cited (not `unused2000`), by author.
    const listed = [...two.matchAll(/<li id="ref-([^"]+)">/g)].map((m) => m[1]);
    expect(listed).toEqual(['bringhurst1992', 'knuth1984', 'lamport1994']);
  });

  it('EPUB: the same links, and EPUBCheck reports no error in either edition', async () => {
    const epub = path.join(out.dir, 'crossrefs.epub');
    const two = execFileSync('unzip', ['-p', epub, 'OEBPS/chapters-reporting.xhtml'], { encoding: 'utf8' });
    expect(references(two)).toEqual(expected);
    const reports = await Promise.all([epub, path.join(out.dir, 'fa/crossrefs-fa.epub')].map((f) => runEpubcheck(f)));
    for (const report of reports) {
      const problems = report.messages.filter((m) => m.severity === 'error' || m.severity === 'fatal');
      expect(problems).toEqual([]);
    }
  }, 120_000);

  // Issue 27 item 7 (from page-list.test.ts, which built the fixture again for it): Ace on both editions' EPUBs.
  it.each(['crossrefs.epub', 'fa/crossrefs-fa.epub'])(
    '%s has no serious or critical finding in Ace',
    async (file) => {
      const ace = await runAce(path.join(out.dir, file));
      const worst = [...ace.violations.critical, ...ace.violations.serious];
      expect(worst.map((v) => `${v.impact} ${v.rule} ${v.document} ${v.pointers.join(' ')}`)).toEqual([]);
    },
    120_000,
  );

  it('Farsi: Persian names and digits', async () => {
    const fa = await readFile(path.join(out.dir, 'fa/html/measuring.xhtml'), 'utf8');
    expect(references(fa)).toEqual([
      ['#fig-stages', 'شکل ۱.۱'],
      ['#eq-sum', 'معادله (۱.۱)'],
      ['#tbl-stage', 'جدول ۱.۱'],
    ]);
  });

  it('web: the references are links', async () => {
    const page = await readFile(path.join(out.dir, 'web/chapters-reporting.html'), 'utf8').catch(() => '');
    expect(page).toMatch(/<a href="chapters-measuring\.html#fig-pipeline" class="xref">Figure/);
  });

  it('PDF: each reference prints its number and the true page of its target', () => {
    const pdf = path.join(out.dir, 'crossrefs.pdf');
    const pages = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }).split('\f');
    // The folio each page prints (its last number line), and where each caption is.
    const folio = (text: string) => /(\d+)\s*$/.exec(text.trim())?.[1];
    const pageOf = (needle: string) => folio(pages.find((p) => p.includes(needle)) ?? '');
    const text = pages.join('\n').replace(/\s+/g, ' ');
    const figurePage = pageOf('Figure 1.1: The stages');
    const tablePage = pageOf('Table 1.1: Build times');
    expect(figurePage).toBeDefined();
    expect(text).toContain(`The numbers of Figure 1.1, p. ${figurePage} and Table 1.1, p. ${tablePage}`);
    expect(text).toContain(`Equation (1.1), p. ${pageOf('parse +')}`);
    // The reporting chapter is on another page than the one it refers to.
    expect(pageOf('The numbers of Figure')).not.toBe(figurePage);
  });
});

describe('mistakes and edits', () => {
  let book: { dir: string; cleanup: () => Promise<void> };
  let cache: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    book = await tempDir('galley-crossrefs-edit-');
    cache = await tempDir('galley-crossrefs-edit-cache-');
  });
  afterAll(async () => {
    await book.cleanup();
    await cache.cleanup();
  });

  it('a wrong label and a missing citation key fail at their line and column', async () => {
    const dir = path.join(book.dir, 'wrong');
    await cp(BOOK, dir, { recursive: true });
    const file = path.join(dir, 'chapters/reporting.md');
    await writeFile(
      file,
      (await readFile(file, 'utf8')) +
        '\nSee @fig-pipelin and [@nosuchwork, p. 4].\n\n![Again](../images/pipeline.svg){#fig-pipeline}\n',
    );
    const result = await galley(
      ['build', dir, '--out', path.join(book.dir, 'wrong-out'), '--format', 'html'],
      cache.dir,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'chapters/reporting.md:8:5 error Unknown cross-reference label `@fig-pipelin`. Did you mean `@fig-pipeline`? [crossref]',
    );
    expect(result.stderr).toContain(
      'chapters/reporting.md:8:22 error Citation `@nosuchwork` is not in the bibliography [citation]',
    );
    // A label another chapter already has.
    expect(result.stderr).toContain(
      'chapters/reporting.md:10:1 error The label `fig-pipeline` is used twice: first in chapters/measuring.md [crossref]',
    );
  }, 60_000);

  it('an edit that renumbers a figure renumbers the other chapter, through the caches', async () => {
    const dir = path.join(book.dir, 'renumber');
    const outDir = path.join(book.dir, 'renumber-out');
    await cp(BOOK, dir, { recursive: true });
    const build = () => galley(['build', dir, '--out', outDir, '--format', 'html,epub', '--edition', 'en'], cache.dir);
    expect((await build()).code).toBe(0);
    const file = path.join(dir, 'chapters/measuring.md');
    const source = await readFile(file, 'utf8');
    await writeFile(
      file,
      source.replace('![The stages', '![First](../images/pipeline.svg){#fig-first}\n\n![The stages'),
    );
    expect((await build()).code).toBe(0);
    const two = await readFile(path.join(outDir, 'html/chapters-reporting.xhtml'), 'utf8');
    expect(references(two)[0]).toEqual(['chapters-measuring.xhtml#fig-pipeline', 'Figure 1.2']);
    const epub = execFileSync('unzip', ['-p', path.join(outDir, 'crossrefs.epub'), 'OEBPS/chapters-reporting.xhtml'], {
      encoding: 'utf8',
    });
    expect(references(epub)[0]).toEqual(['chapters-measuring.xhtml#fig-pipeline', 'Figure 1.2']);
  }, 120_000);

  it('numeric style from CSL-JSON: numbers by first citation, the list in that order', async () => {
    const dir = path.join(book.dir, 'numeric');
    await cp(BOOK, dir, { recursive: true });
    const yaml = path.join(dir, 'book.yaml');
    await writeFile(
      yaml,
      (await readFile(yaml, 'utf8')).replace('style: author-date', 'style: numeric\n  file: refs.json'),
    );
    const people = (family: string, given: string) => [{ family, given }];
    await writeFile(
      path.join(dir, 'refs.json'),
      JSON.stringify([
        {
          id: 'bringhurst1992',
          title: 'Elements',
          author: people('Bringhurst', 'R.'),
          issued: { 'date-parts': [[1992]] },
        },
        { id: 'knuth1984', title: 'The TeXbook', author: people('Knuth', 'D.'), issued: { 'date-parts': [[1984]] } },
        { id: 'lamport1994', title: 'Formulas', author: people('Lamport', 'L.'), issued: { 'date-parts': [[1994]] } },
      ]),
    );
    const outDir = path.join(book.dir, 'numeric-out');
    const result = await galley(['build', dir, '--out', outDir, '--format', 'html', '--edition', 'en'], cache.dir);
    expect(result.code).toBe(0);
    const one = await readFile(path.join(outDir, 'html/chapters-measuring.xhtml'), 'utf8');
    const cited = [...one.matchAll(/#ref-([a-z0-9]+)"[^>]*><span class="galley-number">(\d+)</g)].map(
      (m) => `${m[1]}=${m[2]}`,
    );
    expect(cited).toEqual(['knuth1984=1', 'lamport1994=2', 'bringhurst1992=3']);
    expect(one).toMatch(/\[see <a[^>]*><span class="galley-number">1<\/span><\/a>, p\. 33\]/);
    const two = await readFile(path.join(outDir, 'html/chapters-reporting.xhtml'), 'utf8');
    expect([...two.matchAll(/<li id="ref-([^"]+)">/g)].map((m) => m[1])).toEqual([
      'knuth1984',
      'lamport1994',
      'bringhurst1992',
    ]);
  }, 60_000);
});
