import { execFile, execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { toHtml } from 'hast-util-to-html';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type BuildResult } from '../scripts/api/build.ts';
import { runEpubcheck } from '../scripts/checks/epubcheck.ts';
import type { BuildCache } from '../scripts/model/build-cache.ts';
import { openBuildCache } from '../scripts/passes/cache/build-cache.ts';
import { prepare } from '../scripts/passes/pipeline.ts';
import { BrowserNotFoundError } from '../scripts/render/browser.ts';
import { drawDiagrams } from '../scripts/render/diagrams/diagrams.ts';
import { ROOT, chaptersOnThisThread, renderMarkdown, tempDir } from './helpers.ts';
import { sharedBrowser } from './light-helpers.ts';

const exec = promisify(execFile);
const BOOK = path.join(ROOT, 'tests', 'books', 'diagrams-index');

// Diagrams are drawn on the build's main thread whichever thread the chapters took: a chapter worker here would only
// add its start-up (the pipeline compiled again from the sources, about a CPU-second per build).
chaptersOnThisThread();

describe('mermaid fences (Markdown level)', () => {
  it("turns Quarto's option lines and the attribute form into labelled figures holding the source", () => {
    const { html, file, messages } = renderMarkdown(
      'See @fig-a.\n\n```{mermaid}\n%%| label: fig-a\n%%| fig-cap: "Two steps."\nflowchart TD\n  A --> B\n```\n\n' +
        '```mermaid {#fig-b fig-cap="Talk."}\nsequenceDiagram\n  A->>B: hi\n```\n\n```mermaid\nstateDiagram-v2\n  [*] --> S\n```\n',
    );
    expect(messages).toEqual([]);
    expect(html).toMatch(/<figure [^>]*class="diagram" id="fig-a"><pre class="diagram-source"><code>/);
    expect(html).toContain('<figcaption>Two steps.</figcaption></figure>');
    expect(html).toMatch(/<figure [^>]*class="diagram" id="fig-b">/);
    expect(html).toContain('<figcaption>Talk.</figcaption>');
    expect(html).toMatch(/<figure [^>]*class="diagram"><pre class="diagram-source"><code>stateDiagram-v2/);
    expect(html).toContain('<a href="#fig-a" class="xref">');
    expect(file.data.diagrams?.map((d) => [d.line, d.column, d.source.split('\n')[0]])).toEqual([
      [3, 1, '%%| label: fig-a'],
      [10, 1, 'sequenceDiagram'],
      [15, 1, 'stateDiagram-v2'],
    ]);
  });

  it('refuses an oversized source and a label that is no figure label at the fence', () => {
    const big = `flowchart TD\n${'a --> b\n'.repeat(7000)}`;
    const { messages, file } = renderMarkdown(
      `Text.\n\n\`\`\`mermaid\n${big}\`\`\`\n\n\`\`\`mermaid {#tbl-x}\nflowchart TD\n\`\`\`\n`,
    );
    expect(messages).toEqual([
      '3:1 error Diagram of 56012 characters: the limit is 50000 [diagram]',
      expect.stringMatching(/^7\d{3}:1 error Diagram label `tbl-x`: a diagram's label starts with `fig-` \[diagram\]$/),
    ]);
    expect(file.data.diagrams).toHaveLength(1);
  });
});

describe('a diagram to draw without Chromium', () => {
  it('is an error at its fence that says how to get Chromium', async () => {
    const work = await tempDir('galley-diagrams-nobrowser-');
    try {
      await writeFile(path.join(work.dir, 'book.yaml'), 'title: No browser\n');
      await writeFile(path.join(work.dir, 'SUMMARY.md'), '# Summary\n\n* [One](one.md)\n');
      await writeFile(path.join(work.dir, 'one.md'), '# One\n\nText.\n\n```mermaid\nflowchart TD\n  A --> B\n```\n');
      const { book, cache } = await prepare(work.dir, undefined, { cache: false });
      const stats = await drawDiagrams(book, cache, {
        browser: () => Promise.reject(new BrowserNotFoundError(['/nowhere/chromium'])),
      });
      expect(stats).toEqual({ diagrams: 1, hits: 0, drawn: 0, pages: 0 });
      const messages = book.chapters[0]!.file.messages.map((m) => `${m.line}:${m.column} ${m.ruleId} ${m.reason}`);
      expect(messages).toEqual([
        expect.stringMatching(
          /^5:1 diagram Diagram: Diagrams are drawn by Chromium: No Chromium found .*PUPPETEER_EXECUTABLE_PATH/,
        ),
      ]);
    } finally {
      await work.cleanup();
    }
  });
});

/** The text of `name` inside an EPUB. */
const unzip = (epub: string, name: string) => execFileSync('unzip', ['-p', epub, name], { encoding: 'utf8' });
const pdfText = async (pdf: string) => (await exec('pdftotext', ['-enc', 'UTF-8', pdf, '-'])).stdout;

function withEnv<T>(env: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  return run().finally(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

describe('diagrams in a built book (html, epub, pdf; English and Farsi)', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  let cold: { result: BuildResult; cache: BuildCache; out: string };
  let warm: { result: BuildResult; cache: BuildCache; out: string };
  // One Chromium for both builds' diagrams and prints: the cache stats count diagram pages, not browsers.
  const browser = sharedBrowser();
  const env = () => ({ GALLEY_CACHE_DIR: path.join(work.dir, 'cache'), SOURCE_DATE_EPOCH: '1767225600' });
  const buildOnce = (name: string) =>
    withEnv(env(), async () => {
      const cache = openBuildCache(true);
      const out = path.join(work.dir, name);
      const result = await build({
        manuscript: BOOK,
        out,
        formats: ['html', 'epub', 'pdf'],
        quiet: true,
        cache,
        browser: browser(),
      });
      return { result, cache, out };
    });
  beforeAll(async () => {
    work = await tempDir('galley-diagrams-');
    cold = await buildOnce('cold');
    warm = await buildOnce('warm');
  }, 240_000);
  afterAll(() => work.cleanup());

  it('builds without errors or missing glyphs, drawing each diagram once', () => {
    expect(cold.result.diagnostics.map((d) => `${d.file}:${d.line} ${d.severity} ${d.message}`)).toEqual([]);
    expect(cold.result.editions.map((e) => e.code)).toEqual(['en', 'fa']);
    expect(warm.result.diagnostics).toEqual([]);
  });

  it('draws every diagram as an inline SVG whose labels are <text>, in the EPUB of each edition', () => {
    const en = unzip(path.join(cold.out, 'diagrams-and-index.epub'), 'OEBPS/flows.xhtml');
    expect(en.match(/<figure class="diagram"[^>]*><svg /g)).toHaveLength(4);
    expect(en).not.toContain('diagram-source');
    const drawings = en.match(/<svg[\s\S]*?<\/svg>/g)!.join('');
    expect(drawings).not.toMatch(/foreignObject|<style|<a |href=|\son\w+=/i);
    for (const label of ['Read a batch', 'Update the weights', 'next batch please', 'Optimiser', 'Warmup'])
      expect(en).toMatch(new RegExp(`<text[^>]*>(?:<tspan[^>]*>)*[^<]*${label.split(' ')[0]}`));
    const fa = unzip(path.join(cold.out, 'fa', 'fa.epub'), 'OEBPS/namudar.xhtml');
    expect(fa.match(/<svg /g)).toHaveLength(1);
    expect(fa).toContain('Galley Persian');
    for (const label of ['خواندن', 'خطا', 'وزن‌ها'])
      expect(fa).toMatch(new RegExp(`<t(?:ext|span)[^>]*>[^<]*${label}`));
  });

  it('prints the labels in the PDF text layer of each edition', async () => {
    const en = (await pdfText(path.join(cold.out, 'diagrams-and-index.pdf'))).replace(/\s+/g, ' ');
    for (const label of ['Read a batch', 'Compute the loss', 'sixty-four samples', 'Momentum', 'Finished'])
      expect(en).toContain(label);
    const fa = (await pdfText(path.join(cold.out, 'fa', 'fa.pdf'))).replace(/\s+/g, ' ');
    for (const label of ['خواندن داده', 'گرفتن شیب']) expect(fa).toContain(label);
  });

  it('numbers a labelled diagram like any figure and links references to it', () => {
    const en = unzip(path.join(cold.out, 'diagrams-and-index.epub'), 'OEBPS/flows.xhtml');
    expect(en).toMatch(
      /<a href="#fig-loop" class="xref">Figure(?:\u00a0|&#xA0;)<span class="galley-number">3\.1<\/span><\/a>/,
    );
    expect(en).toContain('<a href="#fig-talk" class="xref xref-bare"><span class="galley-number">3.2</span></a>');
    expect(en).toMatch(
      /<figure class="diagram" id="fig-loop">.*Figure(?:\u00a0|&#xA0;)3\.1: <\/span>One training step/s,
    );
    const fa = unzip(path.join(cold.out, 'fa', 'fa.epub'), 'OEBPS/namudar.xhtml');
    expect(fa).toContain('<a href="#fig-charkhe" class="xref">شکل');
  });

  it('passes EPUBCheck in both editions', async () => {
    for (const file of ['diagrams-and-index.epub', path.join('fa', 'fa.epub')]) {
      const result = await runEpubcheck(path.join(cold.out, file));
      const list = result.messages.filter((m) => m.severity !== 'info' && m.severity !== 'usage');
      expect(list.map((m) => `${file} ${m.severity} ${m.id} ${m.path}:${m.line} ${m.message}`)).toEqual([]);
    }
  }, 120_000);

  it('takes every diagram from the cache the second time: no diagram page', () => {
    // Both editions: four English diagrams and one Farsi, one diagram page each the first time, none the second.
    expect(cold.cache.diagrams.stats).toEqual({ diagrams: 5, hits: 0, drawn: 5, pages: 2 });
    expect(warm.cache.diagrams.stats).toEqual({ diagrams: 5, hits: 5, drawn: 0, pages: 0 });
  });

  it('gives byte-identical EPUB and PDF from a cold and a cached build', async () => {
    for (const file of ['diagrams-and-index.epub', 'diagrams-and-index.pdf', 'fa/fa.epub', 'fa/fa.pdf']) {
      const [a, b] = await Promise.all([readFile(path.join(cold.out, file)), readFile(path.join(warm.out, file))]);
      expect(a.equals(b), file).toBe(true);
    }
  });
});

describe('diagrams from an untrusted manuscript', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  let server: Server;
  let requests = 0;
  let result: BuildResult;
  let seconds: number;
  const chapter = (port: number) =>
    [
      '# Hostile',
      '',
      '```mermaid',
      '%%{init: {"securityLevel": "loose", "htmlLabels": true, "flowchart": {"htmlLabels": true},',
      `  "themeCSS": "@import url(http://127.0.0.1:${port}/theme.css);"}}%%`,
      'flowchart TD',
      `  A[Click me] --> B[Or me]`,
      `  click A "http://127.0.0.1:${port}/link" "tip"`,
      '  click B callback',
      '```',
      '',
      'A diagram that does not parse:',
      '',
      '```mermaid',
      'flowchart LR',
      '  A -->',
      '```',
      '',
      '```mermaid',
      // Ten thousand nodes, three-character names: under the size limit, far over the drawing time allowed.
      `flowchart TD\n${Array.from({ length: 10_000 }, (_, i) => i.toString(36).padStart(3, '0')).join('\n')}`,
      '```',
      '',
    ].join('\n');
  beforeAll(async () => {
    work = await tempDir('galley-diagrams-hostile-');
    server = createServer((_req, res) => {
      requests++;
      res.end('x');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const book = path.join(work.dir, 'book');
    await mkdir(book);
    await writeFile(path.join(book, 'book.yaml'), 'title: Hostile\nlanguage: en\n');
    await writeFile(path.join(book, 'SUMMARY.md'), '# Summary\n\n* [Hostile](hostile.md)\n');
    await writeFile(path.join(book, 'hostile.md'), chapter(port));
    // What a previous good build left: a failed build must not touch it.
    await mkdir(path.join(work.dir, 'out'));
    await writeFile(path.join(work.dir, 'out', 'hostile.epub'), 'previous');
    const started = Date.now();
    result = await withEnv({ GALLEY_CACHE_DIR: path.join(work.dir, 'cache'), GALLEY_DIAGRAM_SECONDS: '4' }, () =>
      build({ manuscript: book, out: path.join(work.dir, 'out'), formats: ['html', 'epub'], quiet: true }),
    );
    seconds = (Date.now() - started) / 1000;
  }, 120_000);
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await work.cleanup();
  });

  it('fails at the fence of a diagram that does not parse, with Mermaid’s message, writing nothing', async () => {
    expect(result.ok).toBe(false);
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.file}:${d.line}:${d.column} ${d.ruleId}`)).toEqual([
      'hostile.md:14:1 diagram',
      'hostile.md:19:1 diagram',
    ]);
    expect(errors[0]!.message).toMatch(/^Diagram: Parse error on line \d+: .*Expecting .* got 'EOF'$/);
    expect(await readFile(path.join(work.dir, 'out', 'hostile.epub'), 'utf8')).toBe('previous');
  });

  it('bounds a diagram too big to draw by the drawing time, and reports it at its fence', () => {
    const error = result.diagnostics.find((d) => d.line === 19)!;
    expect(error.message).toMatch(/^Diagram: (Drawing took longer than 4 s|.*(exceeded|limit))/);
    expect(seconds).toBeLessThan(90);
  });

  it('runs no link, callback or %%{init}%% setting: no request, no HTML labels, no link in the drawing', () => {
    expect(requests).toBe(0);
    const html = toHtml(result.book.chapters[0]!.tree!);
    expect(html).toMatch(/<svg[^>]*>/);
    expect(html).toContain('Click me');
    expect(html).not.toMatch(/foreignObject|<a |href=|127\.0\.0\.1|\son\w+=|<style/i);
  });
});
