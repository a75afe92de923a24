/**
 * The author's stylesheets (`output.web.css`, `output.epub.css`,
 * `output.pdf.css`; mdBook's `additional-css` is covered in
 * mdbook-backend.test.ts): added after Galley's, read from inside the
 * manuscript only, addresses out of it dropped with a warning at the line.
 * Web edition only here: no browser.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GALLEY, ROOT, tempDir } from './light-helpers.ts';

const exec = promisify(execFile);
let work: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  work = await tempDir('galley-author-css-');
});
afterAll(() => work?.cleanup());

async function build(book: string, formats: string) {
  try {
    const { stderr } = await exec(process.execPath, [
      GALLEY,
      'build',
      book,
      '--format',
      formats,
      '--out',
      path.join(book, '..', 'out'),
      '--quiet',
    ]);
    return { code: 0, stderr };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe("the author's CSS", () => {
  it('adds output.web.css after Galley’s stylesheets, embedding a local image and dropping what leaves the book', async () => {
    const book = path.join(work.dir, 'web', 'book');
    await cp(path.join(ROOT, 'tests', 'books', 'mini'), book, { recursive: true });
    await mkdir(path.join(book, 'style'));
    await writeFile(path.join(book, 'style', 'a.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(
      path.join(book, 'style', 'site.css'),
      [
        '/* url(http://example.com/in-a-comment.png) stays a comment */',
        'body { color: #123456; }',
        '.a { background: url(a.svg); }',
        '.b { background: url(//tracker.example.com/p.gif); }',
        '.c { background: url("../../../secret.png"); }',
        '',
      ].join('\n'),
    );
    const yaml = await readFile(path.join(book, 'book.yaml'), 'utf8');
    await writeFile(path.join(book, 'book.yaml'), `${yaml}\n${yaml.includes('output:') ? '' : 'output:\n'}`);
    const config = (await readFile(path.join(book, 'book.yaml'), 'utf8')).replace(
      /^output:\n/m,
      'output:\n  web:\n    css: [style/site.css]\n',
    );
    await writeFile(path.join(book, 'book.yaml'), config);
    const result = await build(book, 'web');
    expect(result.code, result.stderr).toBe(0);
    const warnings = result.stderr.split('\n').filter((l) => l.includes('[author-css]'));
    expect(warnings).toEqual([
      expect.stringMatching(
        /style\/site\.css:4:18 warning `url\(\/\/tracker\.example\.com\/p\.gif\)` is dropped: a stylesheet may not load anything from the network/,
      ),
      expect.stringMatching(
        /style\/site\.css:5:18 warning `url\("\.\.\/\.\.\/\.\.\/secret\.png"\)` is dropped: it leads out of the manuscript/,
      ),
    ]);
    const web = path.join(work.dir, 'web', 'out', 'web');
    const css = await readFile(path.join(web, 'css', 'author.css'), 'utf8');
    expect(css).toContain('color: #123456');
    expect(css).toContain('url("data:image/svg+xml;base64,');
    expect(css).toContain('in-a-comment.png');
    expect(css).not.toMatch(/tracker|secret/);
    const page = await readFile(path.join(web, 'index.html'), 'utf8');
    const links = [...page.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1]);
    expect(links.at(-1)).toBe('css/author.css');
  }, 120_000);

  it('refuses a stylesheet outside the manuscript', async () => {
    const book = path.join(work.dir, 'outside', 'book');
    await cp(path.join(ROOT, 'tests', 'books', 'mini'), book, { recursive: true });
    await writeFile(path.join(work.dir, 'outside', 'evil.css'), 'body { color: red; }');
    const config = (await readFile(path.join(book, 'book.yaml'), 'utf8')) + '\n';
    await writeFile(
      path.join(book, 'book.yaml'),
      /^output:/m.test(config)
        ? config.replace(/^output:\n/m, 'output:\n  epub:\n    css: [../evil.css]\n')
        : `${config}output:\n  epub:\n    css: [../evil.css]\n`,
    );
    const result = await build(book, 'epub');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /book\.yaml:1:1 error Stylesheet `\.\.\/evil\.css` is outside the manuscript \[author-css\]/,
    );
  }, 120_000);
});
