import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { VFile } from 'vfile';
import type { TocEntry } from './types.ts';
import { firstHeading } from './first-heading.ts';
import { MAX_CHAPTER_BYTES } from './limits.ts';
import { report } from '../../util/messages.ts';
import { linksOutside, toPosix } from '../../util/paths.ts';

const natural = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Folders that hold no chapters: build output, dependencies and images. */
const SKIPPED =
  /^(_book|node_modules|book|dist|images?|imgs?|img|pictures|pics|figures|figs|media|assets|res|static)$/i;
/** Files at the top that are the book's furniture, not chapters. */
const NOT_CHAPTERS =
  /^(summary|langs|glossary|contributing|code_of_conduct|license|licence|changelog|notice)\.(md|markdown)$/i;
const MARKDOWN = /\.(md|markdown)$/i;
const README = /^readme\.(md|markdown)$/i;

/** In one folder: README first, then natural order (`1.2` before `1.10`, `chapter-2` before `chapter-10`). */
const byReadingOrder = (a: string, b: string) => (README.test(a) ? -1 : README.test(b) ? 1 : natural.compare(a, b));

/** Every Markdown file under `root` in natural path order: in each folder README first, a subfolder's files where its name sorts. */
async function markdownFiles(root: string, boundary: string, dir = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { withFileTypes: true }).catch(() => []);
  entries.sort((a, b) => byReadingOrder(a.name, b.name));
  const files: string[] = [];
  for (const entry of entries) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    // Nothing outside the manuscript is read, not even through a link.
    if (entry.name.startsWith('.') || linksOutside(boundary, path.join(root, rel))) continue;
    if (entry.isDirectory() && !SKIPPED.test(entry.name)) files.push(...(await markdownFiles(root, boundary, rel)));
    else if (entry.isFile() && MARKDOWN.test(entry.name) && !(dir === '' && NOT_CHAPTERS.test(entry.name)))
      files.push(rel);
  }
  return files;
}

/**
 * A folder without SUMMARY.md: its Markdown files, subfolders included, in
 * natural path order with each README first (build output, dependencies,
 * dot-folders and image folders left out). A chapter's title is its first
 * heading, its file name only when it has none; the headings' levels give
 * the nesting (a file opening with `##` belongs under the one before it).
 */
export async function tocFromFolder(root: string, boundary: string, summary: VFile): Promise<TocEntry[]> {
  report(
    summary,
    'warning',
    'No SUMMARY.md found: chapters are the Markdown files in natural order, titled by their first headings; add a SUMMARY.md to choose the order and titles',
    { line: 1, column: 1 },
    'toc-missing',
  );
  const files = await markdownFiles(root, boundary);
  const found: { entry: TocEntry; level: number }[] = [];
  for (const source of files) {
    const text = await readFile(path.join(root, source))
      .then((bytes) => (bytes.length > MAX_CHAPTER_BYTES ? '' : bytes.toString('utf8')))
      .catch(() => '');
    const heading = firstHeading(text);
    const fileName = path.posix.basename(source).replace(MARKDOWN, '');
    const topReadme = source.match(README) !== null && !source.includes('/');
    const entry: TocEntry = {
      kind: 'chapter',
      title: heading?.text || fileName,
      source: toPosix(source),
      matter: topReadme ? 'front' : 'body',
      depth: 0,
      children: [],
    };
    found.push({ entry, level: heading?.depth ?? 1 });
  }
  // Nest by heading level: an entry goes under the nearest earlier one with a smaller level.
  const top = Math.min(...found.filter((f) => f.entry.matter === 'body').map((f) => f.level), 6);
  const toc: TocEntry[] = [];
  const stack: { entry: TocEntry; level: number }[] = [];
  for (const item of found) {
    const level = item.entry.matter === 'front' ? 0 : Math.max(item.level, top);
    while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop();
    const parent = item.entry.matter === 'front' ? undefined : stack[stack.length - 1];
    if (parent && parent.entry.matter === 'body') {
      item.entry.depth = parent.entry.depth + 1;
      parent.entry.children.push(item.entry);
    } else {
      toc.push(item.entry);
    }
    if (item.entry.matter !== 'front') stack.push({ entry: item.entry, level });
  }
  return toc;
}
