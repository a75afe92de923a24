import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { VFile } from 'vfile';
import { loadConfig } from '../config/load.ts';
import type { BookConfig } from '../config/schema.ts';
import type { Book, Chapter, TocEntry } from './types.ts';
import { flattenToc, markParts, numberToc, parseSummary } from './summary.ts';
import { tocFromFolder } from './folder-toc.ts';
import { firstHeading } from './first-heading.ts';
import { authorNumber, chooseNumbering } from './numbering.ts';
import { guessTitle } from '../dialects/guess-metadata.ts';
import { splitFrontmatter } from './frontmatter.ts';
import { MAX_CHAPTER_BYTES, withinLimits } from './limits.ts';
import { readForeignConfig, type ForeignConfig } from '../dialects/foreign-config.ts';
import type { BibEntry } from '../dialects/bibliography.ts';
import { loadBibliography } from '../dialects/bibliography.ts';
import { AssetRegistry } from './assets.ts';
import { decodeSource } from '../../util/text.ts';
import { report } from '../../util/messages.ts';
import { existsWithExactCase, resolveLocal, toPosix, isInside, linksOutside } from '../../util/paths.ts';
import { checkBookFile } from '../../util/book-file.ts';
import { safeName } from '../../util/slug.ts';
import { must } from '../../util/must.ts';

export { MAX_CHAPTER_BYTES };

export interface LoadOptions {
  /** Values used where the edition's book.yaml says nothing (editions inherit the main book's settings). */
  defaults?: Partial<BookConfig>;
  /**
   * The folder no path may leave. An edition in `manuscript/fa/` may share
   * `manuscript/images/`, so its boundary is the whole manuscript.
   */
  boundary?: string;
}

export interface LoadedBook extends Book {
  registry: AssetRegistry;
  /** What reading a chapter again needs (galley dev). */
  context: LoaderContext;
  /** The author's stylesheets per format, once model/author-css.ts `loadAuthorCss` has read them for a build. */
  authorCss?: { web: string; epub: string; pdf: string };
}

/** Unique, safe chapter keys from source paths: `part-2/Ünï & co.md` → `part-2-uni-co`. */
function chapterKey(source: string, used: Set<string>): string {
  const base =
    source
      .replace(/\.(md|markdown)$/i, '')
      .split('/')
      .map(safeName)
      .join('-') || 'chapter';
  let key = base;
  for (let n = 2; used.has(key); n++) key = `${base}-${n}`;
  used.add(key);
  return key;
}

/**
 * The per-book settings the chapter pipeline's stages take as options
 * (markdown/processor.ts): the folder no path may leave, the bibliography,
 * the source tool's names for code languages and its kind of heading ids.
 */
export interface ChapterSettings {
  boundary?: string;
  bibliography?: Map<string, BibEntry>;
  languageNames?: Record<string, string>;
  slugStyle?: 'github' | 'mdbook';
  /** HonKit/GitBook template tags (`{% … %}`) are directives: only in those books. */
  templateTags?: boolean;
  /** mdBook's hidden `# ` lines in Rust code are left out: only in mdBook books. */
  hiddenRustLines?: boolean;
}

export function chapterSettings(context: LoaderContext): ChapterSettings {
  return {
    boundary: context.boundary,
    bibliography: context.bibliography,
    languageNames: context.foreign?.languageNames,
    slugStyle: context.foreign?.kind === 'mdbook' ? 'mdbook' : undefined,
    templateTags: context.foreign?.kind === 'honkit' || undefined,
    hiddenRustLines: context.foreign?.kind === 'mdbook' || undefined,
  };
}

/** What the loader hands every chapter it reads: the folder no path may leave, the bibliography, the source tool's settings. */
export interface LoaderContext {
  boundary: string;
  bibliography?: Map<string, BibEntry>;
  foreign?: ForeignConfig;
}

/**
 * One chapter's source as the pipeline wants it: size-checked, decoded and
 * cleaned, within the parser limits, front matter split off, template tags
 * marked. The book's settings reach the pipeline as options (chapterSettings).
 */
export async function readChapter(
  absolute: string,
  root: string,
  options: { templateTags?: boolean } = {},
): Promise<{ file: VFile; data: Record<string, unknown> }> {
  const file = new VFile({ path: absolute, cwd: root });
  const bytes = await readFile(absolute);
  let text: string;
  if (bytes.length > MAX_CHAPTER_BYTES) {
    report(
      file,
      'error',
      `Chapter is ${(bytes.length / 1024 / 1024).toFixed(1)} MB, over the ${MAX_CHAPTER_BYTES / 1024 / 1024} MB limit: split it into several chapters`,
      { line: 1, column: 1 },
      'file-size',
    );
    text = '';
  } else {
    text = decodeSource(bytes, file);
  }
  if (!withinLimits(text, file)) text = '';
  const { body, data } = splitFrontmatter(text, file);
  // The tag reader parses Markdown with GFM and math (KaTeX comes with micromark's math): loaded only for a
  // HonKit/GitBook chapter that has a tag, not by every build's main thread.
  file.value =
    options.templateTags && body.includes('{%')
      ? (await import('../dialects/template-tags.ts')).markTemplateTags(body)
      : body;
  return { file, data };
}

/**
 * HonKit's implicit pages: README.md is the introduction even when the TOC
 * leaves it out, and GLOSSARY.md becomes a back-matter page.
 */
function addHonkitPages(root: string, toc: TocEntry[], summary: VFile) {
  const listed = new Set(flattenToc(toc).map((e) => e.source?.toLowerCase()));
  const exists = (name: string) => existsWithExactCase(root, name).ok;
  // HonKit titles it "Introduction"; the page itself keeps the README's own first heading as its title.
  if (!listed.has('readme.md') && exists('README.md')) {
    toc.unshift({
      kind: 'chapter',
      title: 'Introduction',
      source: 'README.md',
      matter: 'front',
      depth: 0,
      children: [],
      implicit: true,
    });
  }
  if (!listed.has('glossary.md') && exists('GLOSSARY.md'))
    toc.push({ kind: 'chapter', title: 'Glossary', source: 'GLOSSARY.md', matter: 'back', depth: 0, children: [] });
  void summary;
}

/**
 * Loads a manuscript into the book model: validated config, the TOC from
 * SUMMARY.md (missing files reported at their TOC line), and every chapter's
 * decoded source with its front matter. Nothing here throws for bad input:
 * problems are messages on the files they concern.
 */
export async function loadBook(rootDir: string, options: LoadOptions = {}): Promise<LoadedBook> {
  const configRoot = path.resolve(rootDir);
  const rootStat = await stat(configRoot).catch(() => undefined);
  if (!rootStat?.isDirectory()) throw new Error(`Manuscript folder not found: ${rootDir}`);
  // Books made for HonKit/GitBook or mdBook keep their own configuration; a book.yaml beside it overrides any field.
  const foreign = readForeignConfig(configRoot);
  let root = path.resolve(configRoot, foreign?.contentRoot ?? '.');
  const foreignRootOutside = foreign !== undefined && !isInside(options.boundary ?? configRoot, root);
  if (foreignRootOutside) root = configRoot;
  // What the source tool would take when its configuration names no title: README's first heading.
  const given = { ...foreign?.defaults, ...options.defaults };
  const yamlFound = await stat(path.join(configRoot, 'book.yaml')).then(
    () => true,
    () => false,
  );
  const guessed = !given.title && (foreign || !yamlFound) ? await guessTitle(root, configRoot) : undefined;
  const {
    config,
    file: configFile,
    found,
  } = await loadConfig(configRoot, guessed ? { ...given, title: guessed.title } : given);
  const metaFile = foreign?.file ?? configFile;
  const titleGuessed =
    guessed !== undefined && config.title === guessed.title && !/^title\s*:/m.test(String(configFile.value ?? ''));
  if (!found && !foreign) {
    const guess = titleGuessed ? `; the title “${guessed.title}” is guessed from ${guessed.from}` : '';
    report(
      configFile,
      'warning',
      `No book.yaml found: using defaults${guess}; add a book.yaml to set title, authors and copyright`,
      { line: 1, column: 1 },
      'book-config',
    );
  } else if (titleGuessed && foreign) {
    report(
      metaFile,
      'warning',
      `Guessed the title “${guessed.title}” from ${guessed.from}: set \`title\` in ${path.basename(foreign.file.path)} or in a book.yaml beside it`,
      { line: 1, column: 1 },
      'book-config',
    );
  }
  if (foreign && !found) {
    report(
      foreign.file,
      'info',
      `Read ${path.basename(foreign.file.path)} (${foreign.kind}); a book.yaml beside it would give Galley's full settings`,
      { line: 1, column: 1 },
      'book-config',
    );
  }
  if (foreignRootOutside) {
    report(
      foreign.file,
      'error',
      `The book's content folder \`${foreign.contentRoot}\` is outside the manuscript: it is not read`,
      { line: 1, column: 1 },
      'book-config',
    );
  }
  const bibFiles: VFile[] = [];
  const bibliography = await loadBibliography(configRoot, bibFiles, config.bibliography.file);

  const summaryPath = path.join(root, 'SUMMARY.md');
  const summaryFile = new VFile({ path: summaryPath, cwd: root });
  let toc: TocEntry[];
  const summaryOutside = linksOutside(configRoot, summaryPath);
  if (summaryOutside) {
    report(
      summaryFile,
      'error',
      'SUMMARY.md is a link to a file outside the manuscript: it is not read',
      { line: 1, column: 1 },
      'toc-missing-file',
    );
  }
  // By real path and kind too: a link to `.git/config`, a FIFO (a build blocked forever) or a folder is not read.
  const summaryChecked = summaryOutside ? undefined : checkBookFile(configRoot, summaryPath);
  if (summaryChecked && !summaryChecked.ok && !summaryChecked.missing) {
    report(
      summaryFile,
      'error',
      `SUMMARY.md ${summaryChecked.reason}: it is not read`,
      { line: 1, column: 1 },
      'toc-missing-file',
    );
  }
  const summaryBytes =
    summaryChecked?.ok === true
      ? await readFile(summaryChecked.real)
      : summaryOutside || (summaryChecked && !summaryChecked.ok && !summaryChecked.missing)
        ? Buffer.from('')
        : undefined;
  if (summaryBytes) {
    summaryFile.value = decodeSource(summaryBytes, summaryFile);
    toc = parseSummary(summaryFile);
  } else {
    summaryFile.value = '';
    toc = await tocFromFolder(root, path.resolve(options.boundary ?? configRoot), summaryFile);
  }
  if (foreign?.kind === 'honkit') addHonkitPages(root, toc, summaryFile);
  markParts(toc);
  numberToc(toc);
  // Where the source tool is lenient (HonKit, mdBook), a TOC entry without its file is a warning in a build.
  const missingLevel = foreign ? 'warning' : 'error';

  const boundary = path.resolve(options.boundary ?? configRoot);
  const registry = new AssetRegistry(boundary);
  const context: LoaderContext = { boundary, bibliography, foreign };
  const chapters: Chapter[] = [];
  // Names the EPUB's own documents take (nav, NCX, cover page): a chapter never gets them.
  const usedKeys = new Set<string>(['toc', 'cover', 'nav', 'index']);
  const seen = new Map<string, TocEntry>();
  for (const entry of flattenToc(toc)) {
    if (entry.kind !== 'chapter' || !entry.source) continue;
    const resolved = resolveLocal(root, summaryPath, entry.source);
    if (!resolved.ok) {
      report(
        summaryFile,
        'error',
        `TOC entry “${entry.title}”: ${resolved.reason}`,
        entry.position,
        'toc-missing-file',
      );
      entry.kind = 'draft';
      continue;
    }
    if (resolved.folder) {
      report(
        summaryFile,
        'error',
        `TOC entry “${entry.title}” points to \`${entry.source}\`, which is a folder: name a Markdown file`,
        entry.position,
        'toc-missing-file',
      );
      entry.kind = 'draft';
      continue;
    }
    if (!resolved.exists) {
      report(
        summaryFile,
        missingLevel,
        `TOC entry “${entry.title}” points to \`${entry.source}\`, which does not exist: create the file or fix the path`,
        entry.position,
        'toc-missing-file',
      );
      entry.kind = 'draft';
      continue;
    }
    const exact = existsWithExactCase(root, resolved.relative);
    if (!exact.ok) {
      report(
        summaryFile,
        'error',
        `TOC entry “${entry.title}” points to \`${entry.source}\`, but the file is \`${exact.actual}\`: paths are case-sensitive`,
        entry.position,
        'toc-missing-file',
      );
    }

    const source = toPosix(resolved.relative);
    if (seen.has(source)) {
      report(
        summaryFile,
        'warning',
        `\`${source}\` is listed twice in the TOC; only the first entry is used`,
        entry.position,
        'toc-duplicate',
      );
      entry.chapter = must(seen.get(source), `the first TOC entry for ${source}`).chapter;
      entry.kind = 'draft';
      continue;
    }
    seen.set(source, entry);
    const { file, data } = await readChapter(resolved.absolute, root, { templateTags: foreign?.kind === 'honkit' });
    const key = chapterKey(source, usedKeys);
    const chapter: Chapter = {
      key,
      source,
      entry,
      file,
      title: typeof data.title === 'string' ? data.title : entry.title,
      matter: entry.matter,
      number: entry.number,
      frontmatter: data,
      outName: `${key}.xhtml`,
      headings: [],
      questions: [],
      ids: new Set(),
      stats: { formulas: 0, images: 0, footnotes: 0, codeBlocks: 0, tables: 0, words: 0 },
    };
    entry.chapter = chapter;
    chapters.push(chapter);
  }
  // The author's numbers ("Chapter 1.", "5.1.3") win over Galley's own, which then print nowhere.
  const headingOf = new Map(chapters.map((c) => [c.entry, firstHeading(String(c.file.value))?.text]));
  const numbering = chooseNumbering(config.numbering, flattenToc(toc), (entry) => headingOf.get(entry));
  for (const chapter of chapters)
    chapter.authorNumber = authorNumber(chapter.title) ?? authorNumber(headingOf.get(chapter.entry) ?? '');
  if (numbering !== 'galley') {
    for (const entry of flattenToc(toc)) entry.number = undefined;
    for (const chapter of chapters) chapter.number = undefined;
  }
  if (chapters.length === 0) {
    report(
      summaryFile,
      'error',
      'The book has no chapters: list Markdown files in SUMMARY.md',
      { line: 1, column: 1 },
      'toc-empty',
    );
  }

  const files = [
    ...(foreign && found ? [foreign.file, configFile] : [metaFile]),
    summaryFile,
    ...bibFiles,
    ...chapters.map((c) => c.file),
  ];
  const dialect = foreign ? foreign.kind : found ? 'galley' : 'bare';
  return {
    root,
    boundary,
    dialect,
    numbering,
    context,
    config,
    configFile,
    summaryFile,
    toc,
    chapters,
    assets: registry.assets,
    files,
    registry,
  };
}
