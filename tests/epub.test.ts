import { appendFile, cp, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import JSZip from 'jszip';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepare } from '../scripts/api/build.ts';
import { EPUB_ROOT, bookIdentifier, epubCss, renderEpub } from '../scripts/render/epub/epub.ts';
import { footerText } from '../scripts/model/pages.ts';
import {
  elementPathAt,
  epubcheckDiagnostics,
  epubcheckCommand,
  jvmOptionsFor,
  parseEpubcheckJson,
  runEpubcheck,
  type EpubcheckResult,
} from '../scripts/checks/epubcheck.ts';
import { runAce, type AceResult } from '../scripts/checks/ace.ts';
import { CORPUS, ROOT, chaptersOnThisThread, tempDir } from './helpers.ts';
import { sharedBuild } from './shared-builds.ts';

const SAMPLE = path.join(ROOT, 'manuscript');
const EPOCH = '1780000000';
const OPF = `${EPUB_ROOT}/content.opf`;

/** Runs `fn` with SOURCE_DATE_EPOCH set, restoring the environment afterwards. */
async function withEpoch<T>(epoch: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.SOURCE_DATE_EPOCH;
  process.env.SOURCE_DATE_EPOCH = epoch;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = saved;
  }
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: '#text',
  isArray: (name) => ['item', 'itemref', 'meta', 'dc:title', 'dc:creator', 'dc:subject'].includes(name),
});

interface Item {
  id: string;
  href: string;
  'media-type': string;
  properties?: string;
}

/** The parts of content.opf the tests read, as fast-xml-parser gives them. */
interface Opf {
  manifest: { item: Item[] };
  spine: { itemref: { idref: string }[]; toc?: string; 'page-progression-direction'?: string };
  metadata: Record<string, unknown> & {
    'dc:identifier': { '#text': string };
    'dc:title': { '#text': string }[];
    'dc:creator': { '#text': string }[];
  };
}

async function unpack(file: string) {
  const bytes = await readFile(file);
  const zip = await JSZip.loadAsync(bytes);
  const text = async (name: string) => {
    const entry = zip.file(name);
    if (!entry) throw new Error(`${name} missing from the EPUB`);
    return entry.async('string');
  };
  const opfText = await text(OPF);
  const opf = (xml.parse(opfText) as { package: Opf }).package;
  const items = opf.manifest.item;
  const spine = opf.spine.itemref.map((r) => r.idref);
  return { bytes, zip, text, opfText, opf, items, spine };
}

type Unpacked = Awaited<ReturnType<typeof unpack>>;

const metaValues = (opfText: string, property: string) =>
  [...opfText.matchAll(new RegExp(`<meta property="${property}">([^<]*)</meta>`, 'g'))].map((m) => m[1]!);

describe('EPUB of the sample book', () => {
  let out: Awaited<ReturnType<typeof tempDir>>;
  let first: { path: string; bytes: number };
  let again: { path: string; bytes: number };
  let againTwice: { path: string; bytes: number };
  let otherEpoch: { path: string; bytes: number };
  let epub: Unpacked;
  let prepared: Awaited<ReturnType<typeof prepare>>;

  beforeAll(async () => {
    out = await tempDir('galley-epub-');
    // The first build is `galley build` of the sample book, made once per run (tests/setup/shared-builds.ts).
    const shared = await sharedBuild('sample');
    const built = shared.editions[0]!.artifacts.find((a) => a.format === 'epub')!.path;
    first = { path: built, bytes: (await stat(built)).size };
    await withEpoch(EPOCH, async () => {
      prepared = await prepare(SAMPLE);
      again = await renderEpub(prepared.book, prepared.pages, path.join(out.dir, 'b'), { errata: prepared.errata });
      // The shared build made a PDF too, so its EPUB has the print's page-list: two EPUB-only builds compare.
      // The second from scratch, here: the sources, not shared state, make the bytes.
      const fresh = await prepare(SAMPLE);
      againTwice = await renderEpub(fresh.book, fresh.pages, path.join(out.dir, 'b2'), { errata: fresh.errata });
    });
    await withEpoch('1790000000', async () => {
      otherEpoch = await renderEpub(prepared.book, prepared.pages, path.join(out.dir, 'c'), {
        errata: prepared.errata,
      });
    });
    epub = await unpack(first.path);
  }, 600_000);
  afterAll(() => out?.cleanup());

  it('is written as <slug>.epub (output.slug in book.yaml)', () => {
    expect(path.basename(first.path)).toBe('ml-interviews.epub');
    expect(first.bytes).toBe(epub.bytes.length);
  });

  it('starts with the mimetype entry, stored, uncompressed and without extra fields', () => {
    const b = epub.bytes;
    expect(b.readUInt32LE(0)).toBe(0x04034b50);
    expect(b.readUInt16LE(8)).toBe(0); // STORED
    const nameLength = b.readUInt16LE(26);
    const extraLength = b.readUInt16LE(28);
    expect(b.subarray(30, 30 + nameLength).toString('latin1')).toBe('mimetype');
    expect(extraLength).toBe(0);
    const size = b.readUInt32LE(18);
    expect(b.subarray(30 + nameLength + extraLength, 30 + nameLength + extraLength + size).toString('latin1')).toBe(
      'application/epub+zip',
    );
    expect(Object.keys(epub.zip.files)[0]).toBe('mimetype');
  });

  it('is byte-identical when built twice with the same SOURCE_DATE_EPOCH', async () => {
    const b = await readFile(again.path);
    expect(b.equals(await readFile(againTwice.path))).toBe(true);
    // The same book as the shared build's but for the print's page-list, which an EPUB-only build has not.
    expect(b.equals(epub.bytes)).toBe(false);
  });

  it('takes dcterms:modified and the entry dates from SOURCE_DATE_EPOCH', async () => {
    expect(metaValues(epub.opfText, 'dcterms:modified')).toEqual(['2026-05-28T20:26:40Z']);
    const other = await unpack(otherEpoch.path);
    expect(metaValues(other.opfText, 'dcterms:modified')).toEqual(['2026-09-21T14:13:20Z']);
    expect(other.bytes.equals(epub.bytes)).toBe(false);
    for (const entry of Object.values(epub.zip.files)) expect(entry.date.getUTCFullYear()).toBe(2026);
  });

  it('has one XHTML document per page, in reading order, after the cover and the contents', () => {
    const href = new Map(epub.items.map((i) => [i.id, i.href]));
    // Issue 19: the title and copyright pages come right after the cover, before the contents.
    expect(epub.spine.map((id) => href.get(id))).toEqual([
      'cover.xhtml',
      'titlepage.xhtml',
      'copyright.xhtml',
      'toc.xhtml',
      ...prepared.pages.map((p) => p.outName),
    ]);
    expect(epub.opf.spine.toc).toBe('ncx');
    expect(epub.opf.spine['page-progression-direction']).toBeUndefined();
  });

  it('declares mathml exactly on the documents with math, svg on those with inline SVG, nav and cover-image', async () => {
    let withMath = 0;
    for (const item of epub.items.filter((i) => i['media-type'] === 'application/xhtml+xml')) {
      const content = await epub.text(`${EPUB_ROOT}/${item.href}`);
      const properties = (item.properties ?? '').split(' ').filter(Boolean);
      expect(properties.includes('mathml'), item.href).toBe(/<math[\s>]/.test(content));
      expect(properties.includes('svg'), item.href).toBe(/<svg[\s>]/.test(content));
      if (properties.includes('mathml')) withMath++;
    }
    expect(withMath).toBeGreaterThanOrEqual(3);
    expect(epub.items.filter((i) => i.properties?.includes('nav')).map((i) => i.href)).toEqual(['toc.xhtml']);
    const cover = epub.items.filter((i) => i.properties?.includes('cover-image'));
    expect(cover).toHaveLength(1);
    expect(cover[0]!.href).toMatch(/^images\/cover-[0-9a-f]{10}\.png$/);
    expect(cover[0]!['media-type']).toBe('image/png');
    // Every file in the container is in the manifest, and the reverse.
    const inZip = Object.keys(epub.zip.files).filter(
      (n) => !n.endsWith('/') && n.startsWith(`${EPUB_ROOT}/`) && n !== OPF,
    );
    expect(inZip.map((n) => n.slice(EPUB_ROOT.length + 1)).sort()).toEqual(epub.items.map((i) => i.href).sort());
  });

  it('has a nav document with the nested TOC and landmarks, and an NCX', async () => {
    const nav = await epub.text(`${EPUB_ROOT}/toc.xhtml`);
    const toc = nav.match(/<nav epub:type="toc"[\s\S]*?<\/nav>/)![0];
    expect(toc).toMatch(/<ol>(?:(?!<\/ol>)[\s\S])*<ol>/);
    for (const page of prepared.pages) expect(toc).toContain(`href="${page.outName}"`);
    // Headings below chapters down to toc_depth (2; a part is not a level): an h2 of a chapter inside a part.
    expect(toc).toContain('href="part-2-math-foundations.xhtml#linear-algebra"');
    const landmarks = nav.match(/<nav epub:type="landmarks"[\s\S]*?<\/nav>/)![0];
    expect([...landmarks.matchAll(/epub:type="([\w-]+)" href="([^"]+)"/g)].map((m) => `${m[1]} ${m[2]}`)).toEqual([
      'cover cover.xhtml',
      'titlepage titlepage.xhtml',
      'copyright-page copyright.xhtml',
      'toc toc.xhtml#toc',
      `bodymatter ${prepared.pages.find((p) => p.matter === 'body')!.outName}`,
      // The sample's back-of-book index (generate: index).
      'index back-index.xhtml',
    ]);
    // Built with the PDF, the EPUB lists the print's pages (tests/page-list.test.ts checks where they start).
    expect(nav).toContain('epub:type="page-list"');
    const alone = await unpack(again.path);
    expect(await alone.text(`${EPUB_ROOT}/toc.xhtml`)).not.toContain('epub:type="page-list"');
    const ncx = await epub.text(`${EPUB_ROOT}/toc.ncx`);
    expect(ncx).toContain('<meta name="dtb:uid" content="urn:uuid:5b0f3c2e-8f1a-4c59-9a57-2d4a1f6c7e10"/>');
    expect(ncx).toMatch(
      /<navPoint[^>]*>\s*<navLabel><text>Part I: The interview process<\/text><\/navLabel>\s*<content src="part-1-part-i-the-interview-process.xhtml"\/>\s*<navPoint/,
    );
  });

  it('resolves every internal link and resource to an existing file and id', async () => {
    const docs = epub.items.filter((i) => i['media-type'] === 'application/xhtml+xml').map((i) => i.href);
    const ids = new Map<string, Set<string>>();
    const texts = new Map<string, string>();
    for (const doc of docs) {
      const content = await epub.text(`${EPUB_ROOT}/${doc}`);
      texts.set(doc, content);
      ids.set(doc, new Set([...content.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!)));
    }
    let checked = 0;
    for (const [doc, content] of texts) {
      for (const [, attr, value] of content.matchAll(/\s(href|src)="([^"]*)"/g)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(value!)) {
          expect(attr, `${doc}: ${value}`).toBe('href'); // only links leave the book, never resources
          continue;
        }
        const [file, fragment] = value!.split('#') as [string, string | undefined];
        const target = file === '' ? doc : path.posix.normalize(path.posix.join(path.posix.dirname(doc), file));
        expect(epub.zip.file(`${EPUB_ROOT}/${target}`), `${doc}: ${value}`).not.toBeNull();
        if (fragment) expect(ids.get(target)?.has(decodeURIComponent(fragment)), `${doc}: ${value}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(200);
    // Fonts named by the style sheets are in the book too.
    const fonts = await epub.text(`${EPUB_ROOT}/css/fonts.css`);
    for (const [, url] of fonts.matchAll(/url\("?([^")]+)"?\)/g))
      expect(epub.zip.file(`${EPUB_ROOT}/${path.posix.join('css', url!)}`), url).not.toBeNull();
  });

  it('gives every document its language, direction, style sheets and the copyright footer', async () => {
    const footer = footerText(prepared.book)!;
    for (const item of epub.items.filter((i) => i['media-type'] === 'application/xhtml+xml')) {
      const content = await epub.text(`${EPUB_ROOT}/${item.href}`);
      expect(content, item.href).toMatch(/<html [^>]*lang="en" xml:lang="en" dir="ltr"/);
      for (const css of ['css/fonts.css', 'css/book.css', 'css/epub.css'])
        expect(content, item.href).toContain(`href="${css}"`);
      // A title page carries no footer, as in print; the copyright page says it in full.
      if (item.href !== 'cover.xhtml' && item.href !== 'titlepage.xhtml') expect(content, item.href).toContain(footer);
      // No script, no remote resource, no CSP (it would block reading systems' scripts).
      expect(content).not.toMatch(/<script|Content-Security-Policy/);
    }
    expect(epub.opfText).toMatch(/<package [^>]*xml:lang="en" dir="ltr"/);
  });

  it('carries the metadata of book.yaml and accessibility metadata the content supports', () => {
    const m = epub.opf.metadata;
    expect(m['dc:identifier']['#text']).toBe('urn:uuid:5b0f3c2e-8f1a-4c59-9a57-2d4a1f6c7e10');
    expect(m['dc:title'].map((t) => t['#text'])).toEqual([
      'Machine Learning Interviews, Compactly',
      'A field guide to the process and 80-odd questions worth practising',
    ]);
    expect(m['dc:creator'].map((t) => t['#text'])).toEqual(['The Galley Authors']);
    expect(m['dc:language']).toBe('en');
    expect(m['dc:date']).toBe('2026-11-01');
    expect(m['dc:rights']).toBe('Copyright ©2025-2026 The Galley Authors. Licence: CC BY-SA 4.0');
    expect(m['dc:subject']).toEqual(['machine learning', 'interviews', 'careers']);
    expect(metaValues(epub.opfText, 'schema:version')).toEqual(['1.1.0']);
    expect(metaValues(epub.opfText, 'schema:accessMode')).toEqual(['textual', 'visual']);
    expect(metaValues(epub.opfText, 'schema:accessModeSufficient')).toEqual(['textual', 'textual,visual']);
    expect(metaValues(epub.opfText, 'schema:accessibilityFeature')).toEqual(
      expect.arrayContaining(['structuralNavigation', 'tableOfContents', 'MathML', 'alternativeText', 'readingOrder']),
    );
    expect(metaValues(epub.opfText, 'schema:accessibilityHazard')).toEqual(['none']);
    expect(metaValues(epub.opfText, 'schema:accessibilitySummary')[0]).toMatch(/MathML/);
    expect(metaValues(epub.opfText, 'dcterms:conformsTo')).toEqual(['EPUB Accessibility 1.1 - WCAG 2.1 Level AA']);
  });

  describe('checked by EPUBCheck', () => {
    let result: EpubcheckResult;
    beforeAll(async () => {
      result = await runEpubcheck(first.path);
    }, 120_000);

    it('has no fatal, error or warning', () => {
      const list = result.messages.filter((m) => m.severity !== 'info' && m.severity !== 'usage');
      expect(list.map((m) => `${m.severity} ${m.id} ${m.path}:${m.line}:${m.column} ${m.message}`)).toEqual([]);
      expect([result.fatals, result.errors, result.warnings]).toEqual([0, 0, 0]);
      expect(result.version).toMatch(/^\d+\.\d+/);
    });
  });

  describe('checked by DAISY Ace', () => {
    let ace: AceResult;
    beforeAll(async () => {
      ace = await runAce(first.path);
    }, 180_000);

    it('finds no critical or serious violation, detects MathML, and passes the metadata checks', () => {
      const worst = [...ace.violations.critical, ...ace.violations.serious];
      expect(worst.map((v) => `${v.impact} ${v.rule} ${v.document} ${v.pointers.join(' ')}`)).toEqual([]);
      expect(ace.mathml).toBe(true);
      expect(ace.metadata.passed).toBe(true);
      expect(ace.metadata.present).toEqual(
        expect.arrayContaining([
          'schema:accessMode',
          'schema:accessibilityFeature',
          'schema:accessibilityHazard',
          'schema:accessibilitySummary',
          'schema:accessModeSufficient',
        ]),
      );
    });
  });

  it('traces an EPUBCheck location in a page back to the Markdown line', async () => {
    const name = 'part-2-math-foundations.xhtml';
    const content = await epub.text(`${EPUB_ROOT}/${name}`);
    const lines = content.split('\n');
    const lineIndex = lines.findIndex((l) => l.includes('<h2 id="statistics"'));
    expect(lineIndex).toBeGreaterThan(0);
    // EPUBCheck places a message just after the element's start tag.
    const column = lines[lineIndex]!.indexOf('>', lines[lineIndex]!.indexOf('<h2 id="statistics"')) + 2;
    const list = await epubcheckDiagnostics(
      {
        messages: [
          {
            severity: 'error',
            id: 'RSC-005',
            message: 'Made up',
            path: `${EPUB_ROOT}/${name}`,
            line: lineIndex + 1,
            column,
          },
          { severity: 'warning', id: 'OPF-999', message: 'Made up', path: OPF, line: 3, column: 4 },
        ],
      },
      { book: prepared.book, pages: prepared.pages, epubFile: first.path },
    );
    const markdown = (await readFile(path.join(SAMPLE, 'part-2/math-foundations.md'), 'utf8')).split('\n');
    const headingLine = markdown.findIndex((l) => /^## Statistics/i.test(l)) + 1;
    expect(headingLine).toBeGreaterThan(0);
    expect(list[0]).toMatchObject({
      file: 'part-2/math-foundations.md',
      line: headingLine,
      column: 1,
      ruleId: 'epubcheck/RSC-005',
      severity: 'error',
    });
    expect(list[0]!.message).toContain(`${EPUB_ROOT}/${name}:${lineIndex + 1}`);
    expect(list[1]).toMatchObject({ file: 'book.yaml', line: 1, ruleId: 'epubcheck/OPF-999', severity: 'warning' });
  });
});

describe('EPUB of the algorithm-archive corpus (a HonKit book with raw HTML, MathML and SVG)', () => {
  let result: EpubcheckResult;
  let epubFile: string;
  beforeAll(async () => {
    // `galley build` of the corpus, made once per run (tests/setup/shared-builds.ts).
    const shared = await sharedBuild('corpus');
    epubFile = shared.editions[0]!.artifacts.find((a) => a.format === 'epub')!.path;
    result = await runEpubcheck(epubFile);
  }, 600_000);

  it('passes EPUBCheck without fatals or errors', async () => {
    const errors = result.messages.filter((m) => m.severity === 'fatal' || m.severity === 'error');
    // Only a failure needs the book and pages, to say where in the Markdown (77 chapters prepared again).
    const located = errors.length
      ? await epubcheckDiagnostics({ messages: errors }, { ...(await prepare(CORPUS)), epubFile })
      : [];
    const problems = located.map((d) => `${d.file}:${d.line}:${d.column} ${d.ruleId} ${d.message.slice(0, 160)}`);
    expect(problems).toEqual([]);
    expect([result.fatals, result.errors]).toEqual([0, 0]);
  });
});

describe('EPUB of a right-to-left book', () => {
  chaptersOnThisThread();
  it('runs right to left, keeps code and math left-to-right in markup, and has no direction in its CSS', async () => {
    const out = await tempDir('galley-epub-rtl-');
    try {
      const root = path.join(out.dir, 'book');
      await cp(path.join(ROOT, 'tests/books/mini'), root, { recursive: true });
      const yaml = await readFile(path.join(root, 'book.yaml'), 'utf8');
      await writeFile(
        path.join(root, 'book.yaml'),
        yaml.replace('title: Mini Book', 'title: کتاب کوچک').replace('language: en', 'language: fa\ndirection: rtl'),
      );
      await appendFile(path.join(root, 'chapters/two.md'), '\n```python\nprint(1)\n```\n\n$$\nx^2\n$$\n');
      const { book, pages } = await prepare(root);
      const file = await renderEpub(book, pages, path.join(out.dir, 'dist'));
      // A title without Latin letters: the folder names the file.
      expect(path.basename(file.path)).toBe('book.epub');
      const epub = await unpack(file.path);
      expect(epub.opfText).toMatch(/<package [^>]*xml:lang="fa" dir="rtl"/);
      expect(epub.opf.spine['page-progression-direction']).toBe('rtl');
      const two = await epub.text(`${EPUB_ROOT}/chapters-two.xhtml`);
      expect(two).toMatch(/<html [^>]*lang="fa" xml:lang="fa" dir="rtl"/);
      expect(two).toContain('<pre dir="ltr">');
      expect(two).toMatch(/<div class="math-display" tabindex="0" dir="ltr">/);
      for (const css of ['book.css', 'epub.css', 'fonts.css'])
        expect(await epub.text(`${EPUB_ROOT}/css/${css}`)).not.toMatch(/(?<![-\w])(direction|unicode-bidi)\s*:/);
    } finally {
      await out.cleanup();
    }
  });
});

describe('EPUB helpers', () => {
  chaptersOnThisThread();
  it('runs EPUBCheck only on a file that exists', async () => {
    await expect(runEpubcheck('/nonexistent/book.epub')).rejects.toThrow(/no EPUB at/);
  });

  it('finds EPUBCheck from a jar path or a command', () => {
    expect(epubcheckCommand('/usr/share/java/epubcheck.jar')).toEqual([
      'java',
      '-jar',
      '/usr/share/java/epubcheck.jar',
    ]);
    expect(epubcheckCommand('/opt/epubcheck-5.1.0/bin/epubcheck')).toEqual(['/opt/epubcheck-5.1.0/bin/epubcheck']);
    expect(epubcheckCommand('java -Xss4m -jar "/opt/my tools/epubcheck.jar"')).toEqual([
      'java',
      '-Xss4m',
      '-jar',
      '/opt/my tools/epubcheck.jar',
    ]);
  });

  it("starts EPUBCheck's JVM for a quick run on a book-sized EPUB, and for throughput on a very large one", () => {
    expect(jvmOptionsFor(1_300_000)).toEqual(['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC']);
    expect(jvmOptionsFor(5_500_000)).toEqual([]);
  });

  it("reads EPUBCheck's JSON: one message per location, counted like its summary line", () => {
    const parsed = parseEpubcheckJson({
      checker: { checkerVersion: '4.2.6' },
      messages: [
        {
          ID: 'RSC-005',
          severity: 'ERROR',
          message: 'Error while parsing file',
          additionalLocations: 3,
          locations: [
            { path: 'OEBPS/a.xhtml', line: 4, column: 10 },
            { path: 'OEBPS/b.xhtml', line: 7, column: 2 },
            { path: 'There are 3 additional locations for this message.', line: -1, column: -1 },
          ],
        },
        { ID: 'PKG-010', severity: 'WARNING', message: 'Filename contains spaces', locations: [] },
      ],
    });
    expect(parsed).toMatchObject({ fatals: 0, errors: 5, warnings: 1, version: '4.2.6' });
    expect(parsed.messages).toEqual([
      {
        severity: 'error',
        id: 'RSC-005',
        message: 'Error while parsing file',
        path: 'OEBPS/a.xhtml',
        line: 4,
        column: 10,
      },
      {
        severity: 'error',
        id: 'RSC-005',
        message: 'Error while parsing file',
        path: 'OEBPS/b.xhtml',
        line: 7,
        column: 2,
      },
      { severity: 'warning', id: 'PKG-010', message: 'Filename contains spaces' },
    ]);
  });

  it('finds the element at a line and column of serialized XHTML', () => {
    const doc =
      '<?xml version="1.0"?>\n<!DOCTYPE html>\n<html><head><meta charset="utf-8"/></head><body><p>a</p><p id="x">b<img src="i.png" alt="a > b"/></p></body></html>';
    const line = 3;
    const at = (needle: string, after = 0) => doc.split('\n')[2]!.indexOf(needle) + 1 + after;
    expect(elementPathAt(doc, line, at('<p id="x">', '<p id="x">'.length))).toEqual([0, 1, 1]);
    expect(elementPathAt(doc, line, at('/></p>', 2))).toEqual([0, 1, 1, 0]);
    expect(elementPathAt(doc, line, at('<meta', 20))).toEqual([0, 0, 0]);
    // The page-list's markers are the EPUB's own, not the page's: they count as no element.
    const marked = doc.replace(
      '<p id="x">b',
      '<span epub:type="pagebreak" role="doc-pagebreak" id="page-2" aria-label="2"></span><p id="x"><span epub:type="pagebreak" id="page-3"/>b',
    );
    const atMarked = (needle: string, after = 0) => marked.split('\n')[2]!.indexOf(needle) + 1 + after;
    expect(elementPathAt(marked, line, atMarked('<p id="x">', '<p id="x">'.length))).toEqual([0, 1, 1]);
    expect(elementPathAt(marked, line, atMarked('/></p>', 2))).toEqual([0, 1, 1, 0]);
  });

  it('keeps direction and unicode-bidi out of EPUB style sheets, and nothing else', () => {
    const css =
      'pre {\n  color: red;\n  direction: ltr;\n}\n.a { flex-direction: column; direction: rtl; unicode-bidi: isolate; }\n';
    expect(epubCss(css)).toBe('pre {\n  color: red;\n}\n.a { flex-direction: column; }\n');
  });

  it('derives a stable UUID when book.yaml gives no identifier, and normalises ISBNs', async () => {
    const { book } = await prepare(path.join(ROOT, 'tests/books/mini'));
    const derived = bookIdentifier({ ...book, config: { ...book.config, identifier: undefined } });
    expect(derived.value).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(bookIdentifier({ ...book, config: { ...book.config, identifier: undefined } })).toEqual(derived);
    expect(bookIdentifier({ ...book, config: { ...book.config, identifier: '978-3-16-148410-0' } })).toEqual({
      value: 'urn:isbn:9783161484100',
      isbn: true,
    });
    expect(
      bookIdentifier({ ...book, config: { ...book.config, identifier: '5B0F3C2E-8F1A-4C59-9A57-2D4A1F6C7E10' } }).value,
    ).toBe('urn:uuid:5b0f3c2e-8f1a-4c59-9a57-2d4a1f6c7e10');
  });
});
