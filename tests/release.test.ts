import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { release, type ReleaseResult } from '../scripts/api/release.ts';
import { main } from '../scripts/cli.ts';
import { chaptersOnThisThread, ROOT, tempDir } from './helpers.ts';

const FIXTURE = path.join(ROOT, 'tests/books/errata-mini');

chaptersOnThisThread();

async function copyFixture() {
  const tmp = await tempDir('galley-release-');
  const book = path.join(tmp.dir, 'book');
  await cp(FIXTURE, book, { recursive: true });
  return { ...tmp, book, out: path.join(tmp.dir, 'dist') };
}

async function edit(file: string, from: string, to: string) {
  const text = await readFile(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${from} not in ${file}`);
  await writeFile(file, text.replace(from, to));
}

describe('galley release refuses a book with an error', () => {
  it("when book.yaml's version is not the latest release: exit 1, the error at its line, nothing published", async () => {
    const t = await copyFixture();
    try {
      await edit(path.join(t.book, 'book.yaml'), 'version: "1.1.0"', 'version: "1.2.0"');
      const codes: number[] = [];
      const stderr: string[] = [];
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (stderr.push(String(s)), true));
      try {
        codes.push(await main(['release', '--manuscript', t.book, '--out', t.out, '--quiet']));
      } finally {
        spy.mockRestore();
      }
      expect(codes).toEqual([1]);
      const text = stderr.join('');
      expect(text).toMatch(
        /book\.yaml:4:1 error book\.yaml says version 1\.2\.0, but the latest release in errata\.yaml is 1\.1\.0: add release 1\.2\.0 to errata\.yaml \[errata-version\]/,
      );
      expect(text).toContain('Release 1.2.0 refused: 1 error; nothing was published.');
      expect(existsSync(path.join(t.out, 'release'))).toBe(false);
    } finally {
      await t.cleanup();
    }
  });

  it('when a link is broken or an erratum is not in a release', async () => {
    const t = await copyFixture();
    try {
      await edit(
        path.join(t.book, 'chapters/first.md'),
        'This chapter gives three of them',
        'This chapter gives [three](second.md#nowhere) of them',
      );
      await edit(
        path.join(t.book, 'errata.yaml'),
        '    fixed_in: "1.1.0"\n\n  - id: E-0003',
        '    fixed_in: "1.1.0"\n\n  - id: E-0004\n    location: chapters/second.md\n    kind: update\n    text: "Longer."\n\n  - id: E-0003',
      );
      const result = await release({ manuscript: t.book, out: t.out });
      expect(result.ok).toBe(false);
      const errors = result.diagnostics
        .filter((d) => d.severity === 'error')
        .map((d) => `${d.file}:${d.line} ${d.ruleId}`);
      expect(errors).toEqual(
        expect.arrayContaining(['chapters/first.md:3 broken-link', 'errata.yaml:29 errata-unreleased']),
      );
      expect(existsSync(path.join(t.out, 'release'))).toBe(false);
    } finally {
      await t.cleanup();
    }
  });
});

describe('galley release of a clean book', () => {
  let t: Awaited<ReturnType<typeof copyFixture>>;
  let result: ReleaseResult;
  let dir: string;

  beforeAll(async () => {
    t = await copyFixture();
    result = await release({ manuscript: t.book, out: t.out });
    dir = path.join(t.out, 'release', '1.1.0');
  }, 300_000);
  afterAll(() => t?.cleanup());

  it('passes every check (EPUBCheck and Ace included) and publishes the versioned artifacts', async () => {
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.ok).toBe(true);
    expect(Object.keys(result.timings)).toEqual(['source checks', 'build', 'epub checks', 'pdf checks', 'publish']);
    expect((await readdir(dir)).sort()).toEqual([
      'CHANGELOG.md',
      'RELEASE-NOTES.md',
      'SHA256SUMS',
      'errata-mini-1.1.0-web.zip',
      'errata-mini-1.1.0.epub',
      'errata-mini-1.1.0.pdf',
      'errata.json',
      'web',
    ]);
    // Nothing else is left behind: no staging folder; versions.js lists the released versions for the version menu.
    expect((await readdir(path.join(t.out, 'release'))).sort()).toEqual(['1.1.0', 'versions.js']);
  });

  it('writes SHA256SUMS that sha256sum verifies', () => {
    const out = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
    expect(out.trim().split('\n')).toHaveLength(6);
    expect(out).not.toMatch(/FAILED/);
  });

  it('takes the release notes from the errata changelog', async () => {
    const notes = await readFile(path.join(dir, 'RELEASE-NOTES.md'), 'utf8');
    expect(notes).toMatch(
      /^# Errata Mini 1\.1\.0\n\nReleased 2026-03-01\.\n\nSecond printing\. Corrections from readers\./,
    );
    expect(notes).toContain('- **E-0001** (typo; Averages in First steps)');
    expect(await readFile(path.join(dir, 'CHANGELOG.md'), 'utf8')).toContain('## [1.0.0] - 2026-01-10');
  });

  it('stamps the version in the EPUB and PDF, and ships the web edition with the errata appendix', async () => {
    const epub = await JSZip.loadAsync(await readFile(path.join(dir, 'errata-mini-1.1.0.epub')));
    const opf = await epub.file(Object.keys(epub.files).find((n) => n.endsWith('.opf'))!)!.async('string');
    expect(opf).toContain('<meta property="schema:version">1.1.0</meta>');
    const front = execFileSync('pdftotext', ['-f', '1', '-l', '4', path.join(dir, 'errata-mini-1.1.0.pdf'), '-'], {
      encoding: 'utf8',
    });
    expect(front).toContain('Version 1.1.0');
    const web = await JSZip.loadAsync(await readFile(path.join(dir, 'errata-mini-1.1.0-web.zip')));
    expect(Object.keys(web.files)).toContain('errata-mini-1.1.0-web/index.html');
    const appendix = await web.file('errata-mini-1.1.0-web/back-errata.html')!.async('string');
    expect(appendix).toContain('class="errata-appendix"');
  });

  it('never replaces a published version without --force', async () => {
    const again = await release({ manuscript: t.book, out: t.out });
    expect(again.ok).toBe(false);
    expect(again.diagnostics.map((d) => d.ruleId)).toEqual(['release-exists']);
  });
});
