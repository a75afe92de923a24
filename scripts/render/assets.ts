import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedBook } from '../model/book/load.ts';
import { fontBytes, fontFaceCss, fontsFor } from './fonts.ts';
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
export async function sharedFiles(book: LoadedBook, extraCss: string[]): Promise<OutputFile[]> {
  const fonts = fontsFor(book.config.language);
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
  for (const asset of assets) files.push({ path: asset.target, mediaType: asset.mediaType, data: asset.bytes });
  return files;
}
