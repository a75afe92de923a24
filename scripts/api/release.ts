import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import JSZip from 'jszip';
import { prepare } from './build.ts';
import { check, CHECK_SEVERITIES } from './check.ts';
import type { Severity } from '../model/config/schema.ts';
import { listEditions, type Edition } from '../model/book/editions.ts';
import type { LoadedBook } from '../model/book/load.ts';
import { launchBrowser, type GalleyBrowser } from '../render/browser.ts';
import { renderEdition } from '../render/renderers.ts';
import { drawDiagrams } from '../render/diagrams/diagrams.ts';
import type { RenderContext } from '../render/renderer.ts';
import { createProgress } from '../util/progress.ts';
import { bookSlug } from '../model/book-slug.ts';
import type { Page } from '../model/pages.ts';
import { editionStamp } from '../model/errata/stamp.ts';
import { applySeverities, diagnostics, type Diagnostic } from '../model/diagnostics.ts';
import { assertNoLink, replaceDirectory, writeFileAtomic } from '../util/atomic.ts';
import { RELEASE_SITE, releasedVersions, versionsScript } from '../render/web/versions.ts';
import { buildDate } from '../util/build-date.ts';
import { errataChangelog, errataJson, releaseNotes } from '../render/changelog.ts';
import { checkErrata, latestRelease } from '../passes/errata/checks.ts';
import { loadErrata, type Errata } from '../model/errata/load.ts';
import { stopwatch } from '../util/stopwatch.ts';
import { localDigits } from '../model/numerals.ts';
import { pdfReader, readPdf, type PdfReadings } from '../checks/pdf-readings.ts';

/** What `galley release` holds to error level on top of `galley check`'s severities. */
export const RELEASE_SEVERITIES: Record<string, Severity> = {
  'errata-unreleased': 'error',
};

export interface ReleaseOptions {
  manuscript?: string;
  /** The output folder; artifacts go to `<out>/release/<version>/`. */
  out?: string;
  /** Replace an existing `<out>/release/<version>/`. */
  force?: boolean;
  log?: (line: string) => void;
  /** A browser to print the PDFs with (tests share one); launched and closed here otherwise. */
  browser?: GalleyBrowser;
}

export interface ReleaseArtifact {
  name: string;
  bytes: number;
  sha256: string;
}

export interface ReleaseResult {
  ok: boolean;
  version: string;
  /** `<out>/release/<version>`, written only when ok. */
  dir: string;
  diagnostics: Diagnostic[];
  artifacts: ReleaseArtifact[];
  seconds: number;
  timings: Record<string, number>;
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.file}\0${d.line}\0${d.column}\0${d.ruleId}\0${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const relative = (from: string, file: string) =>
  path.relative(from, file).split(path.sep).join('/') || path.basename(file);

interface BuiltEdition {
  edition: Edition;
  book: LoadedBook;
  slug: string;
  errata?: Errata;
  pages: Page[];
  /** The edition's artifact folder. */
  dir: string;
  epub: string;
  pdf: string;
  /** Its folder of the web site, once written. */
  web?: string;
  /** What its renderers were given: the web edition starts from it. */
  render: RenderContext;
}

/**
 * Errata checks for every edition that has errata.yaml, at release
 * strictness: unreleased entries are errors, and the main edition must have
 * errata.yaml with a release for book.yaml's version (the release notes come
 * from it).
 */
async function errataDiagnostics(manuscript: string, editions: Edition[]): Promise<Diagnostic[]> {
  const list: Diagnostic[] = [];
  for (const edition of editions) {
    const { book } = await prepare(edition.root, undefined, { boundary: edition.boundary, defaults: edition.defaults });
    for (const file of book.files) file.messages = [];
    const errata = await loadErrata(book);
    // An errata.yaml with no release yet (as `galley init` writes it) passes `galley check`, not a release.
    if (!errata || (errata.valid && !latestRelease(errata))) {
      if (edition.main) {
        list.push({
          file: 'errata.yaml',
          line: 1,
          column: 1,
          ruleId: 'errata-version',
          severity: 'error',
          message: `A release needs errata.yaml with a release for version ${book.config.version}: its changelog is the release notes`,
        });
      }
      continue;
    }
    // errata.yaml's own schema messages come from loadErrata; the rest from checkErrata.
    checkErrata(book, errata);
    applySeverities(book.files, CHECK_SEVERITIES, RELEASE_SEVERITIES, book.config.checks);
    list.push(...diagnostics(book.files, manuscript));
  }
  return list;
}

/** One edition, every format, with the errata appendix: HTML, EPUB and PDF into `<out>/<edition>/`. */
async function buildReleaseEdition(
  edition: Edition,
  out: string,
  browser: () => Promise<GalleyBrowser>,
): Promise<{ built?: BuiltEdition; diagnostics: Diagnostic[] }> {
  // prepare() has already loaded, checked and rendered the errata into the appendix.
  const { book, pages, errata, cache } = await prepare(edition.root, undefined, {
    boundary: edition.boundary,
    defaults: edition.defaults,
  });
  // Diagrams are drawn as a build draws them: an undrawable one is an error at its fence, before anything is written.
  await drawDiagrams(book, cache, { browser });
  applySeverities(book.files, CHECK_SEVERITIES, RELEASE_SEVERITIES, book.config.checks);
  const before = diagnostics(book.files, book.boundary);
  if (before.some((d) => d.severity === 'error')) return { diagnostics: before };
  const dir = path.join(out, edition.outSubdir);
  // The intermediate, as a build writes it (check --artifacts looks at its footers too); the same driver as a build.
  const render: RenderContext = {
    book,
    pages,
    errata,
    outDir: dir,
    browser,
    cache,
    progress: createProgress({ quiet: true }),
    artifacts: [],
  };
  const made = await renderEdition(render, ['html', 'epub', 'pdf']);
  const epub = made.find((a) => a.format === 'epub')!;
  const pdf = made.find((a) => a.format === 'pdf')!;
  applySeverities(book.files, CHECK_SEVERITIES, RELEASE_SEVERITIES, book.config.checks);
  return {
    built: { edition, book, slug: bookSlug(book), errata, pages, dir, epub: epub.path, pdf: pdf.path, render },
    diagnostics: diagnostics(book.files, book.boundary),
  };
}

/**
 * The PDF checks: pdfinfo (it opens, has pages, carries the book's title, is
 * tagged), pdffonts (every font embedded, no Type 3 bitmap fonts) and the
 * version stamp on the front pages (pdftotext).
 */
export async function pdfChecks(
  file: string,
  book: LoadedBook,
  name: string,
  pdf: PdfReadings = readPdf(file),
): Promise<Diagnostic[]> {
  const list: Diagnostic[] = [];
  const at = (ruleId: string, severity: Diagnostic['severity'], message: string) =>
    list.push({ file: name, line: 1, column: 1, ruleId, severity, message });
  let info: string;
  try {
    info = await pdf.info();
  } catch (error) {
    at('pdf-info', 'error', `pdfinfo cannot read the PDF: ${(error as Error).message.split('\n')[0]}`);
    return list;
  }
  const field = (key: string) => new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(info)?.[1]?.trim();
  const pages = Number(field('Pages') ?? '0');
  if (!(pages > 0)) at('pdf-info', 'error', 'The PDF has no pages');
  const title = field('Title') ?? '';
  if (!title.includes(book.config.title))
    at('pdf-info', 'error', `The PDF's Title is “${title}”, not the book's title “${book.config.title}”`);
  // Tagging and embedded fonts are checked by `check --artifacts` (checks/artifacts.ts), which release also runs.
  if (field('Encrypted') !== 'no') at('pdf-info', 'error', 'The PDF is encrypted');
  for (const row of await pdf.fonts()) {
    const cols = row.trim().split(/\s+/);
    // name, type (1–2 words), encoding, emb, sub, uni, object, generation
    if (/Type 3/.test(row)) at('pdf-fonts', 'warning', `Font ${cols[0]} is a Type 3 (bitmap) font`);
  }
  // The first eight pages (pdftotext stops at the last page of a shorter book).
  const front = await pdf.front();
  const version = book.config.version;
  // An RTL edition may print its version in Persian digits.
  if (!front.includes(version) && !front.includes(localDigits(version, true)))
    at('release-stamp', 'error', `The PDF's front pages do not show version ${version} (the copyright page should)`);
  return list;
}

/** The EPUB's package document must carry the version (`schema:version`). */
export async function epubStampCheck(file: string, book: LoadedBook, name: string): Promise<Diagnostic[]> {
  const zip = await JSZip.loadAsync(await readFile(file));
  const container = await zip.file('META-INF/container.xml')?.async('string');
  const opfPath = container ? /full-path="([^"]+)"/.exec(container)?.[1] : undefined;
  const opf = opfPath ? await zip.file(opfPath)?.async('string') : undefined;
  const version = book.config.version;
  if (!opf || !opf.includes(`<meta property="schema:version">${version}</meta>`)) {
    return [
      {
        file: name,
        line: 1,
        column: 1,
        ruleId: 'release-stamp',
        severity: 'error',
        message: `The EPUB's package document does not give version ${version} (schema:version)`,
      },
    ];
  }

  return [];
}

/** The web edition as one zip: files in sorted order, every entry dated with the build date, so equal input gives equal bytes. */
export async function zipFolder(dir: string, prefix: string, date: Date): Promise<Buffer> {
  const zip = new JSZip();
  const walk = async (sub: string): Promise<string[]> => {
    const entries = await readdir(path.join(dir, sub), { withFileTypes: true });
    const out: string[] = [];
    for (const entry of entries) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) out.push(...(await walk(rel)));
      else if (entry.isFile()) out.push(rel);
    }
    return out;
  };
  // DOS dates start in 1980; JSZip writes the date's UTC fields, so the bytes do not depend on the time zone.
  const stamp = new Date(Math.max(date.getTime(), Date.UTC(1980, 0, 1, 12)));
  for (const file of (await walk('')).sort())
    zip.file(`${prefix}/${file}`, await readFile(path.join(dir, file)), { date: stamp, createFolders: false });
  return zip.generateAsync({
    type: 'nodebuffer',
    compression: 'DEFLATE',
    compressionOptions: { level: 9 },
    platform: 'UNIX',
  });
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * `galley release`: the one command that ships a version.
 * 1. Source checks (`galley check`: links, images, footers, format) and the
 *    errata checks at release strictness; any error and nothing is built.
 * 2. Every edition in every format, with the errata appendix.
 * 3. EPUBCheck and DAISY Ace on each EPUB and the checks of what was built
 *    (`check({epub, artifacts})`: footers and rights in every format, PDF
 *    fonts and tags), the PDF checks here (pdfinfo, pdffonts) and the version
 *    stamp in EPUB and PDF.
 * 4. Only with no error left: `<out>/release/<version>/` with
 *    `<slug>-<version>.epub`, `.pdf`, `<slug>-<version>-web.zip` per edition,
 *    CHANGELOG.md, errata.json, RELEASE-NOTES.md and SHA256SUMS, swapped
 *    into place in one rename. An existing version folder is never
 *    overwritten without `force`.
 */
export async function release(options: ReleaseOptions = {}): Promise<ReleaseResult> {
  const started = performance.now();
  const { timings, lap } = stopwatch();
  const log = options.log ?? (() => {});
  const manuscript = path.resolve(options.manuscript ?? 'manuscript');
  const out = path.resolve(options.out ?? 'dist');
  // The release folder is replaced and its staging folder deleted: never through a link.
  assertNoLink(path.join(out, 'release'));
  const editions = await listEditions(manuscript);
  const { book: mainBook } = await prepare(manuscript);
  const version = mainBook.config.version;
  const target = path.join(out, 'release', version);
  const result = (ok: boolean, list: Diagnostic[], artifacts: ReleaseArtifact[] = []): ReleaseResult => ({
    ok,
    version,
    dir: target,
    diagnostics: dedupe(list),
    artifacts,
    seconds: (performance.now() - started) / 1000,
    timings,
  });

  if (existsSync(target) && !options.force) {
    return result(false, [
      {
        file: 'book.yaml',
        line: 1,
        column: 1,
        ruleId: 'release-exists',
        severity: 'error',
        message: `${relative(process.cwd(), target)} already exists: a published version is never replaced; bump the version (and add the release to errata.yaml), or pass --force`,
      },
    ]);
  }

  log('Checking the sources…');
  // Errata first: where check() reports the same message (once prepare() runs the errata checks), the release's severity wins.
  const errataList = await errataDiagnostics(manuscript, editions);
  const source = await check({ manuscript, quiet: true, browser: options.browser });
  const list: Diagnostic[] = dedupe([...errataList, ...source.diagnostics]);
  lap('source checks');
  if (list.some((d) => d.severity === 'error')) return result(false, list);

  const staging = path.join(out, 'release', `.staging-${version}-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  let browser = options.browser;
  const sharedBrowser = async () => (browser ??= await launchBrowser());
  try {
    const built: BuiltEdition[] = [];
    for (const edition of editions) {
      log(`Building the ${edition.code} edition (HTML, EPUB, PDF)…`);
      const rendered = await buildReleaseEdition(edition, path.join(staging, 'build'), sharedBrowser);
      list.push(
        ...rendered.diagnostics.map((d) => ({ ...d, file: relative(manuscript, path.join(edition.boundary, d.file)) })),
      );
      if (!rendered.built) return result(false, list);
      built.push(rendered.built);
    }
    // The web edition last, as in a build: it offers each edition's EPUB and PDF and links the editions.
    const webEditions = built.map((b) => ({
      code: b.edition.code,
      book: b.book,
      pages: b.pages,
      stamp: editionStamp(b.book, b.errata),
      outDir: b.dir,
      subdir: b.edition.outSubdir,
      artifacts: [b.epub, b.pdf],
      release: { version },
    }));
    const site = { editions: webEditions, others: [], dir: path.join(staging, 'build', 'web') };
    const web = await renderEdition({ ...built[0]!.render, artifacts: [], site }, ['web']);
    built.forEach((b, i) => (b.web = web[i]!.path));
    lap('build');
    if (browser && browser !== options.browser) await browser.close();
    browser = options.browser;

    log('EPUBCheck, DAISY Ace and the built artifacts…');
    // One poppler run per tool and file, shared by the artifact checks and the PDF checks below.
    const readPdfOf = pdfReader();
    const epubChecked = await check({
      manuscript,
      epub: true,
      artifacts: true,
      fidelity: true,
      out: path.join(staging, 'build'),
      quiet: true,
      readPdf: readPdfOf,
      browser: options.browser,
    });
    list.push(...epubChecked.diagnostics);
    lap('epub checks');
    log('PDF checks…');
    for (const b of built) {
      list.push(...(await pdfChecks(b.pdf, b.book, `${b.slug}.pdf`, readPdfOf(b.pdf))));
      list.push(...(await epubStampCheck(b.epub, b.book, `${b.slug}.epub`)));
    }
    lap('pdf checks');
    if (list.some((d) => d.severity === 'error')) return result(false, list);

    log(`Writing ${relative(process.cwd(), target)}…`);
    const main = built.find((b) => b.edition.main) ?? built[0]!;
    const files = new Map<string, Uint8Array | string>();
    for (const b of built) {
      const date = buildDate(b.book.root);
      files.set(`${b.slug}-${version}.epub`, await readFile(b.epub));
      files.set(`${b.slug}-${version}.pdf`, await readFile(b.pdf));
      // The main edition's zip is the whole site, as it is hosted; another edition's is its own folder of it.
      files.set(`${b.slug}-${version}-web.zip`, await zipFolder(b.web!, `${b.slug}-${version}-web`, date));
    }
    if (main.errata) {
      files.set('CHANGELOG.md', errataChangelog(main.errata, main.book));
      files.set('errata.json', `${JSON.stringify(errataJson(main.errata, main.book), null, 2)}\n`);
      files.set(
        'RELEASE-NOTES.md',
        releaseNotes(main.errata, main.book, latestRelease(main.errata)?.version === version ? version : undefined),
      );
    }
    const artifacts: ReleaseArtifact[] = [...files].map(([name, data]) => {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      return { name, bytes: bytes.length, sha256: sha256(bytes) };
    });
    artifacts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const sums = artifacts.map((a) => `${a.sha256}  ${a.name}\n`).join('');
    await replaceDirectory(target, async (dir) => {
      for (const [name, data] of files) await writeFile(path.join(dir, name), data);
      await writeFile(path.join(dir, 'SHA256SUMS'), sums);
      // The site as it is hosted, beside the other versions' (`release/<version>/web/`), for the version menu.
      await cp(site.dir, path.join(dir, RELEASE_SITE), { recursive: true });
    });
    // Every version's pages load this: rewritten at each release, so an older version learns of the newest.
    const releaseDir = path.join(out, 'release');
    await writeFileAtomic(
      path.join(releaseDir, 'versions.js'),
      versionsScript(await releasedVersions(releaseDir, main.errata?.data.releases ?? [])),
    );
    artifacts.push({ name: 'SHA256SUMS', bytes: Buffer.byteLength(sums), sha256: sha256(Buffer.from(sums)) });
    lap('publish');
    return result(true, list, artifacts);
  } finally {
    if (browser && browser !== options.browser) await browser.close().catch(() => {});
    await rm(staging, { recursive: true, force: true });
    // Leave no empty release/ folder behind a refused first release.
    const releaseDir = path.join(out, 'release');
    if (existsSync(releaseDir) && (await readdir(releaseDir)).length === 0)
      await rm(releaseDir, { recursive: true, force: true });
  }
}
