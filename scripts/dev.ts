import { existsSync, watch, type FSWatcher } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { prepare } from './build.ts';
import { readChapter, type LoadedBook } from './book/load.ts';
import type { Chapter } from './book/types.ts';
import { processChapter } from './passes/process-chapters.ts';
import { resolveLinks } from './passes/links.ts';
import { buildQuestionsIndex, isQuestionsIndex } from './passes/questions-index.ts';
import { bookPages, type Page } from './render/pages.ts';
import { pageDocument, renderHtml } from './render/html.ts';
import { createChapterProcessor } from './markdown/processor.ts';
import { diagnostics, type Diagnostic } from './report.ts';
import { appendixChapter } from './errata/checks.ts';

export interface DevOptions {
  manuscript?: string;
  out?: string;
  /** Called after every rebuild, with what was written and how long it took. */
  onRebuild?: (event: RebuildEvent) => void;
}

export interface RebuildEvent {
  /** Source files that triggered it, relative to the manuscript. */
  changed: string[];
  /** Pages written. */
  pages: string[];
  /** From the change being noticed to the last page written. */
  milliseconds: number;
  full: boolean;
  diagnostics: Diagnostic[];
}

export interface DevSession {
  book: LoadedBook;
  /** Rebuilds after `files` (absolute paths) changed; what the watcher calls. */
  rebuild(files: string[]): Promise<RebuildEvent>;
  close(): void;
}

/**
 * `galley dev`: the web edition kept up to date while an author writes. One
 * warm process: a changed chapter is read, processed and linked again, and
 * only its page (and the questions index when its questions changed) is
 * written; anything else (book.yaml, SUMMARY.md, images) rebuilds the HTML.
 */
export async function startDev(options: DevOptions = {}): Promise<DevSession> {
  const manuscript = path.resolve(options.manuscript ?? 'manuscript');
  const htmlDir = path.join(path.resolve(options.out ?? 'dist'), 'html');
  let { book, pages, errata } = await prepare(manuscript);
  let processor = createChapterProcessor(book.config);
  await renderHtml(book, pages, path.dirname(htmlDir));

  const full = async (changed: string[], started: number): Promise<RebuildEvent> => {
    ({ book, pages, errata } = await prepare(manuscript));
    processor = createChapterProcessor(book.config);
    await renderHtml(book, pages, path.dirname(htmlDir));
    return { changed, pages: pages.map((p) => p.outName), milliseconds: performance.now() - started, full: true, diagnostics: diagnostics(book.files, book.boundary) };
  };

  const rebuild = async (files: string[]): Promise<RebuildEvent> => {
    const started = performance.now();
    const changed = files.map((f) => path.relative(manuscript, f).split(path.sep).join('/'));
    const byPath = new Map(book.chapters.map((c) => [c.file.path, c]));
    const chapters = files.map((f) => byPath.get(path.resolve(f)));
    // Anything but a chapter's text (settings, TOC, images, errata, a deleted file) rebuilds the whole edition,
    // and so does the errata appendix, which only the whole book can fill.
    const appendix = errata ? appendixChapter(book, errata) : undefined;
    if (chapters.some((c) => !c || c === appendix || !existsSync(c.file.path))) return full(changed, started);
    const touched = new Set<Chapter>();
    // Read from disk again, always: processing appends to a file's messages, and book passes append to its tree.
    const redo = async (chapter: Chapter) => {
      const { file, data } = await readChapter(chapter.file.path, book.root, book.context);
      chapter.file = file;
      chapter.frontmatter = data;
      processChapter(book, chapter, processor);
      resolveLinks(book, [chapter]);
      touched.add(chapter);
    };
    const questionsOf = (chapter: Chapter) => JSON.stringify(chapter.questions.map((q) => [q.id, q.number, q.difficulty, q.text]));
    let questionsChanged = false;
    for (const chapter of chapters as Chapter[]) {
      const before = questionsOf(chapter);
      await redo(chapter);
      if (questionsOf(chapter) !== before) questionsChanged = true;
    }
    if (questionsChanged) for (const index of book.chapters.filter(isQuestionsIndex)) if (!touched.has(index)) await redo(index);
    buildQuestionsIndex(book, [...touched]);
    book.files = [book.files[0]!, book.files[1]!, ...book.chapters.map((c) => c.file)];
    pages = bookPages(book);
    const written: string[] = [];
    await mkdir(htmlDir, { recursive: true });
    for (const [index, page] of pages.entries()) {
      if (!page.chapter || !touched.has(page.chapter)) continue;
      await writeFile(path.join(htmlDir, page.outName), pageDocument(book, pages, index));
      written.push(page.outName);
    }
    return { changed, pages: written, milliseconds: performance.now() - started, full: false, diagnostics: diagnostics([...touched].map((c) => c.file), book.boundary) };
  };

  let watcher: FSWatcher | undefined;
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  if (options.onRebuild) {
    // Editors save in bursts (temp file, rename): gather events for a moment, then rebuild once.
    watcher = watch(manuscript, { recursive: true }, (_event, name) => {
      if (!name || /(^|\/)\.|~$|\.swp$/.test(name)) return;
      pending.add(path.join(manuscript, name));
      clearTimeout(timer);
      timer = setTimeout(() => {
        const batch = [...pending];
        pending = new Set();
        running = running.then(async () => options.onRebuild!(await rebuild(batch))).catch((error: Error) => {
          process.stderr.write(`galley dev: ${error.message}\n`);
        });
      }, 25);
    });
  }
  return {
    get book() {
      return book;
    },
    rebuild,
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}

export type { Page };
