import { readFile } from 'node:fs/promises';
import type { LoadedBook } from '../model/book/load.ts';
import { expectedFooter, isFooterLine } from '../model/footer-line.ts';
import { writeFileAtomic } from '../util/atomic.ts';

export interface Fixed {
  /** The chapter's path in the book. */
  source: string;
  /** What changed, as a unified diff. */
  diff: string;
}

const strict = new TextDecoder('utf-8', { fatal: true });

/**
 * `--fix`: trailing whitespace (two-space hard breaks kept), a missing final
 * newline, and copyright footers inserted or corrected to book.yaml's. It
 * rewrites the author's files, so it changes nothing else: a file that is
 * not valid UTF-8 is left byte for byte as it is (the check then reports the
 * build's "Invalid UTF-8" error), each line keeps its own line end, only a
 * line that is a footer (isFooterLine) is ever replaced, and each change is
 * returned as a diff for the command to print. The check then runs again on
 * the fixed sources.
 */
export async function fixSources(
  book: LoadedBook,
  name: (source: string) => string = (source) => source,
): Promise<Fixed[]> {
  const footer = expectedFooter(book.config.copyright);
  const inSource = book.config.copyright?.in_source ?? false;
  const changed: Fixed[] = [];
  for (const chapter of book.chapters) {
    // Loading already refused what is not a regular file inside the book; read what it read.
    const bytes = await readFile(chapter.file.path);
    let original: string;
    try {
      original = strict.decode(bytes);
    } catch {
      continue;
    }
    // Lines and their own ends: a CRLF file stays CRLF, a mixed one stays mixed.
    const parts = original.split(/(\r?\n)/);
    const lines = parts.filter((_, i) => i % 2 === 0);
    const ends = parts.filter((_, i) => i % 2 === 1);
    const eol = ends[ends.length - 1] ?? '\n';
    const trimmed = lines.map((line) =>
      /\S {2}$/.test(line) && !/ {3,}$/.test(line) ? line : line.replace(/[ \t]+$/, ''),
    );
    // Blank lines at the end collapse to the one final newline.
    while (trimmed.length > 1 && trimmed[trimmed.length - 1] === '' && trimmed[trimmed.length - 2] === '') {
      trimmed.pop();
      ends.pop();
    }
    if (footer) {
      let last = trimmed.length - 1;
      while (last > 0 && trimmed[last] === '') last--;
      if (isFooterLine(trimmed[last]!, book.config.copyright)) {
        if (trimmed[last]!.trim() !== footer) trimmed[last] = footer;
      } else if (inSource) {
        // Not a footer (perhaps a paragraph that starts with "Copyright"): kept, and the footer goes after it.
        trimmed.splice(last + 1, trimmed.length, '', footer);
        ends.splice(last, ends.length, eol, eol);
      }
    }
    let text = '';
    trimmed.forEach((line, i) => (text += line + (ends[i] ?? '')));
    if (trimmed[trimmed.length - 1] !== '') text += eol;
    if (text !== original) {
      // The diff library is for `check --fix` output alone: not loaded by a check that changes nothing.
      const { createTwoFilesPatch } = await import('diff');
      await writeFileAtomic(chapter.file.path, text);
      changed.push({
        source: chapter.source,
        diff: createTwoFilesPatch(name(chapter.source), name(chapter.source), original, text, undefined, undefined, {
          context: 1,
        }),
      });
    }
  }
  return changed;
}
