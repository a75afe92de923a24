import type { LoadedBook } from '../model/book/load.ts';
import { isFooterLine } from '../model/footer-line.ts';
import { footerText } from '../model/pages.ts';
import { report } from '../util/messages.ts';

/** The last non-blank line of a source and its number. */
export function lastLine(text: string): { line: number; text: string } {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.trim()) return { line: i + 1, text: lines[i]!.trim() };
  return { line: 1, text: '' };
}

const normalize = (s: string) => s.replace(/\s+/g, ' ').replace(/[–—]/g, '-').trim();

/**
 * `copyright-footer`: with `copyright.in_source`, every chapter ends with the
 * footer book.yaml configures; a missing footer, or one whose holder or year
 * disagrees, is an error at its line. Without it, a footer-like last line that
 * disagrees with book.yaml is reported too, since it would print as written.
 */
export function checkCopyrightFooters(book: LoadedBook) {
  const expected = footerText(book);
  if (!expected) return;
  const inSource = book.config.copyright?.in_source ?? false;
  for (const chapter of book.chapters) {
    const found =
      chapter.file.data.sourceFooter ??
      (() => {
        const last = lastLine(String(chapter.file.value));
        return isFooterLine(last.text, book.config.copyright)
          ? { text: last.text, line: last.line, column: 1 }
          : undefined;
      })();
    if (found) {
      if (normalize(found.text) !== normalize(expected)) {
        report(
          chapter.file,
          'error',
          `Copyright footer says “${found.text}” but book.yaml says “${expected}”: correct it (galley check --fix)`,
          { line: found.line, column: found.column },
          'copyright-footer',
        );
      }
    } else if (inSource) {
      const last = lastLine(String(chapter.file.value));
      report(
        chapter.file,
        'error',
        `Missing copyright footer: end the chapter with “${expected}” (galley check --fix adds it)`,
        { line: last.line, column: 1 },
        'copyright-footer',
      );
    }
  }
}
