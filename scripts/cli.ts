/**
 * The `galley` command line: wires each command of scripts/commands/ to
 * commander and turns what happens into an exit code (0 done, 1 a problem in
 * the book, 2 a usage error). No command logic lives here.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { buildCommand } from './commands/build.ts';
import { checkCommand } from './commands/check.ts';
import { devCommand } from './commands/dev.ts';
import { diffCommand } from './commands/diff.ts';
import { errataAddCommand, errataChangelogCommand, errataGroup } from './commands/errata.ts';
import { initCommand } from './commands/init.ts';
import { mdbookCommand } from './commands/mdbook.ts';
import { releaseCommand } from './commands/release.ts';
import {
  EXIT_BOOK,
  EXIT_OK,
  EXIT_USAGE,
  UsageError,
  type CommandDefinition,
  type CommandGroup,
} from './commands/types.ts';
import { RefError } from './util/git.ts';
import { must } from './util/must.ts';

const COMMANDS: CommandDefinition<never>[] = [
  initCommand,
  buildCommand,
  devCommand,
  checkCommand,
  errataAddCommand,
  errataChangelogCommand,
  diffCommand,
  releaseCommand,
  mdbookCommand,
] as CommandDefinition<never>[];
const GROUPS: CommandGroup[] = [errataGroup];

/** The package's version, read from its package.json (beside scripts/ and lib/ alike). */
export function galleyVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** The positional book folder and `--manuscript` are one setting: both given, they must agree. */
function bookFolder(command: Command, positional: string | undefined): string {
  const flag = command.getOptionValue('manuscript') as string;
  if (positional === undefined) return flag;
  if (command.getOptionValueSource('manuscript') === 'cli' && flag !== positional)
    throw new UsageError(`the book folder is given twice: \`${positional}\` and \`--manuscript ${flag}\`; give one`);
  return positional;
}

function wire(program: Command, definition: CommandDefinition<never>, setCode: (code: number) => void) {
  const words = definition.name.split(' ');
  let parent = program;
  for (const word of words.slice(0, -1)) {
    const group = GROUPS.find((g) => g.name === word);
    parent =
      parent.commands.find((c) => c.name() === word) ?? parent.command(word).description(group?.description ?? '');
  }
  const command = parent.command(must(words.at(-1), 'a command name')).description(definition.description);
  const positional = definition.arguments ?? [];
  for (const argument of positional) command.argument(argument.syntax, argument.description);
  if (definition.book) command.argument('[book]', 'the book folder (the same as --manuscript)');
  for (const option of definition.options) command.addOption(option);
  command.action(async () => {
    const options: Record<string, unknown> = { ...command.opts() };
    positional.forEach((argument, i) => {
      options[argument.key] = command.processedArgs[i];
    });
    if (definition.book) {
      const manuscript = bookFolder(command, command.processedArgs[positional.length] as string | undefined);
      if (!existsSync(manuscript) || !statSync(manuscript).isDirectory()) {
        throw new UsageError(
          `no book folder at \`${manuscript}\`: give the book's folder (\`galley ${definition.name} path/to/book\`), or start one with \`galley init\``,
        );
      }

      options.manuscript = manuscript;
    }
    setCode(await definition.run(options as never));
  });
}

/** argv in, exit code out; everything else is the commands'. */
export async function main(argv: string[]): Promise<number> {
  let code = EXIT_OK;
  const program = new Command('galley')
    .description('Markdown manuscript to EPUB 3, print-ready PDF and a web edition')
    .version(galleyVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .addHelpText('after', '\nExit codes: 0 done, 1 a problem in the book, 2 a usage error.');
  for (const definition of COMMANDS) wire(program, definition, (value) => (code = value));

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; anything else commander refuses (unknown option, missing argument) is usage.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof UsageError || error instanceof RefError) {
      process.stderr.write(`galley: ${error.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`galley: ${(error as Error).message}\n`);
    return EXIT_BOOK;
  }
  return code;
}
