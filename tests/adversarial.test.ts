/**
 * Every hostile input of ../shared/design/adversarial.md (1–18; 19 is
 * kill.test.ts, 20 reproducible.test.ts, 16 pathological.test.ts), built the
 * way CI builds a pull request. One hostile book holds every case a build
 * survives (one chapter per case) and is built once to HTML, EPUB and PDF;
 * the cases that must stop a build get small books of their own
 * (adversarial-stops.test.ts), and round two is in adversarial-round-two*.test.ts:
 * four files, so no one of them holds a test worker for the whole run.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { HTTPRequest } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type BuildResult } from '../scripts/api/build.ts';
import { runEpubcheck, type EpubcheckResult } from '../scripts/checks/epubcheck.ts';
import { launchBrowser, type GalleyBrowser } from '../scripts/render/browser.ts';
import { writeHostileBook, type HostileBook } from './books/hostile/book.ts';
import { tempDir } from './helpers.ts';
import { withEnv } from '../scripts/util/env.ts';
import { exec, EPOCH, startCanary, outputFiles, isMarkup, forbiddenIn, type Finding } from './adversarial/shared.ts';

describe('a hostile book, built to HTML, EPUB and PDF', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let canary: Awaited<ReturnType<typeof startCanary>>;
  let book: HostileBook;
  let result: BuildResult;
  let files: Map<string, Buffer>;
  let pdfText: string;
  let epubcheck: EpubcheckResult;
  /** One Chromium for the build's print and the careless reader below (each launch is about 1.3 CPU-seconds). */
  let chromium: GalleyBrowser | undefined;

  beforeAll(async () => {
    canary = await startCanary();
    chromium = await launchBrowser();
    work = await tempDir('galley-hostile-');
    book = await writeHostileBook(work.dir, canary.url, `galley-secret-${randomBytes(12).toString('hex')}`);
    // Chapters on this thread (GALLEY_WORKERS=0): the outputs are what is examined, not the worker that made them.
    result = await withEnv({ SOURCE_DATE_EPOCH: EPOCH, GALLEY_WORKERS: '0' }, () =>
      build({
        manuscript: book.manuscript,
        out: path.join(work.dir, 'out'),
        formats: ['html', 'epub', 'pdf'],
        quiet: true,
        browser: chromium,
      }),
    );
    files = await outputFiles(result);
    const pdf = result.artifacts.find((a) => a.format === 'pdf');
    pdfText = pdf ? (await exec('pdftotext', [pdf.path, '-'], { maxBuffer: 64 * 1024 * 1024 })).stdout : '';
  }, 180_000);

  afterAll(async () => {
    await chromium?.close();
    await canary?.close();
    await work?.cleanup();
  });

  const messagesOf = (file: string) => result.diagnostics.filter((d) => d.file === file);
  const at = (file: string, line: number, rule: string, pattern: RegExp) =>
    messagesOf(file).filter((d) => d.line === line && d.ruleId === rule && pattern.test(d.message));

  it('builds all three formats with warnings only, and the canary hears nothing', () => {
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.artifacts.map((a) => a.format)).toEqual(['html', 'epub', 'pdf']);
    expect(canary.requests).toEqual([]);
    expect(canary.connections).toBe(0);
    // Chromium asked for nothing outside the book either (every such request would be a pdf-blocked-request error).
    expect(result.diagnostics.filter((d) => d.ruleId === 'pdf-blocked-request')).toEqual([]);
  });

  it('keeps files outside the manuscript out of every output: the secret token and /etc/passwd appear nowhere', () => {
    expect(files.size).toBeGreaterThan(40);
    for (const [name, bytes] of files) {
      expect(bytes.includes(book.token), name).toBe(false);
      expect(bytes.includes('root:x:0:0'), name).toBe(false);
    }
    expect(pdfText).toContain('Paths outside');
    expect(pdfText).not.toContain(book.token);
    expect(pdfText).not.toContain('root:x:0:0');
    expect(pdfText).not.toContain('/bin/bash');
  });

  it('holds no script, handler, script URL, frame, object, embed, base, meta refresh, link, style or SVG image in any document', () => {
    const findings: Finding[] = [];
    for (const [name, bytes] of files) if (isMarkup(name)) findings.push(...forbiddenIn(name, bytes.toString('utf8')));
    expect(findings).toEqual([]);
    // The raw text too: text is escaped, so a literal `<script` could only be a tag.
    for (const [name, bytes] of files) {
      if (!isMarkup(name)) continue;
      const text = bytes.toString('utf8');
      expect(text, name).not.toMatch(/<(script|iframe|object|embed|base|frame|style)\b/i);
      expect(text, name).not.toMatch(/<link\b(?![^>]*rel="stylesheet"[^>]*href="css\/[\w-]+\.css")/i);
      expect(text, name).not.toMatch(/<meta\b[^>]*refresh/i);
    }
    // Every hostile chapter made it into every output.
    for (const doc of ['c04-script', 'c05-handlers', 'c06-js-links', 'c07-iframe', 'c13-stripped', 'c14-css']) {
      expect(files.has(`html/${doc}.xhtml`), doc).toBe(true);
      expect(files.has(`epub:OEBPS/${doc}.xhtml`), doc).toBe(true);
    }
  });

  it('drops script URLs from links but keeps their text (case 6)', () => {
    const page = files.get('html/c06-js-links.xhtml')!.toString('utf8');
    for (const label of [
      'mixed case',
      'tab entity',
      'newline entity',
      'data html',
      'data base64',
      'leading space',
      'decimal entity',
      'vbscript',
      'ref link',
    ])
      expect(page).toContain(`<a>${label}</a>`);
  });

  it('turns a frame onto file:///etc/passwd into a caption without its source (case 7)', () => {
    const page = files.get('html/c07-iframe.xhtml')!.toString('utf8');
    expect(page).not.toContain('passwd');
    expect(
      at('c07-iframe.md', book.lineOf('c07-iframe.md', '<iframe src="file:'), 'media', /without a usable source/),
    ).toHaveLength(1);
  });

  it('never fetches remote images: each is an error at its line, shown as a placeholder (case 8)', () => {
    const file = 'c08-remote-images.md';
    for (const needle of ['169.254.169.254', '/x.png', '/raw.png', '/poster.png']) {
      expect(
        at(file, book.lineOf(file, needle), 'remote-resource', /Remote image .* is not fetched during a build/),
        needle,
      ).toHaveLength(1);
    }

    const page = files.get('html/c08-remote-images.xhtml')!.toString('utf8');
    expect(page).toContain('<span class="missing-image">[metadata]</span>');
    expect(page).not.toContain('169.254');
  });

  it('refuses image paths outside the manuscript with “outside the manuscript” at line:column (cases 9, 10)', () => {
    const cases: [string, string, RegExp][] = [
      ['c09-paths.md', '../../../../etc/passwd', /outside the manuscript/],
      ['c09-paths.md', '(/etc/passwd)', /`\/etc\/passwd` is outside the manuscript/],
      ['c09-paths.md', 'file:///etc/passwd', /`file:\/\/\/etc\/passwd` is outside the manuscript/],
      ['c09-paths.md', 'FILE:/etc/passwd', /`FILE:\/etc\/passwd` is outside the manuscript/],
      ['c09-paths.md', '](//127.0.0.1', /`\/\/127\.0\.0\.1:\d+\/x\.png` is outside the manuscript/],
      ['c09-paths.md', '../secret.png', /outside the manuscript/],
      ['c09-paths.md', '../secret.svg', /outside the manuscript/],
      ['c09-paths.md', '..\\secret.png', /backslash/],
      ['c10-encoded.md', 'images/%2e%2e/ok.png', /hides `\.\.` or `\.` in percent-escapes/],
      ['c10-encoded.md', '%252e%252e', /outside the manuscript/],
      ['c10-encoded.md', 'images/%2e%2e/%2e%2e/secret.png', /outside the manuscript/],
      ['c10-encoded.md', 'images%2f..%2f', /outside the manuscript/],
      ['c10-encoded.md', '.%2E/.%2e', /outside the manuscript/],
    ];
    for (const [file, needle, pattern] of cases) {
      const line = book.lineOf(file, needle);
      const found = messagesOf(file).filter(
        (d) => d.line === line && d.column === 1 && d.ruleId === 'broken-image' && pattern.test(d.message),
      );
      expect(found, `${file}:${line} ${needle}`).toHaveLength(1);
    }
  });

  it('refuses symlinks out of the manuscript: to /etc/passwd, to a secret, through a linked folder (case 11)', () => {
    const file = 'c11-symlink.md';
    for (const needle of ['images/a.png', 'images/b.png', 'linked/secret.png']) {
      expect(
        at(file, book.lineOf(file, needle), 'broken-image', /is a link that points outside the manuscript/),
        needle,
      ).toHaveLength(1);
    }
  });

  it('refuses files whose bytes are not an image, whatever their name (case 12)', () => {
    const file = 'c12-magic.md';
    for (const needle of ['images/fake.png', 'images/page.svg']) {
      expect(
        at(file, book.lineOf(file, needle), 'broken-image', /is not an image .* by its content/),
        needle,
      ).toHaveLength(1);
    }

    const images = [...files.keys()].filter((name) => name.startsWith('html/images/'));
    expect(images.some((name) => /\/ok-[0-9a-f]{10}\.png$/.test(name))).toBe(true);
    expect(images.some((name) => /fake|page/.test(name))).toBe(false);
  });

  it('writes a hostile SVG file back without scripts, handlers, external references, entities or HTML (cases 5, 13)', () => {
    const svg = [...files].find(([name]) => /^html\/images\/evil-[0-9a-f]{10}\.svg$/.test(name));
    expect(svg).toBeDefined();
    const text = svg![1].toString('utf8');
    expect(text).toContain('<circle cx="5" cy="5" r="3" fill="teal"></circle>');
    expect(text).not.toMatch(
      /<!DOCTYPE|<!ENTITY|onload|script|iframe|<image|<use|foreignObject|xlink|passwd|127\.0\.0\.1|javascript/i,
    );
  });

  it('leaves no style that loads anything: inline styles, <style>, MathML styles, SVG paint (case 14)', () => {
    const page = files.get('html/c14-css.xhtml')!.toString('utf8');
    expect(page).not.toMatch(/url\(|@import|style-bg|math-style|fill\.svg|marker\.svg/);
    expect(page).toContain('<rect width="5" height="5"></rect>');
  });

  it('gives every chapter a safe, unique file name; the EPUB starts with a stored mimetype (case 15)', () => {
    const epub = files.get('epub')!;
    expect(epub.readUInt32LE(0)).toBe(0x04034b50);
    expect(epub.readUInt16LE(8)).toBe(0);
    expect(epub.subarray(30, 30 + epub.readUInt16LE(26)).toString('latin1')).toBe('mimetype');
    const names = [...files.keys()].filter((n) => n.startsWith('epub:')).map((n) => n.slice(5));
    for (const name of names) {
      expect(name).toMatch(/^(mimetype|META-INF\/[\w.-]+|OEBPS\/[a-z0-9][a-z0-9._/-]*)$/);
      expect(
        name.split('/').some((s) => s === '..' || s === '.' || /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(s)),
        name,
      ).toBe(false);
    }
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
    for (const doc of ['evil', 'con-file', 'con-file-2', 'a-b', 'uni', 'uni-2', 'dup-a', 'dup-a-2']) {
      expect(names, doc).toContain(`OEBPS/${doc}.xhtml`);
      expect(files.has(`html/${doc}.xhtml`), doc).toBe(true);
    }
    // Titles are text wherever they appear: navigation, NCX, <title>.
    const nav = files.get('epub:OEBPS/toc.xhtml')!.toString('utf8');
    expect(nav).toContain('../../evil');
    expect(nav).toContain('a\\b');
    expect(nav).toContain('Ünï');
    expect(files.get('html/c15-title.xhtml')!.toString('utf8')).toContain(
      '<title>&#x3C;/title>&#x3C;script>alert(2)&#x3C;/script>',
    );
    expect(messagesOf('SUMMARY.md').filter((d) => d.ruleId === 'toc-duplicate')).toHaveLength(1);
  });

  it('passes EPUBCheck with no fatal or error', async () => {
    epubcheck = await runEpubcheck(result.artifacts.find((a) => a.format === 'epub')!.path);
    const problems = epubcheck.messages.filter((m) => m.severity === 'fatal' || m.severity === 'error');
    expect(problems.map((m) => `${m.id} ${m.path}:${m.line}:${m.column} ${m.message}`)).toEqual([]);
  }, 180_000);

  it('drops the BOM, turns NUL into U+FFFD and warns about bidi controls at their line:column (case 17)', () => {
    const page = files.get('html/c17-hygiene.xhtml')!.toString('utf8');
    expect(page).toContain('<h1 id="hygiene">Hygiene</h1>');
    expect(page).toContain('A NUL here: \uFFFD (replaced).');
    expect(page).toContain('Characters XML cannot hold: \uFFFD \uFFFD \uFFFD \uFFFD (replaced).');
    for (const [name, bytes] of files)
      if (isMarkup(name)) expect(bytes.toString('utf8').includes('\uFEFF'), name).toBe(false);
    const line = book.lineOf('c17-hygiene.md', '\u202E');
    const column = book.chapters.get('c17-hygiene.md')![line - 1]!.indexOf('\u202E') + 1;
    expect(
      messagesOf('c17-hygiene.md')
        .filter((d) => d.ruleId === 'bidi-control')
        .map((d) => [d.line, d.column, d.severity]),
    ).toEqual([[line, column, 'warning']]);
  });

  it('includes nothing from outside: mdBook and HonKit includes, links and the cover are refused', () => {
    const file = 'c18-includes.md';
    const includes = messagesOf(file).filter((d) => d.ruleId === 'include');
    expect(includes.map((d) => d.message.replace(/`([^`]*)`.*/, '$1'))).toEqual([
      'Include ../secret.txt',
      'Include listings/leak.txt',
    ]);
    // A book.yaml book has no template tags (issue 24): the `{% include %}` lines stay text, nothing is read.
    expect(messagesOf(file).some((d) => /secret\.md|leak\.md/.test(d.message))).toBe(false);
    expect(includes.every((d) => /outside the manuscript/.test(d.message))).toBe(true);
    expect(at(file, book.lineOf(file, '[outside]'), 'broken-link', /outside the manuscript/)).toHaveLength(1);
    expect(at(file, book.lineOf(file, 'absolute link'), 'broken-link', /outside the manuscript/)).toHaveLength(1);
    expect(
      messagesOf('book.yaml').filter(
        (d) => d.ruleId === 'broken-image' && /^Cover: `\.\.\/secret\.png` is outside the manuscript/.test(d.message),
      ),
    ).toHaveLength(1);
    expect([...files.keys()].some((name) => /cover/.test(name) && /\.png$/.test(name))).toBe(false);
  });

  it('loads nothing from anywhere when a reader runs scripts and ignores the Content-Security-Policy', async () => {
    // A reading system as careless as they come: JavaScript on, CSP stripped, every request recorded.
    // Nothing leaves the browser: interception answers the book's files and aborts everything else.
    const origin = 'https://reader.galley.invalid';
    const served = new Map<string, Buffer>();
    for (const [name, bytes] of files) {
      if (name.startsWith('html/')) served.set(name, bytes);
      else if (name.startsWith('epub:OEBPS/')) served.set(`epub/${name.slice('epub:OEBPS/'.length)}`, bytes);
    }
    const control = `<html xmlns="http://www.w3.org/1999/xhtml"><body><img src="${canary.url}/control.png" alt=""/><script>alert('control')</script></body></html>`;
    served.set('control.xhtml', Buffer.from(control));
    const requests: string[] = [];
    const dialogs: string[] = [];
    const page = await chromium!.newPage();
    try {
      await page.setJavaScriptEnabled(true);
      await page.setRequestInterception(true);
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      page.on('request', (request: HTTPRequest) => {
        const url = request.url();
        const name = url.startsWith(`${origin}/`) ? decodeURIComponent(new URL(url).pathname.slice(1)) : undefined;
        const body = name === undefined ? undefined : served.get(name);
        if (body) {
          const type = /\.(xhtml|html)$/.test(name!)
            ? 'application/xhtml+xml'
            : /\.css$/.test(name!)
              ? 'text/css'
              : /\.svg$/.test(name!)
                ? 'image/svg+xml'
                : /\.png$/.test(name!)
                  ? 'image/png'
                  : 'application/octet-stream';
          // A font is answered empty: it can fetch nothing, and the book's 20 MB of fonts sent again for every page was
          // most of this test's CPU. Its request is still seen, checked against the book's files and answered here.
          const data =
            type === 'application/xhtml+xml'
              ? Buffer.from(body.toString('utf8').replace(/<meta http-equiv="Content-Security-Policy"[^>]*\/>/, ''))
              : /\.(woff2?|ttf|otf)$/.test(name!)
                ? Buffer.alloc(0)
                : body;
          void request.respond({ status: 200, contentType: type, body: data });
          return;
        }
        if (!(name && /favicon\.ico$/.test(name))) requests.push(url);
        void request.abort('blockedbyclient');
      });
      // The oracle works: a page with a remote image and a script is caught.
      await page.goto(`${origin}/control.xhtml`, { waitUntil: 'load' });
      expect(requests).toEqual([`${canary.url}/control.png`]);
      expect(dialogs).toEqual(['control']);
      requests.length = 0;
      dialogs.length = 0;
      const pages = [...served.keys()].filter((name) => /\.(xhtml|html|svg)$/.test(name) && name !== 'control.xhtml');
      expect(pages.length).toBeGreaterThan(40);
      for (const name of pages) await page.goto(`${origin}/${name}`, { waitUntil: 'load' });
    } finally {
      await page.close();
    }
    expect(requests).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(canary.requests).toEqual([]);
  }, 120_000);
});
