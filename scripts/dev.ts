import { existsSync, statSync } from 'node:fs';
import chokidar, { type FSWatcher } from 'chokidar';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BUILD_SEVERITIES, prepare } from './build.ts';
import { readChapter, type LoadedBook } from './book/load.ts';
import { listEditions, type Edition } from './book/editions.ts';
import type { Chapter } from './book/types.ts';
import { processChapter } from './passes/process-chapters.ts';
import { resolveLinks } from './passes/links.ts';
import { buildQuestionsIndex, isQuestionsIndex } from './passes/questions-index.ts';
import { bookPages, type Page } from './render/pages.ts';
import { TEMPLATES } from './render/assets.ts';
import { createChapterProcessor } from './markdown/processor.ts';
import { applySeverities, diagnostics, type Diagnostic } from './report.ts';
import { appendixChapter } from './errata/checks.ts';
import type { Errata } from './errata/load.ts';
import { editionStamp } from './errata/stamp.ts';
import { renderWeb, searchIndexFor, siteEdition, webContext, webIndexPage, webPage, type WebEdition } from './render/web/site.ts';
import { isInside } from './util/paths.ts';
import { writeFileAtomic } from './util/atomic.ts';
import { tocScript, webName } from './render/web/layout.ts';
import { serveSite, type SiteServer } from './serve/server.ts';

export interface DevOptions {
  manuscript?: string;
  out?: string;
  /** Serve the site on 127.0.0.1 with live reload; 0 takes any free port. Not served when unset. */
  port?: number;
  /** Watch the manuscript and templates and rebuild on each save; on when `onRebuild` is given. */
  watch?: boolean;
  /** Called after every rebuild, with what was written and how long it took. */
  onRebuild?: (event: RebuildEvent) => void;
}

export interface RebuildEvent {
  /** Source files that triggered it, relative to the manuscript (templates: `templates/…`). */
  changed: string[];
  /** Pages written, relative to the site's root (`part-2-deep-learning.html`, `fa/index.html`). */
  pages: string[];
  /** From the change being noticed to the last page written. */
  milliseconds: number;
  full: boolean;
  /** Problems in what was rebuilt (the terminal prints these). */
  diagnostics: Diagnostic[];
}

export interface DevSession {
  /** The main edition's book. */
  readonly book: LoadedBook;
  /** The served site's address, when serving. */
  readonly url?: string;
  /** The site's folder (`<out>/.dev/web`, never the release build's `<out>/web`). */
  readonly siteDir: string;
  /** Rebuilds after `files` (absolute paths) changed; what the watcher calls. */
  rebuild(files: string[]): Promise<RebuildEvent>;
  /** Every error and warning of the current build, paths relative to the working directory: what the page overlay shows. */
  problems(): Diagnostic[];
  /** Resolves once the search index has caught up with the last rebuild. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

interface EditionState {
  edition: Edition;
  book: LoadedBook;
  pages: Page[];
  errata?: Errata;
  processor: ReturnType<typeof createChapterProcessor>;
}

const navSignature = (pages: Page[]) => JSON.stringify(pages.map((p) => [p.outName, p.title, p.number, p.kind]));

/**
 * `galley dev`: the web edition kept up to date while an author writes. One
 * warm process: a saved chapter is read, processed and linked again, and
 * only its page is written (every page of its edition when a title changed,
 * since each page's contents show it); the search index follows. Anything
 * else (book.yaml, SUMMARY.md, images, errata) rebuilds the site. Errors
 * never stop it: they go to the terminal and over the open page.
 */
export async function startDev(options: DevOptions = {}): Promise<DevSession> {
  const manuscript = path.resolve(options.manuscript ?? 'manuscript');
  const out = path.resolve(options.out ?? 'dist');
  // Its own folder: the release build's site in `<out>/web` (with its downloads) is never overwritten.
  const siteDir = path.join(out, '.dev', 'web');
  let states: EditionState[] = [];
  let failure: Diagnostic | undefined;

  const toCwd = (book: LoadedBook, list: Diagnostic[]) => list.map((d) => ({ ...d, file: path.relative(process.cwd(), path.join(book.boundary, d.file)).split(path.sep).join('/') }));
  const problems = (): Diagnostic[] => [
    ...(failure ? [failure] : []),
    ...states.flatMap((s) => toCwd(s.book, diagnostics(s.book.files, s.book.boundary)).filter((d) => d.severity !== 'info')),
  ];

  const webEdition = (state: EditionState): WebEdition => ({
    code: state.edition.code,
    book: state.book,
    pages: state.pages,
    stamp: editionStamp(state.book, state.errata),
    outDir: path.join(out, state.edition.outSubdir),
    subdir: state.edition.outSubdir,
  });
  const siteEditions = () => states.map((s) => siteEdition(webEdition(s)));
  const sitePath = (state: EditionState, name: string) => (state.edition.outSubdir ? `${state.edition.outSubdir}/${name}` : name);

  async function prepareAll(): Promise<EditionState[]> {
    const editions = await listEditions(manuscript);
    const next: EditionState[] = [];
    for (const edition of editions) {
      const { book, pages, errata } = await prepare(edition.root, undefined, { boundary: edition.boundary, defaults: edition.defaults });
      // The same severities as `galley build`: what only warns there only warns here.
      applySeverities(book.files, BUILD_SEVERITIES, book.config.checks);
      next.push({ edition, book, pages, errata, processor: createChapterProcessor(book.config) });
    }
    return next;
  }

  const full = async (changed: string[], started: number, reprepare = true): Promise<RebuildEvent> => {
    try {
      if (reprepare) states = await prepareAll();
      await renderWeb(states.map(webEdition), [], siteDir);
      failure = undefined;
    } catch (error) {
      // A manuscript that cannot be read at all (a deleted folder): keep serving the last site and say why.
      failure = { file: path.relative(process.cwd(), manuscript) || '.', line: 1, column: 1, ruleId: 'galley-dev', severity: 'error', message: (error as Error).message };
    }
    const pages = states.flatMap((s) => ['index.html', ...s.pages.map((p) => webName(p.outName))].map((name) => sitePath(s, name)));
    return { changed, pages, milliseconds: performance.now() - started, full: true, diagnostics: problems() };
  };

  // One thing at a time: rebuilds, and the search index each one leaves to write after its pages.
  let queue: Promise<void> = Promise.resolve();
  const enqueue = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task);
    queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };
  const writeSearchIndex = (state: EditionState) => {
    // After the pages: a reader sees the edit first, the index follows a moment later. It is made from the state
    // when it runs, so a later rebuild cannot be undone by it.
    void enqueue(() => writeFileAtomic(path.join(siteDir, state.edition.outSubdir, 'js/search-index.js'), searchIndexFor(state.book, state.pages))).catch(() => undefined);
  };

  const incremental = async (state: EditionState, chapters: Chapter[], changed: string[], started: number): Promise<RebuildEvent> => {
    const { book } = state;
    const touched = new Set<Chapter>();
    // Read from disk again, always: processing appends to a file's messages, and book passes append to its tree.
    const redo = async (chapter: Chapter) => {
      // The load checked where the file leads; a save may have made it a symlink out of the manuscript.
      if (!isInside(book.boundary, chapter.file.path) || !statSync(chapter.file.path).isFile()) throw new Error(`${chapter.source} is no longer a file inside the manuscript`);
      const { file, data } = await readChapter(chapter.file.path, book.root, book.context);
      chapter.file = file;
      chapter.frontmatter = data;
      chapter.title = typeof data.title === 'string' ? data.title : chapter.entry.title;
      processChapter(book, chapter, state.processor);
      resolveLinks(book, [chapter]);
      touched.add(chapter);
    };
    const questionsOf = (chapter: Chapter) => JSON.stringify(chapter.questions.map((q) => [q.id, q.number, q.difficulty, q.text]));
    const navBefore = navSignature(state.pages);
    let questionsChanged = false;
    for (const chapter of chapters) {
      const before = questionsOf(chapter);
      await redo(chapter);
      if (questionsOf(chapter) !== before) questionsChanged = true;
    }
    if (questionsChanged) for (const index of book.chapters.filter(isQuestionsIndex)) if (!touched.has(index)) await redo(index);
    buildQuestionsIndex(book, [...touched]);
    applySeverities([...touched].map((c) => c.file), BUILD_SEVERITIES, book.config.checks);
    // The chapters' files are new; every other file (book.yaml, SUMMARY.md, errata.yaml) keeps its messages.
    const fresh = new Map(book.chapters.map((c) => [c.file.path, c.file]));
    book.files = book.files.map((file) => fresh.get(file.path) ?? file);
    state.pages = bookPages(book);
    const everyPage = navSignature(state.pages) !== navBefore;
    const { context, pageNames } = await webContext(webEdition(state), siteEditions());
    const dir = path.join(siteDir, state.edition.outSubdir);
    await mkdir(dir, { recursive: true });
    const written: string[] = [];
    for (const [index, page] of state.pages.entries()) {
      if (!everyPage && (!page.chapter || !touched.has(page.chapter))) continue;
      await writeFile(path.join(dir, webName(page.outName)), webPage(context, index, pageNames));
      written.push(sitePath(state, webName(page.outName)));
    }
    // The title page and the shared contents (js/toc.js) list every title too.
    if (everyPage) {
      await writeFile(path.join(dir, 'js/toc.js'), tocScript(context));
      await writeFile(path.join(dir, 'index.html'), webIndexPage(context));
      written.push(sitePath(state, 'index.html'));
    }
    writeSearchIndex(state);
    const list = toCwd(book, diagnostics([...touched].map((c) => c.file), book.boundary));
    return { changed, pages: written, milliseconds: performance.now() - started, full: false, diagnostics: list };
  };

  const rebuild = (files: string[]): Promise<RebuildEvent> => enqueue(() => rebuildNow(files));

  const rebuildNow = async (files: string[]): Promise<RebuildEvent> => {
    const started = performance.now();
    const changed = files.map((f) => (f.startsWith(TEMPLATES + path.sep) ? path.relative(path.dirname(TEMPLATES), f) : path.relative(manuscript, f)).split(path.sep).join('/'));
    // Templates change how pages look, not what they say: write the site again from what is prepared.
    if (files.every((f) => f.startsWith(TEMPLATES + path.sep))) return full(changed, started, false);
    if (failure || states.length === 0) return full(changed, started);
    // Each file belongs to the edition whose folder holds it most closely.
    const owner = (file: string) =>
      [...states].sort((a, b) => b.edition.root.length - a.edition.root.length).find((s) => file === s.edition.root || file.startsWith(s.edition.root + path.sep));
    const byEdition = new Map<EditionState, Chapter[]>();
    for (const file of files.map((f) => path.resolve(f))) {
      const state = owner(file);
      const chapter = state?.book.chapters.find((c) => c.file.path === file);
      const appendix = state?.errata ? appendixChapter(state.book, state.errata) : undefined;
      // Anything but a chapter's text (settings, TOC, images, errata, a deleted file) rebuilds the whole site,
      // and so does the errata appendix, which only the whole book can fill.
      if (!state || !chapter || chapter === appendix || !existsSync(file)) return full(changed, started);
      byEdition.set(state, [...(byEdition.get(state) ?? []), chapter]);
    }
    const events: RebuildEvent[] = [];
    try {
      for (const [state, chapters] of byEdition) events.push(await incremental(state, chapters, changed, started));
    } catch {
      // A file renamed or replaced under us mid-read: the whole site again, which reports what is wrong.
      return full(changed, started);
    }
    return { changed, pages: events.flatMap((e) => e.pages), milliseconds: performance.now() - started, full: false, diagnostics: events.flatMap((e) => e.diagnostics) };
  };

  states = await prepareAll();
  await renderWeb(states.map(webEdition), [], siteDir);

  let server: SiteServer | undefined;
  if (options.port !== undefined) {
    server = await serveSite(siteDir, { port: options.port, live: true, initial: () => [{ event: 'problems', data: problems() }] });
  }

  const watchers: FSWatcher[] = [];
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  if (options.watch || options.onRebuild) {
    const schedule = (file: string) => {
      pending.add(file);
      clearTimeout(timer);
      // Editors save in bursts (temp file, rename): gather events for a moment, then rebuild once.
      timer = setTimeout(() => {
        const batch = [...pending];
        pending = new Set();
        rebuild(batch)
          .then((event) => {
            // Reload first: a page that reloads is told the problems when it connects again.
            server?.broadcast('reload', { all: event.full, pages: event.pages });
            server?.broadcast('problems', problems());
            options.onRebuild?.(event);
          })
          .catch((error: Error) => {
            process.stderr.write(`galley dev: ${error.message}\n`);
          });
      }, 25);
    };
    // The output may sit inside the manuscript (`--manuscript . --out dist`): what dev writes must not wake it.
    const written = (file: string) => file === out || file.startsWith(out + path.sep);
    // Hidden files and folders (.git, .galley-cache), editors' swap and backup files.
    const ignored = (file: string) => {
      const base = file.startsWith(TEMPLATES) ? TEMPLATES : manuscript;
      return /(^|[/\\])\.|~$|\.swp$|\.tmp$/.test(path.relative(base, file)) || written(file);
    };
    const watcher = chokidar.watch([manuscript, TEMPLATES], { ignoreInitial: true, ignored });
    watchers.push(watcher);
    watcher.on('all', (_event, file) => schedule(path.resolve(file)));
    // Saves made once startDev has returned must be seen: wait for the watcher to have looked at every folder.
    try {
      await new Promise<void>((resolve, reject) => {
        watcher.once('ready', () => resolve());
        watcher.once('error', reject);
      });
    } catch (error) {
      await watcher.close();
      await server?.close();
      throw new Error(`Cannot watch ${manuscript}: ${(error as Error).message}`, { cause: error });
    }
  }

  return {
    get book() {
      return states[0]!.book;
    },
    get url() {
      return server?.url;
    },
    siteDir,
    rebuild,
    problems,
    async settled() {
      await queue;
    },
    async close() {
      clearTimeout(timer);
      await Promise.all(watchers.map((watcher) => watcher.close()));
      await queue;
      await server?.close();
    },
  };
}

export type { Page };
