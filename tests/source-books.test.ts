import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, prepare, type BuildResult } from '../scripts/api/build.ts';
import { composeBook } from '../scripts/render/pdf/compose.ts';
import { check } from '../scripts/api/check.ts';
import { runEpubcheck } from '../scripts/checks/epubcheck.ts';
import { authorNumber, sameTitle } from '../scripts/model/book/numbering.ts';
import { fenceInfo } from '../scripts/markdown/plugins/remark-mdbook.ts';
import { EPUB_ROOT } from '../scripts/render/epub/epub.ts';
import { ROOT, chaptersOnThisThread, tempDir, tempDirWithCache } from './helpers.ts';
import { sharedBrowser } from './light-helpers.ts';

/**
 * Books as their authors wrote them for HonKit and mdBook, built unedited:
 * one file per section with the author's own numbers, a bare translation
 * folder, and mdBook sub-chapters with fence attributes.
 */
const exec = promisify(execFile);
const BOOKS = path.join(ROOT, 'tests/books');

// A chapter cache of this file's own, fresh each run: the first build of a book is a clean one, and the books built
// again (a copy with another setting, the check, the rules below) reuse its chapters instead of processing them again.
tempDirWithCache();
chaptersOnThisThread();

let out: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  out = await tempDir('galley-source-books-');
});
afterAll(() => out.cleanup());

const artifact = (result: BuildResult, format: string) =>
  result.editions[0]!.artifacts.find((a) => a.format === format)!.path;
const page = (result: BuildResult, name: string) => readFile(path.join(artifact(result, 'html'), name), 'utf8');
/** Every heading's text on a page. */
const headings = (html: string) =>
  [...html.matchAll(/<h([1-6])[^>]*>([\s\S]*?)<\/h\1>/g)].map((m) => m[2]!.replace(/<[^>]+>/g, '').trim());

async function opfMetadata(epub: string) {
  const zip = await JSZip.loadAsync(await readFile(epub));
  const opf = await zip.file(`${EPUB_ROOT}/content.opf`)!.async('string');
  const { metadata } = (
    new XMLParser({ ignoreAttributes: false }).parse(opf) as { package: { metadata: Record<string, unknown> } }
  ).package;
  const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
  const text = (value: unknown) =>
    typeof value === 'object' && value !== null ? String((value as Record<string, unknown>)['#text']) : String(value);
  return {
    titles: list(metadata['dc:title']).map(text),
    creators: list(metadata['dc:creator']).map(text),
    documents: Object.keys(zip.files).filter((f) => f.endsWith('.xhtml')),
  };
}

/** Each PDF's pages, read once per file: several tests read the same PDF (two poppler runs a read). */
const readPages = new Map<string, Promise<string[]>>();

async function pdfPages(file: string): Promise<string[]> {
  let read = readPages.get(file);
  if (!read) {
    read = (async () => {
      const { stdout: info } = await exec('pdfinfo', [file]);
      const count = Number(/Pages:\s+(\d+)/.exec(info)![1]);
      const { stdout } = await exec('pdftotext', ['-layout', file, '-'], { maxBuffer: 64 * 1024 * 1024 });
      const pages = stdout.split('\f').slice(0, count);
      expect(pages.length).toBe(count);
      return pages;
    })();
    readPages.set(file, read);
  }
  // A copy: a caller may change its list.
  return [...(await read)];
}

/** Page text as one line, without the soft hyphens hyphenation put in. */
/**
 * How far down each page the text reaches, between the running head and the
 * folio (0 for a blank page): the pages rendered small in grey, the last row
 * with ink found.
 */
async function pageFill(file: string): Promise<number[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'galley-fill-'));
  try {
    await exec('pdftoppm', ['-gray', '-r', '20', file, path.join(dir, 'p')]);
    const fills: number[] = [];
    for (const name of (await readdir(dir)).sort()) {
      const bytes = await readFile(path.join(dir, name));
      const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(bytes.subarray(0, 32).toString('latin1'))!;
      const [width, height] = [Number(header[1]), Number(header[2])];
      const pixels = bytes.subarray(header[0].length);
      const top = Math.floor(height * 0.1);
      const bottom = Math.floor(height * 0.88);
      let last = -1;
      for (let y = top; y < bottom; y++) if (pixels.subarray(y * width, (y + 1) * width).some((v) => v < 160)) last = y;
      fills.push(last < 0 ? 0 : (last - top + 1) / (bottom - top));
    }
    return fills;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Body pages under 30% full that are not the last page of a chapter (followed by a blank, an opening, or nothing). */
async function sparsePages(file: string, openings: string[]): Promise<number[]> {
  const fills = await pageFill(file);
  const texts = await pdfPages(file);
  const contents = texts.findIndex((p) => /Contents/.test(p));
  const opens = (index: number) =>
    index >= texts.length ||
    fills[index] === 0 ||
    openings.some(
      (title) => squash(texts[index]!).trimStart().startsWith(title) || squash(texts[index]!).includes(` ${title} `),
    );
  return fills.map((fill, i) => (i > contents && fill > 0 && fill < 0.3 && !opens(i + 1) ? i + 1 : 0)).filter(Boolean);
}

const squash = (text: string) => text.replace(/\u00ad/g, '').replace(/\s+/g, ' ');
const occurrences = (text: string, needle: string) => squash(text).split(needle).length - 1;

async function expectValidEpub(result: BuildResult) {
  const report = await runEpubcheck(artifact(result, 'epub'));
  expect(report.messages.filter((m) => m.severity === 'error' || m.severity === 'fatal')).toEqual([]);
  expect(report.errors + report.fatals).toBe(0);
}

/** One Chromium for every in-process PDF build of this file. */
const browser = sharedBrowser();

describe('a HonKit book with one file per section, its own numbers, Part entries and a missing TOC file', () => {
  let result: BuildResult;
  let sections: BuildResult;
  beforeAll(async () => {
    const manuscript = path.join(BOOKS, 'honkit-sections');
    result = await build({ manuscript, out: path.join(out.dir, 'honkit'), quiet: true, browser: browser() });
    // The same book with every section on a new page, to compare.
    const copy = path.join(out.dir, 'honkit-sections-copy');
    await cp(manuscript, copy, { recursive: true });
    await writeFile(path.join(copy, 'book.yaml'), 'output:\n  pdf:\n    new_page: section\n');
    sections = await build({
      manuscript: copy,
      out: path.join(out.dir, 'honkit-sections'),
      formats: ['pdf'],
      quiet: true,
      browser: browser(),
    });
  }, 600_000);

  it('builds every format, the missing file a warning in the build and an error in the check', async () => {
    expect(result.ok).toBe(true);
    expect(result.editions[0]!.artifacts.map((a) => a.format).sort()).toEqual(['epub', 'html', 'pdf', 'web']);
    const missing = result.diagnostics.filter((d) => d.ruleId === 'toc-missing-file');
    expect(missing.map((d) => [d.file, d.line, d.severity])).toEqual([['SUMMARY.md', 11, 'warning']]);
    const { diagnostics } = await check({
      manuscript: path.join(BOOKS, 'honkit-sections'),
      quiet: true,
    });
    expect(diagnostics.filter((d) => d.ruleId === 'toc-missing-file').map((d) => d.severity)).toEqual(['error']);
  });

  it('keeps the missing entry in the contents as an unlinked title', async () => {
    const index = await page(result, 'index.html');
    expect(index).toMatch(/<li><span>5\.2 Calculus<\/span><\/li>/);
    expect(index).not.toContain('calculus.xhtml');
    const web = await readFile(path.join(artifact(result, 'web'), 'index.html'), 'utf8');
    expect(web).toMatch(/<span>5\.2 Calculus<\/span>/);
  });

  it('takes the title from README’s first heading, invents no author, and says the title was guessed', async () => {
    expect(result.book.config.title).toBe('Hiring for Machine Learning, Section by Section');
    expect(result.book.config.authors).toEqual([]);
    const guessed = result.diagnostics.filter((d) => d.ruleId === 'book-config' && d.severity === 'warning');
    expect(guessed.map((d) => d.file)).toEqual(['book.json']);
    expect(guessed[0]!.message).toMatch(/title .*README\.md's first heading/);
    const opf = await opfMetadata(artifact(result, 'epub'));
    expect(opf.titles).toEqual(['Hiring for Machine Learning, Section by Section']);
    expect(opf.creators).toEqual([]);
    const { stdout } = await exec('pdfinfo', [artifact(result, 'pdf')]);
    expect(stdout).toMatch(/Title:\s+Hiring for Machine Learning, Section by Section/);
    expect(stdout).not.toMatch(/Author:|Anonymous/);
  });

  it('prints each title once: a first heading that matches the TOC title is the page title', async () => {
    const roles = headings(await page(result, 'part-1-roles.xhtml'));
    expect(roles).toEqual([
      '1.1 Different machine learning roles',
      '1.1.1 Reading a posting',
      '1.1.2 Asking the recruiter',
    ]);
    expect(await page(result, 'part-1-roles.xhtml')).toMatch(/<h1 id="11-different-machine-learning-roles">/);
    const jobs = await page(result, 'part-1-jobs.xhtml');
    expect(headings(jobs)).toEqual(['Chapter 1. Machine learning jobs']);
    // The author numbers the book: Galley adds no chapter label or number of its own.
    expect(jobs).not.toContain('chapter-label');
    expect(result.book.numbering).toBe('author');
    expect(result.book.chapters.every((c) => c.number === undefined)).toBe(true);
  });

  it('makes "Part …" entries with children parts, with part pages', async () => {
    const part = await page(result, 'part-1-readme.xhtml');
    expect(part).toMatch(
      /<section class="part" epub:type="part" role="doc-part"[^>]*><h1 id="part-i-overview" class="part-title">Part I\. Overview<\/h1><div class="part-text">/,
    );
    expect(result.pages.filter((p) => p.kind === 'part').map((p) => p.title)).toEqual([
      'Part I. Overview',
      'Part II. Questions',
    ]);
    const web = await readFile(path.join(artifact(result, 'web'), 'index.html'), 'utf8');
    expect(web).toContain('>Part II. Questions<');
    expect(web).not.toMatch(/\d\. Part II/);
  });

  it('continues the author’s section numbers in the questions, in every format and in the index', async () => {
    const numbers = result.book.chapters.flatMap((c) => c.questions.map((q) => q.number));
    expect(numbers).toEqual([
      '5.1.1.1',
      '5.1.1.2',
      '5.1.2.1',
      '5.1.2.2',
      '5.1.3.1',
      '5.1.3.2',
      '5.1.3.3',
      '5.3.1',
      '5.3.2',
    ]);
    const algebra = await page(result, 'part-2-algebra.xhtml');
    expect([...algebra.matchAll(/<span class="q-number">([^<]+)<\/span>/g)].map((m) => m[1])).toEqual(
      numbers.slice(0, 7),
    );
    const index = await page(result, 'questions.xhtml');
    expect([...index.matchAll(/<span class="q-number">([^<]+)<\/span>/g)].map((m) => m[1]).sort()).toEqual(
      [...numbers].sort(),
    );
    const zip = await JSZip.loadAsync(await readFile(artifact(result, 'epub')));
    const epubAlgebra = await zip.file(`${EPUB_ROOT}/part-2-algebra.xhtml`)!.async('string');
    expect(epubAlgebra).toContain('<span class="q-number">5.1.3.2</span>');
    const text = squash((await pdfPages(artifact(result, 'pdf'))).join('\n'));
    for (const number of numbers) expect(text).toMatch(new RegExp(`${number.replace(/\./g, '\\.')} (E|M|H) `));
  });

  it('lets sections flow in the PDF: fewer pages than one per file, and no title printed twice', async () => {
    const flowing = await pdfPages(artifact(result, 'pdf'));
    const separate = await pdfPages(artifact(sections, 'pdf'));
    // Four sections that each took a page of their own now follow the text before them.
    expect(flowing.length).toBeLessThanOrEqual(separate.length - 3);
    const opening = flowing.findIndex((p) => squash(p).includes('Job titles in machine learning'));
    expect(opening).toBeGreaterThan(0);
    expect(squash(flowing[opening]!)).toContain('1.1 Different machine learning roles');
    // Past the contents, each section title prints once (running heads name the chapter).
    const contents = flowing.findIndex((p) => /Contents/.test(p));
    const body = flowing.slice(contents + 1).join('\n');
    for (const title of [
      '1.1 Different machine learning roles',
      '1.2 Companies large and small',
      '5.1 Algebra and reduction',
      '5.3 Probability',
    ])
      expect(occurrences(body, title), title).toBe(1);

    expect(occurrences(body, 'CHAPTER')).toBe(0);
    const openings = [
      'Part I. Overview',
      'Chapter 1. Machine learning jobs',
      'Part II. Questions',
      'Chapter 5. Mathematics',
      'Questions by difficulty',
    ];
    expect(await sparsePages(artifact(result, 'pdf'), openings)).toEqual([]);
    // With a page per file, the short sections leave near-empty pages: the measure sees them.
    expect((await sparsePages(artifact(sections, 'pdf'), openings)).length).toBeGreaterThan(0);
  });

  it('passes EPUBCheck', async () => {
    await expectValidEpub(result);
  }, 300_000);
});

describe('book.yaml beside another tool’s configuration, and Galley’s own books', () => {
  it('lets a book.yaml beside book.json override any field without touching the author’s files', async () => {
    const copy = path.join(out.dir, 'override');
    await cp(path.join(BOOKS, 'honkit-sections'), copy, { recursive: true });
    await writeFile(path.join(copy, 'book.yaml'), 'title: Hiring Handbook\nauthors: [A. Writer]\nnumbering: galley\n');
    const result = await build({
      manuscript: copy,
      out: path.join(out.dir, 'override-out'),
      formats: ['html'],
      quiet: true,
    });
    expect(result.ok).toBe(true);
    expect(result.book.dialect).toBe('honkit');
    expect([result.book.config.title, result.book.config.authors]).toEqual(['Hiring Handbook', ['A. Writer']]);
    expect(result.diagnostics.some((d) => /Guessed/.test(d.message))).toBe(false);
    // Still a HonKit book: its missing file stays a warning.
    expect(result.diagnostics.find((d) => d.ruleId === 'toc-missing-file')?.severity).toBe('warning');
    // `numbering: galley` numbers the chapters under the parts from the TOC.
    expect(result.book.chapters.filter((c) => c.number).map((c) => [c.source, c.number])).toEqual([
      ['README.md', '1'],
      ['part-1/jobs.md', '2'],
      ['part-1/roles.md', '2.1'],
      ['part-1/companies.md', '2.2'],
      ['part-2/mathematics.md', '3'],
      ['part-2/algebra.md', '3.1'],
      ['part-2/probability.md', '3.3'],
      ['questions.md', '4'],
    ]);
  });

  it('keeps a missing TOC file an error in a book.yaml book, with a settable severity', async () => {
    const dir = path.join(out.dir, 'own');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'SUMMARY.md'), '# Summary\n\n* [One](one.md)\n* [Gone](gone.md)\n');
    await writeFile(path.join(dir, 'one.md'), '# One\n\nText.\n');
    await writeFile(path.join(dir, 'book.yaml'), 'title: Own\n');
    const strict = await build({
      manuscript: dir,
      out: path.join(out.dir, 'own-out'),
      formats: ['html'],
      quiet: true,
    });
    expect(strict.ok).toBe(false);
    expect(
      strict.diagnostics.filter((d) => d.ruleId === 'toc-missing-file').map((d) => `${d.file}:${d.line} ${d.severity}`),
    ).toEqual(['SUMMARY.md:4 error']);
    await writeFile(path.join(dir, 'book.yaml'), 'title: Own\nchecks:\n  toc-missing-file: warn\n');
    const lenient = await build({
      manuscript: dir,
      out: path.join(out.dir, 'own-out'),
      formats: ['html'],
      quiet: true,
    });
    expect(lenient.ok).toBe(true);
    expect(lenient.book.config.authors).toEqual([]);
  });
});

describe('a bare translation folder with contents/ and no SUMMARY.md', () => {
  let result: BuildResult;
  beforeAll(async () => {
    result = await build({
      manuscript: path.join(BOOKS, 'translation'),
      out: path.join(out.dir, 'translation'),
      // Every format a test below reads (the web edition is tested on the HonKit book above).
      formats: ['html', 'epub', 'pdf'],
      quiet: true,
      browser: browser(),
    });
  }, 600_000);

  it('finds the Markdown files in subfolders in natural order, README first, skipping build, dependency, hidden and image folders', () => {
    expect(result.ok).toBe(true);
    expect(result.book.chapters.map((c) => c.source)).toEqual([
      'README.md',
      'contents/01-introduction.md',
      'contents/02-roles/README.md',
      'contents/02-roles/2.1-research.md',
      'contents/02-roles/2.2-applied.md',
      'contents/02-roles/2.10-platforms.md',
      'contents/03-closing.md',
    ]);
  });

  it('titles chapters by their first heading (the file name only without one) and nests them by heading level', () => {
    const titles = (entries: typeof result.book.toc): unknown[] =>
      entries.map((e) => (e.children.length ? [e.title, titles(e.children)] : e.title));
    expect(titles(result.book.toc)).toEqual([
      'Interview Notes, Translated',
      '1. Introduction',
      ['2. Roles', ['2.1 Research', '2.2 Applied work', '2.10 Platforms']],
      '03-closing',
    ]);
    expect(result.book.chapters[3]!.questions.map((q) => q.number)).toEqual(['2.1.1']);
  });

  it('has README’s heading as its title and no author, in the EPUB and the PDF, and passes EPUBCheck', async () => {
    const opf = await opfMetadata(artifact(result, 'epub'));
    expect(opf.titles).toEqual(['Interview Notes, Translated']);
    expect(opf.creators).toEqual([]);
    expect(result.diagnostics.find((d) => d.ruleId === 'book-config')?.message).toMatch(
      /guessed from README\.md's first heading/,
    );
    const pages = await pdfPages(artifact(result, 'pdf'));
    const body = pages.slice(pages.findIndex((p) => /Contents/.test(p)) + 1).join('\n');
    expect(occurrences(body, '2.1 Research')).toBe(1);
    // The sections of chapter 2 follow one another on its pages.
    const bodyPages = pages.slice(pages.findIndex((p) => /Contents/.test(p)) + 1);
    expect(
      bodyPages.filter((p) => squash(p).includes('2.2 Applied work') && squash(p).includes('2.10 Platforms')).length,
    ).toBe(1);
    await expectValidEpub(result);
  }, 300_000);
});

describe('an mdBook book whose sub-chapters repeat their titles, with fence attributes', () => {
  let result: BuildResult;
  beforeAll(async () => {
    result = await build({
      manuscript: path.join(BOOKS, 'mdbook-sections'),
      out: path.join(out.dir, 'mdbook'),
      // Every format a test below reads (the web edition is tested on the HonKit book above).
      formats: ['html', 'epub', 'pdf'],
      quiet: true,
      browser: browser(),
    });
  }, 600_000);

  it('prints each sub-chapter’s title once, its headings moved up with it', async () => {
    expect(result.ok).toBe(true);
    expect(headings(await page(result, 'guide-installation.xhtml'))).toEqual(['Installation', 'Checking the version']);
    expect(await page(result, 'guide-installation.xhtml')).toMatch(
      /<h1 id="installation">Installation<\/h1>[\s\S]*<h2 id="checking-the-version">/,
    );
    expect(headings(await page(result, 'guide-hello-world.xhtml'))).toEqual(['Hello, World!']);
    // The book's own numbers are Galley's (its titles carry none).
    expect(result.book.chapters.map((c) => c.number ?? null)).toEqual([null, '1', '1.1', '1.2', '2', '2.1']);
  });

  it('reads the first word of an info string as the language and shows what a reader needs as a caption', async () => {
    expect(result.diagnostics.filter((d) => /not registered|highlight/i.test(d.message))).toEqual([]);
    const ownership = await page(result, 'guide-ownership.xhtml');
    expect(ownership).toMatch(
      /<p class="code-caption">This code does not compile<\/p>\s*<pre><code class="hljs language-rust">/,
    );
    expect(ownership).toMatch(
      /<p class="code-caption">This example deliberately fails to compile<\/p>\s*<pre><code class="hljs language-rust">/,
    );
    const hello = await page(result, 'guide-hello-world.xhtml');
    expect(hello).toContain('<p class="code-caption">This example panics</p>');
    // `ignore` and `no_run` are neither languages nor captions.
    expect(hello.match(/code-caption/g)).toHaveLength(1);
    expect(hello.match(/language-rust/g)).toHaveLength(3);
    expect(await page(result, 'guide-installation.xhtml')).toMatch(/<pre><code class="hljs language-rust">/);
  });

  it('takes title and authors from book.toml, keeps one EPUB document per file and lets sub-chapters flow in the PDF', async () => {
    const opf = await opfMetadata(artifact(result, 'epub'));
    expect(opf.titles).toEqual(['Ferris Learns Fences']);
    expect(opf.creators).toEqual(['Ferris Crab', 'Corro Crab']);
    for (const key of ['guide-installation', 'guide-hello-world', 'guide-ownership'])
      expect(opf.documents).toContain(`${EPUB_ROOT}/${key}.xhtml`);
    const pages = await pdfPages(artifact(result, 'pdf'));
    const start = pages.findIndex((p) => squash(p).includes('start your journey'));
    expect(squash(pages[start]!)).toContain('Installation');
    const body = pages.slice(pages.findIndex((p) => /Contents/.test(p)) + 1).join('\n');
    expect(occurrences(body, 'Hello, World!')).toBe(1);
    expect(occurrences(body, 'This code does not compile')).toBe(1);
    expect(await sparsePages(artifact(result, 'pdf'), ['Getting Started', 'Common Mistakes'])).toEqual([]);
    await expectValidEpub(result);
  }, 300_000);
});

describe('the rules behind them', () => {
  it('opens a new page for parts, top-level chapters or every entry, as output.pdf.new_page says', async () => {
    const { book, pages } = await prepare(path.join(BOOKS, 'honkit-sections'));
    const flowing = (setting: 'part' | 'chapter' | 'section') => {
      book.config.output.pdf.new_page = setting;
      const blocks = composeBook(book, pages, { date: new Date(0) }).blocks;
      // A flowing block shares the named page of the block before it, so no page break comes between them.
      for (const [i, block] of blocks.entries()) {
        if (block.element.properties.className!.toString().includes('galley-flow'))
          expect(block.group).toBe(blocks[i - 1]!.group);
      }
      return blocks.filter((b) => String(b.element.properties.className).includes('galley-flow')).map((b) => b.id);
    };
    const sections = ['part-1-roles', 'part-1-companies', 'part-2-algebra', 'part-2-probability'];
    expect(flowing('chapter')).toEqual(sections);
    expect(flowing('section')).toEqual([]);
    // Chapters flow too, except onto a part's page.
    expect(flowing('part')).toEqual([...sections, 'questions']);
  });

  it('reads the numbers authors write', () => {
    expect(
      [
        'Chapter 1. Jobs',
        '5.1.3 Reduction',
        'Part II: Questions',
        'III. Three',
        '2019 results',
        'I am here',
        'Installation',
      ].map(authorNumber),
    ).toEqual(['1', '5.1.3', 'II', 'III', undefined, undefined, undefined]);
  });

  it('matches titles ignoring case, spacing, punctuation and a leading number', () => {
    expect(sameTitle('1.1 Different machine learning roles', 'Different Machine-Learning  roles')).toBe(true);
    expect(sameTitle('Chapter 5. Mathematics', 'mathematics')).toBe(true);
    expect(sameTitle('Installation', 'Install')).toBe(false);
  });

  it('splits mdBook info strings', () => {
    expect(fenceInfo('rust,ignore')).toEqual({ lang: 'rust', attributes: ['ignore'] });
    expect(fenceInfo('rust,compile_fail,edition2021')).toEqual({
      lang: 'rust',
      attributes: ['compile_fail', 'edition2021'],
    });
    expect(fenceInfo('python')).toEqual({ lang: 'python', attributes: [] });
  });
});
