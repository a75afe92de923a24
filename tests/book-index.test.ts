import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../scripts/api/build.ts';
import { runEpubcheck } from '../scripts/checks/epubcheck.ts';
import { ROOT, chaptersOnThisThread, renderMarkdown, tempDir } from './helpers.ts';

const exec = promisify(execFile);
const BOOK = path.join(ROOT, 'tests', 'books', 'diagrams-index');

chaptersOnThisThread();

describe(':index[…] terms (Markdown level)', () => {
  it('leaves a marker per term and records term, sub-entry, see and see also', () => {
    const { html, file, messages } = renderMarkdown(
      'Gradient descent:index[gradient descent] and Adam:index[optimiser!Adam]\n' +
        'and momentum:index[optimiser]{sub="momentum" also="gradient descent"} and ascent:index[ascent]{see="gradient descent"}.\n',
    );
    expect(messages).toEqual([]);
    expect(html).not.toContain(':index[');
    expect(html.match(/<span id="idx-\d" class="index-term"><\/span>/g)).toHaveLength(4);
    expect(file.data.indexTerms).toEqual([
      { id: 'idx-1', term: 'gradient descent', line: 1, column: 17 },
      { id: 'idx-2', term: 'optimiser', sub: 'Adam', line: 1, column: 50 },
      { id: 'idx-3', term: 'optimiser', sub: 'momentum', also: 'gradient descent', line: 2, column: 13 },
      { id: 'idx-4', term: 'ascent', see: 'gradient descent', line: 2, column: 81 },
    ]);
  });

  it('takes only :index: other colons, directives of other names and code stay as written', () => {
    const source = 'Keep :smile:, a:b, 10:30, :note[aside]{x="1"}, ::index and `:index[code]`.\n';
    const { html, file } = renderMarkdown(source);
    expect(html).toContain('Keep :smile:, a:b, 10:30, :note[aside]{x="1"}, ::index and <code>:index[code]</code>.');
    expect(file.data.indexTerms).toBeUndefined();
  });

  it('reports an empty term or an unknown attribute at its line and column', () => {
    const { messages } = renderMarkdown('One.\n\nTwo :index[] and x:index[y]{bogus="1"}.\n');
    expect(messages).toEqual([
      '3:5 error Index term `:index[]` names no term [index-term]',
      '3:19 error Index term `:index[y]{bogus="1"}`: unknown attribute `bogus` [index-term]',
    ]);
  });
});

describe('the index of a built book', () => {
  let out: { dir: string; cleanup: () => Promise<void> };
  let errors: string[];
  beforeAll(async () => {
    out = await tempDir('galley-book-index-');
    process.env.SOURCE_DATE_EPOCH = '1767225600';
    const result = await build({
      manuscript: BOOK,
      out: out.dir,
      formats: ['html', 'epub', 'pdf', 'web'],
      quiet: true,
    });
    errors = result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.file}:${d.line} ${d.message}`);
  }, 180_000);
  afterAll(() => out.cleanup());

  it('builds without errors', () => {
    expect(errors).toEqual([]);
  });

  it('links every place in the ebook, sorted by the edition’s collation', async () => {
    const index = await readFile(path.join(out.dir, 'html', 'book-index.xhtml'), 'utf8');
    const headings = [...index.matchAll(/<li id="index-entry-\d+"><span class="index-heading">([^<]+)</g)].map(
      (m) => m[1],
    );
    expect(headings).toEqual([
      'gradient descent',
      'learning rate',
      'optimiser',
      'slope',
      'steepest descent',
      'zebra curves',
    ]);
    const links = [...index.matchAll(/href="([a-z-]+\.xhtml)#(idx-\d+)"/g)];
    expect(links.length).toBe(9);
    for (const [, file, id] of links) {
      expect(await readFile(path.join(out.dir, 'html', file!), 'utf8')).toContain(
        `<span id="${id}" class="index-term">`,
      );
    }
    expect(index).toMatch(
      /steepest descent<\/span><span class="index-locators"><\/span><span class="index-see"><em>see<\/em> <a href="#index-entry-1">/,
    );
    const fa = await readFile(path.join(out.dir, 'fa', 'html', 'namaye.xhtml'), 'utf8');
    const faHeadings = [...fa.matchAll(/<li id="index-entry-\d+"><span class="index-heading">([^<]+)</g)].map(
      (m) => m[1] ?? '',
    );
    expect(faHeadings).toEqual([...faHeadings].sort(new Intl.Collator('fa').compare));
    expect(faHeadings).toEqual(['آهنگ یادگیری', 'بهینه‌ساز', 'شیب', 'نزول گرادیان']);
  });

  it('links every place in the web edition too', async () => {
    const index = await readFile(path.join(out.dir, 'web', 'book-index.html'), 'utf8');
    const links = [...index.matchAll(/href="([a-z-]+\.html)#(idx-\d+)"/g)];
    expect(links.length).toBe(9);
    for (const [, file, id] of links)
      expect(await readFile(path.join(out.dir, 'web', file!), 'utf8')).toContain(`id="${id}"`);
  });

  it('passes EPUBCheck in both editions', async () => {
    for (const file of ['diagrams-and-index.epub', path.join('fa', 'fa.epub')]) {
      const result = await runEpubcheck(path.join(out.dir, file));
      const list = result.messages.filter((m) => m.severity !== 'info' && m.severity !== 'usage');
      expect(list.map((m) => `${file} ${m.severity} ${m.id} ${m.path}:${m.line} ${m.message}`)).toEqual([]);
    }
  }, 120_000);

  it('prints in the PDF only pages where the term is (pdftotext)', async () => {
    const pdf = (await exec('pdftotext', ['-enc', 'UTF-8', path.join(out.dir, 'diagrams-and-index.pdf'), '-'])).stdout;
    const pages = pdf.split('\f');
    // A page's folio is its last line; the index lists folios.
    const byFolio = new Map<string, string>();
    for (const page of pages) {
      const lines = page.split('\n').filter((l) => l.trim() !== '');
      if (lines.length > 0) byFolio.set(lines.at(-1)!.trim(), lines.slice(0, -1).join(' ').replace(/\s+/g, ' '));
    }
    const indexPage = pages.find((p) => /\bIndex\n/.test(p) && p.includes('zebra curves'))!;
    expect(indexPage).toBeDefined();
    const entries = [
      ...indexPage
        .slice(indexPage.indexOf('Index\n'))
        .matchAll(/^(?!Index)([\p{L} -]+?) ((?:\d+(?:–\d+)?(?:, )?)+)/gmu),
    ];
    const checked = new Map(entries.map((m) => [m[1]!.trim(), m[2]!]));
    expect([...checked.keys()].sort()).toEqual(
      ['Adam', 'gradient descent', 'learning rate', 'momentum', 'slope', 'zebra curves'].sort(),
    );
    for (const [term, list] of checked) {
      const folios = list.split(', ').flatMap((part) => {
        const [a, b] = part.split('–').map(Number);
        return Array.from({ length: (b ?? a!) - a! + 1 }, (_, i) => String(a! + i));
      });
      // Each page once: two places on one page print one number.
      expect(new Set(folios).size).toBe(folios.length);
      for (const folio of folios)
        expect(byFolio.get(folio)?.toLowerCase(), `${term} on page ${folio}`).toContain(term.toLowerCase());
    }
  });
});
