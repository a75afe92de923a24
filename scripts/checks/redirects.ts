import path from 'node:path';
import type { VFile } from 'vfile';
import type { LoadedBook } from '../model/book/load.ts';
import type { Page } from '../model/pages.ts';
import { redirectTarget, sitePath, webPaths } from '../model/web-paths.ts';
import { report } from '../util/messages.ts';

/** Where a redirect's old path is written: book.yaml's `redirects:` or book.toml's `[output.html.redirect]`. */
function placeOf(book: LoadedBook, from: string): { file: VFile; line: number; column: number } {
  for (const file of book.files) {
    if (!/^book\.(ya?ml|toml)$/.test(path.basename(file.path))) continue;
    const lines = String(file.value ?? '').split('\n');
    const line = lines.findIndex((l) => l.includes(from));
    if (line >= 0) return { file, line: line + 1, column: lines[line]!.indexOf(from) + 1 };
  }
  return { file: book.configFile, line: 1, column: 1 };
}

/**
 * Follows every redirect as a reader would: its target must be a page of the
 * web edition (or the title page), with the `#anchor` it names; its old path
 * must stay in the site and not be a page itself. Web addresses are left to
 * the external link check.
 */
export function checkRedirects(book: LoadedBook, pages: Page[]) {
  const paths = webPaths(book, pages);
  const byPath = new Map([...paths].map(([outName, p]) => [p, pages.find((page) => page.outName === outName)!]));
  for (const [from, to] of Object.entries(book.config.redirects)) {
    const place = placeOf(book, from);
    const fail = (reason: string) =>
      report(place.file, 'error', reason, { line: place.line, column: place.column }, 'redirect');
    const at = sitePath(from);
    if (!at) {
      fail(`Redirect \`${from}\` is outside the site`);
      continue;
    }
    if (byPath.has(at) || at === 'index.html') {
      fail(`Redirect \`${from}\` is a page of the book: the page is kept and no redirect is written`);
      continue;
    }
    const target = redirectTarget(at, to);
    if (!target) {
      fail(`Redirect \`${from}\` → \`${to}\`: the target is not a page path or an http(s) address`);
      continue;
    }
    if (target.external) continue;
    const [file, hash] = target.path.split('#', 2) as [string, string | undefined];
    const page = byPath.get(file);
    if (!page && file !== 'index.html')
      fail(`Redirect \`${from}\` → \`${to}\` leads to \`${file}\`, which is not a page of the web edition`);
    else if (hash && page && !(page.chapter?.ids.has(hash) || page.headingId === hash))
      fail(`Redirect \`${from}\` → \`${to}\`: \`${file}\` has no anchor \`#${hash}\``);
  }
}
