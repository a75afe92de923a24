/**
 * Every hostile input of ../shared/design/adversarial.md (1–18; 19 is
 * kill.test.ts, 20 reproducible.test.ts, 16 pathological.test.ts), built the
 * way CI builds a pull request. One hostile book holds every case a build
 * survives (one chapter per case) and is built once to HTML, EPUB and PDF;
 * the cases that must stop a build get small books of their own.
 */
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { Element, Root } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import JSZip from 'jszip';
import type { HTTPRequest } from 'puppeteer';
import { visit } from 'unist-util-visit';
import { VFile } from 'vfile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, prepare, type BuildResult } from '../scripts/api/build.ts';
import { runEpubcheck, type EpubcheckResult } from '../scripts/checks/epubcheck.ts';
import { parseYaml } from '../scripts/model/config/load.ts';
import { launchBrowser, type GalleyBrowser } from '../scripts/render/browser.ts';
import type { Diagnostic } from '../scripts/model/report.ts';
import { writeHostileBook, writeSecrets, type HostileBook } from './books/hostile/book.ts';
import { hastToXml } from '../scripts/render/xhtml.ts';
import { GALLEY, tempDir } from './helpers.ts';
import { withEnv } from '../scripts/util/env.ts';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import { buildDate } from '../scripts/util/build-date.ts';
import { gitShow } from '../scripts/checks/errata-changes.ts';
import { findRepository, runGit } from '../scripts/util/git.ts';
import { changedFiles, check, externalAllowed } from '../scripts/api/check.ts';
import { checkExternalLinks } from '../scripts/checks/external-links.ts';
import { isPrivateAddress } from '../scripts/checks/private-address.ts';
import { compilePattern, globMatch, PatternTimeout, RegexBudget } from '../scripts/checks/link-patterns.ts';
import { sniffImage } from '../scripts/model/book/assets.ts';
import { sanitizeSvg } from '../scripts/model/book/svg.ts';
import { loadBibliography } from '../scripts/model/dialects/bibliography.ts';
import { createHash, createHmac } from 'node:crypto';
import { decodeEntry, defaultCacheDir, entryPath } from '../scripts/passes/cache/chapter-cache.ts';
import { cacheRoot } from '../scripts/util/cache-location.ts';
import { startDev } from '../scripts/api/dev.ts';
import { escapeControls, formatCompact, formatJson, formatText } from '../scripts/model/report.ts';

const exec = promisify(execFile);
const EPOCH = '1780000000';

/** A server on 127.0.0.1 that counts every connection and request it gets: it must hear nothing. */
async function startCanary() {
  const requests: string[] = [];
  let connections = 0;
  const server = http.createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.end('canary');
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get connections() {
      return connections;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else out.push(full);
  }
  return out;
}

/** Every file of a build's outputs, by a name that says where it came from (`html/x.xhtml`, `epub:OEBPS/x.xhtml`). */
async function outputFiles(result: BuildResult): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const artifact of result.artifacts) {
    if (artifact.format === 'html') {
      for (const file of await listFiles(artifact.path))
        files.set(`html/${path.relative(artifact.path, file)}`, await readFile(file));
    } else {
      const bytes = await readFile(artifact.path);
      files.set(artifact.format, bytes);
      if (artifact.format === 'epub') {
        const zip = await JSZip.loadAsync(bytes);
        for (const entry of Object.values(zip.files))
          if (!entry.dir) files.set(`epub:${entry.name}`, await entry.async('nodebuffer'));
      }
    }
  }
  return files;
}

const isMarkup = (name: string) => /\.(x?html|svg|ncx|opf|xml)$/.test(name);

/** Elements no output may hold, whatever namespace they sit in. */
const FORBIDDEN_ELEMENTS = new Set([
  'script',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'portal',
  'base',
  'style',
  'template',
  'noscript',
  'form',
  'button',
  'foreignobject',
  'image',
  'use',
  'feimage',
  'animate',
  'set',
  'animatemotion',
  'animatetransform',
  'handler',
  'listener',
]);
/** Attributes that fetch or run something. */
const FETCHING = new Set([
  'src',
  'href',
  'xlinkHref',
  'poster',
  'data',
  'action',
  'formAction',
  'background',
  'codeBase',
  'manifest',
  'ping',
  'cite',
  'longDesc',
  'itemType',
]);
const SCHEME = /^\s*([a-z][a-z0-9+.-]*)\s*:/i;

interface Finding {
  file: string;
  what: string;
}

/**
 * What a document holds that it must not: forbidden elements, `on*`
 * attributes, `srcdoc`/`srcset`, script and data URLs, styles that load, and
 * any fetching attribute that points off the book (only `<a href>` may name
 * another site, and only over http, https or mailto).
 */
function forbiddenIn(file: string, text: string): Finding[] {
  const found: Finding[] = [];
  const tree = fromHtml(text.replace(/^<\?xml[^>]*>/, ''), { fragment: false }) as Root;
  visit(tree, 'element', (node: Element) => {
    const tag = node.tagName.toLowerCase();
    if (FORBIDDEN_ELEMENTS.has(tag)) found.push({ file, what: `<${node.tagName}>` });
    if (tag === 'meta') {
      const httpEquiv = node.properties.httpEquiv === undefined ? undefined : String(node.properties.httpEquiv);
      if (
        (httpEquiv !== undefined && httpEquiv !== 'Content-Security-Policy') ||
        /url\s*=/i.test(String(node.properties.content ?? ''))
      )
        found.push({ file, what: `<meta ${JSON.stringify(node.properties)}>` });
    }
    for (const [name, raw] of Object.entries(node.properties)) {
      const value = Array.isArray(raw) ? raw.join(' ') : String(raw);
      if (/^on/i.test(name)) found.push({ file, what: `${name}= on <${node.tagName}>` });
      if (/^(srcDoc|srcSet|imageSrcSet|formAction|xmlBase)$/i.test(name))
        found.push({ file, what: `${name}= on <${node.tagName}>` });
      if (/(java|vb)\s*script\s*:|data\s*:\s*text\/html|livescript:/i.test(value.replace(/[\u0000-\u0020]/g, '')))
        found.push({ file, what: `script URL in ${name}="${value}"` });
      if (name === 'style' && /url\s*\(|@import|expression\s*\(|image-set|\\/i.test(value))
        found.push({ file, what: `style="${value}"` });
      if (FETCHING.has(name)) {
        const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
        const link = tag === 'a' && name === 'href';
        if (scheme && !(link && ['http', 'https', 'mailto'].includes(scheme))) {
          if (!(tag === 'html' || (tag === 'a' && name === 'href')))
            found.push({ file, what: `${name}="${value}" on <${node.tagName}>` });
          else if (link) found.push({ file, what: `link to ${value}` });
        }
        if (
          !link &&
          !scheme &&
          (value.startsWith('/') || value.split('/').includes('..')) &&
          !(file.startsWith('html/') && value.startsWith('../fonts/'))
        )
          found.push({ file, what: `${name}="${value}" on <${node.tagName}> leaves the book` });
      }
    }
  });
  return found;
}

describe('a hostile book, built to HTML, EPUB and PDF', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let canary: Awaited<ReturnType<typeof startCanary>>;
  let book: HostileBook;
  let result: BuildResult;
  let files: Map<string, Buffer>;
  let pdfText: string;
  let epubcheck: EpubcheckResult;

  beforeAll(async () => {
    canary = await startCanary();
    work = await tempDir('galley-hostile-');
    book = await writeHostileBook(work.dir, canary.url, `galley-secret-${randomBytes(12).toString('hex')}`);
    result = await withEnv({ SOURCE_DATE_EPOCH: EPOCH }, () =>
      build({
        manuscript: book.manuscript,
        out: path.join(work.dir, 'out'),
        formats: ['html', 'epub', 'pdf'],
        quiet: true,
      }),
    );
    files = await outputFiles(result);
    const pdf = result.artifacts.find((a) => a.format === 'pdf');
    pdfText = pdf ? (await exec('pdftotext', [pdf.path, '-'], { maxBuffer: 64 * 1024 * 1024 })).stdout : '';
  }, 180_000);

  afterAll(async () => {
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
    const galley: GalleyBrowser = await launchBrowser();
    const requests: string[] = [];
    const dialogs: string[] = [];
    try {
      const page = await galley.browser.newPage();
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
          const data =
            type === 'application/xhtml+xml'
              ? Buffer.from(body.toString('utf8').replace(/<meta http-equiv="Content-Security-Policy"[^>]*\/>/, ''))
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
      await page.close();
    } finally {
      await galley.close();
    }
    expect(requests).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(canary.requests).toEqual([]);
  }, 120_000);
});

// ——— Inputs that must stop a build: small books of their own ———

interface MiniBook {
  dir: string;
  manuscript: string;
  out: string;
}

let miniCount = 0;
/** A small book in `parent`: book.yaml and SUMMARY.md made from the chapter list unless given. */
async function miniBook(parent: string, files: Record<string, string | Buffer>, summary?: string): Promise<MiniBook> {
  const dir = path.join(parent, `book-${++miniCount}`);
  const manuscript = path.join(dir, 'book');
  await mkdir(manuscript, { recursive: true });
  await writeFile(
    path.join(manuscript, 'book.yaml'),
    'title: "Mini"\nauthors: ["Mallory"]\nidentifier: "urn:uuid:0b7e8a36-1d2f-4c55-9a0e-1f2e3d4c5b6a"\n',
  );
  const chapters = Object.keys(files).filter((name) => name.endsWith('.md'));
  await writeFile(
    path.join(manuscript, 'SUMMARY.md'),
    summary ?? `# Summary\n\n${chapters.map((name) => `* [${name}](${name})`).join('\n')}\n`,
  );
  for (const [name, data] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(manuscript, name)), { recursive: true });
    await writeFile(path.join(manuscript, name), data);
  }
  return { dir, manuscript, out: path.join(dir, 'out') };
}

async function buildMini(book: MiniBook, formats: ('html' | 'epub' | 'pdf')[] = ['html', 'epub']) {
  return withEnv({ SOURCE_DATE_EPOCH: EPOCH }, () =>
    build({ manuscript: book.manuscript, out: book.out, formats, quiet: true }),
  );
}

/** A build that must fail: returns its error diagnostics, after checking nothing was written. */
async function failing(book: MiniBook): Promise<Diagnostic[]> {
  const result = await buildMini(book);
  expect(result.ok).toBe(false);
  expect(existsSync(book.out)).toBe(false);
  return result.diagnostics.filter((d) => d.severity === 'error');
}

const where = (list: Diagnostic[]) => list.map((d) => `${d.file}:${d.line}:${d.column} ${d.ruleId}`);

describe('hostile inputs that stop the build', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let token: string;

  beforeAll(async () => {
    work = await tempDir('galley-hostile-small-');
    token = `galley-secret-${randomBytes(12).toString('hex')}`;
    await writeSecrets(work.dir, token);
  });
  afterAll(() => work?.cleanup());

  it('refuses ---js, ---javascript and ---coffee front matter at 1:1 and runs none of it (case 1)', async () => {
    const pwned = (name: string) => path.join(work.dir, `pwned-${name}`);
    const book = await miniBook(work.dir, {
      'js.md': `---js\n{ title: require('fs').writeFileSync(${JSON.stringify(pwned('js'))}, 'x') || 'x' }\n---\n# JS\n`,
      'javascript.md': `---javascript\nmodule.exports = { title: require('child_process').execSync('touch ${pwned('javascript')}').toString() }\n---\n# JavaScript\n`,
      'coffee.md': `---coffee\ntitle: require('fs').writeFileSync '${pwned('coffee')}', 'x'\n---\n# Coffee\n`,
    });
    const errors = await failing(book);
    expect(where(errors)).toEqual([
      'js.md:1:1 frontmatter',
      'javascript.md:1:1 frontmatter',
      'coffee.md:1:1 frontmatter',
    ]);
    expect(errors[0]!.message).toMatch(/is not allowed: only YAML front matter .* never run as code/);
    for (const name of ['js', 'javascript', 'coffee']) expect(existsSync(pwned(name)), name).toBe(false);
  });

  it('refuses !!js/function in front matter and book.yaml with a YAML error at line:column (case 2)', async () => {
    const book = await miniBook(work.dir, {
      'fn.md': `---\ntitle: Fine\nrun: !!js/function 'function () { require("fs").writeFileSync("${path.join(work.dir, 'pwned-fn')}", "x") }'\n---\n# Fn\n`,
    });
    await writeFile(
      path.join(book.manuscript, 'book.yaml'),
      'title: "Mini"\nauthors: ["Mallory"]\nsubtitle: !!js/function "function () { return 1 }"\n',
    );
    const errors = await failing(book);
    expect(where(errors)).toEqual(['book.yaml:3:11 yaml', 'fn.md:3:6 yaml']);
    for (const error of errors) expect(error.message).toMatch(/Invalid YAML: .*no custom tags/);
    expect(existsSync(path.join(work.dir, 'pwned-fn'))).toBe(false);
  });

  it('rejects a YAML alias bomb in well under a second (case 3)', async () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const name = String.fromCharCode(97 + i);
      const prev = String.fromCharCode(96 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const yaml = levels.join('\n');
    const started = performance.now();
    const file = new VFile({ path: 'bomb.md' });
    expect(parseYaml(yaml, file, 1)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(file.messages.map((m) => m.reason)).toEqual([expect.stringMatching(/Invalid YAML: .*[Aa]lias/)]);
    const book = await miniBook(work.dir, { 'bomb.md': `---\n${yaml}\n---\n# Bomb\n` });
    const errors = await failing(book);
    expect(where(errors)).toEqual(['bomb.md:2:1 yaml']);
  });

  it('names the file and line of invalid UTF-8 (case 17)', async () => {
    const book = await miniBook(work.dir, {
      'c3.md': Buffer.concat([Buffer.from('# C3\n\nfine\nbad '), Buffer.from([0xc3, 0x28]), Buffer.from(' here\n')]),
      'surrogate.md': Buffer.concat([Buffer.from('# Surrogate\n'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('\n')]),
    });
    const errors = await failing(book);
    expect(where(errors)).toEqual(['c3.md:4:1 encoding', 'surrogate.md:2:1 encoding']);
    for (const error of errors) expect(error.message).toMatch(/invalid UTF-8/i);
  });

  it('gives CRLF and LF sources, with or without a BOM, byte-identical HTML and EPUB (case 17)', async () => {
    const chapter = [
      '# Line ends',
      '',
      'A paragraph',
      'over two lines.[^n]',
      '',
      '- a list',
      '- of two',
      '',
      '```js',
      'const x = 1;',
      '```',
      '',
      '| a | b |',
      '|---|---|',
      '| 1 | 2 |',
      '',
      '$$x^2$$',
      '',
      '[^n]: A note.',
      '',
    ].join('\n');
    const lf = await miniBook(work.dir, { 'one.md': chapter });
    const crlf = await miniBook(work.dir, { 'one.md': `\uFEFF${chapter.replace(/\n/g, '\r\n')}` });
    for (const name of ['book.yaml', 'SUMMARY.md']) {
      const text = await readFile(path.join(crlf.manuscript, name), 'utf8');
      await writeFile(path.join(crlf.manuscript, name), `\uFEFF${text.replace(/\n/g, '\r\n')}`);
    }
    const [a, b] = [await buildMini(lf), await buildMini(crlf)];
    expect([a.ok, b.ok]).toEqual([true, true]);
    const html = await listFiles(path.join(lf.out, 'html'));
    for (const file of html) {
      const other = path.join(crlf.out, path.relative(lf.out, file));
      expect((await readFile(other)).equals(await readFile(file)), path.relative(lf.out, file)).toBe(true);
    }
    expect(
      (await readFile(path.join(crlf.out, 'mini.epub'))).equals(await readFile(path.join(lf.out, 'mini.epub'))),
    ).toBe(true);
  });

  it('refuses a 50 MB chapter with a clear size error (case 18)', async () => {
    const book = await miniBook(work.dir, { 'small.md': '# Small\n' });
    await writeFile(path.join(book.manuscript, 'huge.md'), Buffer.alloc(50 * 1024 * 1024, 'All work and no play.\n'));
    await writeFile(path.join(book.manuscript, 'SUMMARY.md'), '# Summary\n\n* [Small](small.md)\n* [Huge](huge.md)\n');
    const errors = await failing(book);
    expect(where(errors)).toEqual(['huge.md:1:1 file-size']);
    expect(errors[0]!.message).toMatch(/Chapter is 50\.0 MB, over the \d+ MB limit/);
  }, 60_000);

  it('refuses a million footnote references with a clear limit error (case 18)', async () => {
    const refs = Array.from({ length: 1000 }, () => '[^n] '.repeat(1000)).join('\n\n');
    const book = await miniBook(work.dir, { 'notes.md': `# Notes\n\n${refs}\n\n[^n]: The note.\n` });
    const errors = await failing(book);
    expect(where(errors)).toEqual(['notes.md:1:1 limit']);
    expect(errors[0]!.message).toMatch(/^\d{7} footnote references, over the limit of \d+: split the chapter$/);
  }, 60_000);

  it('refuses chapters outside the manuscript: ../, a symlink out, a backslash in the name (cases 9, 11, 15)', async () => {
    const book = await miniBook(
      work.dir,
      { 'ok.md': '# OK\n' },
      '# Summary\n\n* [OK](ok.md)\n* [Up](../secret.md)\n* [Linked](leak.md)\n* [Slash](a%5Cb.md)\n* [Etc](/etc/passwd)\n',
    );
    await symlink(path.join(book.dir, '..', 'secret.md'), path.join(book.manuscript, 'leak.md'));
    await writeFile(path.join(book.manuscript, 'a\\b.md'), `# Backslash\n\n${token}\n`);
    const errors = await failing(book);
    expect(where(errors)).toEqual([
      'SUMMARY.md:4:3 toc-missing-file',
      'SUMMARY.md:5:3 toc-missing-file',
      'SUMMARY.md:6:3 toc-missing-file',
      'SUMMARY.md:7:3 toc-missing-file',
    ]);
    expect(errors.map((d) => d.message.replace(/^TOC entry “\w+”: /, ''))).toEqual([
      expect.stringMatching(/^`\.\.\/secret\.md` is outside the manuscript/),
      expect.stringMatching(/^`leak\.md` is a link that points outside the manuscript/),
      expect.stringMatching(/contains a backslash/),
      expect.stringMatching(/^`\/etc\/passwd` is outside the manuscript/),
    ]);
    const { pages } = await prepare(book.manuscript);
    expect(JSON.stringify(pages.map((p) => hastToXml(p.body)))).not.toContain(token);
  });

  it('refuses code imports from outside the manuscript, directly or through a symlink', async () => {
    const book = await miniBook(work.dir, {
      'code.md': '# Code\n\n[import](../secret.txt)\n\n[import](listings/leak.txt)\n',
    });
    await mkdir(path.join(book.manuscript, 'listings'));
    await symlink(path.join(work.dir, 'secret.txt'), path.join(book.manuscript, 'listings', 'leak.txt'));
    const errors = await failing(book);
    expect(where(errors)).toEqual(['code.md:3:1 missing-import', 'code.md:5:1 missing-import']);
    const { pages } = await prepare(book.manuscript);
    expect(JSON.stringify(pages.map((p) => hastToXml(p.body)))).not.toContain(token);
  });

  it('renders no TeX that links or styles: \\href, \\url and \\htmlStyle are errors, untrusted', async () => {
    const book = await miniBook(work.dir, {
      'tex.md':
        '# TeX\n\n$$\\href{javascript:alert(1)}{x}$$\n\n$$\\url{http://127.0.0.1:9/x}$$\n\n$$\\htmlStyle{background:url(http://127.0.0.1:9/y)}{z}$$\n',
    });
    const errors = await failing(book);
    expect(where(errors)).toEqual(['tex.md:3:3 math', 'tex.md:5:3 math', 'tex.md:7:3 math']);
  });

  it('does not crash on a link whose percent-escapes decode to nothing', async () => {
    const book = await miniBook(work.dir, {
      'escape.md': '# Escape\n\n[a](#%E0%A4%A) and <a href="#%E0">b</a> and [c](x%E0.md)\n',
    });
    const result = await buildMini(book, ['html']);
    expect(result.diagnostics.filter((d) => d.ruleId === 'internal')).toEqual([]);
    expect(where(result.diagnostics.filter((d) => d.ruleId === 'broken-link'))).toEqual([
      'escape.md:3:1 broken-link',
      'escape.md:3:20 broken-link',
      'escape.md:3:45 broken-link',
    ]);
  });

  // Holes this suite found in configuration and content roots, each now closed where the file is read
  // (docs/decisions/0006-untrusted-manuscripts.md).
  const outsideFolder = async (name: string) => {
    const dir = path.join(work.dir, name);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'notes.md'), `# Notes\n\n${token}\n`);
    return dir;
  };
  /** Builds the book to HTML: whether the token reached any output (a refused build writes none). */
  const leaks = async (book: MiniBook) => {
    const result = await buildMini(book, ['html']);
    const outputs = result.artifacts.length ? await listFiles(book.out) : [];
    for (const file of outputs) if ((await readFile(file)).includes(token)) return true;
    return false;
  };

  const HOLES: [string, (book: MiniBook) => Promise<void>][] = [
    // Read by a fixed name with a plain readFile, symlinks followed: scripts/model/config/load.ts, scripts/model/book/load.ts,
    // scripts/model/dialects/bibliography.ts (scripts/util/paths.ts `linksOutside` is there for the check).
    [
      'a book.yaml that is a symlink out of the manuscript',
      async (book) => {
        await writeFile(path.join(work.dir, 'outside.yaml'), `title: "${token}"\nauthors: ["X"]\n`);
        await rm(path.join(book.manuscript, 'book.yaml'));
        await symlink(path.join(work.dir, 'outside.yaml'), path.join(book.manuscript, 'book.yaml'));
      },
    ],
    [
      'a SUMMARY.md that is a symlink out of the manuscript',
      async (book) => {
        await writeFile(path.join(work.dir, 'outside-summary.md'), `# Summary\n\n* [${token}](one.md)\n`);
        await rm(path.join(book.manuscript, 'SUMMARY.md'));
        await symlink(path.join(work.dir, 'outside-summary.md'), path.join(book.manuscript, 'SUMMARY.md'));
      },
    ],
    [
      'a .bib file that is a symlink out of the manuscript',
      async (book) => {
        await writeFile(path.join(book.manuscript, 'one.md'), '# One\n\nAs shown {{ "leak" | cite }}.\n');
        await symlink(path.join(work.dir, 'secret.bib'), path.join(book.manuscript, 'refs.bib'));
      },
    ],
    // Content roots other settings name, not held inside the manuscript: an edition's `root` (the schema's
    // pattern lets `..` through; scripts/model/book/editions.ts and load.ts follow it, and a symlinked edition folder),
    // mdBook's `[book] src` and HonKit's `root` (scripts/model/dialects/foreign-config.ts). Without a SUMMARY.md there,
    // every Markdown file of the outside folder is built.
    [
      'an edition whose root is ../outside',
      async (book) => {
        await outsideFolder('outside-edition');
        await writeFile(
          path.join(book.manuscript, 'book.yaml'),
          'title: "Mini"\nauthors: ["M"]\neditions:\n  xx:\n    root: ../../outside-edition\n',
        );
      },
    ],
    [
      'an edition folder that is a symlink out',
      async (book) => {
        await symlink(await outsideFolder('outside-linked-edition'), path.join(book.manuscript, 'xx'));
        await writeFile(
          path.join(book.manuscript, 'book.yaml'),
          'title: "Mini"\nauthors: ["M"]\neditions:\n  xx:\n    root: xx\n',
        );
      },
    ],
    [
      "mdBook's [book] src outside the manuscript",
      async (book) => {
        await outsideFolder('outside-mdbook');
        await rm(path.join(book.manuscript, 'book.yaml'));
        await writeFile(
          path.join(book.manuscript, 'book.toml'),
          '[book]\ntitle = "Mini"\nsrc = "../../outside-mdbook"\n',
        );
      },
    ],
    [
      "HonKit's root outside the manuscript",
      async (book) => {
        await outsideFolder('outside-honkit');
        await rm(path.join(book.manuscript, 'book.yaml'));
        await writeFile(path.join(book.manuscript, 'book.json'), '{"title": "Mini", "root": "../../outside-honkit"}\n');
      },
    ],
  ];
  for (const [name, setup] of HOLES) {
    it(`${name} is refused, and nothing outside reaches the outputs`, async () => {
      const book = await miniBook(work.dir, { 'one.md': '# One\n' });
      await setup(book);
      expect(
        await leaks(book).catch((error: Error) =>
          /outside the manuscript|a folder inside the manuscript/.test(error.message) ? false : Promise.reject(error),
        ),
      ).toBe(false);
    });
  }
});

// ---------------------------------------------------------------------------
// Round two (issue 14): git, IPv6 forms, hangs, XML-illegal text, a forged cache, lost text, diagnostics.

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
};
const rawGit = (cwd: string, args: string[], input?: string) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...GIT_ENV, GIT_COMMITTER_DATE: '2000000000 +0000', GIT_AUTHOR_DATE: '2000000000 +0000' },
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  }).trim();

describe("round two: git runs only against the author's repository, with nothing that runs a program", () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let marker: string;
  let evil: string;
  const ran = () => existsSync(marker);

  beforeAll(async () => {
    work = await tempDir('galley-git-');
    marker = path.join(work.dir, 'ran');
    evil = path.join(work.dir, 'evil.sh');
    await writeFile(evil, `#!/bin/sh\necho ran >> '${marker}'\n`);
    await chmod(evil, 0o755);
  });
  afterAll(() => work?.cleanup());

  /**
   * The attack: a book folder committed with a bare-repository layout whose
   * `config` runs ./evil.sh through `log.showSignature` + `gpg.program` and
   * `core.fsmonitor`, and whose only commit (with a gpgsig header) is dated 2001.
   */
  async function bareLayoutClone(): Promise<string> {
    const outer = path.join(work.dir, 'outer');
    const inner = path.join(work.dir, 'inner');
    const book = path.join(outer, 'book');
    await mkdir(book, { recursive: true });
    rawGit(outer, ['init', '-q']);
    await writeFile(path.join(book, 'book.yaml'), 'title: "Bare"\nauthors: ["M"]\n');
    await writeFile(path.join(book, 'one.md'), '# One\n\nText.\n');
    rawGit(work.dir, ['init', '-q', '--bare', inner]);
    const tree = rawGit(inner, ['mktree'], '');
    const commit = rawGit(
      inner,
      ['hash-object', '-t', 'commit', '-w', '--stdin'],
      `tree ${tree}\nauthor e <e@x> 1000000000 +0000\ncommitter e <e@x> 1000000000 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n\nforged\n`,
    );
    rawGit(inner, ['update-ref', 'refs/heads/main', commit]);
    rawGit(inner, ['symbolic-ref', 'HEAD', 'refs/heads/main']);
    execFileSync('cp', ['-r', path.join(inner, 'HEAD'), path.join(inner, 'objects'), path.join(inner, 'refs'), book]);
    await writeFile(
      path.join(book, 'config'),
      '[core]\n\trepositoryformatversion = 0\n\tbare = true\n\tfsmonitor = ./evil.sh\n[log]\n\tshowSignature = true\n[gpg]\n\tprogram = ./evil.sh\n[diff]\n\texternal = ./evil.sh\n',
    );
    await writeFile(path.join(book, 'evil.sh'), `#!/bin/sh\necho ran >> '${marker}'\n`);
    await chmod(path.join(book, 'evil.sh'), 0o755);
    rawGit(outer, ['add', '-A']);
    rawGit(outer, ['commit', '-qm', 'book']);
    rawGit(work.dir, ['clone', '-q', outer, 'clone']);
    return path.join(work.dir, 'clone', 'book');
  }

  it('a manuscript with a bare-repository layout runs nothing, and the build date comes from the real repository', async () => {
    const manuscript = await bareLayoutClone();
    // The oracle: plain git started in the folder does run the manuscript's program.
    rawGit(manuscript, ['log', '-1', '--format=%ct']);
    expect(ran()).toBe(true);
    await rm(marker);

    expect(findRepository(manuscript)?.top).toBe(path.join(work.dir, 'clone'));
    expect(buildDate(manuscript, {}).getTime()).toBe(2_000_000_000 * 1000);
    expect([...changedFiles(manuscript, 'HEAD')]).toEqual([]);
    await writeFile(path.join(manuscript, 'one.md'), '# One\n\nChanged.\n');
    expect([...changedFiles(manuscript, 'HEAD')]).toEqual(['one.md']);
    expect(gitShow('HEAD', path.join(manuscript, 'one.md'))).toBe('# One\n\nText.\n');
    expect(ran()).toBe(false);
  });

  it('a manuscript outside any repository gets no date from a repository it pretends to be', async () => {
    const lone = path.join(work.dir, 'lone');
    execFileSync('cp', ['-r', path.join(work.dir, 'clone', 'book'), lone]);
    expect(findRepository(lone)).toBeUndefined();
    expect(buildDate(lone, {}).getTime()).not.toBe(1_000_000_000 * 1000);
    expect(() => changedFiles(lone, 'HEAD')).toThrow(/not inside one/);
    expect(gitShow('HEAD', path.join(lone, 'one.md'))).toBeUndefined();
    expect(ran()).toBe(false);
  });

  // Settings of the author's own repository that run programs are overridden too (each one alone).
  const SETTINGS: [string, string][] = [
    ['log.showSignature + gpg.program', '[log]\n\tshowSignature = true\n[gpg]\n\tprogram = EVIL\n'],
    ['core.fsmonitor', '[core]\n\tfsmonitor = EVIL\n'],
    ['core.pager', '[core]\n\tpager = EVIL\n[pager]\n\tlog = EVIL\n\tshow = EVIL\n\tdiff = EVIL\n'],
    ['diff.external', '[diff]\n\texternal = EVIL\n'],
  ];
  for (const [name, config] of SETTINGS) {
    it(`overrides ${name} in the repository's config`, async () => {
      const repo = path.join(work.dir, `repo-${name.replace(/\W+/g, '-')}`);
      const book = path.join(repo, 'book');
      await mkdir(book, { recursive: true });
      rawGit(repo, ['init', '-q']);
      await writeFile(path.join(book, 'one.md'), '# One\n');
      rawGit(repo, ['add', '-A']);
      const tree = rawGit(repo, ['write-tree']);
      const signed = rawGit(
        repo,
        ['hash-object', '-t', 'commit', '-w', '--stdin'],
        `tree ${tree}\nauthor e <e@x> 2000000000 +0000\ncommitter e <e@x> 2000000000 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n\nsigned\n`,
      );
      rawGit(repo, ['update-ref', 'HEAD', signed]);
      const file = path.join(repo, '.git', 'config');
      await writeFile(file, (await readFile(file, 'utf8')) + config.replaceAll('EVIL', evil));
      await writeFile(path.join(book, 'one.md'), '# One, changed\n');
      if (existsSync(marker)) await rm(marker);
      expect(buildDate(book, {}).getTime()).toBe(2_000_000_000 * 1000);
      expect([...changedFiles(book, 'HEAD')]).toEqual(['one.md']);
      expect(gitShow('HEAD', path.join(book, 'one.md'))).toBe('# One\n');
      runGit(findRepository(book)!, ['diff', 'HEAD', '--', '.'], { cwd: book });
      runGit(findRepository(book)!, ['log', '-1', '-p'], { cwd: book });
      expect(ran()).toBe(false);
    });
  }
});

describe('round two: one address test for every notation, and no network because book.yaml says so', () => {
  // Every way to write 127.0.0.1 (and friends) the URL parser lets through, and the forms it produces.
  const PRIVATE = [
    '127.0.0.1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '[::ffff:7f00:1]',
    '0:0:0:0:0:ffff:7f00:1',
    '::ffff:0:7f00:1',
    '::127.0.0.1',
    '::7f00:1',
    '64:ff9b::7f00:1',
    '64:ff9b::127.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b:1::1',
    '2002:7f00:1::1',
    '2002:c0a8:101::',
    '2002:a00:1::',
    '2001:0:4136:e378:8000:63bf:80ff:fffe',
    '2001:0:7f00:1::1',
    'fe80::5efe:127.0.0.1',
    '2001:db8::200:5efe:a00:1',
    'fe80::1%eth0',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '::ffff:10.0.0.1',
    '::ffff:192.168.0.1',
    '::ffff:100.64.0.1',
    '::',
    '::1',
    '0::1',
    'fd00::1',
    'fc00::',
    'fe80::1',
    'fec0::1',
    'ff02::1',
    '100::1',
    '2001:db8::1',
    '0.0.0.0',
    '100.64.0.1',
    '192.0.2.1',
    '198.18.0.1',
    '255.255.255.255',
    'not an address',
  ];
  const PUBLIC = [
    '93.184.216.34',
    '8.8.8.8',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::808:808',
    '2002:808:808::1',
    '2606:4700::1111',
    '2a00:1450:4001::200e',
  ];
  for (const address of PRIVATE) it(`refuses ${address}`, () => expect(isPrivateAddress(address)).toBe(true));
  for (const address of PUBLIC) it(`allows ${address}`, () => expect(isPrivateAddress(address)).toBe(false));

  it('sends no request to 127.0.0.1 written in any IPv6 notation, and prints no status line', async () => {
    const canary = await startCanary();
    const work = await tempDir('galley-ssrf-');
    try {
      const forms = [
        '[::ffff:127.0.0.1]',
        '[::ffff:7f00:1]',
        '[0:0:0:0:0:ffff:7f00:1]',
        '[::127.0.0.1]',
        '[64:ff9b::7f00:1]',
        '[2002:7f00:1::]',
        '[::1]',
        '127.1',
        '0x7f.1',
        '2130706433',
        '0177.0.0.1',
      ];
      const book = await miniBook(work.dir, {
        'one.md': `# One\n\n${forms.map((form) => `<a href="http://${form}:${canary.port}/secret">x</a>`).join('\n\n')}\n`,
      });
      const { book: loaded } = await prepare(book.manuscript);
      const stats = await checkExternalLinks(loaded, { noCache: true, timeoutMs: 1000 });
      expect(canary.connections).toBe(0);
      expect(stats.requests).toBeGreaterThan(0);
      const messages = loaded.chapters.flatMap((c) => c.file.messages);
      expect(messages.length).toBe(forms.length);
      for (const m of messages) {
        expect(m.ruleId).toBe('external-link-unchecked');
        expect(m.reason).toMatch(/private or local address/);
        expect(m.reason).not.toMatch(/canary|\b[1-5]\d\d [A-Z]/);
      }
    } finally {
      await canary.close();
      await work.cleanup();
    }
  });

  it("book.yaml's links.external.enabled alone does not check links; --external or GALLEY_EXTERNAL_LINKS=1 does", async () => {
    expect(externalAllowed({}, {})).toBe(false);
    expect(externalAllowed({}, { GALLEY_EXTERNAL_LINKS: '1' })).toBe(true);
    expect(externalAllowed({ external: true }, {})).toBe(true);
    expect(externalAllowed({ external: false }, { GALLEY_EXTERNAL_LINKS: '1' })).toBe(false);
    const work = await tempDir('galley-enabled-');
    try {
      const book = await miniBook(work.dir, { 'one.md': '# One\n\nSee [a site](https://example.invalid/page).\n' });
      await writeFile(
        path.join(book.manuscript, 'book.yaml'),
        'title: "Mini"\nauthors: ["M"]\nlinks:\n  external:\n    enabled: true\n',
      );
      const result = await withEnv({ GALLEY_EXTERNAL_LINKS: '' }, () =>
        check({ manuscript: book.manuscript, quiet: true, noCache: true }),
      );
      const notes = result.diagnostics.filter(
        (d) => d.ruleId.startsWith('external-link') || d.ruleId.startsWith('broken-external'),
      );
      expect(notes.map((d) => `${d.file} ${d.severity} ${d.ruleId}`)).toEqual([
        'book.yaml info external-link-unchecked',
      ]);
      expect(notes[0]!.message).toMatch(/--external.*GALLEY_EXTERNAL_LINKS=1/);
    } finally {
      await work.cleanup();
    }
  });
});

describe('round two: patterns in book.yaml cannot hang a check', () => {
  it('matches globs by a linear scan, even with many stars', () => {
    expect(globMatch('a*b*c', 'aXXbYYc')).toBe(true);
    expect(globMatch('a*b*c', 'aXXbYY')).toBe(false);
    const started = performance.now();
    expect(globMatch('*a'.repeat(30) + 'b', 'a'.repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('stops /(a+)+b/ with an error naming the pattern, in well under 10 s', () => {
    const match = compilePattern('/(a+)+b/', new RegexBudget(500));
    const started = performance.now();
    expect(() => match(new URL(`https://example.com/${'a'.repeat(40)}`))).toThrow(PatternTimeout);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('reports a backtracking ignore pattern at its book.yaml line and requests nothing', async () => {
    const work = await tempDir('galley-redos-');
    try {
      const book = await miniBook(work.dir, {
        'one.md': `# One\n\n${Array.from({ length: 50 }, (_, i) => `- [x](https://example.invalid/${'a'.repeat(40 + i)})`).join('\n')}\n`,
      });
      await writeFile(
        path.join(book.manuscript, 'book.yaml'),
        'title: "Mini"\nauthors: ["M"]\nlinks:\n  external:\n    ignore:\n      - "/(a+)+b/"\n',
      );
      const { book: loaded } = await prepare(book.manuscript);
      const started = performance.now();
      const stats = await checkExternalLinks(loaded, { noCache: true });
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(stats.requests).toBe(0);
      const errors = loaded.configFile.messages.filter((m) => m.fatal);
      expect(errors.map((m) => `${m.line} ${m.ruleId}`)).toEqual(['6 book-config']);
      expect(errors[0]!.reason).toMatch(/\/\(a\+\)\+b\/.*backtracks/);
    } finally {
      await work.cleanup();
    }
  });
});

describe('round two: every hang ends in seconds with a clear message', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    work = await tempDir('galley-hangs-');
  });
  afterAll(() => work?.cleanup());
  const fast = async <T>(run: () => T | Promise<T>, ms = 10_000): Promise<T> => {
    const started = performance.now();
    const value = await run();
    expect(performance.now() - started).toBeLessThan(ms);
    return value;
  };
  const errorsOf = (result: BuildResult) =>
    result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.file}:${d.line} ${d.ruleId} ${d.message}`);

  it('sniffImage reads `<!---->`×60 (and ×100,000) before <svg> linearly', async () => {
    expect(await fast(() => sniffImage(Buffer.from(`${'<!---->'.repeat(60)}x`)), 1000)).toBeUndefined();
    expect((await fast(() => sniffImage(Buffer.from(`${'<!---->'.repeat(60)}<svg>`)), 1000))?.ext).toBe('svg');
    expect(
      (
        await fast(
          () =>
            sniffImage(
              Buffer.from(
                `<?xml version="1.0"?><!-- a --><!DOCTYPE svg [<!ENTITY x "y">]><!-- b --><svg xmlns="http://www.w3.org/2000/svg"/>`,
              ),
            ),
          1000,
        )
      )?.ext,
    ).toBe('svg');
    expect(await fast(() => sniffImage(Buffer.from(`${'<!--'.repeat(500)}`)), 1000)).toBeUndefined();
  });

  it('sanitizeSvg reads 4 MB of `<!DOCTYPE[` linearly', async () => {
    expect(await fast(() => sanitizeSvg('<!DOCTYPE['.repeat(400_000)), 5000)).toBeUndefined();
    const kept = await fast(() =>
      sanitizeSvg(
        `<!DOCTYPE svg [${'<!ENTITY a "b">'.repeat(10)}]><svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>`,
      ),
    );
    expect(kept).toMatch(/<rect/);
    expect(kept).not.toMatch(/ENTITY/);
  });

  it('stops a HonKit chapter that includes itself 20 times with an include-count error', async () => {
    const self = Array.from({ length: 20 }, () => '{% include "./loop.md" %}').join('\n\n');
    const book = await miniBook(work.dir, { 'loop.md': `# Loop\n\n${self}\n` });
    await rm(path.join(book.manuscript, 'book.yaml'));
    await writeFile(path.join(book.manuscript, 'book.json'), '{"title": "Loop"}\n');
    const result = await fast(() => buildMini(book, ['html']));
    expect(errorsOf(result).some((e) => /^loop\.md:\d+ limit .*over the limit of 256/.test(e))).toBe(true);
  });

  it('stops thirty includes of a 7 MB file at the 8 MB total for a chapter', async () => {
    const big = `${'word '.repeat(1_400_000)}\n`;
    const includes = Array.from({ length: 30 }, () => '```\n{{#include big.txt}}\n```').join('\n\n');
    const book = await miniBook(work.dir, { 'many.md': `# Many\n\n${includes}\n`, 'big.txt': big });
    const result = await fast(() => buildMini(book, ['html']), 30_000);
    expect(result.ok).toBe(false);
    expect(errorsOf(result).filter((e) => /over the 8\.0 MB limit for all includes of a chapter/.test(e))).toHaveLength(
      1,
    );
  });

  it('refuses 20,000 list markers on one line, and markers mixed with quotes', async () => {
    const book = await miniBook(work.dir, {
      'list.md': `# List\n\n${'- '.repeat(20_000)}x\n\n${'> - 1. '.repeat(30)}y\n`,
    });
    const result = await fast(() => buildMini(book, ['html']));
    expect(errorsOf(result)).toEqual([
      'list.md:3 limit 20000 list or quote markers open one line, over the limit of 64 (lists or quotes nested too deep on one line): flatten the nesting',
    ]);
    const mixed = await miniBook(work.dir, { 'mixed.md': `# Mixed\n\n${'> - 1. '.repeat(30)}y\n` });
    expect(errorsOf(await fast(() => buildMini(mixed, ['html'])))).toEqual([
      expect.stringMatching(/^mixed\.md:3 limit 90 list or quote markers/),
    ]);
  });

  it('refuses an @string expansion bomb at its line, and reports a malformed .bib at file:line', async () => {
    const bomb = [
      '@string{a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}',
      ...Array.from(
        { length: 40 },
        (_, i) =>
          `@string{m${i + 1} = ${i === 0 ? 'a' : `m${i}`} # ${i === 0 ? 'a' : `m${i}`} # ${i === 0 ? 'a' : `m${i}`}}`,
      ),
      '@book{k, title = m40}',
    ].join('\n');
    const dir = path.join(work.dir, 'bib-bomb');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'refs.bib'), bomb);
    const files: VFile[] = [];
    expect(await fast(() => loadBibliography(dir, files))).toBeUndefined();
    expect(files[0]!.messages.map((m) => `${m.line} ${m.fatal} ${m.ruleId}`)).toEqual(['10 true bibliography']);
    expect(files[0]!.messages[0]!.reason).toMatch(/expands to .* over the 256 KB limit/);

    const broken = path.join(work.dir, 'bib-broken');
    await mkdir(broken, { recursive: true });
    await writeFile(
      path.join(broken, 'refs.bib'),
      '@book{good, title = {Fine}, year = 2001}\n\n@book{bad, title = "never closed\n}\n',
    );
    const more: VFile[] = [];
    const map = await loadBibliography(broken, more);
    expect(map?.has('good')).toBe(true);
    expect(more[0]!.messages.map((m) => `${m.line} ${m.fatal}`)).toEqual([expect.stringMatching(/^\d+ true$/)]);
    expect(more[0]!.messages[0]!.reason).toMatch(/Unterminated/);

    const huge = path.join(work.dir, 'bib-huge');
    await mkdir(huge, { recursive: true });
    await writeFile(path.join(huge, 'refs.bib'), `@comment{${'x'.repeat(5 * 1024 * 1024)}}`);
    const hugeFiles: VFile[] = [];
    expect(await fast(() => loadBibliography(huge, hugeFiles))).toBeUndefined();
    expect(hugeFiles[0]!.messages[0]!.reason).toMatch(/5\.0 MB, over the 4 MB limit/);
  });
});

describe('round two: output that validates whatever the text', () => {
  it('passes EPUBCheck with ]]>, noncharacters and lone surrogates in the text, attributes, titles and metadata', async () => {
    const work = await tempDir('galley-xmlchars-');
    try {
      const text = [
        '# Odd ]]> title &#xFFFE;',
        '',
        'Plain ]]> text. In `code ]]>` too, and &#xFFFE; &#xFFFF; &#xDFFF; &#65534;.',
        '',
        '<span title="]]> &#xFFFE; &#xD800;">span ]]&gt;</span> <abbr title="]]>">abbr ]]></abbr>',
        '',
        '```',
        'a ]]> b',
        '```',
        '',
        '| ]]> | b |',
        '|---|---|',
        '| &#xFFFF; | ]]> |',
        '',
        'Note[^n].',
        '',
        '[^n]: A note with ]]> in it.',
        '',
      ].join('\n');
      const book = await miniBook(work.dir, { 'odd.md': text });
      await writeFile(
        path.join(book.manuscript, 'book.yaml'),
        'title: "Mini ]]> \\uFFFE \\uD800 end"\nauthors: ["Mallory ]]> \\uDC00"]\ndescription: "A ]]> b \\uFFFF"\nidentifier: "urn:uuid:0b7e8a36-1d2f-4c55-9a0e-1f2e3d4c5b6a"\n',
      );
      const result = await buildMini(book, ['html', 'epub']);
      expect(result.ok).toBe(true);
      const files = await outputFiles(result);
      for (const [name, bytes] of files) {
        if (!isMarkup(name.replace(/^epub:/, ''))) continue;
        const xml = bytes.toString('utf8');
        expect(xml.includes(']]>'), name).toBe(false);
        expect(/[\uFFFE\uFFFF]|[\uD800-\uDFFF]/u.test(xml), name).toBe(false);
      }
      const epubcheck = await runEpubcheck(result.artifacts.find((a) => a.format === 'epub')!.path);
      const problems = epubcheck.messages.filter((m) => m.severity === 'fatal' || m.severity === 'error');
      expect(problems.map((m) => `${m.id} ${m.path}:${m.line}:${m.column} ${m.message}`)).toEqual([]);
      // The text itself is kept: `]]>` reads the same after escaping.
      expect(
        files.get('epub:OEBPS/odd.xhtml')?.toString('utf8') ??
          [...files].find(([n]) => /odd\.xhtml$/.test(n))?.[1].toString('utf8'),
      ).toContain('Plain ]]&gt; text.');
    } finally {
      await work.cleanup();
    }
  }, 180_000);
});

describe('round two: a cache nobody else can write', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    work = await tempDir('galley-forged-cache-');
  });
  afterAll(() => work?.cleanup());

  it('lives in GALLEY_CACHE_DIR, else XDG_CACHE_HOME/galley, else ~/.cache/galley, never the working tree', () => {
    expect(cacheRoot({ GALLEY_CACHE_DIR: '/tmp/x', XDG_CACHE_HOME: '/xdg', HOME: '/home/u' })).toBe('/tmp/x');
    expect(cacheRoot({ XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/galley');
    expect(cacheRoot({ XDG_CACHE_HOME: 'relative' })).toBe(path.join(os.homedir(), '.cache', 'galley'));
    expect(cacheRoot({})).toBe(path.join(os.homedir(), '.cache', 'galley'));
    const saved = process.env.GALLEY_CACHE_DIR;
    delete process.env.GALLEY_CACHE_DIR;
    try {
      expect(defaultCacheDir().startsWith(process.cwd() + path.sep)).toBe(false);
    } finally {
      if (saved !== undefined) process.env.GALLEY_CACHE_DIR = saved;
    }
  });

  /** Builds once into `cache`, then rewrites the chapter's entry with a script and a frame, signed by `sign`. */
  async function forge(cache: string, sign: (key: string, json: string) => string) {
    const book = await miniBook(work.dir, { 'one.md': '# One\n\nHonest text.\n' });
    const first = await withEnv({ GALLEY_CACHE_DIR: cache, GALLEY_WORKERS: '0' }, () => buildMini(book, ['html']));
    expect(first.ok).toBe(true);
    const dir = path.join(cache, 'chapters');
    const names = (await readdir(dir, { recursive: true })).filter((n) => n.endsWith('.json'));
    expect(names.length).toBe(1);
    const file = path.join(dir, names[0]!);
    const text = await readFile(file, 'utf8');
    const key = path.basename(file, '.json');
    // An entry is a header, a summary line and the tree (chapter-cache.ts): the tree is what gets poisoned.
    const body = text.slice(text.indexOf('\n') + 1);
    const summary = body.slice(0, body.indexOf('\n'));
    const tree = JSON.parse(body.slice(body.indexOf('\n') + 1));
    tree.children.push(
      { type: 'element', tagName: 'script', properties: {}, children: [{ type: 'text', value: 'alert(1)' }] },
      { type: 'element', tagName: 'iframe', properties: { src: 'file:///etc/passwd' }, children: [] },
      { type: 'element', tagName: 'img', properties: { src: 'x', onError: 'alert(2)' }, children: [] },
    );
    const json = JSON.stringify(tree);
    await writeFile(
      entryPath(dir, key),
      `galley-chapter 2 ${key} ${sign(key, summary)} ${sign(key, json)}\n${summary}\n${json}`,
    );
    // The page the honest entry made is in the page cache: without it, the build must read the forged tree.
    await rm(path.join(cache, 'pages'), { recursive: true, force: true });
    return { book, key, file: entryPath(dir, key) };
  }
  const poisoned = async (result: BuildResult) => {
    for (const [, bytes] of await outputFiles(result))
      if (/<script|<iframe|onerror/i.test(bytes.toString('utf8'))) return true;
    return false;
  };

  it('ignores an entry rewritten with a new unkeyed checksum', async () => {
    const cache = path.join(work.dir, 'cache-a');
    const { book } = await forge(cache, (key, json) =>
      createHash('sha256').update(key).update('\0').update(json).digest('hex'),
    );
    const again = await withEnv({ GALLEY_CACHE_DIR: cache, GALLEY_WORKERS: '0' }, () => buildMini(book, ['html']));
    expect(again.ok).toBe(true);
    expect(await poisoned(again)).toBe(false);
  });

  it('a cache folder tracked by git is never read, even with its secret committed alongside', async () => {
    const repo = path.join(work.dir, 'repo');
    await mkdir(repo, { recursive: true });
    rawGit(repo, ['init', '-q']);
    const cache = path.join(repo, '.galley-cache');
    await mkdir(cache, { recursive: true });
    // A pull request's cache: entries signed with the secret it brings along.
    const secret = Buffer.alloc(32, 7);
    await mkdir(path.join(cache, 'chapters'), { recursive: true });
    await writeFile(path.join(cache, 'chapters', '.secret'), `${secret.toString('hex')}\n`, { mode: 0o600 });
    const { book, key, file } = await forge(cache, (key, json) =>
      createHmac('sha256', secret).update(key).update('\0').update(json).digest('hex'),
    );
    rawGit(repo, ['add', '-f', '.galley-cache']);
    rawGit(repo, ['commit', '-qm', 'cache']);
    const again = await withEnv({ GALLEY_CACHE_DIR: cache, GALLEY_WORKERS: '0' }, () => buildMini(book, ['html']));
    expect(again.ok).toBe(true);
    expect(await poisoned(again)).toBe(false);
    // The oracle: the entry is well signed for that folder's secret; only being tracked keeps it out.
    expect('result' in decodeEntry(key, await readFile(file, 'utf8'), secret)).toBe(true);
  });
});

describe('round two: nothing lost, nothing overwritten', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    work = await tempDir('galley-lost-');
  });
  afterAll(() => work?.cleanup());

  it('keeps a line written right after the copyright footer, and galley build warns at its line', async () => {
    const book = await miniBook(work.dir, {
      'one.md': '# One\n\nBody text.\n\nCopyright ©2026 Mallory\nA closing line that must survive.\n',
    });
    await writeFile(
      path.join(book.manuscript, 'book.yaml'),
      'title: "Mini"\nauthors: ["Mallory"]\nidentifier: "urn:uuid:0b7e8a36-1d2f-4c55-9a0e-1f2e3d4c5b6a"\ncopyright:\n  year: 2026\n  holder: Mallory\n  in_source: true\n',
    );
    const result = await buildMini(book, ['html', 'epub']);
    expect(result.ok).toBe(true);
    expect(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.ruleId}`)).toContain(
      'one.md:6:1 warning text-after-footer',
    );
    const files = await outputFiles(result);
    const chapter = [...files].filter(([name]) => /one\.x?html$/.test(name));
    expect(chapter.length).toBeGreaterThan(1);
    for (const [name, bytes] of chapter) {
      const text = bytes.toString('utf8');
      expect(text, name).toContain('A closing line that must survive.');
      // The footer itself is printed once, from book.yaml, not from the source.
      expect(text.match(/Copyright ©2026 Mallory/g)?.length ?? 0, name).toBeLessThanOrEqual(1);
    }
  });

  it("galley dev writes its own folder and leaves the release build's dist/web as it was", async () => {
    const book = await miniBook(work.dir, { 'one.md': '# One\n\nText.\n' });
    const release = await withEnv({ SOURCE_DATE_EPOCH: EPOCH }, () =>
      build({ manuscript: book.manuscript, out: book.out, formats: ['html', 'epub', 'web'], quiet: true }),
    );
    expect(release.ok).toBe(true);
    const web = path.join(book.out, 'web');
    const before = new Map<string, Buffer>();
    for (const file of await listFiles(web)) before.set(file, await readFile(file));
    expect(before.size).toBeGreaterThan(0);
    const session = await startDev({ manuscript: book.manuscript, out: book.out });
    try {
      expect(session.siteDir).toBe(path.join(book.out, '.dev', 'web'));
      await writeFile(path.join(book.manuscript, 'one.md'), '# One\n\nEdited in dev.\n');
      await session.rebuild([path.join(book.manuscript, 'one.md')]);
      await session.settled();
      expect((await listFiles(session.siteDir)).length).toBeGreaterThan(0);
    } finally {
      await session.close();
    }
    const after = await listFiles(web);
    expect(after.sort()).toEqual([...before.keys()].sort());
    for (const file of after) expect((await readFile(file)).equals(before.get(file)!), file).toBe(true);
  });
});

describe('round two: diagnostics print as inert text', () => {
  const hostile: Diagnostic = {
    file: 'chapters/\u001b[2J\u001b[31mevil\nbook.yaml:1:1 error forged [x]\r\u009b31m\u202e.md',
    line: 3,
    column: 1,
    ruleId: 'rule\u0007',
    severity: 'warning',
    message: 'Message with \u001b]0;title\u0007 and a\nsecond line\u2028and \u007f',
  };
  const RAW = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

  it('escapes control characters of file names and messages in the text and compact formats', () => {
    const compact = formatCompact([hostile]);
    expect(compact.split('\n')).toHaveLength(1);
    expect(RAW.test(compact)).toBe(false);
    expect(compact).toContain('\\u001b[2J');
    const text = formatText([hostile]);
    expect(RAW.test(text.replace(/\n/g, ''))).toBe(false);
    // One file heading, one message line, a blank line and the summary: nothing forged in between.
    expect(text.split('\n')).toHaveLength(4);
    expect(escapeControls('plain tab\there')).toBe('plain tab\\u0009here');
  });

  it('escapes them in JSON too, which still parses to the same strings', () => {
    const json = formatJson([hostile]);
    expect(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(json)).toBe(false);
    expect(JSON.parse(json)).toEqual([hostile]);
  });

  it('galley check --format text and json print a hostile file name inert', async () => {
    const work = await tempDir('galley-diag-');
    try {
      const name = 'evil\u001b[31m\nforged.md';
      const book = await miniBook(work.dir, { 'one.md': '# One\n\nText.\n' });
      await writeFile(path.join(book.manuscript, name), '# Stray\n');
      for (const format of ['text', 'json']) {
        const { stdout } = await exec(
          process.execPath,
          [GALLEY, 'check', '--manuscript', book.manuscript, '--format', format, '--no-cache'],
          { cwd: work.dir },
        ).catch((error: { stdout: string }) => error);
        expect(stdout, format).toContain('evil');
        expect(stdout.includes('\u001b'), format).toBe(false);
        expect(
          stdout.split('\n').some((line) => line.startsWith('forged.md')),
          format,
        ).toBe(false);
      }
    } finally {
      await work.cleanup();
    }
  }, 120_000);
});

describe('round two: a web edition that grows linearly', () => {
  it('puts the contents in one shared js/toc.js, full on the title page, so a chapter page does not grow with the book', async () => {
    const work = await tempDir('galley-web-linear-');
    try {
      const sizes: number[] = [];
      for (const count of [20, 80]) {
        const files: Record<string, string> = {};
        for (let i = 1; i <= count; i++) files[`c${i}.md`] = `# Chapter ${i} <b>&amp;</b>\n\nText of chapter ${i}.\n`;
        const book = await miniBook(work.dir, files);
        const result = await withEnv({ SOURCE_DATE_EPOCH: EPOCH }, () =>
          build({ manuscript: book.manuscript, out: book.out, formats: ['web'], quiet: true }),
        );
        expect(result.ok).toBe(true);
        const web = path.join(book.out, 'web');
        const page = await readFile(path.join(web, 'c1.html'), 'utf8');
        sizes.push(page.length);
        // A chapter page names no other chapter; the title page and toc.js name every one.
        expect(page).not.toContain(`c${count}.html`);
        expect(page).toContain('<script src="js/toc.js" defer></script>');
        const index = await readFile(path.join(web, 'index.html'), 'utf8');
        const toc = await readFile(path.join(web, 'js/toc.js'), 'utf8');
        for (let i = 1; i <= count; i++) {
          expect(index).toContain(`href="c${i}.html"`);
          expect(toc).toContain(`href=\\"c${i}.html\\"`);
        }
        // The list is a string literal with `<` escaped: nothing in it reads as markup or ends a script.
        expect(toc.split('\n').find((line) => line.includes('innerHTML'))).not.toContain('<');
      }
      // Four times the chapters: the same chapter page, within a few bytes (its pager and title differ only in digits).
      expect(Math.abs(sizes[1]! - sizes[0]!)).toBeLessThan(64);
    } finally {
      await work.cleanup();
    }
  }, 120_000);
});
