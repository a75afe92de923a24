import { execFile, execFileSync } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { VFile } from 'vfile';
import { prepare } from '../scripts/api/build.ts';
import { prefixId, rewriteForPrint } from '../scripts/render/pdf/compose.ts';
import { readDestinations } from '../scripts/render/pdf/post/finish.ts';
import { pageLabel, renderPdf } from '../scripts/render/pdf/pdf.ts';
import { renderEpub } from '../scripts/render/epub/epub.ts';
import { renderHtml } from '../scripts/render/html.ts';
import { diagnostics } from '../scripts/model/report.ts';
import { addErratum, ErrataInputError, nextId } from '../scripts/api/errata-add.ts';
import { main } from '../scripts/cli.ts';
import {
  buildErrataAppendix,
  ensureErrataAppendix,
  fillPageRefs,
  pageRefTargets,
} from '../scripts/passes/errata/appendix.ts';
import { errataChangelog, errataJson, releaseNotes, writeErrataArtifacts } from '../scripts/render/changelog.ts';
import { checkErrataForChanges, firstTextChange, textBlocks } from '../scripts/checks/errata-changes.ts';
import { checkErrata } from '../scripts/passes/errata/checks.ts';
import { loadErrata, parseErrata } from '../scripts/model/errata/load.ts';
import { resolveLocation } from '../scripts/model/errata/locate.ts';
import { compareVersions } from '../scripts/model/errata/schema.ts';
import {
  editionStamp,
  epubStampMeta,
  pdfStampInfo,
  stampElement,
  stampLine,
  summaryLine,
} from '../scripts/model/errata/stamp.ts';
import { hastToXml } from '../scripts/render/xhtml.ts';
import { chaptersOnThisThread, ROOT, tempDir } from './helpers.ts';

const exec = promisify(execFile);
const FIXTURE = path.join(ROOT, 'tests/books/errata-mini');
const SAMPLE = path.join(ROOT, 'manuscript');

chaptersOnThisThread();

/** A fresh copy of the fixture book to change. */
async function copyFixture() {
  const tmp = await tempDir('galley-errata-');
  const dir = path.join(tmp.dir, 'book');
  await cp(FIXTURE, dir, { recursive: true });
  return { ...tmp, book: dir };
}

const messages = (file: VFile) =>
  file.messages.map(
    (m) => `${m.line}:${m.column} ${m.fatal ? 'error' : m.fatal === false ? 'warning' : 'info'} ${m.ruleId}`,
  );

async function checked(dir: string) {
  const { book, pages } = await prepare(dir);
  const errata = (await loadErrata(book))!;
  checkErrata(book, errata);
  return {
    book,
    pages,
    errata,
    list: diagnostics(book.files, book.boundary).filter((d) => d.ruleId.startsWith('errata')),
  };
}

describe('errata.yaml schema', () => {
  it('reports unknown keys, wrong values and missing keys at their line, naming the key', () => {
    const text = [
      'releases:', //                    1
      '  - version: "1.0.0"', //          2
      '    date: "2026-13-01"', //        3  not a date
      '    pritning: 1', //               4  unknown key
      'entries:', //                      5
      '  - id: E-0001', //                6
      '    location: a.md', //            7
      '    kind: mistake', //             8  not a kind
      '    now: "x"', //                  9
      '  - id: "7"', //                   10 bad id
      '    kind: typo', //                11 no location
      '  - id: E-0003', //                12
      '    location: a.md', //            13
      '    kind: typo', //                14 no now, no text
      '    was: "y"', //                  15
      '',
    ].join('\n');
    const file = new VFile({ path: 'errata.yaml' });
    const parsed = parseErrata(text, file);
    expect(parsed.valid).toBe(false);
    const got = file.messages.map((m) => `${m.line} ${m.reason}`);
    expect(got).toContainEqual(expect.stringMatching(/^3 Invalid value for `releases.0.date`/));
    expect(got).toContainEqual('4 Unknown key `releases.0.pritning`: remove it or check its spelling');
    expect(got).toContainEqual(expect.stringMatching(/^8 Invalid value for `entries.0.kind`/));
    expect(got).toContainEqual(
      expect.stringMatching(/^10 Invalid value for `entries.1.id`: expected an id such as E-0001/),
    );
    expect(got).toContainEqual(expect.stringMatching(/^10 Missing required key `entries.1.location`/));
    expect(got).toContainEqual(
      expect.stringMatching(/^12 Invalid value for `entries.2`: an entry needs `now` \(with `was`\) or `text`/),
    );
    expect(got).toContainEqual(
      expect.stringMatching(/^12 Invalid value for `entries.2.now`: `was` needs a `now` beside it/),
    );
    expect(file.messages.every((m) => m.fatal && m.ruleId === 'errata-schema')).toBe(true);
  });

  it('reports YAML syntax errors and custom tags at their line', () => {
    const file = new VFile({ path: 'errata.yaml' });
    parseErrata('releases: []\nentries:\n  - id: E-0001\n    location: !!js/function "x"\n', file);
    expect(messages(file)).toEqual([expect.stringMatching(/^4:\d+ error yaml$/)]);
    const file2 = new VFile({ path: 'errata.yaml' });
    parseErrata('releases: []\nreleases: []\n', file2);
    expect(messages(file2)[0]).toMatch(/^2:1 error yaml/);
  });

  it('loads errata.yaml into book.files so its messages are reported with the book', async () => {
    const { book, errata } = await checked(FIXTURE);
    expect(errata.valid).toBe(true);
    expect(errata.data.releases.map((r) => r.version)).toEqual(['1.0.0', '1.1.0']);
    expect(book.files).toContain(errata.file);
  });

  it('orders versions numerically, pre-releases first', () => {
    expect(compareVersions('1.10.0', '1.9.0')).toBeGreaterThan(0);
    expect(compareVersions('2.0.0-rc.1', '2.0.0')).toBeLessThan(0);
    expect(compareVersions('1.2', '1.2.0')).toBe(0);
  });
});

describe('errata checks', () => {
  it('passes the sample book and the fixture: ids unique, releases in order, every location resolves', async () => {
    const sample = await checked(SAMPLE);
    for (const [dir, { list, errata }] of [
      [SAMPLE, sample],
      [FIXTURE, await checked(FIXTURE)],
    ] as const) {
      expect(list, dir).toEqual([]);
      expect(errata.data.entries.length).toBeGreaterThan(2);
    }
    const { errata } = sample;
    const withEntries = new Set(errata.data.entries.map((e) => e.fixed_in));
    expect(withEntries.size).toBeGreaterThanOrEqual(2);
    expect(errata.data.releases.map((r) => r.version)).toEqual(expect.arrayContaining(['1.0.0', '1.1.0']));
  });

  it("is an error when book.yaml's version is not the latest release, at the version line", async () => {
    const fixture = await copyFixture();
    try {
      const yaml = await readFile(path.join(fixture.book, 'book.yaml'), 'utf8');
      await writeFile(path.join(fixture.book, 'book.yaml'), yaml.replace('version: "1.1.0"', 'version: "1.2.0"'));
      const { list } = await checked(fixture.book);
      const line = yaml.split('\n').findIndex((l) => l.startsWith('version:')) + 1;
      expect(list).toEqual([
        {
          file: 'book.yaml',
          line,
          column: 1,
          ruleId: 'errata-version',
          severity: 'error',
          message:
            'book.yaml says version 1.2.0, but the latest release in errata.yaml is 1.1.0: add release 1.2.0 to errata.yaml',
        },
      ]);
    } finally {
      await fixture.cleanup();
    }
  });

  it('reports duplicate ids, releases out of order, unknown fixed_in and unresolved locations at their lines', async () => {
    const fixture = await copyFixture();
    try {
      const text = [
        'releases:',
        '  - version: "1.1.0"', // 2
        '    date: "2026-03-01"',
        '  - version: "1.0.0"', // 4: not later
        '    date: "2026-01-10"',
        '  - version: "1.1.0"', // 6: listed twice
        '    date: "2026-04-01"',
        'entries:',
        '  - id: E-0001',
        '    location: chapters/first.md#averagse', // 10
        '    kind: typo',
        '    now: "x"',
        '    fixed_in: "1.1.0"',
        '  - id: E-0001', // 14
        '    location: chapters/frist.md', // 15
        '    kind: typo',
        '    now: "x"',
        '    fixed_in: "9.9.9"', // 18
        '  - id: E-0002', // 19: no fixed_in
        '    location: q-mean-above-medain', // 20
        '    kind: error',
        '    text: "x"',
        '',
      ].join('\n');
      await writeFile(path.join(fixture.book, 'errata.yaml'), text);
      const { list } = await checked(fixture.book);
      const got = list.map((d) => `${d.line}:${d.column} ${d.severity} ${d.ruleId} ${d.message}`);
      expect(got).toEqual([
        '4:5 error errata-release-order Release 1.0.0 comes after 1.1.0 in the list but is not a later version: list releases oldest first',
        '6:5 error errata-release-order Release 1.1.0 is listed twice',
        '10:5 error errata-location E-0001: No anchor `#averagse` in chapters/first.md; did you mean `#averages`?',
        '14:5 error errata-duplicate-id Duplicate erratum id `E-0001` (first used at line 9): ids are never reused; `galley errata add` picks the next free one',
        "15:5 error errata-location E-0001: No chapter `chapters/frist.md` in the book's SUMMARY.md; did you mean `chapters/first.md`?",
        '18:5 error errata-fixed-in `fixed_in: 9.9.9` names no release in `releases` (1.1.0, 1.0.0, 1.1.0)',
        '19:5 warning errata-unreleased E-0002 is not in a release yet (no `fixed_in`): it is listed as unreleased until the next release names it',
        '20:5 error errata-location E-0002: No question or anchor `q-mean-above-medain` in the book; did you mean `q-mean-above-median`?',
      ]);
    } finally {
      await fixture.cleanup();
    }
  });

  it('reports dates going backwards', async () => {
    const file = new VFile({ path: 'errata.yaml' });
    const parsed = parseErrata(
      'releases:\n  - version: "1.0.0"\n    date: "2026-05-01"\n  - version: "1.0.1"\n    date: "2026-04-01"\n',
      file,
    );
    const { book } = await prepare(FIXTURE);
    checkErrata(book, { ...parsed, path: 'errata.yaml' });
    expect(messages(file)).toContain('5:5 error errata-release-order');
  });

  it('resolves chapter files with anchors, whole chapters and bare question ids', async () => {
    const { book } = await prepare(FIXTURE);
    const q = resolveLocation(book, 'q-mean-above-median');
    expect(q.ok && q.location.label).toBe('Question 2.1.2');
    const h = resolveLocation(book, 'chapters/first.md#spread');
    expect(h.ok && [h.location.label, h.location.href]).toEqual(['Spread', 'chapters-first.xhtml#spread']);
    const c = resolveLocation(book, 'chapters/second.md');
    expect(c.ok && c.location.label).toBe('Second thoughts');
    expect(resolveLocation(book, 'chapters/first.md#').ok).toBe(false);
  });
});

describe('version stamping', () => {
  it('gives version, printing and date from book.yaml and the matching release', async () => {
    const { book, errata } = await checked(FIXTURE);
    const stamp = editionStamp(book, errata);
    expect(stamp).toMatchObject({ version: '1.1.0', printing: 2, date: '2026-03-01' });
    expect(stampLine(stamp)).toBe('Version 1.1.0 · Second printing · 2026-03-01');
    expect(summaryLine(stamp)).toBe('  version 1.1.0, second printing (2026-03-01)');
    expect(epubStampMeta(stamp)).toEqual([
      '<meta property="schema:bookEdition">Version 1.1.0 · Second printing</meta>',
    ]);
    expect(pdfStampInfo(stamp)).toEqual({ Version: '1.1.0', Printing: '2' });
    expect(hastToXml(stampElement(stamp))).toMatch(
      /^<p[^>]* class="edition-line">Version 1\.1\.0 · Second printing · 2026-03-01<\/p>$/,
    );
  });
});

describe('Errata appendix', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let html: string;
  let epubDoc: string;
  let pdfFile: string;
  let targets: string[];

  beforeAll(async () => {
    tmp = await tempDir('galley-errata-render-');
    const { book, pages } = await prepare(FIXTURE);
    const errata = (await loadErrata(book))!;
    ensureErrataAppendix(book, errata, pages);
    // A second run (as when prepare() already ran the pass) changes nothing.
    ensureErrataAppendix(book, errata, pages);
    expect(buildErrataAppendix(book, errata)).toBeUndefined();
    await renderHtml(book, pages, tmp.dir);
    html = await readFile(path.join(tmp.dir, 'html/back-errata.xhtml'), 'utf8');
    const epub = await renderEpub(book, pages, tmp.dir);
    const zip = await JSZip.loadAsync(await readFile(epub.path));
    const name = Object.keys(zip.files).find((n) => n.endsWith('back-errata.xhtml'))!;
    epubDoc = await zip.file(name)!.async('string');
    const pdf = await renderPdf(book, pages, tmp.dir);
    pdfFile = pdf.path;
    const errataPage = pages.find((p) => p.chapter?.source === 'back/errata.md')!;
    targets = pageRefTargets(
      rewriteForPrint(errataPage.body, errataPage, new Map(pages.map((p) => [p.outName, p.key]))),
    );
  }, 120_000);
  afterAll(() => tmp?.cleanup());

  it('shows releases newest first in the HTML, each entry linking to its location', async () => {
    expect(html.indexOf('Version 1.1.0')).toBeGreaterThan(0);
    expect(html.indexOf('Version 1.1.0')).toBeLessThan(html.indexOf('Version 1.0.0'));
    expect(html).toContain(
      '<a class="erratum-location" href="chapters-first.xhtml#averages">Averages<span class="page-ref"></span></a> in First steps',
    );
    expect(html).toContain('href="chapters-first.xhtml#q-mean-above-median">Question 2.1.2');
    expect(html).toContain('<li id="erratum-e-0001" class="erratum erratum-typo">');
    expect(html).toContain('<del>the midle value</del>');
    expect(html).toContain('<ins>the middle value</ins>');
    expect(html).toContain('Second printing · 2026-03-01');
    // Every link lands on an id that exists in the target page.
    for (const [, file, id] of html.matchAll(/class="erratum-location" href="([^"#]+)#([^"]+)"/g)) {
      const target = await readFile(path.join(tmp.dir, 'html', file!), 'utf8');
      expect(target, `${file}#${id}`).toContain(`id="${id}"`);
    }
  });

  it('is in the EPUB too', () => {
    expect(epubDoc).toContain('class="errata-appendix"');
    expect(epubDoc).toContain('href="chapters-first.xhtml#spread"');
    expect(epubDoc.indexOf('Version 1.1.0')).toBeLessThan(epubDoc.indexOf('Version 1.0.0'));
  });

  it('is in the PDF, and the page-reference slots fill with the page each location prints on', async () => {
    const { stdout } = await exec('pdftotext', [pdfFile, '-'], { encoding: 'utf8' });
    const appendix = stdout.slice(stdout.lastIndexOf('Errata and changes'));
    // Once the PDF renderer fills the page-reference slots, the page follows the location.
    expect(appendix).toMatch(
      /Version 1\.1\.0[\s\S]*E-0001 Typo · Averages(, p\. \w+)? in First steps[\s\S]*Version 1\.0\.0/,
    );
    // What the PDF renderer's second print does with the helpers: labels from where the targets printed.
    expect(targets).toEqual([
      prefixId('chapters-first', 'averages'),
      prefixId('chapters-first', 'q-mean-above-median'),
      prefixId('chapters-first', 'spread'),
    ]);
    const { dests } = await readDestinations(await readFile(pdfFile));
    const bodyStart = dests.get('preface')?.page;
    for (const target of targets) expect(dests.has(target), target).toBe(true);
    const { book, pages } = await prepare(FIXTURE);
    const errata = (await loadErrata(book))!;
    ensureErrataAppendix(book, errata, pages);
    const page = pages.find((p) => p.chapter?.source === 'back/errata.md')!;
    const filled = fillPageRefs(rewriteForPrint(page.body, page, new Map(pages.map((p) => [p.outName, p.key]))), (t) =>
      dests.has(t) ? pageLabel(dests.get(t)!.page, bodyStart) : undefined,
    );
    const text = JSON.stringify(filled);
    const averages = dests.get(prefixId('chapters-first', 'averages'))!.page;
    expect(text).toContain(`"value":", p. ${pageLabel(averages, bodyStart)}"`);
    // Before the labels are known (first print), each slot holds an invisible placeholder of about the same width.
    const first = JSON.stringify(fillPageRefs(page.body, () => undefined));
    expect(first).toContain('"style":"visibility: hidden"');
    expect(first).toContain('", p. 000"');
    // The location really prints on that page.
    const { stdout: pageText } = await exec(
      'pdftotext',
      ['-f', String(averages + 1), '-l', String(averages + 1), pdfFile, '-'],
      { encoding: 'utf8' },
    );
    expect(pageText).toContain('Averages');
  });
});

describe('CHANGELOG.md and errata.json', () => {
  it('writes a Keep a Changelog document, newest release first, fixes and changes apart', async () => {
    const { book, errata } = await checked(FIXTURE);
    const log = errataChangelog(errata, book);
    expect(log).toMatch(/^# Changelog\n/);
    expect(log).toContain('[Keep a Changelog](https://keepachangelog.com/en/1.1.0/)');
    expect(log.indexOf('## [1.1.0] - 2026-03-01')).toBeLessThan(log.indexOf('## [1.0.0] - 2026-01-10'));
    expect(log).toContain(
      '### Fixed\n\n- **E-0001** (typo; Averages in First steps): “the midle value” → “the middle value”. Thanks to A. Reader.\n- **E-0002** (error; Question 2.1.2 in First steps)',
    );
    expect(log).toContain(
      '### Changed\n\n- **E-0003** (clarification; Spread in First steps): The standard deviation is now introduced as the square root of the variance.',
    );
    expect(releaseNotes(errata, book)).toMatch(
      /^# Errata Mini 1\.1\.0\n\nReleased 2026-03-01\.\n\nSecond printing\. Corrections from readers\.\n\n### Fixed/,
    );
  });

  it('lists unreleased entries under [Unreleased]', () => {
    const file = new VFile({ path: 'errata.yaml' });
    const parsed = parseErrata(
      'releases:\n  - version: "1.0.0"\n    date: "2026-01-01"\nentries:\n  - id: E-0001\n    location: a.md\n    kind: update\n    text: "New *section* on [links]"\n',
      file,
    );
    const log = errataChangelog({ ...parsed, path: 'errata.yaml' });
    expect(log).toContain(
      '## [Unreleased]\n\n### Changed\n\n- **E-0001** (update; a.md): New \\*section\\* on \\[links\\].\n\n## [1.0.0] - 2026-01-01',
    );
  });

  it('gives a website everything in JSON, and writes both files', async () => {
    const { book, errata } = await checked(FIXTURE);
    const json = errataJson(errata, book);
    expect(json.book).toEqual({ title: 'Errata Mini', version: '1.1.0', printing: 2, language: 'en' });
    expect(json.releases.map((r) => [r.version, r.entries])).toEqual([
      ['1.1.0', ['E-0001', 'E-0002', 'E-0003']],
      ['1.0.0', []],
    ]);
    expect(json.entries[1]).toMatchObject({
      id: 'E-0002',
      section: 'Fixed',
      location: {
        source: 'chapters/first.md',
        anchor: 'q-mean-above-median',
        question: '2.1.2',
        href: 'html/chapters-first.xhtml#q-mean-above-median',
      },
      appendix_href: 'html/back-errata.xhtml#erratum-e-0002',
    });
    const tmp = await tempDir();
    try {
      const written = await writeErrataArtifacts(tmp.dir, errata, book);
      expect(await readFile(written.changelog, 'utf8')).toBe(errataChangelog(errata, book));
      expect(JSON.parse(await readFile(written.json, 'utf8'))).toEqual(json);
    } finally {
      await tmp.cleanup();
    }
  });
});

describe('galley errata add', () => {
  it('appends the next id from flags, keeping comments and layout', async () => {
    const fixture = await copyFixture();
    try {
      const before = await readFile(path.join(fixture.book, 'errata.yaml'), 'utf8');
      const result = await addErratum(
        fixture.book,
        { location: 'chapters/first.md#spread', kind: 'typo', was: 'squard', now: 'squared', credit: 'B. Reader' },
        { interactive: false, today: '2026-04-02' },
      );
      expect(result).toMatchObject({ id: 'E-0004', where: 'Spread in First steps' });
      const after = await readFile(path.join(fixture.book, 'errata.yaml'), 'utf8');
      expect(after.startsWith(before.trimEnd())).toBe(true);
      expect(after.slice(before.trimEnd().length)).toBe(
        '\n\n  - id: E-0004\n    location: chapters/first.md#spread\n    kind: typo\n    was: "squard"\n    now: "squared"\n    credit: "B. Reader"\n    reported: "2026-04-02"\n',
      );
      const { list } = await checked(fixture.book);
      expect(list.map((d) => d.ruleId)).toEqual(['errata-unreleased']);
    } finally {
      await fixture.cleanup();
    }
  });

  it('refuses a location that does not resolve, and leaves the file alone', async () => {
    const fixture = await copyFixture();
    try {
      const before = await readFile(path.join(fixture.book, 'errata.yaml'), 'utf8');
      await expect(
        addErratum(
          fixture.book,
          { location: 'chapters/first.md#sprea', kind: 'typo', text: 'x' },
          { interactive: false },
        ),
      ).rejects.toThrow(
        'The location `chapters/first.md#sprea` does not resolve: No anchor `#sprea` in chapters/first.md; did you mean `#spread`?',
      );
      await expect(addErratum(fixture.book, { location: 'chapters/first.md' }, { interactive: false })).rejects.toThrow(
        'Missing --kind, --text (or --was and --now)',
      );
      await expect(
        addErratum(fixture.book, { location: 'chapters/first.md', kind: 'oops', text: 'x' }, { interactive: false }),
      ).rejects.toBeInstanceOf(ErrataInputError);
      expect(await readFile(path.join(fixture.book, 'errata.yaml'), 'utf8')).toBe(before);
    } finally {
      await fixture.cleanup();
    }
  });

  it('asks for what is missing on a terminal, again after a location that does not resolve', async () => {
    const fixture = await copyFixture();
    try {
      const input = new PassThrough();
      const output = new PassThrough();
      const answers = [
        'nowhere.md#x',
        'q-show-that-the-variance-never-goes-below-zero',
        'clarification',
        '',
        'The proof now says why a sum of squares is not negative.',
        'C. Reader',
      ];
      let shown = '';
      // Each prompt ends with ": "; answer it when it shows.
      output.on('data', (chunk: Buffer) => {
        shown += chunk.toString();
        if (shown.endsWith(': ') && answers.length > 0) input.write(`${answers.shift()}\n`);
      });
      const done = addErratum(fixture.book, {}, { interactive: true, input, output, today: '2026-04-03' });
      const result = await done;
      expect(result.id).toBe('E-0004');
      expect(shown).toContain('does not resolve: No chapter `nowhere.md`');
      expect(shown).toContain('→ Question 2.2.2 in First steps');
      const text = await readFile(path.join(fixture.book, 'errata.yaml'), 'utf8');
      expect(text).toContain(
        '  - id: E-0004\n    location: q-show-that-the-variance-never-goes-below-zero\n    kind: clarification\n    text: "The proof now says why a sum of squares is not negative."\n    credit: "C. Reader"\n',
      );
    } finally {
      await fixture.cleanup();
    }
  });

  it('numbers from the widest id and the most used prefix', () => {
    expect(nextId([])).toBe('E-0001');
    expect(nextId(['E-0009', 'E-0010', 'X-0500'])).toBe('E-0011');
    expect(nextId(['E-12345'])).toBe('E-12346');
  });

  it('runs as `galley errata add` and exits 1 on a refused location', async () => {
    const fixture = await copyFixture();
    const codes: number[] = [];
    const errors: string[] = [];
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (errors.push(String(s)), true));
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (errors.push(String(s)), true));
    try {
      codes.push(
        await main([
          'errata',
          'add',
          '--manuscript',
          fixture.book,
          '--location',
          'chapters/first.md#nope',
          '--kind',
          'typo',
          '--text',
          'x',
          '--no-interactive',
        ]),
      );
      codes.push(
        await main([
          'errata',
          'add',
          '--manuscript',
          fixture.book,
          '--location',
          'q-mean-above-median',
          '--kind',
          'typo',
          '--text',
          'x',
          '--fixed-in',
          '1.1.0',
          '--no-interactive',
        ]),
      );
    } finally {
      stderr.mockRestore();
      stdout.mockRestore();
      await fixture.cleanup();
    }
    expect(codes).toEqual([1, 0]);
    expect(errors.join('')).toContain('galley errata add: The location `chapters/first.md#nope` does not resolve');
    expect(errors.join('')).toContain('Added E-0004 (Question 2.1.2 in First steps)');
  });
});

describe('errata-missing: chapter text changed since a git ref without a new entry', () => {
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.invalid',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.invalid',
      },
    });

  async function repo() {
    const fixture = await copyFixture();
    git(fixture.book, 'init', '-q');
    git(fixture.book, 'add', '.');
    git(fixture.book, 'commit', '-qm', 'first');
    return fixture;
  }

  async function run(dir: string, ref = 'HEAD') {
    const { book } = await prepare(dir);
    const errata = await loadErrata(book);
    const { changedFiles } = await import('../scripts/api/check.ts');
    checkErrataForChanges(book, errata, changedFiles(dir, ref), ref);
    return diagnostics(book.files, book.boundary).filter((d) => d.ruleId === 'errata-missing');
  }

  it('is an error at the first changed line, until a new entry names the chapter', async () => {
    const fixture = await repo();
    try {
      const file = path.join(fixture.book, 'chapters/first.md');
      const text = await readFile(file, 'utf8');
      await writeFile(file, text.replace('how many there are', 'how many numbers there are'));
      const line = text.split('\n').findIndex((l) => l.includes('how many there are')) + 1;
      expect(await run(fixture.book)).toEqual([
        expect.objectContaining({ file: 'chapters/first.md', line, column: 1, severity: 'error' }),
      ]);
      // An entry that existed at the ref does not count; a new one does.
      await addErratum(
        fixture.book,
        { location: 'chapters/first.md#averages', kind: 'clarification', text: 'Says what is counted.' },
        { interactive: false },
      );
      expect(await run(fixture.book)).toEqual([]);
      // Committed, the change and its entry are both in HEAD~0; since the first commit they still pair up.
      git(fixture.book, 'commit', '-qam', 'fix');
      expect(await run(fixture.book, 'HEAD~1')).toEqual([]);
    } finally {
      await fixture.cleanup();
    }
  });

  it('exempts pure formatting changes only when errata.yaml says so', async () => {
    const fixture = await repo();
    try {
      const file = path.join(fixture.book, 'chapters/first.md');
      const text = await readFile(file, 'utf8');
      // Rewrapped, different list markers, emphasis added as markup only: the same text.
      const reformatted = text
        .replace(
          'The mean of a list of numbers is their sum divided by how many there are.',
          'The mean of a list of numbers is their sum\ndivided by how many there are.',
        )
        .replace('1. [E] What is the variance', '1.  [E] What is the variance');
      await writeFile(file, reformatted);
      expect(await run(fixture.book)).toHaveLength(1);
      const errataFile = path.join(fixture.book, 'errata.yaml');
      await writeFile(errataFile, `changes:\n  exempt_formatting: true\n${await readFile(errataFile, 'utf8')}`);
      expect(await run(fixture.book)).toEqual([]);
      // A typo fix is text, exempt or not.
      await writeFile(file, reformatted.replace('middle value', 'midle value'));
      expect(await run(fixture.book)).toHaveLength(1);
    } finally {
      await fixture.cleanup();
    }
  });

  it('compares text, not markup', () => {
    expect(firstTextChange('# A\n\nSome *words* here.\n', '# A\n\nSome _words_\nhere.\n', true)).toBeUndefined();
    expect(firstTextChange('# A\n\nSome words here.\n', '# A\n\nSome words there.\n', true)).toBe(3);
    expect(firstTextChange('# A\n\n[x](a.md)\n', '# A\n\n[x](b.md)\n', true)).toBe(3);
    expect(
      firstTextChange('# A\n\nText.\n\nCopyright ©2025 X\n', '# A\n\nText.\n\nCopyright ©2026 X\n', false),
    ).toBeUndefined();
    expect(textBlocks('---\ntitle: x\n---\n# A\n\n- one\n- two\n').map((b) => b.text)).toEqual(['h1: A', 'one', 'two']);
  });
});
