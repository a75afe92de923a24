import path from 'node:path';
import { Option } from 'commander';
import { EXIT_BOOK, EXIT_OK, defineCommand, type CommandGroup } from './types.ts';
import { manuscriptOption, outOption } from './options.ts';
import type { ErratumInput } from '../api/errata-add.ts';

export const errataGroup: CommandGroup = {
  name: 'errata',
  description: 'the errata changelog: add entries, write CHANGELOG.md and errata.json',
};

export interface ErrataAddOptions extends Omit<ErratumInput, 'reported'> {
  manuscript: string;
  interactive: boolean;
}

// The kinds are errata/schema.ts's ERRATA_KINDS, written out so that `--help` need not load the schema (zod).
export const ERRATA_KINDS_HELP = 'typo, error, clarification, update';

export const errataAddCommand = defineCommand<ErrataAddOptions>({
  name: 'errata add',
  description: 'add an erratum with the next free id (asks for what is missing on a terminal)',
  book: true,
  options: [
    manuscriptOption(),
    new Option('--location <where>', 'chapter.md#anchor, chapter.md, or a question id'),
    new Option('--kind <kind>', ERRATA_KINDS_HELP),
    new Option('--text <text>', 'what changed'),
    new Option('--was <text>', 'what the book said'),
    new Option('--now <text>', 'what it says now'),
    new Option('--credit <name>', 'who reported it'),
    new Option('--fixed-in <version>', 'the release that carries the fix (default: unreleased)'),
    new Option('--no-interactive', 'never ask; refuse when a flag is missing'),
  ],
  async run(opts) {
    const { addErratum, ErrataInputError } = await import('../api/errata-add.ts');
    try {
      const result = await addErratum(opts.manuscript, opts, {
        interactive: opts.interactive === false ? false : undefined,
      });
      process.stdout.write(
        `Added ${result.id} (${result.where}) to ${path.relative(process.cwd(), result.file) || result.file}\n`,
      );
      return EXIT_OK;
    } catch (error) {
      if (!(error instanceof ErrataInputError)) throw error;
      process.stderr.write(`galley errata add: ${error.message}\n`);
      return EXIT_BOOK;
    }
  },
});

export interface ErrataChangelogOptions {
  manuscript: string;
  out: string;
  stdout?: boolean;
}

export const errataChangelogCommand = defineCommand<ErrataChangelogOptions>({
  name: 'errata changelog',
  description: 'write CHANGELOG.md (Keep a Changelog) and errata.json into the output folder, or print the changelog',
  book: true,
  options: [manuscriptOption(), outOption(), new Option('--stdout', 'print CHANGELOG.md instead of writing files')],
  async run(opts) {
    const [{ prepare }, { ERRATA_FILE, loadErrata }, { errataChangelog, writeErrataArtifacts }] = await Promise.all([
      import('../api/build.ts'),
      import('../model/errata/load.ts'),
      import('../render/changelog.ts'),
    ]);
    const { book } = await prepare(path.resolve(opts.manuscript));
    const loaded = await loadErrata(book);
    if (!loaded || !loaded.valid) {
      process.stderr.write(
        `galley errata changelog: ${loaded ? `${ERRATA_FILE} has errors: run \`galley check\`` : `no ${ERRATA_FILE} in ${opts.manuscript}`}\n`,
      );
      return EXIT_BOOK;
    }
    if (opts.stdout) {
      process.stdout.write(errataChangelog(loaded, book));
      return EXIT_OK;
    }
    const written = await writeErrataArtifacts(path.resolve(opts.out), loaded, book);
    process.stdout.write(
      `${path.relative(process.cwd(), written.changelog)}\n${path.relative(process.cwd(), written.json)}\n`,
    );
    return EXIT_OK;
  },
});
