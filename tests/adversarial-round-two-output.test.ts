/** Adversarial round two (issue 14): XML-illegal text, a forged cache, lost text, inert diagnostics, a linear web edition. */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type BuildResult } from '../scripts/api/build.ts';
import { runEpubcheck } from '../scripts/checks/epubcheck.ts';
import type { Diagnostic } from '../scripts/model/report.ts';
import { chaptersOnThisThread, runGalleyInProcess, tempDir } from './helpers.ts';
import { withEnv } from '../scripts/util/env.ts';
import os from 'node:os';

import { createHash, createHmac } from 'node:crypto';
import { decodeEntry, defaultCacheDir, entryPath } from '../scripts/passes/cache/chapter-cache.ts';
import { cacheRoot } from '../scripts/util/cache-location.ts';
import { startDev } from '../scripts/api/dev.ts';
import { escapeControls, formatCompact, formatJson, formatText } from '../scripts/model/report.ts';
import { EPOCH, listFiles, outputFiles, isMarkup, miniBook, buildMini, rawGit } from './adversarial/shared.ts';

// Every build here is small and in this process: chapters on this thread, no worker to start per build.
chaptersOnThisThread();

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
    const tree = JSON.parse(body.slice(body.indexOf('\n') + 1)) as { children: unknown[] };
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
      build({ manuscript: book.manuscript, out: book.out, formats: ['html', 'web'], quiet: true }),
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
        // The command's own main() in this process: the same printing as the CLI, captured from process.stdout.
        const { stdout } = await runGalleyInProcess(
          ['check', '--manuscript', book.manuscript, '--format', format, '--no-cache'],
          work.dir,
        );
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
      for (const count of [10, 40]) {
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
