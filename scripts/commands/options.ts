/**
 * Options more than one command takes, declared once. Each call makes a new
 * Option (commander keeps per-command state on them); a command that needs
 * another default or wording passes it.
 */
import { InvalidArgumentError, Option } from 'commander';
import type { Format } from '../api/build.ts';

export const FORMATS: readonly Format[] = ['html', 'epub', 'pdf', 'web', 'cover'];

export function manuscriptOption(): Option {
  return new Option('--manuscript <dir>', 'manuscript folder (or give it as the last argument)').default('manuscript');
}

export function outOption(description = 'output folder', fallback = 'dist'): Option {
  return new Option('--out <dir>', description).default(fallback);
}

export function quietOption(description = 'no progress display and no summary'): Option {
  return new Option('--quiet', description);
}

/** `build --format html,epub`: the formats to build. */
export function formatsOption(): Option {
  return new Option('--format <list>', 'formats to build, comma-separated (html,epub,pdf,web,cover)').argParser(
    (value: string) => {
      const list = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      for (const f of list) {
        if (!FORMATS.includes(f as Format))
          throw new InvalidArgumentError(`Unknown format \`${f}\`: use html, epub, pdf, web or cover.`);
      }
      return list as Format[];
    },
  );
}

/** `check --format json`: how problems are reported. */
export function reportFormatOption(): Option {
  return new Option('--format <format>', 'output format').choices(['text', 'json', 'github']).default('text');
}

export function noCacheOption(
  description = 'ignore every cache (chapter results in the user cache folder or $GALLEY_CACHE_DIR)',
): Option {
  return new Option('--no-cache', description);
}

export function portOption(): Option {
  return new Option('--port <n>', 'port on 127.0.0.1 (0: any free port)').default(3000).argParser((value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw new InvalidArgumentError(`--port must be a whole number from 0 to 65535, not \`${value}\`.`);
    return n;
  });
}
