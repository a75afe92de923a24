import { copyFile, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'smol-toml';
import {
  MdbookContextError,
  mdbookChapters,
  parseRenderContext,
  summaryMarkdown,
  type MdbookContext,
} from '../model/dialects/mdbook-context.ts';
import type { Diagnostic } from '../model/report.ts';
import { isInside } from '../util/paths.ts';
import { build, type Artifact, type Format } from './build.ts';

export { MdbookContextError } from '../model/dialects/mdbook-context.ts';

export const MDBOOK_FORMATS: readonly Format[] = ['html', 'epub', 'pdf', 'web'];
/** What `[output.galley]` builds without a `formats` list: the two formats mdBook lacks. */
export const MDBOOK_DEFAULT_FORMATS: readonly Format[] = ['epub', 'pdf'];

/**
 * A build keeps these as warnings (an old book still builds); mdBook's
 * backends are faulted for losing images silently, so here a chapter whose
 * image is missing fails `mdbook build`.
 */
export const MDBOOK_ERRORS = ['broken-image'];

export interface MdbookOptions {
  /** Where mdBook runs the backend (the destination); a relative `root` is resolved against it. */
  cwd?: string;
  quiet?: boolean;
}

export interface MdbookResult {
  ok: boolean;
  context: MdbookContext;
  formats: Format[];
  destination: string;
  /** File names relative to the book's root, as mdBook's own messages give them. */
  diagnostics: Diagnostic[];
  artifacts: Artifact[];
}

function formatsOf(context: MdbookContext): Format[] {
  const table = (context.config.output as Record<string, Record<string, unknown>> | undefined)?.galley;
  const value = table?.formats;
  if (value === undefined) return [...MDBOOK_DEFAULT_FORMATS];
  if (!Array.isArray(value) || value.length === 0 || value.some((f) => !MDBOOK_FORMATS.includes(f as Format))) {
    throw new MdbookContextError(
      `[output.galley] formats must be a list of ${MDBOOK_FORMATS.map((f) => `"${f}"`).join(', ')}; it is ${JSON.stringify(value)}`,
    );
  }
  return [...new Set(value as Format[])];
}

/** A chapter's path as mdBook gives it, checked to stay inside `src` and be Markdown. */
function chapterFile(src: string, relative: string): string {
  const file = path.resolve(src, relative);
  if (path.isAbsolute(relative) || !isInside(src, file) || !/\.md$/i.test(relative)) {
    throw new MdbookContextError(
      `chapter path ${JSON.stringify(relative)} is not a Markdown file inside the book's source folder`,
    );
  }
  return file;
}

/**
 * Copies the book's source folder (images, listings) without its Markdown,
 * which comes from the context instead. Only regular files are copied: a
 * symbolic link could lead out of the book, and the destination (when it
 * sits inside `src`) is skipped.
 */
async function copySources(from: string, to: string, skip: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    if (source === skip || entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) await copySources(source, path.join(to, entry.name), skip);
    else if (entry.isFile() && !/\.md$/i.test(entry.name)) await copyFile(source, path.join(to, entry.name));
  }
}

/**
 * `[output.html] additional-css` names files beside book.toml, outside `src`:
 * each one inside the book (a regular file) is copied to the same place in
 * the temporary book; the build reports one that is missing or outside.
 */
async function copyAdditionalCss(context: MdbookContext, root: string, stage: string): Promise<void> {
  const html = (context.config.output as Record<string, Record<string, unknown>> | undefined)?.html;
  const list = Array.isArray(html?.['additional-css']) ? (html['additional-css'] as unknown[]).map(String) : [];
  for (const relative of list) {
    const from = path.resolve(root, relative);
    if (!isInside(root, from)) continue;
    const info = await lstat(from).catch(() => undefined);
    if (!info?.isFile()) continue;
    await mkdir(path.dirname(path.join(stage, path.relative(root, from))), { recursive: true });
    await copyFile(from, path.join(stage, path.relative(root, from)));
  }
}

/**
 * `galley mdbook`: builds the formats `[output.galley]` asks for from the
 * chapters mdBook hands over (after its preprocessors) into the destination.
 * The chapters are written, with a SUMMARY.md and book.toml made from the
 * context, into a temporary book beside a copy of `src`'s other files, and
 * built as any mdBook book: every rule for an untrusted manuscript holds,
 * since the temporary book is the whole manuscript.
 */
export async function buildMdbook(json: string, options: MdbookOptions = {}): Promise<MdbookResult> {
  const context = parseRenderContext(json);
  const cwd = options.cwd ?? process.cwd();
  const root = path.resolve(cwd, context.root);
  const destination = path.resolve(cwd, context.destination);
  const srcName = context.book.src ?? 'src';
  const src = path.resolve(root, srcName);
  if (!isInside(root, src)) throw new MdbookContextError(`book.src ${JSON.stringify(srcName)} leads out of the book`);
  const formats = formatsOf(context);
  const stage = await mkdtemp(path.join(os.tmpdir(), 'galley-mdbook-'));
  try {
    const stagedSrc = path.join(stage, srcName);
    await copySources(src, stagedSrc, destination).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    for (const chapter of mdbookChapters(context.items)) {
      if (chapter.path === null) continue;
      const file = chapterFile(stagedSrc, chapter.path);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, chapter.content);
    }
    await writeFile(path.join(stagedSrc, 'SUMMARY.md'), summaryMarkdown(context));
    await copyAdditionalCss(context, root, stage);
    await writeFile(
      path.join(stage, 'book.toml'),
      stringify({ ...context.config, book: { ...context.book, src: srcName } }),
    );
    const result = await build({ manuscript: stage, out: destination, formats, quiet: options.quiet ?? true });
    // The temporary book is Galley's business: messages name the author's files.
    // A draft is how mdBook spells an unwritten chapter, not a slip: the warning for an empty link is not shown.
    const diagnostics = result.diagnostics
      .filter((d) => !(d.ruleId === 'toc-entry' && d.message.includes('treated as a draft')))
      .map((d) => ({
        ...d,
        severity: MDBOOK_ERRORS.includes(d.ruleId) ? ('error' as const) : d.severity,
        message: d.message.split(stage).join(root),
      }));
    const ok = result.ok && diagnostics.every((d) => d.severity !== 'error');
    return { ok, context, formats, destination, diagnostics, artifacts: result.artifacts };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
