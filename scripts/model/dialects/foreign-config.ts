import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { VFile } from 'vfile';
import type { BookConfig } from '../config/schema.ts';
import { report } from '../../util/messages.ts';
import { linksOutside } from '../../util/paths.ts';
import { readBookFile } from '../../util/book-file.ts';

export interface ForeignConfig {
  kind: 'honkit' | 'mdbook';
  file: VFile;
  defaults: Partial<BookConfig>;
  /** Folder holding SUMMARY.md and the chapters, relative to the manuscript. */
  contentRoot: string;
  /** Display names for code languages (HonKit's api-language-selector), for tab captions. */
  languageNames: Record<string, string>;
}

/** `en_US` (as some tools write it) → the BCP 47 `en-US`. */
const languageTag = (value: string) => value.replace(/_/g, '-');

const str = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

/**
 * Reads the configuration other tools' books already have, so they build as
 * they stand: HonKit/GitBook's `book.json` (title, author, language,
 * direction, root) and mdBook's `book.toml` (`[book]` title, authors,
 * language, src). Unknown keys are theirs, not errors.
 */
export function readForeignConfig(root: string): ForeignConfig | undefined {
  const jsonPath = path.join(root, 'book.json');
  // Configuration that is a link out of the manuscript is not read (nor is anything else).
  const json = linksOutside(root, jsonPath) ? undefined : readBookFile(root, jsonPath)?.toString('utf8');
  if (json !== undefined) {
    const file = new VFile({ path: jsonPath, value: json });
    let data: Record<string, unknown> = {};
    try {
      data = JSON.parse(json) as Record<string, unknown>;
    } catch (error) {
      report(
        file,
        'error',
        `Invalid JSON in book.json: ${(error as Error).message}`,
        { line: 1, column: 1 },
        'book-config',
      );
    }
    const defaults: Partial<BookConfig> = {};
    const [title, author, language, description] = [data.title, data.author, data.language, data.description].map(str);
    if (title) defaults.title = title;
    if (author) defaults.authors = [author];
    if (language) defaults.language = languageTag(language);
    if (data.direction === 'rtl' || data.direction === 'ltr') defaults.direction = data.direction;
    if (description) defaults.description = description;
    // No prototype: a `lang` of `__proto__` is an entry like any other (lookups go through util/own.ts).
    const languageNames: Record<string, string> = Object.create(null) as Record<string, string>;
    const selector = (
      data.pluginsConfig as Record<string, { languages?: { lang: string; name: string }[] }> | undefined
    )?.['api-language-selector'];
    for (const entry of selector?.languages ?? [])
      if (typeof entry?.lang === 'string' && typeof entry?.name === 'string') languageNames[entry.lang] = entry.name;
    return { kind: 'honkit', file, defaults, contentRoot: str(data.root) ?? '.', languageNames };
  }
  const tomlPath = path.join(root, 'book.toml');
  const toml = linksOutside(root, tomlPath) ? undefined : readBookFile(root, tomlPath)?.toString('utf8');
  if (toml !== undefined) {
    const file = new VFile({ path: tomlPath, value: toml });
    let data: Record<string, unknown> = {};
    try {
      data = parseToml(toml);
    } catch (error) {
      const e = error as Error & { line?: number; column?: number };
      report(
        file,
        'error',
        `Invalid TOML in book.toml: ${e.message.split('\n')[0]}`,
        { line: e.line ?? 1, column: e.column ?? 1 },
        'book-config',
      );
    }
    const book = (data.book ?? {}) as Record<string, unknown>;
    const defaults: Partial<BookConfig> = {};
    const [title, language, description] = [book.title, book.language, book.description].map(str);
    if (title) defaults.title = title;
    if (Array.isArray(book.authors) && book.authors.length) defaults.authors = book.authors.map(String);
    if (language) defaults.language = languageTag(language);
    if (description) defaults.description = description;
    if (book['text-direction'] === 'rtl' || book['text-direction'] === 'ltr')
      defaults.direction = book['text-direction'];
    const html = (data.output as Record<string, Record<string, unknown>> | undefined)?.html;
    // mdBook 0.5 turns smart punctuation on unless `[output.html] smart-punctuation = false` (older: `curly-quotes`).
    const smart = html?.['smart-punctuation'] ?? html?.['curly-quotes'];
    const output: Record<string, unknown> = { smart_punctuation: smart === undefined ? true : smart === true };
    // mdBook's redirects become book.yaml's `redirects:` (the same meaning: old page → its new address).
    const redirect = html?.redirect;
    if (redirect && typeof redirect === 'object' && !Array.isArray(redirect)) {
      const entries = Object.entries(redirect).filter((e): e is [string, string] => typeof e[1] === 'string');
      if (entries.length) defaults.redirects = Object.fromEntries(entries);
    }
    // mdBook's additional-css is the book's own look: it applies to every format Galley makes.
    const extra = Array.isArray(html?.['additional-css']) ? (html['additional-css'] as unknown[]).map(String) : [];
    if (extra.length)
      Object.assign(output, { web: { paths: 'source', css: extra }, epub: { css: extra }, pdf: { css: extra } });
    // Partial: the schema fills in the rest when the config is read (config/load.ts withDefaults).
    defaults.output = output as unknown as BookConfig['output'];
    return { kind: 'mdbook', file, defaults, contentRoot: str(book.src) ?? 'src', languageNames: {} };
  }
  return undefined;
}
