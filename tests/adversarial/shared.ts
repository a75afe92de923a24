/** What the adversarial test files share: the canary server, output walkers, the forbidden-markup finder, small books, git. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Element } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import JSZip from 'jszip';
import { visit } from 'unist-util-visit';
import { expect } from 'vitest';
import { build, type BuildResult } from '../../scripts/api/build.ts';
import type { Diagnostic } from '../../scripts/model/report.ts';
import { withEnv } from '../../scripts/util/env.ts';
import { execFileSync } from 'node:child_process';

export const exec = promisify(execFile);
export const EPOCH = '1780000000';

/** A server on 127.0.0.1 that counts every connection and request it gets: it must hear nothing. */
export async function startCanary() {
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

export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else out.push(full);
  }
  return out;
}

/** Every file of a build's outputs, by a name that says where it came from (`html/x.xhtml`, `epub:OEBPS/x.xhtml`). */
export async function outputFiles(result: BuildResult): Promise<Map<string, Buffer>> {
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

export const isMarkup = (name: string) => /\.(x?html|svg|ncx|opf|xml)$/.test(name);

/** Elements no output may hold, whatever namespace they sit in. */
export const FORBIDDEN_ELEMENTS = new Set([
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
export const FETCHING = new Set([
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
export const SCHEME = /^\s*([a-z][a-z0-9+.-]*)\s*:/i;

export interface Finding {
  file: string;
  what: string;
}

/**
 * What a document holds that it must not: forbidden elements, `on*`
 * attributes, `srcdoc`/`srcset`, script and data URLs, styles that load, and
 * any fetching attribute that points off the book (only `<a href>` may name
 * another site, and only over http, https or mailto).
 */
export function forbiddenIn(file: string, text: string): Finding[] {
  const found: Finding[] = [];
  const tree = fromHtml(text.replace(/^<\?xml[^>]*>/, ''), { fragment: false });
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

// ——— Inputs that must stop a build: small books of their own ———

export interface MiniBook {
  dir: string;
  manuscript: string;
  out: string;
}

let miniCount = 0;
/** A small book in `parent`: book.yaml and SUMMARY.md made from the chapter list unless given. */
export async function miniBook(
  parent: string,
  files: Record<string, string | Buffer>,
  summary?: string,
): Promise<MiniBook> {
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

export async function buildMini(book: MiniBook, formats: ('html' | 'epub' | 'pdf')[] = ['html', 'epub']) {
  return withEnv({ SOURCE_DATE_EPOCH: EPOCH }, () =>
    build({ manuscript: book.manuscript, out: book.out, formats, quiet: true }),
  );
}

/** A build that must fail: returns its error diagnostics, after checking nothing was written. */
export async function failing(book: MiniBook): Promise<Diagnostic[]> {
  const result = await buildMini(book);
  expect(result.ok).toBe(false);
  expect(existsSync(book.out)).toBe(false);
  return result.diagnostics.filter((d) => d.severity === 'error');
}

export const where = (list: Diagnostic[]) => list.map((d) => `${d.file}:${d.line}:${d.column} ${d.ruleId}`);

// ---------------------------------------------------------------------------
// Round two (issue 14): git, IPv6 forms, hangs, XML-illegal text, a forged cache, lost text, diagnostics.

export const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
};
export const rawGit = (cwd: string, args: string[], input?: string) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...GIT_ENV, GIT_COMMITTER_DATE: '2000000000 +0000', GIT_AUTHOR_DATE: '2000000000 +0000' },
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  }).trim();
