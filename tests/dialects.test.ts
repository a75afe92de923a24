import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../scripts/api/build.ts';
import { check } from '../scripts/api/check.ts';
import { includeSlice } from '../scripts/markdown/plugins/remark-mdbook.ts';
import { CORPUS, ROOT, chaptersOnThisThread, tempDir } from './helpers.ts';
import { withEnv } from '../scripts/util/env.ts';
import { sharedBuild } from './shared-builds.ts';

let out: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  out = await tempDir();
});
afterAll(() => out.cleanup());

const page = (dir: string, name: string) => readFile(path.join(out.dir, dir, 'html', name), 'utf8');

/**
 * Chapters on the test's thread for `fn` alone: what is read is the Markdown's output, the same from either thread,
 * without a worker's start-up (about a CPU-second per call from the sources). Not chaptersOnThisThread() for this
 * describe: its corpus test may start the run's shared build, whose `galley` must not inherit the setting.
 */
const onThisThread = <T>(fn: () => Promise<T>) => withEnv({ GALLEY_WORKERS: '0' }, fn);

describe('HonKit/GitBook books', () => {
  it('builds book.json books with tabs, hints, includes, imports, citations and media', async () => {
    const result = await onThisThread(() =>
      build({
        manuscript: path.join(ROOT, 'tests/books/honkit-mini'),
        out: path.join(out.dir, 'honkit'),
        formats: ['html'],
        quiet: true,
      }),
    );
    expect(result.ok).toBe(true);
    expect(result.book.config.title).toBe('Mini HonKit');
    expect(result.book.config.authors).toEqual(['Octo Cat']);
    expect(
      result.diagnostics.filter((d) => d.severity !== 'info').map((d) => `${d.file}:${d.line}:${d.column} ${d.ruleId}`),
    ).toEqual([
      'chapters/algorithms.md:13:1 missing-import',
      'chapters/algorithms.md:22:1 template-tag',
      'chapters/algorithms.md:24:1 template-tag',
      'chapters/algorithms.md:26:38 citation',
      'chapters/algorithms.md:28:1 missing-media',
    ]);
    const html = await page('honkit', 'chapters-algorithms.xhtml');
    expect(html).toMatch(
      /<section class="tab"[^>]*><p class="tab-caption"><strong>Julia<\/strong><\/p><pre><code class="hljs language-julia">\s*<span class="hljs-keyword">return<\/span> sum\(<span class="hljs-number">1<\/span>:n\)\n<span class="hljs-keyword">end<\/span>\n<\/code><\/pre>/,
    );
    expect(html).toContain('<p class="tab-caption"><strong>Python</strong></p><p class="missing-listing">');
    expect(html).toContain(
      '<aside class="callout callout-warning" role="note" aria-label="Warning"><p class="callout-title"><span class="callout-icon" aria-hidden="true">⚠</span> Warning</p><p>Mind the off-by-one.</p></aside>',
    );
    expect(html).toContain('<p>Shared <strong>included</strong> text.</p>');
    expect(html).toContain('<p>Body of an unknown tag.</p>');
    expect(html).toContain('<a href="#ref-knuth" class="citation" role="doc-biblioref">[1]</a> and [nobody]');
    expect(html).toContain(
      '<li id="ref-knuth">Donald E. Knuth. “The Art of Computer Programming”. Addison-Wesley. 1968.</li>',
    );
    expect(html).toContain('$5 stays');
    expect(html).not.toContain('$$');
    expect(html).not.toMatch(/<video|<iframe|\{%/);
    expect(html).toContain('Embedded content: A talk — <a href="https://www.youtube.com/embed/abc">');
    // HonKit's README is the introduction, first in reading order.
    expect(result.book.chapters[0]!.source).toBe('README.md');
  });

  it('checks the algorithm-archive: missing imports, videos and broken links, nothing else', async () => {
    const { diagnostics } = await onThisThread(() => check({ manuscript: CORPUS, quiet: true }));
    const rules = new Set(diagnostics.filter((d) => d.severity !== 'info').map((d) => d.ruleId));
    expect([...rules].sort()).toEqual(['broken-image', 'broken-link', 'missing-import', 'missing-media']);
    const at = (file: string, rule: string) => diagnostics.filter((d) => d.file === file && d.ruleId === rule);
    // Stale path: the fern image lives in barnsley/res, not box_muller/res.
    expect(at('contents/box_muller/box_muller.md', 'broken-link').map((d) => d.message)).toContainEqual(
      expect.stringContaining('res/full_fern.png'),
    );
    expect(at('contents/IFS/IFS.md', 'missing-media').length).toBeGreaterThan(0);
    expect(at('contents/euclidean_algorithm/euclidean_algorithm.md', 'missing-import').length).toBeGreaterThan(20);
    // Valid links are not reported: chapters, anchors and the images that exist.
    const broken = diagnostics.filter((d) => d.ruleId === 'broken-link');
    expect(broken.every((d) => /does not exist|no heading or anchor|differs in case/.test(d.message))).toBe(true);
    expect(
      broken.some(
        (d) =>
          /\.md\b/.test(d.message) &&
          /does not exist/.test(d.message) &&
          /contents\/[a-z_]+\/[a-z_]+\.md`/.test(d.message),
      ),
    ).toBe(false);
    expect(diagnostics.some((d) => d.ruleId === 'math')).toBe(false);
    // The whole corpus, cold in a fresh checkout: minutes on a loaded 2-core machine.
  }, 300_000);

  it('renders all of algorithm-archive’s math: no raw $$ left', async () => {
    // `galley build` of the corpus, made once per run (tests/setup/shared-builds.ts).
    const result = await sharedBuild('corpus');
    expect(result.ok).toBe(true);
    expect(result.editions[0]!.summary.formulas).toBeGreaterThan(1000);
    const folder = path.join(result.dir, 'html');
    for (const name of (await readdir(folder)).filter((f) => f.endsWith('.xhtml'))) {
      const html = await readFile(path.join(folder, name), 'utf8');
      expect(
        html.replace(/<annotation[^>]*>[\s\S]*?<\/annotation>/g, '').replace(/<pre[\s\S]*?<\/pre>/g, ''),
        name,
      ).not.toContain('$$');
    }
  }, 300_000);
});

describe('HonKit multilingual books (LANGS.md)', () => {
  chaptersOnThisThread();
  it('builds each language folder as its own edition', async () => {
    const result = await build({
      manuscript: path.join(ROOT, 'tests/books/honkit-langs'),
      out: path.join(out.dir, 'langs'),
      formats: ['html'],
      quiet: true,
    });
    expect(result.ok).toBe(true);
    expect(result.editions.map((e) => [e.code, e.book.config.title, e.book.config.language])).toEqual([
      ['en', 'Polyglot', 'en'],
      ['fr', 'Polyglot', 'fr'],
    ]);
    expect(await readFile(path.join(out.dir, 'langs/fr/html/readme.xhtml'), 'utf8')).toMatch(
      /lang="fr"[\s\S]*Texte français\./,
    );
    const only = await build({
      manuscript: path.join(ROOT, 'tests/books/honkit-langs'),
      out: path.join(out.dir, 'langs-fr'),
      formats: ['html'],
      edition: 'fr',
      quiet: true,
    });
    expect(only.editions.map((e) => e.code)).toEqual(['fr']);
  });
});

describe('mdBook books', () => {
  chaptersOnThisThread();
  it('builds book.toml books: src/SUMMARY.md, parts, prefix and suffix chapters, includes, hidden lines, .html links, mdBook anchors', async () => {
    const result = await build({
      manuscript: path.join(ROOT, 'tests/books/mdbook-mini'),
      out: path.join(out.dir, 'mdbook'),
      formats: ['html'],
      quiet: true,
    });
    expect(result.ok).toBe(true);
    expect(result.book.config.title).toBe('Mini mdBook');
    expect(result.book.chapters.map((c) => [c.source, c.matter, c.number ?? null])).toEqual([
      ['README.md', 'front', null],
      ['guide/installation.md', 'body', '1'],
      ['guide/reading.md', 'body', '2'],
      ['guide/nested.md', 'body', '2.1'],
      ['guide/commands.md', 'body', '3'],
      ['contributors.md', 'back', null],
    ]);
    const install = await page('mdbook', 'guide-installation.xhtml');
    expect(install).toMatch(
      /<span class="hljs-title function_">greet<\/span>\(\) \{\n {4}<span class="hljs-built_in">println!/,
    );
    expect(install).not.toContain('ANCHOR');
    expect(install).toContain('std::io;');
    expect(install).not.toContain('fn</span> <span class="hljs-title function_">hidden');
    expect(install).toContain('#[derive(Debug)]');
    const intro = await page('mdbook', 'readme.xhtml');
    expect(intro).toContain('href="guide-installation.xhtml"');
    expect(intro).toContain('href="guide-reading.xhtml#whats-in-a-name"');
    expect(await page('mdbook', 'guide-nested.xhtml')).toContain('href="guide-reading.xhtml#hello-world--co"');
  });

  it('slices includes by anchor and line range', () => {
    const text = 'a\nb\n// ANCHOR: x\nc\n// ANCHOR_END: x\nd\n';
    expect(includeSlice(text, 'x')).toBe('c');
    expect(includeSlice(text, '2:3')).toBe('b\n// ANCHOR: x');
    expect(includeSlice(text, '5')).toBe('// ANCHOR_END: x');
    expect(includeSlice(text, ':2')).toBe('a\nb');
    expect(includeSlice(text, '6:')).toBe('d');
    expect(includeSlice(text, 'missing')).toBeUndefined();
  });
});

describe('a folder with no TOC', () => {
  chaptersOnThisThread();
  it('takes its Markdown files in natural order, with a warning', async () => {
    const dir = path.join(out.dir, 'bare');
    await mkdir(dir, { recursive: true });
    for (const name of ['1.10-late.md', '1.2-early.md', 'README.md'])
      await writeFile(path.join(dir, name), `# ${name}\n`);
    const result = await build({
      manuscript: dir,
      out: path.join(out.dir, 'bare-out'),
      formats: ['html'],
      quiet: true,
    });
    expect(result.book.chapters.map((c) => c.source)).toEqual(['README.md', '1.2-early.md', '1.10-late.md']);
    expect(result.diagnostics.map((d) => d.ruleId)).toContain('toc-missing');
  });
});
