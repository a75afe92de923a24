import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import MiniSearch from 'minisearch';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber } from '@cantoo/pdf-lib';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { prepare } from '../scripts/api/build.ts';
import {
  normalizeTerm,
  QUERY_OPTIONS,
  SEARCH_OPTIONS,
  searchDocuments,
  snippet,
  type SearchDocument,
} from '../scripts/render/web/search-index.ts';
import { replaceArtifacts, MANIFEST_NAME } from '../scripts/render/artifact-manifest.ts';
import { formatDate, localDigits } from '../scripts/model/numerals.ts';
import { MAX_NAME_BYTES, nameBytes } from '../scripts/render/pdf/post/dest-names.ts';
import { config, renderMarkdown, ROOT, tempDir } from './helpers.ts';
import { sharedBuild } from './shared-builds.ts';

const exec = promisify(execFile);
const SAMPLE = path.join(ROOT, 'manuscript');

async function pageCount(file: string) {
  const { stdout } = await exec('pdfinfo', [file]);
  return Number(/Pages:\s+(\d+)/.exec(stdout)![1]);
}

/**
 * Each page's text, as `pdftotext -f N -l N -layout` gives it, from one run over the whole file: poppler ends every
 * page with a form feed. One process instead of one per page; the count is checked against pdfinfo's.
 */
async function pageTexts(file: string): Promise<string[]> {
  const [pages, { stdout }] = await Promise.all([
    pageCount(file),
    exec('pdftotext', ['-layout', file, '-'], { maxBuffer: 64 * 1024 * 1024 }),
  ]);
  const texts = stdout.split('\f').slice(0, -1);
  expect(texts.length, 'pages pdftotext gave').toBe(pages);
  return texts;
}

describe('question ids', () => {
  it('keep the letters of a formula, keep the old form as an alias, and never come from the number', () => {
    const { html, file } = renderMarkdown(
      '## S\n\n1. [E] Compute $$f(x)$$ in terms of $$\\sigma$$ and find its maximum.\n',
      { number: '7' },
    );
    const q = file.data.questions![0]!;
    expect(q.id).toBe('q-compute-f-x-in-terms-of-sigma-and');
    expect(q.aliases).toEqual(['q-compute--in-terms-of--and-find']);
    expect(html).toContain('id="q-compute--in-terms-of--and-find"');
    expect(q.id).not.toContain('7-1');
  });

  it('of a question with no words at all come from its content, not its number', () => {
    const a = renderMarkdown('1. [E] $$$$\n', { number: '3' }).file.data.questions![0]!;
    expect(a.id).toMatch(/^q-[0-9a-f]{10}$/);
  });
});

describe('numbers and dates Galley prints', () => {
  const fa = {
    ...config({ language: 'fa', calendar: 'persian' }),
    output: { ...config().output, pdf: { ...config().output.pdf, persian_digits: true } },
  };
  it('are Persian digits and a Persian-calendar date with persian_digits', () => {
    expect(localDigits('1.1.0', fa)).toBe('۱.۱.۰');
    expect(formatDate('2026-11-01', fa)).toBe('۱۰ آبان ۱۴۰۵');
    expect(formatDate('2026-11-01', { ...fa, calendar: 'gregory' })).toBe('۱ نوامبر ۲۰۲۶');
    expect(formatDate('2026-11-01', config())).toBe('November 1, 2026');
  });
});

describe('web search', () => {
  let docs: SearchDocument[];
  let engine: MiniSearch<SearchDocument>;
  beforeAll(async () => {
    // The pages are what is indexed, not how chapters are spread over threads (tests/cache.test.ts covers the worker
    // pool): processed on this thread, which spares the workers' start-up from the TypeScript sources. Only here: the
    // shared build started below inherits the environment.
    vi.stubEnv('GALLEY_WORKERS', '0');
    const { pages } = await prepare(SAMPLE).finally(() => vi.unstubAllEnvs());
    docs = searchDocuments(pages, (page) => page.outName.replace(/\.xhtml$/, '.html'));
    engine = new MiniSearch<SearchDocument>({
      fields: [...SEARCH_OPTIONS.fields],
      storeFields: [...SEARCH_OPTIONS.storeFields],
      processTerm: normalizeTerm,
    });
    engine.addAll(docs);
  });

  const first = (query: string) =>
    engine.search(query, { ...QUERY_OPTIONS, boost: { ...QUERY_OPTIONS.boost } })[0] as unknown as
      SearchDocument | undefined;

  it.each([
    ['bayes', /^part-2-math-foundations\.html#/],
    ['dropout', /^part-2-deep-learning\.html#q-what-does-dropout-do/],
    ['regularisation', /^part-2-ml-fundamentals\.html#regularisation$/],
    ['eigenvalues', /^part-2-math-foundations\.html#q-/],
    ['offer negotiation', /^part-1-preparing\.html#negotiating-compensation$/],
  ])('finds %s first where it is taught', (query, expected) => {
    expect(first(query)?.href).toMatch(expected);
  });

  it('leaves the generated questions index out', () => {
    const { pages } = { pages: docs };
    expect(pages.some((d) => d.href.startsWith('back-questions'))).toBe(false);
    expect(pages.some((d) => /…/.test(d.text) && d.title.startsWith('Question'))).toBe(false);
  });

  it('indexes math as its TeX', () => {
    expect(docs.some((d) => d.text.includes('\\frac{P(B'))).toBe(true);
  });

  it('cuts snippets at word boundaries', () => {
    const text =
      'Bagging trains many models on bootstrap samples and averages them, which lowers variance; an ensemble of shallow trees is the usual example of this idea in practice today.';
    for (const word of ['ensemble', 'variance', 'today']) {
      const cut = snippet(text, [word], 80).replace(/^… | …$/g, '');
      expect(text.startsWith(cut) || text.includes(` ${cut}`)).toBe(true);
      expect(text.endsWith(cut) || text.includes(`${cut} `)).toBe(true);
      expect(cut).toContain(word);
    }
  });
});

describe('printed and ebook editions', () => {
  /** Each edition's artifact of a format, from `galley build` of the sample book made once per run. */
  let artifact: (code: 'en' | 'fa', format: 'pdf' | 'epub') => { path: string };
  beforeAll(async () => {
    const shared = await sharedBuild('sample');
    artifact = (code, format) =>
      shared.editions.find((e) => e.code === code)!.artifacts.find((a) => a.format === format)!;
  }, 600_000);

  it('the PDF questions index shows math and true page numbers', async () => {
    const pdf = artifact('en', 'pdf');
    const texts = await pageTexts(pdf.path);
    const indexPages = texts
      .map((t, i) => [t, i] as const)
      .filter(([t]) => /^\s*(Questions by difficulty|Easy \(|Medium \(|Hard \()/m.test(t) && /\d+\.\d+\.\d+/.test(t));
    expect(indexPages.length).toBeGreaterThan(0);
    let checked = 0;
    // The folio a page prints (its last line), or the next page's less one on a chapter opening without one.
    const folio = (i: number): number | undefined => {
      const last = texts[i]!.trim().split('\n').at(-1)!.trim();
      if (/^\d+$/.test(last)) return Number(last);
      return i + 1 < texts.length ? (folio(i + 1) ?? 0) - 1 : undefined;
    };
    for (const [text] of indexPages) {
      // An entry runs from its number (first line) to the next; its page is the number in the slot at the line's end,
      // the rightmost number of the entry (a fraction's numerator or an exponent can print on a line of its own, further left).
      const entries = text
        .trimEnd()
        .replace(/\n[^\n]*$/, '')
        .split(/\n(?=\d+\.\d+\.\d+)/)
        .filter((e) => /^\d+\.\d+\.\d+/.test(e));
      for (const entry of entries) {
        const number = /^(\d+\.\d+\.\d+(?:\.\d+)?) /.exec(entry)![1];
        const ends = entry
          .split('\n')
          .map((line) => line.trimEnd())
          .map((line) => ({ end: [...line].length, page: /\s(\d+)$/.exec(line)?.[1] }));
        const right = Math.max(...ends.map((e) => e.end));
        const label = ends.filter((e) => e.page && e.end === right).at(-1)?.page;
        expect(label, `page number of index entry ${number}`).toBeDefined();
        const printed = texts.findIndex(
          (t, i) =>
            !indexPages.some(([, j]) => j === i) &&
            // The badge may stick to the question's first word: poppler's -layout orders a small inline badge by its
            // own baseline, and a line whose neighbour starts with a joined word's empty ActualText moves it.
            new RegExp(`(^|\\s)${number!.replace(/\./g, '\\.')}\\s+[EMH](\\s|[A-Z])`, 'm').test(t),
        );
        expect(printed, `question ${number}`).toBeGreaterThan(0);
        expect(folio(printed), `page of question ${number}`).toBe(Number(label));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
    // The formula in 3.4.1 prints as math, not as an ellipsis.
    expect(indexPages.map(([t]) => t).join('\n')).not.toContain('…');
  }, 240_000);

  it('the Farsi PDF has no synthetic italic, Persian folios and a Persian date', async () => {
    const pdf = artifact('fa', 'pdf');
    const { stdout: fonts } = await exec('pdffonts', [pdf.path]);
    expect(fonts).toMatch(/Vazirmatn/);
    expect(fonts).not.toMatch(/Vazirmatn\S*(Italic|Oblique)/i);
    const all = await pageTexts(pdf.path);
    const pages = all.length;
    // pdftotext reorders right-to-left runs: the date's parts, each whole, and no ISO date.
    expect(all.join('\n')).toMatch(/آبان/);
    expect(all.join('\n')).toMatch(/۱۴۰۵/);
    expect(all.join('\n')).not.toMatch(/2026-11-01|01-11-2026/);
    expect(all.join('\n')).not.toMatch(/\b(ii|iii|iv|vi|vii)\b/);
    // Every contents entry, sections under a chapter too (their ids are Persian), has its page number.
    const contents = all
      .find((t) => t.includes('فهرست مطالب'))!
      .replace(/[\u202a-\u202e\u200e\u200f]/g, '')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.includes('فهرست مطالب') && !/^[0-9۰-۹]+$/.test(l));
    expect(contents.length).toBeGreaterThan(4);
    for (const line of contents) expect(line, line).toMatch(/[۰-۹]/);
    // Folios: the last line of a body page is a Persian number, never a Latin one.
    const folios = all
      .map((t) =>
        t
          .replace(/[\u202a-\u202e\u200e\u200f]/g, '')
          .trim()
          .split('\n')
          .at(-1)!
          .trim(),
      )
      .filter((l) => /^[0-9۰-۹]+$/.test(l));
    expect(folios.length).toBeGreaterThan(3);
    expect(folios.every((f) => /^[۰-۹]+$/.test(f))).toBe(true);
    // The viewer's page box shows the same labels as the printed folios: Persian digits, never roman.
    const doc = await PDFDocument.load(await readFile(pdf.path), { updateMetadata: false });
    const nums = doc.catalog.lookup(PDFName.of('PageLabels'), PDFDict).lookup(PDFName.of('Nums'), PDFArray);
    const labels: string[] = [];
    for (let i = 0; i + 1 < nums.size(); i += 2) {
      const range = nums.lookup(i + 1, PDFDict);
      expect(range.get(PDFName.of('S')), 'label style').toBeUndefined();
      labels[(nums.lookup(i) as PDFNumber).asNumber()] = range.lookup(PDFName.of('P'), PDFHexString).decodeText();
    }
    expect(labels.length).toBe(pages);
    expect(labels.every((l) => /^[۰-۹]+$/.test(l))).toBe(true);
    all.forEach((text, i) => {
      const last = text
        .replace(/[\u202a-\u202e\u200e\u200f]/g, '')
        .trim()
        .split('\n')
        .at(-1)!
        .trim();
      if (/^[۰-۹]+$/.test(last)) expect(labels[i], `label of page ${i + 1}`).toBe(last);
    });
    // The Persian questions index: its counts in Persian digits, and every link of the book lands. Chromium names a
    // destination after its id percent-encoded, so a Persian question id passes the PDF's 127-byte name limit.
    const index = all.find((t) => t.includes('پرسش‌ها به ترتیب دشواری') && !t.includes('فهرست مطالب'));
    expect(index, 'the questions index page').toBeDefined();
    // pdftotext gives the parentheses in visual order, around bidi marks.
    expect(index!.replace(/[\u202a-\u202e\u200e\u200f]/g, '')).toMatch(/آسان [()]+[۰-۹]+/);
    const dests = doc.catalog.lookup(PDFName.of('Dests'), PDFDict);
    let links = 0;
    for (const page of doc.getPages()) {
      const annots = page.node.lookupMaybe(PDFName.of('Annots'), PDFArray);
      for (let i = 0; i < (annots?.size() ?? 0); i++) {
        const dest = annots!.lookup(i, PDFDict).get(PDFName.of('Dest'));
        if (!(dest instanceof PDFName)) continue;
        expect(nameBytes(dest), dest.asString()).toBeLessThanOrEqual(MAX_NAME_BYTES);
        expect(dests.get(dest), dest.asString()).toBeInstanceOf(PDFArray);
        links++;
      }
    }
    expect(links).toBeGreaterThan(20);
    for (const key of dests.keys()) expect(nameBytes(key), key.asString()).toBeLessThanOrEqual(MAX_NAME_BYTES);
    const { stderr } = await exec('pdftotext', [pdf.path, '/dev/null']);
    expect(stderr).toBe('');
  }, 240_000);

  it("each edition's EPUB opens on a title page, then a copyright page, both landmarks", async () => {
    for (const [code, title] of [
      ['en', 'Machine Learning Interviews, Compactly'],
      ['fa', 'مصاحبه‌های یادگیری ماشین، به اختصار'],
    ] as const) {
      const epub = artifact(code, 'epub');
      const zip = await JSZip.loadAsync(await readFile(epub.path));
      const opf = await zip.file('OEBPS/content.opf')!.async('string');
      const spine = [...opf.matchAll(/<itemref idref="([^"]+)"/g)].map((m) => m[1]);
      expect(spine.filter((id) => id !== 'cover').slice(0, 3)).toEqual(['titlepage', 'copyright-page', 'nav']);
      expect(spine.indexOf('cover')).toBeLessThanOrEqual(0);
      const nav = await zip.file('OEBPS/toc.xhtml')!.async('string');
      expect(nav).toMatch(/epub:type="titlepage" href="titlepage.xhtml"/);
      expect(nav).toMatch(/epub:type="copyright-page" href="copyright.xhtml"/);
      const titlePage = await zip.file('OEBPS/titlepage.xhtml')!.async('string');
      expect(titlePage).toContain(title);
      const copyright = await zip.file('OEBPS/copyright.xhtml')!.async('string');
      expect(copyright).toMatch(/CC BY-SA 4\.0/);
      expect(copyright).toMatch(/urn:uuid:/);
      expect(copyright).toMatch(/<bdi class="galley-version">(1\.1\.0|۱\.۱\.۰)<\/bdi>/);
    }
  }, 120_000);
});

describe('artifacts under an old slug', () => {
  it('are removed by the next build, and nothing else is', async () => {
    const { dir, cleanup } = await tempDir('galley-manifest-');
    try {
      await mkdir(dir, { recursive: true });
      for (const name of ['old.epub', 'old.pdf', 'mine.pdf', 'new.epub', 'new.pdf'])
        await writeFile(path.join(dir, name), name);
      await writeFile(
        path.join(dir, MANIFEST_NAME),
        JSON.stringify({ files: ['old.epub', 'old.pdf', '../escape.pdf'] }),
      );
      const removed = await replaceArtifacts(dir, [path.join(dir, 'new.epub'), path.join(dir, 'new.pdf')]);
      expect(removed.sort()).toEqual(['old.epub', 'old.pdf']);
      expect((await readdir(dir)).sort()).toEqual([MANIFEST_NAME, 'mine.pdf', 'new.epub', 'new.pdf']);
      expect((JSON.parse(await readFile(path.join(dir, MANIFEST_NAME), 'utf8')) as { files: string[] }).files).toEqual([
        'new.epub',
        'new.pdf',
      ]);
    } finally {
      await cleanup();
    }
  });
});
