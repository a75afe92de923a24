import type { LoadedBook } from '../model/book/load.ts';
import { buildDate, BuildDateError } from '../util/build-date.ts';
import { report } from '../util/messages.ts';

/** `galley check` says what a build would fail on: a commit (or SOURCE_DATE_EPOCH) dated past what a book can hold. */
export function checkBuildDate(book: LoadedBook) {
  try {
    buildDate(book.root);
  } catch (error) {
    if (!(error instanceof BuildDateError)) throw error;
    report(book.configFile, 'error', error.message, { line: 1, column: 1 }, 'build-date');
  }
}
