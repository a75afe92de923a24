import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../scripts/api/build.ts';
import { check } from '../scripts/api/check.ts';
import { wordSet, words } from '../scripts/checks/fidelity.ts';
import { ROOT, chaptersOnThisThread, tempDir } from './helpers.ts';
import { sharedBrowser } from './light-helpers.ts';
import { sharedBuild } from './shared-builds.ts';

const BOOKS = path.join(ROOT, 'tests', 'books');
/** Built once each, every format: the mdBook-shaped fixture, the glyph fixture and two books of other dialects. */
const FIXTURES = ['mdbook-features', 'glyphs', 'honkit-mini', 'mdbook-mini'];

// Chapters on the test's thread: what is checked here is the output, the same bytes from either thread (tests/cache.test.ts);
// a chapter worker would add its start-up, the pipeline compiled again from the sources, about a CPU-second per build.
chaptersOnThisThread();

let work: { dir: string; cleanup: () => Promise<void> };
const browser = sharedBrowser();
const out = (name: string) => path.join(work.dir, name);
const line = (d: { file: string; line: number; ruleId?: string; message: string }) =>
  `${d.file}:${d.line} ${d.ruleId} ${d.message}`;

beforeAll(async () => {
  process.env.SOURCE_DATE_EPOCH = '1767225600';
  work = await tempDir('galley-fidelity-');
  for (const name of FIXTURES) {
    const result = await build({ manuscript: path.join(BOOKS, name), out: out(name), quiet: true, browser: browser() });
    expect(result.ok, `${name}: ${result.diagnostics.map(line).join('\n')}`).toBe(true);
  }
}, 300_000);
afterAll(async () => work?.cleanup());

describe('galley check --fidelity', () => {
  it.each(FIXTURES)('finds no lost words in %s (web, EPUB, PDF)', async (name) => {
    const result = await check({ manuscript: path.join(BOOKS, name), out: out(name), fidelity: true, quiet: true });
    const fidelity = result.diagnostics.filter((d) => d.ruleId.startsWith('fidelity'));
    expect(fidelity.map(line)).toEqual([]);
  });

  it('finds no lost words in the sample book, its Persian PDF included', async () => {
    const shared = await sharedBuild('sample');
    const result = await check({ manuscript: shared.manuscript, out: shared.dir, fidelity: true, quiet: true });
    const fidelity = result.diagnostics.filter((d) => d.ruleId.startsWith('fidelity'));
    expect(fidelity.map(line)).toEqual([]);
  }, 240_000); // waits for the run's shared build of the sample book when this file asks for it first

  it('finds the caption a renderer lost, at the listing’s line, per format', async () => {
    const copy = out('caption-lost');
    cpSync(out('mdbook-features'), copy, { recursive: true });
    // As if the listing handler lost its captions: every other figure keeps its own.
    const drop = (html: string) =>
      html.replace(/(<figure class="listing"[^>]*>[\s\S]*?)<figcaption>[\s\S]*?<\/figcaption>/g, '$1');
    const web = path.join(copy, 'web');
    // Recursive: an mdBook book's pages keep their source folders (ch02/brew.html).
    for (const name of readdirSync(web, { recursive: true })
      .map(String)
      .filter((n) => n.endsWith('.html')))
      writeFileSync(path.join(web, name), drop(readFileSync(path.join(web, name), 'utf8')));
    const epubFile = path.join(copy, 'kettle-logic.epub');
    const zip = await JSZip.loadAsync(readFileSync(epubFile));
    for (const name of Object.keys(zip.files).filter((n) => n.endsWith('.xhtml')))
      zip.file(name, drop(await zip.file(name)!.async('string')));
    writeFileSync(epubFile, await zip.generateAsync({ type: 'nodebuffer' }));
    const result = await check({
      manuscript: path.join(BOOKS, 'mdbook-features'),
      out: copy,
      fidelity: true,
      quiet: true,
    });
    const lost = result.diagnostics.filter((d) => d.ruleId === 'fidelity-lost').map(line);
    // The words only the captions hold, at each <Listing>'s line; the PDF kept them.
    expect(lost).toEqual([
      'src/ch02/brew.md:5 fidelity-lost 1 word missing from the web edition: “reads”',
      'src/ch02/brew.md:5 fidelity-lost 1 word missing from the web edition: “prints”',
      'src/ch02/brew.md:22 fidelity-lost 1 word missing from the web edition: “comparing”',
      'src/ch02/brew.md:22 fidelity-lost 1 word missing from the web edition: “point”',
      'src/ch02/brew.md:5 fidelity-lost 1 word missing from the EPUB: “reads”',
      'src/ch02/brew.md:5 fidelity-lost 1 word missing from the EPUB: “prints”',
      'src/ch02/brew.md:22 fidelity-lost 1 word missing from the EPUB: “comparing”',
      'src/ch02/brew.md:22 fidelity-lost 1 word missing from the EPUB: “point”',
    ]);
  });

  it('normalises what typesetting changes: ligatures, hyphenation over a page foot, Persian digits', () => {
    expect(words('ﬁnal “quotes” — ۱۲۳ and ١٢')).toEqual(['final', 'quotes', '123', 'and', '12']);
    const set = wordSet('we might collo-\n\n171\nChapter title\nquially describe\nkey 1234\n5678\n90 end');
    expect(set.has('colloquially')).toBe(true);
    expect(set.has('1234567890')).toBe(true);
  });
});

describe('mdBook-shaped fixture in every format', () => {
  it('shows every caption, callout and definition in the PDF, and no page ends with a stranded lead-in', () => {
    const pdf = path.join(out('mdbook-features'), 'kettle-logic.pdf');
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-layout', pdf, '-'], { encoding: 'utf8' });
    for (const shown of [
      'Filename: src/main.rs',
      'Listing 2-1: Code that reads a guessed temperature and prints it',
      'Listing 2-2: Comparing the guess with the boiling point',
      'Scalding steam',
      'Important',
      'Caution',
      'A vessel that heats water until it sings.',
      '“mostly” harmless – and sometimes—rarely—surprising…',
    ])
      expect(text.replace(/\s+/g, ' ')).toContain(shown);
    const pages = text.split('\f').filter((p) => p.trim());
    const stranded = pages.filter((page) => {
      const lines = page
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !/^\d+$/.test(l));
      const last = lines[lines.length - 1] ?? '';
      return last.endsWith(':') || /^Filename:/.test(last);
    });
    expect(stranded).toEqual([]);
  });

  it('passes EPUBCheck with 0 errors and Ace with 0 serious', async () => {
    const result = await check({
      manuscript: path.join(BOOKS, 'mdbook-features'),
      out: out('mdbook-features'),
      epub: true,
      quiet: true,
    });
    const validators = result.diagnostics.filter(
      (d) => (d.ruleId.startsWith('epubcheck/') || d.ruleId.startsWith('ace/')) && d.severity === 'error',
    );
    expect(validators.map(line)).toEqual([]);
  }, 120_000);
});

describe('glyph check (check --print)', () => {
  it('passes when every character has a glyph (🌳 ⚠ 🌊 👱, arrows, box drawing, checks)', async () => {
    const result = await check({
      manuscript: path.join(BOOKS, 'glyphs'),
      out: out('glyphs'),
      print: true,
      quiet: true,
    });
    expect(result.diagnostics.filter((d) => d.ruleId === 'print-missing-glyph').map(line)).toEqual([]);
    const fonts = execFileSync('pdffonts', [path.join(out('glyphs'), 'glyph-garden.pdf')], { encoding: 'utf8' });
    expect(fonts).toContain('NotoEmoji-Regular');
    expect(fonts).toContain('NotoSansSymbols2-Regular');
  });

  it('reports a character no font has, with its code point and line, and the build warns', async () => {
    const book = out('glyphs-missing');
    cpSync(path.join(BOOKS, 'glyphs'), book, { recursive: true });
    writeFileSync(path.join(book, 'symbols.md'), '# Symbols\n\nA Tibetan letter: ཀ.\n');
    const built = await build({
      manuscript: book,
      out: out('glyphs-missing-out'),
      formats: ['pdf'],
      quiet: true,
      browser: browser(),
    });
    expect(built.diagnostics.filter((d) => d.ruleId === 'print-missing-glyph').map((d) => d.severity)).toEqual([
      'warning',
    ]);
    const result = await check({ manuscript: book, out: out('glyphs-missing-out'), print: true, quiet: true });
    const found = result.diagnostics.filter((d) => d.ruleId === 'print-missing-glyph');
    expect(found.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity}`)).toEqual(['symbols.md:3:19 error']);
    expect(found[0]!.message).toContain('U+0F40');
  }, 120_000);
});
