import path from 'node:path';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Link } from 'mdast';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import { readForeignConfig } from '../dialects/foreign-config.ts';
import { safeName } from '../../util/slug.ts';
import { loadConfig } from '../config/load.ts';
import type { BookConfig } from '../config/schema.ts';
import { isInside, linksOutside } from '../../util/paths.ts';
import { VFile } from 'vfile';
import { withinLimits } from './limits.ts';
import { readBookFile } from '../../util/book-file.ts';

export interface Edition {
  /** Language code naming the edition (`en`, `fa`). */
  code: string;
  /** The edition's own folder. */
  root: string;
  /** The folder no path may leave: the whole manuscript. */
  boundary: string;
  main: boolean;
  defaults: Partial<BookConfig>;
  /** Where its artifacts go inside the output folder (`''` for the main edition, else its code). */
  outSubdir: string;
}

/**
 * HonKit's multilingual layout: LANGS.md at the root lists one folder per
 * language (`* [English](en/)`), each a book with its own SUMMARY.md; the
 * root's book.json gives what they share. Each builds to `<out>/<folder>/`.
 */
function honkitLanguages(root: string): Edition[] | undefined {
  const langsPath = path.join(root, 'LANGS.md');
  if (
    linksOutside(root, langsPath) ||
    existsSync(path.join(root, 'SUMMARY.md')) ||
    existsSync(path.join(root, 'book.yaml'))
  )
    return undefined;
  const bytes = readBookFile(root, langsPath);
  const text = bytes?.toString('utf8');
  if (text === undefined) return undefined;
  // Parsed under the chapters' limits: LANGS.md is as untrusted as they are.
  const probe = new VFile({ path: langsPath, value: text });
  if (!withinLimits(text, probe)) {
    const problem = probe.messages[0]!;
    throw new Error(`LANGS.md:${problem.line ?? 1}:${problem.column ?? 1}: ${problem.reason}`);
  }
  const foreign = readForeignConfig(root);
  const tree = unified().use(remarkParse).parse(text);
  const editions: Edition[] = [];
  visit(tree, 'link', (link: Link) => {
    const folder = link.url.replace(/^\.\//, '').replace(/\/+$/, '');
    if (!folder || /^[a-z]+:/i.test(folder)) return;
    const dir = path.resolve(root, folder);
    if (!existsSync(dir) || !isInside(root, dir))
      throw new Error(`LANGS.md lists \`${link.url}\`, which is not a folder inside the manuscript`);
    const code = safeName(folder);
    const language = folder.replace(/_/g, '-');
    editions.push({
      code,
      root: dir,
      boundary: root,
      main: editions.length === 0,
      defaults: {
        ...foreign?.defaults,
        language: foreign?.defaults.language && editions.length === 0 ? foreign.defaults.language : language,
      },
      outSubdir: code,
    });
  });
  return editions.length ? editions : undefined;
}

/**
 * The language editions of a manuscript: the book at its root, plus each
 * folder named under `editions:` in its book.yaml (`fa: {root: fa}`), which
 * has its own SUMMARY.md and usually its own book.yaml, and may share the
 * root's images.
 */
export async function listEditions(manuscript: string): Promise<Edition[]> {
  const root = path.resolve(manuscript);
  const honkit = honkitLanguages(root);
  if (honkit) return honkit;
  const { config } = await loadConfig(root);
  const inherited: Partial<BookConfig> = {
    output: config.output,
    links: config.links,
    checks: config.checks,
    copyright: config.copyright,
    licence: config.licence,
    authors: config.authors,
    version: config.version,
    date: config.date,
    // One site: each edition is a folder of it.
    site: config.site,
  };
  const editions: Edition[] = [
    { code: config.language, root, boundary: root, main: true, defaults: {}, outSubdir: '' },
  ];
  for (const [code, edition] of Object.entries(config.editions)) {
    const dir = path.resolve(root, edition.root);
    if (!(await stat(dir).catch(() => undefined))?.isDirectory())
      throw new Error(`Edition \`${code}\` in book.yaml: the folder ${edition.root} does not exist in ${manuscript}`);
    // An edition is part of the manuscript: a folder outside it (through a symlink) is not read.
    if (!isInside(root, dir)) {
      throw new Error(
        `Edition \`${code}\` in book.yaml: the folder ${edition.root} is outside the manuscript (a symlink?); it is not read`,
      );
    }
    // Artifacts of an edition are named after the main book's, with the edition's code.
    const output = { ...config.output, slug: config.output.slug ? `${config.output.slug}-${code}` : undefined };
    const defaults: Partial<BookConfig> = {
      ...inherited,
      output,
      language: edition.language ?? code,
      title: edition.title ?? config.title,
    };
    if (edition.subtitle) defaults.subtitle = edition.subtitle;
    if (edition.direction) defaults.direction = edition.direction;
    editions.push({ code, root: dir, boundary: root, main: false, defaults, outSubdir: code });
  }
  return editions;
}
