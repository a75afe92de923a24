import { readFile } from 'node:fs/promises';
import type { LoadedBook } from '../model/book/load.ts';
import { FOOTER_PATTERN } from '../markdown/plugins/remark-source-footer.ts';
import { footerText } from '../model/pages.ts';
import { writeFileAtomic } from '../util/atomic.ts';

/**
 * `--fix`: trailing whitespace (two-space hard breaks kept), a missing final
 * newline, and copyright footers inserted or corrected to book.yaml's. Returns
 * the files it changed; the check then runs again on the fixed sources.
 */
export async function fixSources(book: LoadedBook): Promise<string[]> {
  const footer = footerText(book);
  const inSource = book.config.copyright?.in_source ?? false;
  const changed: string[] = [];
  for (const chapter of book.chapters) {
    const original = await readFile(chapter.file.path, 'utf8');
    const crlf = original.includes('\r\n');
    let lines = original.replace(/\r\n/g, '\n').split('\n');
    lines = lines.map((line) => (/\S {2}$/.test(line) && !/ {3,}$/.test(line) ? line : line.replace(/[ \t]+$/, '')));
    while (lines.length > 1 && lines[lines.length - 1] === '' && lines[lines.length - 2] === '') lines.pop();
    let text = lines.join('\n');
    if (footer) {
      const body = text.replace(/\n+$/, '');
      const at = body.lastIndexOf('\n');
      const last = body.slice(at + 1);
      if (FOOTER_PATTERN.test(last)) {
        if (last.trim() !== footer) text = `${body.slice(0, at + 1)}${footer}\n`;
      } else if (inSource) {
        text = `${body}\n\n${footer}\n`;
      }
    }
    if (!text.endsWith('\n')) text += '\n';
    if (crlf) text = text.replace(/\n/g, '\r\n');
    if (text !== original) {
      await writeFileAtomic(chapter.file.path, text);
      changed.push(chapter.source);
    }
  }
  return changed;
}
