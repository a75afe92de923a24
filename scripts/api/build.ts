import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LoadedBook } from '../model/book/load.ts';
import type { Difficulty } from '../model/book/types.ts';
import { LANGUAGE_TAG, type Severity } from '../model/config/schema.ts';
import { listEditions, type Edition } from '../model/book/editions.ts';
import { writeErrataArtifacts } from '../render/changelog.ts';
import { editionStamp, type EditionStamp } from '../model/errata/stamp.ts';
import type { Page } from '../model/pages.ts';
import { prepare } from '../passes/pipeline.ts';
import { renderHtml } from '../render/html.ts';
import { seedSettledPages, storeFreshPages } from '../render/page-markup.ts';
import { replaceArtifacts } from '../render/artifact-manifest.ts';
import type { GalleyBrowser } from '../render/browser.ts';
import { applySeverities, diagnostics, exitCode, type Diagnostic } from '../model/report.ts';
import { createProgress, type Progress } from '../util/progress.ts';
import { assertNoLink } from '../util/atomic.ts';

export type Format = 'html' | 'epub' | 'pdf' | 'web' | 'cover';

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
}

export interface Artifact {
  format: Format;
  path: string;
  /** Printed pages, for PDFs. */
  pages?: number;
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

interface BuildContext {
  progress: Progress;
  printMarks?: boolean;
  pdfx?: boolean;
  noCache?: boolean;
  /** The one browser of this build, launched on the first PDF. */
  browser: () => Promise<GalleyBrowser>;
}

/** One edition: prepare, stop at the first error-level message, else render each format into its folder. */
async function buildEdition(
  edition: Edition,
  out: string,
  wanted: Format[] | undefined,
  context: BuildContext,
): Promise<EditionResult> {
  const { progress } = context;
  const started = performance.now();
  const { book, pages, errata, pageCache } = await prepare(edition.root, progress, {
    boundary: edition.boundary,
    defaults: edition.defaults,
    cache: !context.noCache,
    // HTML and EPUB are made from page markup, which the page cache keeps; PDF and web read page trees.
    pageVariants: (loaded) => {
      const made = wanted ?? loaded.config.output.formats;
      if (!made.every((f) => f === 'html' || f === 'epub')) return undefined;
      return made.includes('epub') ? ['html', 'epub'] : ['html'];
    },
  });
  const formats = wanted ?? book.config.output.formats;
  if (context.pdfx) book.config.output.pdf.standard = 'pdf/x-4';
  const outDir = path.join(out, edition.outSubdir);
  // An edition's folder inside a committed `dist/` could itself be a link.
  assertNoLink(outDir, "The edition's output folder");
  applySeverities(book.files, BUILD_SEVERITIES, book.config.checks);
  const artifacts: Artifact[] = [];
  if (exitCode(diagnostics(book.files, book.boundary)) === 0) {
    try {
      // The HTML intermediate is what EPUB and PDF are made from, so it is always written.
      progress.phase('HTML', 1);
      if (pageCache) seedSettledPages(pages, pageCache);
      const html = await renderHtml(book, pages, outDir);
      artifacts.push({ format: 'html', path: html.dir });
      progress.tick();
      if (formats.includes('epub')) {
        progress.phase('EPUB', 1);
        // The EPUB writer loads when an EPUB is made, not for `galley check`.
        const { renderEpub } = await import('../render/epub/epub.ts');
        const epub = await renderEpub(book, pages, outDir, { errata, cache: !context.noCache });
        artifacts.push({ format: 'epub', path: epub.path });
        progress.tick();
      }
      let interiorPages: number | undefined;
      if (formats.includes('pdf')) {
        progress.phase('PDF', 1);
        const { renderPdf } = await import('../render/pdf/pdf.ts');
        const pdf = await renderPdf(book, pages, outDir, {
          printMarks: context.printMarks,
          browser: await context.browser(),
          errata,
        });
        artifacts.push({ format: 'pdf', path: pdf.path, pages: pdf.pages });
        interiorPages = pdf.pages;
        progress.tick();
      }
      if (formats.includes('cover')) {
        progress.phase('Cover', 1);
        const [{ renderPdf }, { renderCover }] = await Promise.all([
          import('../render/pdf/pdf.ts'),
          import('../render/cover.ts'),
        ]);
        // The spine is as thick as this build's interior: printed here, not written, when the PDF was not asked for.
        interiorPages ??= (
          await renderPdf(book, pages, outDir, { browser: await context.browser(), errata, write: false })
        ).pages;
        const cover = await renderCover(book, interiorPages, outDir, await context.browser());
        artifacts.push({ format: 'cover', path: cover.path, pages: 1 });
        progress.tick();
      }
      if (pageCache) storeFreshPages(pages, pageCache);
      if (errata?.valid) await writeErrataArtifacts(outDir, errata, book);
      // A slug change leaves the old EPUB and PDF behind: the manifest says which ones this build's predecessor wrote.
      await replaceArtifacts(
        outDir,
        artifacts.filter((a) => a.format === 'epub' || a.format === 'pdf' || a.format === 'cover').map((a) => a.path),
      );
    } finally {
      progress.done();
    }
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
  return {
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
}

/**
 * The web edition comes last: it links every language edition to the others
 * and offers each one's EPUB and PDF, so those must exist first.
 */
async function buildWeb(results: EditionResult[], editions: Edition[], out: string, progress: Progress) {
  const wanted = results.filter((r) => r.ok && r.formats.includes('web'));
  if (wanted.length === 0) return;
  progress.phase('Web', 1);
  try {
    const { renderWeb } = await import('../render/web/site.ts');
    const built = wanted.map((r) => ({
      code: r.code,
      book: r.book,
      pages: r.pages,
      stamp: r.summary.stamp,
      outDir: r.outDir,
      subdir: r.outSubdir,
      artifacts: r.artifacts.filter((a) => a.format === 'epub' || a.format === 'pdf').map((a) => a.path),
    }));
    const others = siteLanguages(editions).filter((e) => !wanted.some((r) => r.code === e.code));
    const web = await renderWeb(built, others, path.join(out, 'web'));
    for (const r of wanted) {
      r.artifacts.push({ format: 'web', path: path.join(web.dir, r.outSubdir) });
      if (!r.book.config.site.url) {
        (r.summary.notes ??= []).push(
          'web: no site.url in book.yaml, so no sitemap.xml, robots.txt, canonical links or card images (they need the absolute address)',
        );
      }
    }
    progress.tick();
  } finally {
    progress.done();
  }
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
  const results: EditionResult[] = [];
  let launched: Promise<GalleyBrowser> | undefined;
  // Puppeteer is loaded only by builds that print: HTML and EPUB builds start faster without it.
  const context: BuildContext = {
    progress,
    printMarks: options.printMarks,
    pdfx: options.pdfx,
    noCache: options.noCache,
    browser: () => (launched ??= import('../render/browser.ts').then(({ launchBrowser }) => launchBrowser())),
  };
  try {
    for (const edition of editions) results.push(await buildEdition(edition, out, options.formats, context));
    await buildWeb(results, all, out, progress);
  } finally {
    if (launched) await (await launched.catch(() => undefined))?.close();
  }
  const first = results[0]!;
  return {
    ...first,
    ok: results.every((r) => r.ok),
    diagnostics: results.flatMap((r) => r.diagnostics),
    artifacts: results.flatMap((r) => r.artifacts),
    editions: results,
  };
}
