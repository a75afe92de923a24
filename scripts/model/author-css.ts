import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { VFile } from 'vfile';
import { isInside } from '../util/paths.ts';
import { report } from '../util/messages.ts';
import type { LoadedBook } from './book/load.ts';

export type CssFormat = 'web' | 'epub' | 'pdf';

/** What a CSS url() may point at, embedded as a data: URL so every format carries it without an asset list. */
const MEDIA: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
};
const MAX_EMBED = 2 * 1024 * 1024;

/** The stylesheets a format's `css:` names (mdBook's `additional-css` lands in all three). */
function listed(book: LoadedBook, format: CssFormat): string[] {
  const output = book.config.output;
  return format === 'web' ? output.web.css : format === 'epub' ? output.epub.css : output.pdf.css;
}

/**
 * Reads the author's stylesheets (`output.web.css`, `output.epub.css`,
 * `output.pdf.css`) from inside the manuscript. A `url()` to a file inside
 * the manuscript is embedded; one to the network, out of the manuscript, to
 * a missing file or of an unknown kind, and every `@import`, is dropped with
 * a warning at its line, so the output never reaches past the book.
 * Call once per build before rendering; renderers read the result with
 * `authorCss`.
 */
export async function loadAuthorCss(book: LoadedBook): Promise<void> {
  const base = path.dirname(book.configFile.path);
  const files = new Map<string, Promise<string>>();
  const read = (relative: string) => {
    const file = path.resolve(base, relative);
    let text = files.get(file);
    if (!text) files.set(file, (text = readOne(book, file, relative)));
    return text;
  };
  const result = {} as Record<CssFormat, string>;
  for (const format of ['web', 'epub', 'pdf'] as const)
    result[format] = (await Promise.all(listed(book, format).map(read))).filter(Boolean).join('\n');
  // Kept on the book it was read for: a new load (a dev update of book.yaml) reads it again.
  book.authorCss = result;
}

/** The author's CSS for a format, after Galley's; empty when none (or loadAuthorCss was not called). */
export function authorCss(book: LoadedBook, format: CssFormat): string {
  return book.authorCss?.[format] ?? '';
}

async function readOne(book: LoadedBook, file: string, relative: string): Promise<string> {
  if (!isInside(book.boundary, file)) {
    report(
      book.configFile,
      'error',
      `Stylesheet \`${relative}\` is outside the manuscript`,
      { line: 1, column: 1 },
      'author-css',
    );
    return '';
  }
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) {
    report(book.configFile, 'error', `Stylesheet \`${relative}\` not found`, { line: 1, column: 1 }, 'author-css');
    return '';
  }
  const vfile = new VFile({ path: file, value: text });
  if (!book.files.some((f) => f.path === file)) book.files.push(vfile);
  const place = (index: number) => {
    const before = text.slice(0, index).split('\n');
    return { line: before.length, column: (before.at(-1) ?? '').length + 1 };
  };
  const drop = (index: number, reason: string) => report(vfile, 'warning', reason, place(index), 'author-css');
  // One pass over the text as written, so each warning points at the author's line; comments are left alone.
  const comments = [...text.matchAll(/\/\*[\s\S]*?\*\//g)].map((m) => [m.index, m.index + m[0].length]);
  const inComment = (index: number) => comments.some(([from, to]) => index >= from! && index < to!);
  const pattern = /@import\s+[^;]*;?|url\(\s*(['"]?)([^'")]*)\1\s*\)/gi;
  const replacements = await Promise.all(
    [...text.matchAll(pattern)]
      .filter((m) => !inComment(m.index))
      .map(async (m) => {
        if (/^@import/i.test(m[0])) {
          drop(m.index, `\`${m[0].trim()}\` is dropped: list the stylesheet in css: instead`);
          return { index: m.index, length: m[0].length, text: '' };
        }
        const data = await embed(book, file, m[2]!);
        if (typeof data !== 'string') drop(m.index, `\`${m[0]}\` is dropped: ${data.reason}`);
        return { index: m.index, length: m[0].length, text: typeof data === 'string' ? `url("${data}")` : 'none' };
      }),
  );
  let css = '';
  let at = 0;
  for (const r of replacements) {
    css += text.slice(at, r.index) + r.text;
    at = r.index + r.length;
  }
  css += text.slice(at);
  return `/* ${path.relative(book.boundary, file).split(path.sep).join('/')} */\n${css}`;
}

async function embed(book: LoadedBook, cssFile: string, url: string): Promise<string | { reason: string }> {
  if (/^data:/i.test(url)) return url;
  if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(url)) return { reason: 'a stylesheet may not load anything from the network' };
  const target = path.resolve(path.dirname(cssFile), decodeURI(url.split(/[?#]/)[0]!));
  if (!isInside(book.boundary, target)) return { reason: 'it leads out of the manuscript' };
  const media = MEDIA[path.extname(target).toLowerCase()];
  if (!media) return { reason: 'only images and fonts can be embedded' };
  const bytes = await readFile(target).catch(() => undefined);
  if (!bytes) return { reason: 'the file is not there' };
  if (bytes.length > MAX_EMBED) return { reason: 'the file is over 2 MB' };
  return `data:${media};base64,${bytes.toString('base64')}`;
}
