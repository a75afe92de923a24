import path from 'node:path';
import type { LoadedBook } from '../model/book/load.ts';
import { report } from '../util/messages.ts';

/**
 * Book pass: the cover named in book.yaml, resolved like any image, once and
 * before any renderer runs, so every output sees the same set of assets.
 */
export function resolveCover(book: LoadedBook) {
  const cover = book.config.cover;
  if (!cover) return;
  const resolved = book.registry.resolve(path.join(book.root, 'book.yaml'), cover);
  if ('error' in resolved) {
    report(
      book.configFile,
      'warning',
      `Cover: ${resolved.error}; the book is built without a cover`,
      { line: 1, column: 1 },
      'broken-image',
    );
    return;
  }
  if (resolved.asset.mediaType === 'image/webp') {
    report(
      book.configFile,
      'warning',
      `Cover \`${cover}\` is WebP, which EPUB 3.2 reading systems need not support: use PNG or JPEG`,
      { line: 1, column: 1 },
      'broken-image',
    );
  }

  book.cover = resolved.asset;
}
