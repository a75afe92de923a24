import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedBook } from '../model/book/load.ts';
import { report } from '../util/messages.ts';
import { toPosix } from '../util/paths.ts';
import { firstHeading } from '../model/book/first-heading.ts';
import { sameTitle } from '../model/book/numbering.ts';

const IGNORED_DIRS = new Set(['node_modules', '_book', 'book', 'dist', '.git']);
const NOT_CHAPTERS = /^(summary|langs|glossary|contributing|code_of_conduct|license|licence|changelog|notice)\.md$/i;

/** Chapter files that no TOC entry reaches (`unreachable-file`, a warning). */
export async function checkUnreachableFiles(book: LoadedBook, skipDirs: string[] = []) {
  const listed = new Set(book.chapters.map((c) => c.source));
  const entries = await readdir(book.root, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && /\.(md|markdown)$/i.test(e.name) && !NOT_CHAPTERS.test(e.name))
    .map((e) =>
      toPosix(path.relative(book.root, path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))),
    )
    .filter((rel) => !rel.split('/').some((part) => IGNORED_DIRS.has(part) || part.startsWith('.')))
    .filter((rel) => !skipDirs.some((dir) => rel.startsWith(`${dir}/`)))
    .sort();
  for (const rel of files) {
    if (listed.has(rel) || (rel === 'README.md' && !book.summaryFile.value)) continue;
    report(
      book.summaryFile,
      'warning',
      `\`${rel}\` is not in the TOC, so no output includes it: add it to SUMMARY.md or delete it`,
      { line: 1, column: 1 },
      'unreachable-file',
    );
  }
}

/**
 * A TOC title that differs from the chapter's own `#` heading (`toc-title`, a
 * warning): both then print, the heading under the TOC title. Read from the
 * source, since the pipeline has already moved such a heading down a level.
 */
export function checkTocTitles(book: LoadedBook) {
  for (const chapter of book.chapters) {
    const h1 = firstHeading(String(chapter.file.value));
    if (!h1 || h1.depth !== 1 || !chapter.entry.title || chapter.entry.implicit) continue;
    const a = chapter.entry.title.replace(/\s+/g, ' ').trim();
    const b = h1.text.replace(/\s+/g, ' ').trim();
    if (!sameTitle(a, b)) {
      report(
        book.summaryFile,
        'warning',
        `TOC title “${a}” differs from the chapter's heading “${b}” in ${chapter.source}`,
        chapter.entry.position,
        'toc-title',
      );
    }
  }
}
