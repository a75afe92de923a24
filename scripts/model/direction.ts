import type { BookConfig } from './config/schema.ts';

/** The book's writing direction: book.yaml's `direction`, else right to left for languages written that way. */
export function bookDirection(config: Pick<BookConfig, 'direction' | 'language'>): 'ltr' | 'rtl' {
  return config.direction ?? (/^(fa|ar|he|ur|ps|sd|ug|yi|dv|ckb)\b/i.test(config.language) ? 'rtl' : 'ltr');
}
