import chokidar, { type FSWatcher } from 'chokidar';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BUILD_SEVERITIES } from './build.ts';
import { BookPipeline } from '../passes/pipeline.ts';
import type { LoadedBook } from '../model/book/load.ts';
import type { Page } from '../model/pages.ts';
import { listEditions, type Edition } from '../model/book/editions.ts';
import { TEMPLATES } from '../render/assets.ts';
import { applySeverities, diagnostics, type Diagnostic } from '../model/diagnostics.ts';
import { ERRATA_FILE, type Errata } from '../model/errata/load.ts';
import { editionStamp } from '../model/errata/stamp.ts';
import {
  searchIndexFor,
  siteEdition,
  webContext,
  webIndexPage,
  webFiles,
  webPage,
  webFileName,
  type WebEdition,
} from '../render/web/site.ts';
import { assertNoLink, writeFileAtomic } from '../util/atomic.ts';
import { tocScript } from '../render/web/layout.ts';
import { webPaths } from '../model/web-paths.ts';
import { serveSite, type SiteServer } from '../render/web/server.ts';
import { renderEdition } from '../render/renderers.ts';
import { drawDiagrams } from '../render/diagrams/diagrams.ts';
import type { GalleyBrowser } from '../render/browser.ts';
import { createProgress } from '../util/progress.ts';

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
  /** What every page shows changed (the shared contents): every open page reloads. */
  reloadAll?: boolean;
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
  pipeline: BookPipeline;
  book: LoadedBook;
  pages: Page[];
  errata?: Errata;
}

/**
 * `galley dev`: the web edition kept up to date while an author writes. One
 * warm process holds each edition's pipeline, the same one `galley build`
 * runs; a save asks it to redo what the change invalidates (a chapter and the
 * passes that read it, the errata passes, or everything for settings and
 * contents), and only pages whose bytes changed are written; the search
 * index follows. Errors never stop it: they go to the terminal and over the
 * open page.
 */
export async function startDev(options: DevOptions = {}): Promise<DevSession> {
  const manuscript = path.resolve(options.manuscript ?? 'manuscript');
  const out = path.resolve(options.out ?? 'dist');
  // Its own folder: the release build's site in `<out>/web` (with its downloads) is never overwritten.
  const siteDir = path.join(out, '.dev', 'web');
  assertNoLink(siteDir, "The preview's folder");
  let states: EditionState[] = [];
  // Launched for the first diagram not in the cache, closed with the session.
  let launched: Promise<GalleyBrowser> | undefined;
  const browser = () => (launched ??= import('../render/browser.ts').then(({ launchBrowser }) => launchBrowser()));
  let failure: Diagnostic | undefined;

  const toCwd = (book: LoadedBook, list: Diagnostic[]) =>
    list.map((d) => ({
      ...d,
      file: path.relative(process.cwd(), path.join(book.boundary, d.file)).split(path.sep).join('/'),
    }));
  const problems = (): Diagnostic[] => [
    ...(failure ? [failure] : []),
    ...states.flatMap((s) =>
      toCwd(s.book, diagnostics(s.book.files, s.book.boundary)).filter((d) => d.severity !== 'info'),
    ),
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
  const sitePath = (state: EditionState, name: string) =>
    state.edition.outSubdir ? `${state.edition.outSubdir}/${name}` : name;

  /** The whole site through the driver a build uses; the first edition's pipeline lends its cache. */
  async function renderSite(): Promise<void> {
    const first = states[0]!;
    await renderEdition(
      {
        book: first.book,
        pages: first.pages,
        errata: first.errata,
        outDir: path.join(out, first.edition.outSubdir),
        browser: () => Promise.reject(new Error('galley dev prints no PDF')),
        cache: first.pipeline.cache,
        progress: createProgress({ quiet: true }),
        artifacts: [],
        site: { editions: states.map(webEdition), others: [], dir: siteDir },
      },
      ['web'],
    );
  }

  async function prepareAll(): Promise<EditionState[]> {
    const editions = await listEditions(manuscript);
    const next: EditionState[] = [];
    for (const edition of editions) {
      const pipeline = new BookPipeline(edition.root, { boundary: edition.boundary, defaults: edition.defaults });
      const { book, pages, errata } = await pipeline.run();
      await drawDiagrams(book, pipeline.cache, { browser });
      // The same severities as `galley build`: what only warns there only warns here.
      applySeverities(book.files, BUILD_SEVERITIES, book.config.checks);
      next.push({ edition, pipeline, book, pages, errata });
    }
    return next;
  }

  const full = async (changed: string[], started: number, reprepare = true): Promise<RebuildEvent> => {
    try {
      if (reprepare) states = await prepareAll();
      await renderSite();
      failure = undefined;
    } catch (error) {
      // A manuscript that cannot be read at all (a deleted folder): keep serving the last site and say why.
      failure = {
        file: path.relative(process.cwd(), manuscript) || '.',
        line: 1,
        column: 1,
        ruleId: 'galley-dev',
        severity: 'error',
        message: (error as Error).message,
      };
    }
    const pages = states.flatMap((s) =>
      ['index.html', ...webPaths(s.book, s.pages).values()].map((name) => sitePath(s, name)),
    );
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
    void enqueue(() =>
      writeFileAtomic(
        path.join(siteDir, state.edition.outSubdir, 'js/search-index.js'),
        searchIndexFor(state.book, state.pages),
      ),
    ).catch(() => undefined);
  };

  const incremental = async (
    state: EditionState,
    files: string[],
    changed: string[],
    started: number,
  ): Promise<RebuildEvent> => {
    const update = await state.pipeline.update(files);
    await drawDiagrams(update.book, state.pipeline.cache, { browser });
    Object.assign(state, { book: update.book, pages: update.pages, errata: update.errata });
    const { book } = state;
    applySeverities(update.all ? book.files : update.chapters.map((c) => c.file), BUILD_SEVERITIES, book.config.checks);
    const { context, pageNames } = await webContext(webEdition(state), siteEditions());
    const dir = path.join(siteDir, state.edition.outSubdir);
    assertNoLink(dir, "The preview's folder");
    await mkdir(dir, { recursive: true });
    const written: string[] = [];
    // A file is written only when its bytes change, so an edit that reaches every page (a title, the version)
    // still leaves the others alone.
    const write = async (name: string, data: string | Buffer) => {
      const file = path.join(dir, name);
      const old = await readFile(file).catch(() => undefined);
      if (old && old.equals(typeof data === 'string' ? Buffer.from(data) : data)) return;
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, data);
      written.push(sitePath(state, name));
    };
    if (update.full) {
      // The whole pipeline ran (SUMMARY.md, an image, an edition's settings): every file of the edition, assets
      // included, and only those that differ are written.
      const { files } = await webFiles(webEdition(state), siteEditions());
      for (const [name, data] of files) if (name !== 'js/search-index.js') await write(name, data);
    } else {
      const redo = new Set(update.changed);
      for (const [index, page] of state.pages.entries())
        if (redo.has(page)) await write(webFileName(context, page), webPage(context, index, pageNames));
      // The title page and the shared contents (js/toc.js) list every title and section heading.
      await write('js/toc.js', tocScript(context));
      // Unless a README is the site's index.html (model/web-paths.ts): then that page was rewritten above.
      if (!state.pages.some((p) => webFileName(context, p) === 'index.html'))
        await write('index.html', webIndexPage(context));
    }
    writeSearchIndex(state);
    const list = toCwd(book, diagnostics(update.all ? book.files : update.chapters.map((c) => c.file), book.boundary));
    return {
      changed,
      pages: written,
      milliseconds: performance.now() - started,
      full: update.full,
      // Every open page shows the shared contents: when they change, every page reloads.
      reloadAll: written.includes(sitePath(state, 'js/toc.js')),
      diagnostics: list,
    };
  };

  const rebuild = (files: string[]): Promise<RebuildEvent> => enqueue(() => rebuildNow(files));

  /** A chapter, errata.yaml or SUMMARY.md of this edition: nothing another edition reads. */
  const ownedAlone = (state: EditionState, file: string) =>
    state.book.chapters.some((c) => c.file.path === file) ||
    file === path.join(state.book.root, ERRATA_FILE) ||
    file === state.book.summaryFile.path;

  const rebuildNow = async (files: string[]): Promise<RebuildEvent> => {
    const started = performance.now();
    const changed = files.map((f) =>
      (f.startsWith(TEMPLATES + path.sep) ? path.relative(path.dirname(TEMPLATES), f) : path.relative(manuscript, f))
        .split(path.sep)
        .join('/'),
    );
    // Templates change how pages look, not what they say: write the site again from what is prepared.
    if (files.every((f) => f.startsWith(TEMPLATES + path.sep))) return full(changed, started, false);
    if (failure || states.length === 0) return full(changed, started);
    // Each file belongs to the edition whose folder holds it most closely; one outside every edition (a shared
    // image, LANGS.md) is seen by them all, and each pipeline decides what it invalidates.
    const owner = (file: string) =>
      [...states]
        .sort((a, b) => b.edition.root.length - a.edition.root.length)
        .find((s) => file === s.edition.root || file.startsWith(s.edition.root + path.sep));
    const byEdition = new Map<EditionState, string[]>();
    for (const file of files.map((f) => path.resolve(f))) {
      const state = owner(file);
      // A file no edition owns (LANGS.md), or one another edition may read too (the main book.yaml, whose settings
      // the others inherit, a shared image): every edition again, from a fresh list of editions.
      if (!state || !ownedAlone(state, file)) return full(changed, started);
      byEdition.set(state, [...(byEdition.get(state) ?? []), file]);
    }
    const events: RebuildEvent[] = [];
    for (const [state, owned] of byEdition) events.push(await incremental(state, owned, changed, started));
    return {
      changed,
      pages: events.flatMap((e) => e.pages),
      milliseconds: performance.now() - started,
      full: events.some((e) => e.full),
      reloadAll: events.some((e) => e.reloadAll),
      diagnostics: events.flatMap((e) => e.diagnostics),
    };
  };

  states = await prepareAll();
  await renderSite();

  let server: SiteServer | undefined;
  if (options.port !== undefined) {
    server = await serveSite(siteDir, {
      port: options.port,
      live: true,
      initial: () => [{ event: 'problems', data: problems() }],
    });
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
            server?.reload({ all: event.full || event.reloadAll === true, pages: event.pages });
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
    // A committed link to `/usr` or `/` must not be walked (100,000 watches outside the book, or `/proc`): links are
    // watched as links, never followed. What the book reads through one is checked at each read anyway.
    const watcher = chokidar.watch([manuscript, TEMPLATES], { ignoreInitial: true, ignored, followSymlinks: false });
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
      if (launched) await (await launched.catch(() => undefined))?.close();
    },
  };
}

export type { Page };
