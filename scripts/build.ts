import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadBook, type LoadedBook } from './book/load.ts';
import type { Difficulty } from './book/types.ts';
import type { Severity } from './config/schema.ts';
import { processChapters } from './passes/process-chapters.ts';
import { resolveLinks } from './passes/links.ts';
import { buildQuestionsIndex } from './passes/questions-index.ts';
import { bookPages, type Page } from './render/pages.ts';
import { renderHtml } from './render/html.ts';
import { applySeverities, diagnostics, exitCode, type Diagnostic } from './report.ts';
import { createProgress, type Progress } from './progress.ts';

export type Format = 'html' | 'epub' | 'pdf';

export interface BuildOptions {
  manuscript?: string;
  out?: string;
  formats?: Format[];
  quiet?: boolean;
  progress?: Progress;
}

export interface Artifact {
  format: Format;
  path: string;
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
  words: number;
  seconds: number;
}

export interface BuildResult {
  ok: boolean;
  diagnostics: Diagnostic[];
  artifacts: Artifact[];
  summary: BuildSummary;
  book: LoadedBook;
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
  'link-outside-book': 'warn',
};

/** Loads, processes and checks a manuscript without writing anything: what build and check share. */
export async function prepare(manuscript: string, progress: Progress = createProgress({ quiet: true }), options: { lint?: boolean } = {}) {
  const book = await loadBook(manuscript);
  progress.phase('Chapters', book.chapters.length);
  processChapters(book, (chapter) => progress.tick(chapter.source), options);
  resolveLinks(book);
  buildQuestionsIndex(book);
  const pages = bookPages(book);
  progress.done();
  return { book, pages };
}

export function summarize(book: LoadedBook, pages: Page[], seconds: number): BuildSummary {
  const questions: Record<Difficulty, number> = { E: 0, M: 0, H: 0 };
  const total = { formulas: 0, images: 0, tables: 0, footnotes: 0, codeBlocks: 0, words: 0 };
  for (const chapter of book.chapters) {
    for (const q of chapter.questions) questions[q.difficulty]++;
    for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += chapter.stats[key];
  }
  return { chapters: book.chapters.length, pages: pages.length, questions, ...total, seconds };
}

export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  const started = performance.now();
  const manuscript = path.resolve(options.manuscript ?? 'manuscript');
  const out = path.resolve(options.out ?? 'dist');
  const progress = options.progress ?? createProgress({ quiet: options.quiet });
  const { book, pages } = await prepare(manuscript, progress);
  const formats = options.formats ?? book.config.output.formats;
  applySeverities(book.files, BUILD_SEVERITIES, book.config.checks);
  let list = diagnostics(book.files, book.root);
  const artifacts: Artifact[] = [];
  if (exitCode(list) === 0) {
    try {
      // The HTML intermediate is what EPUB and PDF are made from.
      if (formats.includes('html') || formats.length > 0) {
        progress.phase('HTML', 1);
        const html = await renderHtml(book, pages, out);
        artifacts.push({ format: 'html', path: html.dir });
        progress.tick();
      }
    } finally {
      progress.done();
    }
    list = diagnostics(book.files, book.root);
  }
  const summary = summarize(book, pages, (performance.now() - started) / 1000);
  return { ok: exitCode(list) === 0, diagnostics: list, artifacts, summary, book };
}
