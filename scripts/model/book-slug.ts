import path from 'node:path';
import type { LoadedBook } from './book/load.ts';
import { safeName } from '../util/slug.ts';

/**
 * Base name of a book's artifacts (`dist/<slug>.epub`, `dist/<slug>.pdf`):
 * `output.slug` from book.yaml, else the title made file-safe. A title with
 * no Latin letters or digits (a Persian title) would collapse to nothing, so
 * the manuscript folder's name stands in, then `book`.
 */
export function bookSlug(book: LoadedBook): string {
  if (book.config.output.slug) return book.config.output.slug;
  const usable = (text: string) => /[a-z0-9]/i.test(text.normalize('NFKD').replace(/[\u0300-\u036f]/g, ''));
  if (usable(book.config.title)) return safeName(book.config.title);
  const folder = path.basename(book.root);
  return usable(folder) ? safeName(folder) : 'book';
}
