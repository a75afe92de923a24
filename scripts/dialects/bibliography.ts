import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { BibEntry } from '../plugins/remark-citations.ts';
import { linksOutside } from '../util/paths.ts';

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

/** The book's bibliography: the first `.bib` file at its root, as one formatted line per key. */
export async function loadBibliography(root: string): Promise<Map<string, BibEntry> | undefined> {
  const name = (await readdir(root).catch(() => [] as string[])).filter((f) => f.endsWith('.bib') && !linksOutside(root, path.join(root, f))).sort()[0];
  if (!name) return undefined;
  // Loaded only for a book with a .bib file: the parser is a fifth of a second of start-up.
  const { parse } = await import('@retorquere/bibtex-parser');
  // Titles as written: the citation style here does not re-case them.
  const parsed = parse(await readFile(path.join(root, name), 'utf8'), { sentenceCase: false });
  const map = new Map<string, BibEntry>();
  for (const entry of parsed.entries) {
    const f = entry.fields as Record<string, unknown>;
    const venue = field(f, 'journal') || field(f, 'booktitle') || field(f, 'publisher') || field(f, 'howpublished');
    const text = [names(f.author) || names(f.editor), field(f, 'title') && `“${field(f, 'title')}”`, venue, field(f, 'year')].filter(Boolean).join('. ') + '.';
    const url = field(f, 'url') || undefined;
    map.set(entry.key, { key: entry.key, text, url: url && /^https?:\/\//.test(url) ? url : undefined });
  }
  return map;
}
