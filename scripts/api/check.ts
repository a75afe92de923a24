import { findRepository, runGit, verifyCommit } from '../util/git.ts';
import path from 'node:path';
import { prepare } from './build.ts';
import { loadBook } from '../model/book/load.ts';
import type { Severity } from '../model/config/schema.ts';
import type { Chapter } from '../model/book/types.ts';
import { checkCopyrightFooters } from '../checks/copyright-footer.ts';
import { checkBuildDate } from '../checks/build-date.ts';
import { fixSources } from '../checks/fix.ts';
import { checkTocTitles, checkUnreachableFiles } from '../checks/toc.ts';
import { checkRedirects } from '../checks/redirects.ts';
import { applySeverities, diagnostics, type Diagnostic } from '../model/diagnostics.ts';
import { listEditions } from '../model/book/editions.ts';
import { existsSync, realpathSync } from 'node:fs';
import { checkExternalLinks } from '../checks/external-links.ts';
import { bookSlug } from '../model/book-slug.ts';
import { toPosix } from '../util/paths.ts';
import { createProgress, type Progress } from '../util/progress.ts';
import { checkErrataForChanges } from '../checks/errata-changes.ts';
import type { PdfReader } from '../checks/pdf-readings.ts';
import { checkDiagrams } from '../checks/diagrams.ts';
import type { GalleyBrowser } from '../render/browser.ts';

export interface CheckOptions {
  manuscript?: string;
  /** Only messages in files changed since this git ref. */
  changedSince?: string;
  fix?: boolean;
  quiet?: boolean;
  /** Check external links too (network); without it, `GALLEY_EXTERNAL_LINKS=1` decides (book.yaml cannot). */
  external?: boolean;
  /** Ignore every cache (chapter results and external-link results). */
  noCache?: boolean;
  /**
   * Validate built EPUBs with EPUBCheck and DAISY Ace: `true` for each
   * edition's `dist/<slug>.epub`, or the path of one EPUB file.
   */
  epub?: boolean | string;
  /** The output folder the EPUB and artifact checks look in. */
  out?: string;
  /** Check what was built (footers and rights in web pages, EPUB and PDF; PDF fonts and tags). */
  artifacts?: boolean;
  /** Print preflight of the built PDF (near-empty pages, stranded headings, overfull lines, …); also part of `artifacts`. */
  print?: boolean;
  /** Compare the author's text with each built format's (web, EPUB, PDF): every run of missing words. */
  fidelity?: boolean;
  progress?: Progress;
  /** How the artifact checks read a PDF with poppler; `galley release` shares its own so each tool runs once per file. */
  readPdf?: PdfReader;
  /**
   * A running browser to draw diagrams with: the check neither launches nor closes one. When unset, the first
   * diagram the diagram cache does not hold launches one, and the check closes it.
   */
  browser?: GalleyBrowser;
}

export interface CheckResult {
  diagnostics: Diagnostic[];
  fixed: string[];
  /** What `--fix` changed in each file it wrote, as a unified diff (the same order as `fixed`). */
  diffs: string[];
  root: string;
}

/** Severities `galley check` starts from; book.yaml's `checks:` overrides any of them. */
export const CHECK_SEVERITIES: Record<string, Severity> = {
  'broken-link': 'error',
  'broken-image': 'error',
  'remote-resource': 'error',
  // A build of a HonKit or mdBook book goes on without a missing TOC file, as those tools do; the check does not.
  'toc-missing-file': 'error',
  'copyright-footer': 'error',
  'missing-import': 'error',
  'missing-media': 'error',
  'broken-external-link': 'error',
  'redirected-link': 'warn',
  'external-link-unchecked': 'warn',
  'diagram-unchecked': 'warn',
};

/**
 * Style rules are this book's house style; a book written for HonKit or
 * mdBook (no book.yaml) is checked for what is broken, not for style.
 */
export const STYLE_RULES = [
  'heading-increment',
  'question-tag',
  'footnote-match',
  'raw-html',
  'trailing-whitespace',
  'image-alt',
  'toc-title',
  'unreachable-file',
  'missing-language',
  'final-newline',
  'list-item-bullet-indent',
  'no-blockquote-without-marker',
  'ordered-list-marker-style',
  'hard-break-spaces',
  'no-duplicate-definitions',
  'no-heading-content-indent',
  'no-shortcut-reference-image',
  'no-shortcut-reference-link',
  'no-undefined-references',
  'no-unused-definitions',
];

/** Files (relative to the manuscript) that differ from `ref`, committed or not. */
export function changedFiles(rootDir: string, ref: string): Set<string> {
  // git answers with symlinks resolved: compare like with like.
  const root = realpathSync(rootDir);
  const repo = findRepository(root);
  if (!repo) throw new Error(`--changed-since needs a git repository: ${root} is not inside one`);
  const top = repo.top;
  const commit = verifyCommit(repo, ref, root);
  const names = runGit(
    repo,
    ['diff', '--no-ext-diff', '--no-textconv', '--name-only', '--end-of-options', commit, '--', '.'],
    {
      cwd: root,
    },
  )
    .split('\n')
    .filter(Boolean);
  const untracked = runGit(repo, ['ls-files', '--others', '--exclude-standard', '--', '.'], { cwd: root })
    .split('\n')
    .filter(Boolean)
    .map((name) => path.relative(top, path.join(root, name)));
  return new Set(
    [...names, ...untracked].map((name) => path.relative(root, path.join(top, name)).split(path.sep).join('/')),
  );
}

/** External links are checked when the command line or the environment says so (`GALLEY_EXTERNAL_LINKS=1`). */
export function externalAllowed(
  options: Pick<CheckOptions, 'external'>,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (options.external !== undefined) return options.external;
  return /^(1|true|yes)$/i.test(env.GALLEY_EXTERNAL_LINKS ?? '');
}

/** Everything a contributor needs to know before a merge, as messages with positions. */
export async function check(options: CheckOptions = {}): Promise<CheckResult> {
  let launched: Promise<GalleyBrowser> | undefined;
  // Puppeteer is loaded, and Chromium started, only for a diagram the cache does not hold.
  const browser = () =>
    options.browser
      ? Promise.resolve(options.browser)
      : (launched ??= import('../render/browser.ts').then(({ launchBrowser }) => launchBrowser()));
  try {
    return await checkBook(options, browser);
  } finally {
    if (launched) await (await launched.catch(() => undefined))?.close();
  }
}

async function checkBook(options: CheckOptions, browser: () => Promise<GalleyBrowser>): Promise<CheckResult> {
  const manuscript = path.resolve(options.manuscript ?? 'manuscript');
  const progress = options.progress ?? createProgress({ quiet: options.quiet });
  const editions = await listEditions(manuscript);
  const fixed: string[] = [];
  const diffs: string[] = [];
  let list: Diagnostic[] = [];
  const changed = options.changedSince ? changedFiles(manuscript, options.changedSince) : undefined;
  for (const edition of editions) {
    const at = { boundary: edition.boundary, defaults: edition.defaults };
    if (options.fix) {
      const book = await loadBook(edition.root, at);
      const name = (source: string) => toPosix(path.relative(manuscript, path.join(edition.root, source)));
      for (const change of await fixSources(book, name)) {
        fixed.push(name(change.source));
        diffs.push(change.diff);
      }
    }
    const { book, pages, errata, cache } = await prepare(edition.root, progress, {
      lint: true,
      cache: !options.noCache,
      ...at,
    });
    // Network access is the caller's decision (`--external`, or GALLEY_EXTERNAL_LINKS=1 set by CI), never the book's:
    // a pull request could otherwise switch it on. book.yaml's `enabled` alone only earns a note.
    if (externalAllowed(options)) {
      await checkExternalLinks(book, { noCache: options.noCache, progress });
    } else if (book.config.links.external.enabled) {
      list.push({
        file: toPosix(path.relative(manuscript, book.configFile.path)) || 'book.yaml',
        line: 1,
        column: 1,
        ruleId: 'external-link-unchecked',
        severity: 'info',
        message:
          'links.external.enabled does not turn on network access by itself: run `galley check --external`, or set GALLEY_EXTERNAL_LINKS=1 in CI',
      });
    }

    checkCopyrightFooters(book);
    checkBuildDate(book);
    checkTocTitles(book);
    checkRedirects(book, pages);
    const nested = editions.filter((e) => e.root !== edition.root && e.root.startsWith(edition.root + path.sep));
    await checkUnreachableFiles(
      book,
      nested.map((e) => toPosix(path.relative(edition.root, e.root))),
    );
    if (changed) checkErrataForChanges(book, errata, changed, options.changedSince!);
    // What the build refuses before writing anything: a Mermaid fence that will not draw, with the build's message.
    const source = (chapter: Chapter) => toPosix(path.relative(manuscript, chapter.file.path));
    await checkDiagrams(book, cache, { browser, only: changed && ((chapter) => changed.has(source(chapter))) });
    const style =
      book.dialect === 'galley' ? {} : Object.fromEntries(STYLE_RULES.map((rule) => [rule, 'off' as const]));
    applySeverities(book.files, CHECK_SEVERITIES, style, book.config.checks);
    list.push(...diagnostics(book.files, book.boundary));
    // `--epub FILE` names one EPUB: check it with the first edition; every edition's sources are checked regardless.
    if (options.epub && (typeof options.epub !== 'string' || edition === editions[0])) {
      const file =
        typeof options.epub === 'string'
          ? path.resolve(options.epub)
          : path.join(path.resolve(options.out ?? 'dist'), edition.outSubdir, `${bookSlug(book)}.epub`);
      if (!existsSync(file)) {
        list.push({
          file: path.relative(manuscript, file) || file,
          line: 1,
          column: 1,
          ruleId: 'epubcheck',
          severity: 'error',
          message: `No EPUB at ${file}: run \`galley build\` first`,
        });
      } else {
        // The validators (and the EPUB writer's constants they read) load only for --epub.
        const [{ epubcheckDiagnostics, runEpubcheck }, { aceDiagnostics, runAce }] = await Promise.all([
          import('../checks/epubcheck.ts'),
          import('../checks/ace.ts'),
        ]);
        const [epubcheck, ace] = await Promise.all([runEpubcheck(file), runAce(file)]);
        const context = { book, pages, epubFile: file };
        list.push(...(await epubcheckDiagnostics(epubcheck, context)), ...aceDiagnostics(ace, context));
      }
    }
    if (options.artifacts) {
      const out = path.resolve(options.out ?? 'dist');
      const { checkArtifacts } = await import('../checks/artifacts.ts');
      list.push(
        ...(await checkArtifacts(
          book,
          path.join(out, edition.outSubdir),
          path.join(out, 'web', edition.outSubdir),
          options.readPdf,
        )),
      );
    }
    if (options.print || options.artifacts) {
      const out = path.join(path.resolve(options.out ?? 'dist'), edition.outSubdir);
      const { checkPrint } = await import('../checks/preflight.ts');
      // --artifacts checks what exists; --print asks for the PDF.
      if (options.print || existsSync(path.join(out, `${bookSlug(book)}.pdf`)))
        list.push(...(await checkPrint(book, pages, out)));
      if (options.print && book.config.output.pdf.preset) {
        const { checkPrintPreset } = await import('../checks/print-preset.ts');
        list.push(...(await checkPrintPreset(book, pages, out)));
      }
    }
    if (options.fidelity) {
      const root = path.resolve(options.out ?? 'dist');
      const { checkFidelity } = await import('../checks/fidelity.ts');
      const result = await checkFidelity(
        book,
        path.join(root, edition.outSubdir),
        path.join(root, 'web', edition.outSubdir),
      );
      list.push(...result.diagnostics);
    }
  }
  if (changed) list = list.filter((d) => changed.has(d.file));
  return { diagnostics: list, fixed, diffs, root: manuscript };
}
