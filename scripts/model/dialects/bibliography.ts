import { readFile, readdir } from 'node:fs/promises';
import { VFile } from 'vfile';
import { bibLimits, lineAt, MAX_BIB_BYTES } from './bib-limits.ts';
import { report } from '../../util/messages.ts';
import { decodeSource } from '../../util/text.ts';
import path from 'node:path';
import type * as Bibtex from '@retorquere/bibtex-parser';
import { linksOutside } from '../../util/paths.ts';
import { checkBookFile } from '../../util/book-file.ts';

export interface BibEntry {
  key: string;
  /** One line: authors, title, venue, year. */
  text: string;
  url?: string;
  /** What an author-date style prints and sorts by: the authors' (or editors') family names, the year, the title. */
  names?: string[];
  year?: string;
  title?: string;
}

type Creator = { lastName?: string; firstName?: string; name?: string };

function names(value: unknown): string {
  if (!Array.isArray(value)) return '';
  const list = (value as Creator[]).map((c) => c.name ?? [c.firstName, c.lastName].filter(Boolean).join(' '));
  return list.length > 3 ? `${list[0]} et al.` : list.join(', ');
}

const field = (fields: Record<string, unknown>, key: string) => {
  const v = fields[key];
  return Array.isArray(v) ? v.map(String).join(', ') : typeof v === 'string' ? v : '';
};

/**
 * The book's bibliography: the first `.bib` file at its root, as one formatted
 * line per key. Its problems go on a VFile pushed to `files` (when given): a
 * file over the size or macro-expansion limits is an error at its line and
 * gives no bibliography; parse errors are errors at their line.
 */
export async function loadBibliography(
  root: string,
  files?: VFile[],
  /** book.yaml's `bibliography.file`: a `.bib` or CSL-JSON `.json` file instead of the first `.bib`. */
  named?: string,
): Promise<Map<string, BibEntry> | undefined> {
  const name =
    named ??
    (await readdir(root).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.bib') && !linksOutside(root, path.join(root, f)))
      .sort()[0];
  if (!name) return undefined;
  const absolute = path.join(root, name);
  const file = new VFile({ path: absolute, cwd: root });
  files?.push(file);
  const checked = checkBookFile(root, absolute);
  if (!checked.ok) {
    // A `refs.bib` folder, FIFO or link to a secret: named at its first line, never read.
    if (!checked.missing)
      report(file, 'error', `${name} ${checked.reason}: it is not read`, { line: 1, column: 1 }, 'bibliography');
    return undefined;
  }
  const size = checked.stat.size;
  if (size > MAX_BIB_BYTES) {
    report(
      file,
      'error',
      `${name} is ${(size / 1024 / 1024).toFixed(1)} MB, over the ${MAX_BIB_BYTES / 1024 / 1024} MB limit for a bibliography: split it or drop unused entries`,
      { line: 1, column: 1 },
      'bibliography',
    );
    return undefined;
  }
  const text = decodeSource(await readFile(checked.real), file);
  file.value = text;
  const problem = bibLimits(text);
  if (problem) {
    report(
      file,
      'error',
      `${problem.reason}: the bibliography is not used`,
      { line: problem.line, column: 1 },
      'bibliography',
    );
    return undefined;
  }
  if (name.endsWith('.json')) return cslJson(text, file);
  // Loaded only for a book with a .bib file: the parser is a fifth of a second of start-up.
  const { parse } = await import('@retorquere/bibtex-parser');
  let parsed: ReturnType<typeof Bibtex.parse>;
  try {
    // Titles as written: the citation style here does not re-case them.
    parsed = parse(text, { sentenceCase: false });
  } catch (error) {
    report(
      file,
      'error',
      `${name} could not be read: ${(error as Error).message}`,
      { line: 1, column: 1 },
      'bibliography',
    );
    return undefined;
  }
  for (const problem of parsed.errors) {
    const stated = /at line (\d+)(?:, column (\d+))?/.exec(problem.error);
    const found = problem.input ? text.indexOf(problem.input) : -1;
    const line = stated ? Number(stated[1]) : found >= 0 ? lineAt(text, found) : 1;
    report(
      file,
      'error',
      `Bibliography: ${problem.error}`,
      { line, column: stated?.[2] ? Number(stated[2]) : 1 },
      'bibliography',
    );
  }
  const map = new Map<string, BibEntry>();
  for (const entry of parsed.entries) {
    const f = entry.fields as Record<string, unknown>;
    const venue = field(f, 'journal') || field(f, 'booktitle') || field(f, 'publisher') || field(f, 'howpublished');
    const text =
      [names(f.author) || names(f.editor), field(f, 'title') && `“${field(f, 'title')}”`, venue, field(f, 'year')]
        .filter(Boolean)
        .join('. ')
        // "et al." ends its part with the stop the join adds.
        .replace(/(?<!\.)\.\.(?!\.)/g, '.') + '.';
    const url = field(f, 'url') || undefined;
    const creators = (Array.isArray(f.author) ? f.author : Array.isArray(f.editor) ? f.editor : []) as Creator[];
    map.set(entry.key, {
      key: entry.key,
      text,
      url: url && /^https?:\/\//.test(url) ? url : undefined,
      names: creators.map((c) => c.lastName ?? c.name ?? '').filter(Boolean),
      year: field(f, 'year') || undefined,
      title: field(f, 'title') || undefined,
    });
  }
  return map;
}

interface CslName {
  family?: string;
  given?: string;
  literal?: string;
}

const cslText = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');

/**
 * CSL-JSON (an array of items, as Zotero and citation-js export it): the
 * same entries as a .bib gives. An item without an `id` is an error at the
 * line its object starts on.
 */
function cslJson(text: string, file: VFile): Map<string, BibEntry> | undefined {
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch (error) {
    report(file, 'error', `Bibliography: ${(error as Error).message}`, { line: 1, column: 1 }, 'bibliography');
    return undefined;
  }
  if (!Array.isArray(items)) {
    report(file, 'error', 'Bibliography: expected an array of CSL-JSON items', { line: 1, column: 1 }, 'bibliography');
    return undefined;
  }
  const map = new Map<string, BibEntry>();
  let from = 0;
  for (const item of items as Record<string, unknown>[]) {
    const id = cslText(item?.id);
    if (!id) {
      report(
        file,
        'error',
        'Bibliography: an item without an `id`',
        { line: lineAt(text, from), column: 1 },
        'bibliography',
      );
      continue;
    }
    // The item's line, for messages: where its id is written.
    const at = text.indexOf(JSON.stringify(id), from);
    if (at >= 0) from = at;
    const people = (
      Array.isArray(item.author) ? item.author : Array.isArray(item.editor) ? item.editor : []
    ) as CslName[];
    const full = people.map((p) => p.literal ?? [p.given, p.family].filter(Boolean).join(' '));
    const year = cslText((item.issued as { 'date-parts'?: unknown[][] } | undefined)?.['date-parts']?.[0]?.[0]);
    const title = cslText(item.title);
    const venue = cslText(item['container-title']) || cslText(item.publisher);
    const url = cslText(item.URL);
    map.set(id, {
      key: id,
      text:
        [full.length > 3 ? `${full[0]} et al.` : full.join(', '), title && `“${title}”`, venue, year]
          .filter(Boolean)
          .join('. ')
          // "et al." ends its part with the stop the join adds.
          .replace(/(?<!\.)\.\.(?!\.)/g, '.') + '.',
      url: /^https?:\/\//.test(url) ? url : undefined,
      names: people.map((p) => p.family ?? p.literal ?? '').filter(Boolean),
      year: year || undefined,
      title: title || undefined,
    });
  }
  return map;
}
