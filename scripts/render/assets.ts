import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedBook } from '../model/book/load.ts';
import { bookFontFiles, fontBytes, fontFaceCss, fontsFor } from './fonts.ts';
import { resolveLocal } from '../util/paths.ts';
import { scriptCss } from './script-css.ts';

export const TEMPLATES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates');

export interface OutputFile {
  /** Path inside the output (`css/book.css`). */
  path: string;
  mediaType: string;
  data: Buffer;
}

export async function template(name: string): Promise<Buffer> {
  return readFile(path.join(TEMPLATES, name));
}

/**
 * The files every output shares besides pages: stylesheets from templates/,
 * the embedded fonts and the book's images, in a fixed order.
 */
export async function sharedFiles(
  book: LoadedBook,
  extraCss: string[],
  options: { pdf?: boolean } = {},
): Promise<OutputFile[]> {
  const fonts = fontsFor(book.config.language, bookText(book), options.pdf ? bookFonts(book) : []);
  const files: OutputFile[] = [
    {
      path: 'css/fonts.css',
      mediaType: 'text/css',
      data: Buffer.from(fontFaceCss(fonts) + '\n' + scriptCss(book.config.language)),
    },
    { path: 'css/book.css', mediaType: 'text/css', data: await template('book.css') },
  ];
  for (const css of extraCss)
    files.push({ path: `css/${path.basename(css)}`, mediaType: 'text/css', data: await template(css) });
  for (const font of fonts)
    files.push({ path: `fonts/${font.target}`, mediaType: 'font/woff2', data: fontBytes(font) });
  // Code-unit order, not the locale's: the EPUB's bytes must not depend on LANG.
  const assets = [...book.assets.values()].sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
  const listed = new Set<string>();
  for (const asset of assets) {
    // The same image in two folders has one target (its name and a hash of its bytes): one file, one manifest item
    // (EPUBCheck OPF-074 otherwise).
    if (listed.has(asset.target)) continue;
    listed.add(asset.target);
    files.push({ path: asset.target, mediaType: asset.mediaType, data: asset.bytes });
  }
  return files;
}

/** The sources' text, for which emoji subsets to embed (fonts.ts `fontsFor`). */
export function bookText(book: LoadedBook): string {
  return book.chapters.map((chapter) => String(chapter.file.value ?? '')).join('\n') + book.config.title;
}

/**
 * `output.pdf.fonts`: font files the book names for scripts Galley does not bundle, resolved inside the
 * manuscript like any resource (the schema checked their extensions); one that is missing or outside stops
 * the build with its path.
 */
export function bookFonts(book: LoadedBook) {
  const named = book.config.output.pdf.fonts ?? [];
  const from = path.join(book.root, 'book.yaml');
  return bookFontFiles(
    named.map((name) => {
      const resolved = resolveLocal(book.boundary, from, name);
      if (!resolved.ok || !resolved.exists)
        throw new Error(`output.pdf.fonts: ${resolved.ok ? `\`${name}\` not found` : resolved.reason}`);

      return { path: resolved.absolute, name: path.basename(name) };
    }),
  );
}
