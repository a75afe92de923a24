import { existsSync } from 'node:fs';
import { checkBookFile } from '../util/book-file.ts';
import path from 'node:path';
import { chapterSettings, loadBook, readChapter, type LoadedBook, type LoadOptions } from '../model/book/load.ts';
import type { Chapter } from '../model/book/types.ts';
import { firstHeading } from '../model/book/first-heading.ts';
import { authorNumber } from '../model/book/numbering.ts';
import type { BookConfig } from '../model/config/schema.ts';
import { appendixChapter, checkErrata } from './errata/checks.ts';
import { buildErrataAppendix } from './errata/appendix.ts';
import { ERRATA_FILE, loadErrata, type Errata } from '../model/errata/load.ts';
import { editionStamp } from '../model/errata/stamp.ts';
import type { ChapterProcessor } from '../markdown/processor.ts';
import { bookPages, type Page } from '../model/pages.ts';
import { createProgress, type Progress } from '../util/progress.ts';
import { isInside } from '../util/paths.ts';
import { resolveCover } from './cover.ts';
import { resolveLinks } from './links.ts';
import { crossrefSignature, resolveCrossrefs } from './crossrefs.ts';
import { processChapter, processChapters } from './process-chapters.ts';
import { BuildCache } from '../model/build-cache.ts';
import { openBuildCache } from './cache/build-cache.ts';
import { buildQuestionsIndex, isQuestionsIndex } from './questions-index.ts';
import { buildBookIndex, indexTermsOf, isBookIndex } from './book-index.ts';
import { settlePages, type PageVariant, type SettledPages } from './settle-pages.ts';

export interface PrepareOptions {
  lint?: boolean;
  /**
   * The build's cache, shared with the renderers; or `false` for none
   * (`--no-cache`), `true` (the default) for a fresh one in the user's cache folder.
   */
  cache?: boolean | BuildCache;
  boundary?: string;
  defaults?: Partial<BookConfig>;
  /**
   * The renderings the caller will make of every page, when it can take
   * them from the page cache (passes/cache/page-cache.ts) instead of
   * page trees: then chapters whose pages are cached are never parsed.
   * Undefined (the default) for callers that read page trees.
   */
  pageVariants?: (book: LoadedBook) => PageVariant[] | undefined;
  /**
   * What the caller's render steps put into a chapter's page beyond the book
   * passes (the diagram cache's keys of its drawings): part of the page key,
   * since a cached page keeps what they put in.
   */
  pageInputs?: (book: LoadedBook) => (chapter: Chapter) => string[];
  /**
   * Told the book once it is loaded, before its chapters are processed: the build starts there what it needs
   * afterwards and can start early (Chromium, for a PDF), beside the chapter loop.
   */
  loaded?: (book: LoadedBook) => void;
}

export interface Prepared {
  book: LoadedBook;
  pages: Page[];
  errata?: Errata;
  /** Pages from the page cache and what to store for the others, when `pageVariants` asked for it. */
  pageCache?: SettledPages;
  /** The cache this run used: the renderers take page markup from it and leave theirs in it. */
  cache: BuildCache;
}

/** What an update changed: every page (`all`), or only these. */
export interface Update extends Prepared {
  /** The whole pipeline ran again (settings, contents or a file it could not place changed). */
  full: boolean;
  /** Every page may show something new (a title in the contents, the version). */
  all: boolean;
  /** Pages whose content may differ from the last run; every page when `all`. */
  changed: Page[];
  /** Chapters read and processed again. */
  chapters: Chapter[];
}

// What every page shows of the others (the contents) and of the edition (version, printing, date).
const bookSignature = (prepared: Prepared) =>
  JSON.stringify([
    prepared.pages.map((p) => [p.outName, p.title, p.number, p.kind]),
    editionStamp(prepared.book, prepared.errata),
  ]);

/**
 * The staged pipeline every command shares: load → chapters (cached) → book
 * passes (links, questions index, cover, errata) → page model. `run()` does
 * it all; `update()` redoes what a change to some files invalidates, and
 * only that, so `galley dev` gets the same book a full build would.
 */
export class BookPipeline {
  private state?: Prepared;
  private processor?: ChapterProcessor;
  /** One cache for every run and update of this pipeline. */
  readonly cache: BuildCache;

  constructor(
    private readonly root: string,
    private readonly options: PrepareOptions = {},
  ) {
    this.cache = options.cache instanceof BuildCache ? options.cache : openBuildCache(options.cache ?? true);
  }

  get prepared(): Prepared | undefined {
    return this.state;
  }

  /** The whole pipeline, from the files on disk. */
  async run(progress: Progress = createProgress({ quiet: true })): Promise<Prepared> {
    const load: LoadOptions = { boundary: this.options.boundary, defaults: this.options.defaults };
    const cache = this.cache;
    let book = await loadBook(this.root, load);
    this.options.loaded?.(book);
    const variants = this.options.pageVariants?.(book);
    const chaptersDir = cache.chapters.dir;
    // Errata passes read every chapter's tree: a book with errata.yaml builds its pages from trees.
    // So does a book with an index (`generate: index`): its page lists every chapter's terms.
    const pagesDir =
      variants && chaptersDir && !existsSync(path.join(book.root, ERRATA_FILE)) && !book.chapters.some(isBookIndex)
        ? chaptersDir
        : undefined;
    progress.phase('Chapters', book.chapters.length);
    await processChapters(book, (chapter) => progress.tick(chapter.source), {
      lint: this.options.lint,
      cache,
      lazyTrees: pagesDir !== undefined,
    });
    if (pagesDir && variants) {
      const settled = settlePages(book, cache, pagesDir, variants, this.options.pageInputs?.(book));
      if (settled) {
        progress.done();
        this.processor = undefined;
        this.state = { book, pages: settled.pages, pageCache: settled, cache };
        return this.state;
      }
      // A cached tree turned out damaged: the plain way, from a fresh load, which processes that chapter again.
      book = await loadBook(this.root, load);
      progress.phase('Chapters', book.chapters.length);
      await processChapters(book, (chapter) => progress.tick(chapter.source), { lint: this.options.lint, cache });
    }
    resolveLinks(book);
    resolveCrossrefs(book);
    buildQuestionsIndex(book);
    buildBookIndex(book);
    resolveCover(book);
    const errata = await loadErrata(book);
    if (errata) this.errataPasses(book, errata);
    const pages = bookPages(book);
    progress.done();
    this.processor = undefined;
    this.state = { book, pages, errata, cache };
    return this.state;
  }

  /**
   * After `files` (absolute paths) changed: chapters' text is read and
   * processed again with the passes that read it; errata.yaml re-runs the
   * errata passes; anything else (book.yaml, SUMMARY.md, images, a deleted
   * file) runs the whole pipeline, which the chapter cache keeps short.
   */
  async update(files: string[]): Promise<Update> {
    const state = this.state;
    if (!state) return this.rerun();
    const { book } = state;
    const errataPath = path.join(book.root, ERRATA_FILE);
    const appendix = state.errata ? appendixChapter(book, state.errata) : undefined;
    const chapters: Chapter[] = [];
    let errataChanged = false;
    for (const file of files.map((f) => path.resolve(f))) {
      if (file === errataPath && existsSync(file) && state.errata) {
        errataChanged = true;
        continue;
      }
      const chapter = book.chapters.find((c) => c.file.path === file);
      // The appendix is only whole once the errata pass has filled it: it is redone with the errata below.
      if (!chapter || !existsSync(file)) return this.rerun();
      if (chapter !== appendix && !chapters.includes(chapter)) chapters.push(chapter);
    }
    const before = bookSignature(state);
    try {
      return await this.redo(state, chapters, errataChanged, before);
    } catch {
      // A file renamed or replaced under us mid-read: the whole pipeline, which reports what is wrong.
      return this.rerun();
    }
  }

  private async rerun(): Promise<Update> {
    const prepared = await this.run();
    return { ...prepared, full: true, all: true, changed: prepared.pages, chapters: prepared.book.chapters };
  }

  private async redo(state: Prepared, chapters: Chapter[], errataChanged: boolean, before: string): Promise<Update> {
    const { book } = state;
    // Loaded on the first update: a whole run processes its chapters on workers, never on this thread.
    const { createChapterProcessor } = await import('../markdown/processor.ts');
    const processor = (this.processor ??= createChapterProcessor(book.config, {
      settings: chapterSettings(book.context),
    }));
    const touched = new Set<Chapter>();
    const questionsOf = (chapter: Chapter) =>
      JSON.stringify(chapter.questions.map((q) => [q.id, q.number, q.difficulty, q.text]));
    let questionsChanged = false;
    // Labels, headings and citations number every chapter's references: when they change, every chapter's pass again.
    const crossrefsBefore = crossrefSignature(book);
    let termsChanged = false;
    for (const chapter of chapters) {
      const previous = questionsOf(chapter);
      const terms = indexTermsOf(chapter);
      await this.reread(book, chapter, processor);
      touched.add(chapter);
      if (questionsOf(chapter) !== previous) questionsChanged = true;
      if (indexTermsOf(chapter) !== terms) termsChanged = true;
    }
    if (termsChanged) {
      for (const index of book.chapters.filter(isBookIndex)) {
        if (!touched.has(index)) {
          await this.reread(book, index, processor);
          touched.add(index);
        }
      }
    }
    if (questionsChanged) {
      for (const index of book.chapters.filter(isQuestionsIndex)) {
        if (!touched.has(index)) {
          await this.reread(book, index, processor);
          touched.add(index);
        }
      }
    }
    resolveLinks(book, [...touched]);
    if (crossrefSignature(book) !== crossrefsBefore) for (const chapter of book.chapters) touched.add(chapter);
    resolveCrossrefs(book, [...touched]);
    buildQuestionsIndex(book, [...touched]);
    buildBookIndex(book, [...touched]);
    // The errata passes read every chapter's headings and questions, and fill the appendix: redone whenever errata
    // exist, from a fresh appendix, exactly as a full run does.
    let errata = state.errata;
    if (errataChanged) {
      const before = errata ? appendixChapter(book, errata) : undefined;
      errata = await loadErrata(book);
      // The appendix moved to another chapter: the old one must lose what the pass added to it.
      if (!errata || appendixChapter(book, errata) !== before) return this.rerun();
    }
    if (errata) {
      const appendix = appendixChapter(book, errata);
      if (appendix) {
        if (!touched.has(appendix)) await this.reread(book, appendix, processor);
        resolveLinks(book, [appendix]);
        touched.add(appendix);
      }
      this.errataPasses(book, errata);
    }
    // The chapters' files are new; every other file (book.yaml, SUMMARY.md, errata.yaml) keeps its messages.
    const fresh = new Map(book.chapters.map((c) => [c.file.path, c.file]));
    book.files = book.files.map((file) => fresh.get(file.path) ?? file);
    const pages = bookPages(book);
    this.state = { book, pages, errata, cache: this.cache };
    const all = bookSignature(this.state) !== before;
    const changed = all ? pages : pages.filter((p) => p.chapter && touched.has(p.chapter));
    return { ...this.state, full: false, all, changed, chapters: [...touched] };
  }

  private errataPasses(book: LoadedBook, errata: Errata) {
    checkErrata(book, errata);
    buildErrataAppendix(book, errata);
  }

  /** From disk again, always: processing appends to a file's messages, and book passes append to its tree. */
  private async reread(book: LoadedBook, chapter: Chapter, processor: ChapterProcessor) {
    // The load checked where the file leads; a save may have made it a link out of the manuscript, into the git
    // folder, or a FIFO: the same gate as the load.
    const checked = checkBookFile(book.boundary, chapter.file.path);
    if (!isInside(book.boundary, chapter.file.path) || !checked.ok) {
      const why = !checked.ok && !checked.missing ? checked.reason : 'is no longer a file inside the manuscript';
      throw new Error(`${chapter.source} ${why}`);
    }

    const { file, data } = await readChapter(chapter.file.path, book.root, { templateTags: book.dialect === 'honkit' });
    const title = typeof data.title === 'string' ? data.title : chapter.entry.title;
    // The author's number from a heading ("### 5.1 Algebra") numbers the chapter's questions, the contents and the
    // index, and whether headings carry numbers at all chooses the book's numbering: an edit to it is a whole rerun.
    const heading = firstHeading(String(file.value))?.text ?? '';
    if ((authorNumber(title) ?? authorNumber(heading)) !== chapter.authorNumber) throw new NumberingChanged();
    chapter.file = file;
    chapter.frontmatter = data;
    chapter.title = title;
    processChapter(book, chapter, processor);
  }
}

/** A save changed a number the load took from a heading: the update gives way to a whole run. */
class NumberingChanged extends Error {}

/** Loads, processes and runs the book passes without writing anything: what every command shares. */
export function prepare(manuscript: string, progress?: Progress, options: PrepareOptions = {}): Promise<Prepared> {
  return new BookPipeline(manuscript, options).run(progress);
}
