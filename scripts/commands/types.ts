/**
 * The one shape every command has: its name, its options and a run function
 * that returns the exit code. scripts/cli.ts only wires these to commander.
 * A command module stays light (commander's Option and nothing else at load
 * time) and imports what it runs inside `run`, so `galley --help` loads no
 * pipeline, browser or EPUB writer.
 */
import type { Option } from 'commander';

/** Exit codes: 0 done, 1 a problem in the book (or a refused release), 2 a usage error. */
export const EXIT_OK = 0;
export const EXIT_BOOK = 1;
export const EXIT_USAGE = 2;

export interface PositionalArgument {
  /** As commander spells it: `<ref-a>` required, `[ref-b]` optional. */
  syntax: string;
  description: string;
  /** Where the value lands in the options `run` receives. */
  key: string;
}

export interface CommandDefinition<O = Record<string, unknown>> {
  /** `build`, or `errata add` for a sub-command. */
  name: string;
  description: string;
  arguments?: PositionalArgument[];
  /** Takes the book folder as a last positional argument too, the same as `--manuscript`. */
  book?: boolean;
  options: Option[];
  run(options: O): Promise<number>;
}

/** A group of sub-commands (`galley errata …`). */
export interface CommandGroup {
  name: string;
  description: string;
}

/** Wrong use of the command line (exit 2), as opposed to a problem in the book (exit 1). */
export class UsageError extends Error {}

export function defineCommand<O>(definition: CommandDefinition<O>): CommandDefinition<O> {
  return definition;
}
