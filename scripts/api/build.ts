import { availableParallelism } from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { performance } from 'node:perf_hooks';
import type { LoadedBook } from '../model/book/load.ts';
import type { Difficulty } from '../model/book/types.ts';
import { LANGUAGE_TAG, type Severity } from '../model/config/schema.ts';
import { listEditions, type Edition } from '../model/book/editions.ts';
import { writeErrataArtifacts } from '../render/changelog.ts';
import { editionStamp, type EditionStamp } from '../model/errata/stamp.ts';
import type { Page } from '../model/pages.ts';
import { prepare } from '../passes/pipeline.ts';
import { loadAuthorCss } from '../model/author-css.ts';
import { seedSettledPages, storeFreshPages } from '../passes/settle-pages.ts';
import { renderEdition } from '../render/renderers.ts';
import { diagramKeys, drawDiagrams } from '../render/diagrams/diagrams.ts';
import type { Artifact, Format, RenderContext } from '../render/renderer.ts';
import { replaceArtifacts } from '../render/artifact-manifest.ts';
import type { GalleyBrowser } from '../render/browser.ts';
import { applySeverities, diagnostics, exitCode, type Diagnostic } from '../model/diagnostics.ts';
import { createProgress, lanes, type Progress } from '../util/progress.ts';
import { assertNoLink } from '../util/atomic.ts';
import type { BuildCache } from '../model/build-cache.ts';

export type { Artifact, Format };

export interface BuildOptions {
  manuscript?: string;
  out?: string;
  formats?: Format[];
  quiet?: boolean;
  progress?: Progress;
  /** Build only this language edition (`fa`); all when unset. */
  edition?: string;
  /** PDF with bleed and crop marks. */
  printMarks?: boolean;
  /** PDF/X-4 interior and cover, as `output.pdf.standard: pdf/x-4` (`--pdfx`). */
  pdfx?: boolean;
  /** Ignore every cache: no chapter result is read or written (`--no-cache`). */
  noCache?: boolean;
  /**
   * The cache to build with, for a caller that wants to see what the build
   * reused (its stats); a fresh one per edition when unset (`openBuildCache`).
   */
  cache?: BuildCache;
  /**
   * A running browser to print with, for a caller that builds several books
   * (a test file, a script over many manuscripts): the build neither launches
   * nor closes one. When unset, the first PDF launches one and the build
   * closes it.
   */
  browser?: GalleyBrowser;
  /**
   * How many language editions are built at once; by default one per core, and two on one core
   * (`editionsAtOnce`). Each brings its own chapter workers and Chromium pages.
   */
  editionsAtOnce?: number;
}

/**
 * Editions built at once on a machine with `cores` cores: one per core, and two on one core, where one edition's
 * Node work still overlaps the other's Chromium.
 */
export function editionsAtOnce(cores: number): number {
  return Math.max(2, cores);
}

export interface BuildSummary {
  chapters: number;
  pages: number;
  questions: Record<Difficulty, number>;
  formulas: number;
  images: number;
  tables: number;
  footnotes: number;
  codeBlocks: number;
  /** Numbered listings (mdBook's `<Listing>`). */
  listings: number;
  words: number;
  seconds: number;
  stamp: EditionStamp;
  /** What the reader of the summary should know about this build (the web edition without `site.url`). */
  notes?: string[];
}

/**
 * Problems a build can print around (a placeholder, a dead link) are
 * warnings here and errors in `galley check`, so an old book still builds
 * while its checks say what to fix.
 */
export const BUILD_SEVERITIES: Record<string, Severity> = {
  'broken-link': 'warn',
  'broken-image': 'warn',
  'remote-resource': 'warn',
  'errata-location': 'warn',
};

export { prepare, BookPipeline, type PrepareOptions, type Prepared } from '../passes/pipeline.ts';

export function summarize(
  book: LoadedBook,
  pages: Page[],
  seconds: number,
  stamp: EditionStamp = editionStamp(book),
): BuildSummary {
  const questions: Record<Difficulty, number> = { E: 0, M: 0, H: 0 };
  const total = { formulas: 0, images: 0, tables: 0, footnotes: 0, codeBlocks: 0, listings: 0, words: 0 };
  for (const chapter of book.chapters) {
    for (const q of chapter.questions) questions[q.difficulty]++;
    for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += chapter.stats[key] ?? 0;
  }
  return { chapters: book.chapters.length, pages: pages.length, questions, ...total, seconds, stamp };
}

export interface EditionResult {
  code: string;
  ok: boolean;
  diagnostics: Diagnostic[];
  artifacts: Artifact[];
  summary: BuildSummary;
  book: LoadedBook;
  pages: Page[];
  formats: Format[];
  outDir: string;
  outSubdir: string;
}

/** An edition built, with what its renderers were given (none when it had errors): the web edition starts from it. */
interface Built {
  result: EditionResult;
  render?: RenderContext;
}

interface BuildContext {
  progress: Progress;
  printMarks?: boolean;
  pdfx?: boolean;
  noCache?: boolean;
  cache?: BuildCache;
  /** The one browser of this build, launched on the first PDF. */
  browser: () => Promise<GalleyBrowser>;
}

/** One edition: prepare, stop at the first error-level message, else render each format into its folder. */
async function buildEdition(
  edition: Edition,
  out: string,
  wanted: Format[] | undefined,
  context: BuildContext,
): Promise<Built> {
  const { progress } = context;
  const started = performance.now();
  const { book, pages, errata, pageCache, cache } = await prepare(edition.root, progress, {
    boundary: edition.boundary,
    defaults: edition.defaults,
    cache: context.cache ?? !context.noCache,
    // HTML and EPUB are made from page markup, which the page cache keeps; PDF and web read page trees.
    pageVariants: (loaded) => {
      const made = wanted ?? loaded.config.output.formats;
      if (!made.every((f) => f === 'html' || f === 'epub')) return undefined;
      return made.includes('epub') ? ['html', 'epub'] : ['html'];
    },
    // A cached page keeps its drawings: each one's diagram key is part of the page's.
    // Worked out on the first page with a diagram: a book without one reads no Mermaid version, stats no Chromium.
    pageInputs: (loaded) => {
      let key: ReturnType<typeof diagramKeys> | undefined;
      return (chapter) => {
        const fences = chapter.file.data.diagrams ?? [];
        return fences.length === 0 ? [] : fences.map((key ??= diagramKeys(loaded)));
      };
    },
    // Chromium starts while the chapters are processed (its launch was on the PDF's critical path); a
    // failed launch is reported where the PDF asks for the browser.
    loaded: (loaded) => {
      if ((wanted ?? loaded.config.output.formats).includes('pdf')) context.browser().catch(() => undefined);
    },
  });
  const formats = wanted ?? book.config.output.formats;
  if (context.pdfx) book.config.output.pdf.standard = 'pdf/x-4';
  // The author's stylesheets are read (and their problems reported) before anything is written.
  await loadAuthorCss(book);
  const outDir = path.join(out, edition.outSubdir);
  // An edition's folder inside a committed `dist/` could itself be a link.
  assertNoLink(outDir, "The edition's output folder");
  // Mermaid fences are drawn once every chapter is processed, before any format is written: a diagram that does not
  // parse is an error at its fence, and nothing is written.
  await drawDiagrams(book, cache, { browser: context.browser });
  applySeverities(book.files, BUILD_SEVERITIES, book.config.checks);
  const artifacts: Artifact[] = [];
  let render: RenderContext | undefined;
  if (exitCode(diagnostics(book.files, book.boundary)) === 0) {
    render = {
      book,
      pages,
      errata,
      outDir,
      browser: context.browser,
      cache,
      progress,
      artifacts,
      printMarks: context.printMarks,
    };
    if (pageCache) seedSettledPages(pages, pageCache, cache);
    // The HTML intermediate is what EPUB and PDF are made from, so it is always written; the web edition comes
    // after every edition (buildWeb).
    await renderEdition(render, ['html', ...formats.filter((f) => f !== 'html' && f !== 'web')]);
    if (pageCache) storeFreshPages(pages, pageCache, cache);
    if (errata?.valid) await writeErrataArtifacts(outDir, errata, book);
    // A slug change leaves the old EPUB and PDF behind: the manifest says which ones this build's predecessor wrote.
    await replaceArtifacts(
      outDir,
      artifacts.filter((a) => a.format === 'epub' || a.format === 'pdf' || a.format === 'cover').map((a) => a.path),
    );
  }
  // Renderers report too (a blocked request, a missing cover): book.yaml's severities apply to those as well.
  applySeverities(book.files, BUILD_SEVERITIES, book.config.checks);
  const list = diagnostics(book.files, book.boundary);
  // A character the PDF has no glyph for prints as a box: the build says so (a warning; `check --print` errs).
  const pdfArtifact = artifacts.find((a) => a.format === 'pdf');
  if (pdfArtifact) {
    const { checkGlyphs } = await import('../checks/glyphs.ts');
    for (const d of await checkGlyphs(book, pdfArtifact.path)) list.push({ ...d, severity: 'warning' });
  }
  const summary = summarize(book, pages, (performance.now() - started) / 1000, editionStamp(book, errata));
  const result: EditionResult = {
    code: edition.code,
    ok: exitCode(list) === 0,
    diagnostics: list,
    artifacts,
    summary,
    book,
    pages,
    formats,
    outDir,
    outSubdir: edition.outSubdir,
  };
  return { result, render };
}

/**
 * The web edition comes last: it links every language edition to the others
 * and offers each one's EPUB and PDF, so those must exist first.
 */
async function buildWeb(built: Built[], all: Edition[], out: string, progress: Progress) {
  const wanted = built.filter((b) => b.result.ok && b.result.formats.includes('web'));
  if (wanted.length === 0) return;
  const editions = wanted.map(({ result: r }) => ({
    code: r.code,
    book: r.book,
    pages: r.pages,
    stamp: r.summary.stamp,
    outDir: r.outDir,
    subdir: r.outSubdir,
    artifacts: r.artifacts.filter((a) => a.format === 'epub' || a.format === 'pdf').map((a) => a.path),
  }));
  const others = siteLanguages(all).filter((e) => !wanted.some((b) => b.result.code === e.code));
  const site = { editions, others, dir: path.join(out, 'web') };
  const web = await renderEdition({ ...wanted[0]!.render!, artifacts: [], progress, site }, ['web']);
  wanted.forEach(({ result: r }, i) => {
    r.artifacts.push(web[i]!);
    if (!r.book.config.site.url) {
      (r.summary.notes ??= []).push(
        'web: no site.url in book.yaml, so no sitemap.xml, robots.txt, canonical links or card images (they need the absolute address)',
      );
    }
  });
}

/** Every edition of the manuscript, built this time or not, as the language switcher names it. */
function siteLanguages(all: Edition[]) {
  // A language named in the manuscript (a LANGS.md folder, book.yaml) becomes an attribute: only a real tag is used.
  const tag = (value: string | undefined) => (value && LANGUAGE_TAG.test(value) ? value : undefined);
  return all.map((e) => ({
    code: e.code,
    language: tag(e.main ? undefined : e.defaults.language) ?? tag(e.code) ?? 'und',
    subdir: e.outSubdir,
  }));
}

export interface BuildResult extends EditionResult {
  editions: EditionResult[];
}

/**
 * Builds a manuscript: every language edition it declares, or the one named
 * by `edition`. Nothing is written for an edition with errors.
 */
export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  const manuscript = path.resolve(options.manuscript ?? 'manuscript');
  const out = path.resolve(options.out ?? 'dist');
  // Before any work: a committed link named `dist` must not make the build write or delete outside.
  assertNoLink(out);
  const progress = options.progress ?? createProgress({ quiet: options.quiet });
  const all = await listEditions(manuscript);
  let editions = all;
  if (options.edition) {
    editions = all.filter((e) => e.code === options.edition);
    if (editions.length === 0) {
      throw new Error(
        `No edition \`${options.edition}\` in ${manuscript}: its book.yaml lists ${all.map((e) => e.code).join(', ')}`,
      );
    }
  }
  const built: Built[] = [];
  let launched: Promise<GalleyBrowser> | undefined;
  // Puppeteer is loaded only by builds that print: HTML and EPUB builds start faster without it.
  const context: BuildContext = {
    progress,
    printMarks: options.printMarks,
    pdfx: options.pdfx,
    noCache: options.noCache,
    cache: options.cache,
    browser: () =>
      options.browser
        ? Promise.resolve(options.browser)
        : (launched ??= import('../render/browser.ts').then(({ launchBrowser }) => launchBrowser())),
  };
  try {
    // Editions are independent until the web edition: one's chapters are processed on their workers while another
    // prints in Chromium, so both cores work. Each shows its own progress line; the results keep the book's order.
    const progresses = lanes(
      progress,
      editions.map((e) => e.code),
    );
    // Bounded: each edition brings its own chapter workers and Chromium pages, and a book may have 64 editions.
    // Settled, not Promise.all: an edition that throws must not close the browser under one still printing.
    const asked = options.editionsAtOnce;
    const limit = pLimit(
      asked !== undefined && Number.isFinite(asked)
        ? Math.max(1, Math.floor(asked))
        : editionsAtOnce(availableParallelism()),
    );
    const settled = await Promise.allSettled(
      editions.map((edition, i) =>
        limit(() => buildEdition(edition, out, options.formats, { ...context, progress: progresses[i]! })),
      ),
    );
    for (const outcome of settled) {
      if (outcome.status === 'rejected') throw outcome.reason;
      built.push(outcome.value);
    }
    await buildWeb(built, all, out, progress);
  } finally {
    if (launched) await (await launched.catch(() => undefined))?.close();
  }
  const results = built.map((b) => b.result);
  const first = results[0]!;
  return {
    ...first,
    ok: results.every((r) => r.ok),
    diagnostics: results.flatMap((r) => r.diagnostics),
    artifacts: results.flatMap((r) => r.artifacts),
    editions: results,
  };
}
