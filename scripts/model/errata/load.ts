import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Document, LineCounter } from 'yaml';
import { VFile } from 'vfile';
import type { Book } from '../book/types.ts';
import { locate, parseYaml, reportSchemaIssues } from '../config/load.ts';
import { decodeSource } from '../../util/text.ts';
import { checkBookFile } from '../../util/book-file.ts';
import { report } from '../../util/messages.ts';
import { errataSchema, type ErrataData } from './schema.ts';

/** The errata file's name, at the root of the book (beside book.yaml). */
export const ERRATA_FILE = 'errata.yaml';

export interface Errata {
  /** Absolute path of errata.yaml. */
  path: string;
  /** Carries every message about the errata (schema, checks); also pushed onto `book.files`. */
  file: VFile;
  /** The validated data; empty lists when the file has errors (`valid` is then false). */
  data: ErrataData;
  valid: boolean;
  doc?: Document;
  lines?: LineCounter;
}

const EMPTY: ErrataData = { changes: { exempt_formatting: false }, releases: [], entries: [] };

/** Line and column of a key path in errata.yaml (`['entries', 3, 'location']`), or 1:1. */
export function errataPlace(errata: Errata, keyPath: PropertyKey[]): { line: number; column: number } {
  if (!errata.doc || !errata.lines) return { line: 1, column: 1 };
  return locate(errata.doc, errata.lines, keyPath);
}

/**
 * Parses and validates errata text. Messages (YAML syntax, unknown keys,
 * wrong values) land on `file` at the offending line, named by key.
 */
export function parseErrata(text: string, file: VFile): Omit<Errata, 'path'> {
  const parsed = parseYaml(text, file);
  if (!parsed) return { file, data: EMPTY, valid: false };
  const input = parsed.value ?? {};
  const result = errataSchema.safeParse(input);
  if (!result.success) {
    reportSchemaIssues(result.error, file, parsed.doc, parsed.lines, 'errata-schema');
    return { file, data: EMPTY, valid: false, doc: parsed.doc, lines: parsed.lines };
  }
  return { file, data: result.data, valid: true, doc: parsed.doc, lines: parsed.lines };
}

/**
 * Reads `<book root>/errata.yaml`, if the book has one (undefined otherwise).
 * The file joins `book.files`, so its messages are reported with the book's.
 */
export async function loadErrata(book: Pick<Book, 'root' | 'files'>): Promise<Errata | undefined> {
  const filePath = path.join(book.root, ERRATA_FILE);
  const checked = checkBookFile(book.root, filePath);
  if (!checked.ok && checked.missing) return undefined;
  let file = book.files.find((f) => f.path === filePath);
  if (!file) {
    file = new VFile({ path: filePath, cwd: book.root });
    book.files.push(file);
  } else {
    // Loaded again (a second pass over the same book): the new parse says it all.
    file.messages = [];
  }
  if (!checked.ok) {
    // A link out or to a secret, a FIFO, a folder: named, never read.
    report(file, 'error', `errata.yaml ${checked.reason}: it is not read`, { line: 1, column: 1 }, 'errata-schema');
    file.value = '';
    return { path: filePath, file, data: EMPTY, valid: false };
  }
  const raw = await readFile(checked.real);
  const text = decodeSource(raw, file);
  file.value = text;
  return { path: filePath, ...parseErrata(text, file) };
}
