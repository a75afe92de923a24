import path from 'node:path';
import { Option } from 'commander';
import { EXIT_OK, UsageError, defineCommand } from './types.ts';

export interface InitCommandOptions {
  dir?: string;
  title?: string;
  author?: string;
  language?: string;
  force?: boolean;
  actionRepo?: string;
}

/** "my-book" → "My Book": the title offered when none is given. */
export function titleFromFolder(dir: string): string {
  const words = path
    .basename(path.resolve(dir))
    .split(/[-_\s]+/)
    .filter(Boolean);
  return words.length ? words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ') : 'Untitled';
}

/** Asks for what the flags left out, on a terminal only; elsewhere the defaults stand. */
async function ask(options: InitCommandOptions, defaults: { title: string; author: string; language: string }) {
  const wanted = { title: options.title, author: options.author, language: options.language };
  if (process.stdin.isTTY && process.stdout.isTTY && Object.values(wanted).some((v) => v === undefined)) {
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      for (const [key, label] of [
        ['title', 'Title'],
        ['author', 'Author'],
        ['language', 'Language (BCP 47, e.g. en, fa)'],
      ] as const) {
        if (wanted[key] === undefined)
          wanted[key] = (await rl.question(`${label} (${defaults[key]}): `)).trim() || undefined;
      }
    } finally {
      rl.close();
    }
  }
  return {
    title: wanted.title ?? defaults.title,
    author: wanted.author ?? defaults.author,
    language: wanted.language ?? defaults.language,
  };
}

export const initCommand = defineCommand<InitCommandOptions>({
  name: 'init',
  description: 'start a book: book.yaml, SUMMARY.md, a preface, a chapter, errata.yaml, .gitignore and a CI workflow',
  arguments: [
    { syntax: '[dir]', description: 'the folder to write the book into (default: the current folder)', key: 'dir' },
  ],
  options: [
    new Option('--title <title>', "the book's title (asked on a terminal; default: from the folder name)"),
    new Option('--author <name>', 'the author (asked on a terminal)'),
    new Option('--language <code>', 'the language, BCP 47 (asked on a terminal)'),
    new Option(
      '--action-repo <owner/name>',
      "the GitHub repository of Galley's action for the CI workflow (default: Galley's package.json repository)",
    ).argParser((value) => {
      if (!/^[\w.-]+\/[\w.-]+$/.test(value)) throw new UsageError(`--action-repo wants owner/name, not ${value}`);
      return value;
    }),
    new Option('--force', 'write into a folder that is not empty (files already there are kept, never replaced)'),
  ],
  async run(opts) {
    const { initBook, isEmptyFolder } = await import('../api/init.ts');
    const dir = opts.dir ?? '.';
    // Refuse before asking anything.
    if (!opts.force && !isEmptyFolder(dir)) {
      throw new UsageError(
        `${dir} is not empty: choose a new folder, or give --force to write the starter files into it`,
      );
    }
    const answers = await ask(opts, { title: titleFromFolder(dir), author: 'The Author', language: 'en' });
    const kept: string[] = [];
    const written = await initBook(dir, { ...answers, force: opts.force, actionRepo: opts.actionRepo }, kept);
    const shown = path.relative(process.cwd(), path.resolve(dir)) || '.';
    // Named even when it is the current folder: without one, the commands read manuscript/.
    const book = ` ${shown.includes(' ') ? JSON.stringify(shown) : shown}`;
    process.stdout.write(
      `Started "${answers.title}" in ${shown}/: ${written.join(', ')}\n` +
        (kept.length ? `Kept as they were (not replaced): ${kept.join(', ')}\n` : '') +
        `\nNext:\n` +
        `  galley dev${book}      # the web edition at http://127.0.0.1:3000/, rebuilt on each save\n` +
        `  galley check${book}    # links, images, footers and format\n` +
        `  galley build${book}    # EPUB, PDF and the web edition into dist/\n`,
    );
    return EXIT_OK;
  },
});
