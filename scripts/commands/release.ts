import { existsSync } from 'node:fs';
import path from 'node:path';
import { Option } from 'commander';
import { EXIT_BOOK, EXIT_OK, defineCommand } from './types.ts';
import { manuscriptOption, outOption, quietOption } from './options.ts';

export interface ReleaseCommandOptions {
  manuscript: string;
  out: string;
  force?: boolean;
  quiet?: boolean;
}

/** `galley release [BOOK] [--manuscript DIR] [--out DIR] [--force]`: exit 1 when the release is refused. */
export const releaseCommand = defineCommand<ReleaseCommandOptions>({
  name: 'release',
  description:
    'build every format and edition, run every check, and publish versioned artifacts to <out>/release/<version>/ (refused on any error)',
  book: true,
  options: [
    manuscriptOption(),
    outOption(),
    new Option('--force', 'replace an existing release folder of the same version'),
    quietOption('no progress lines'),
  ],
  async run(opts) {
    const [{ release }, { formatCompact }] = await Promise.all([
      import('../api/release.ts'),
      import('../model/diagnostics.ts'),
    ]);
    const result = await release({
      manuscript: opts.manuscript,
      out: opts.out,
      force: opts.force,
      log: opts.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
    });
    const manuscript = path.resolve(opts.manuscript);
    // Source files print with the manuscript's path; artifact checks name the artifact.
    const shown = result.diagnostics
      .filter((d) => d.severity !== 'info')
      .map((d) => ({
        ...d,
        file: existsSync(path.join(manuscript, d.file))
          ? path.relative(process.cwd(), path.join(manuscript, d.file))
          : d.file,
      }));
    if (shown.length) process.stderr.write(`${formatCompact(shown)}\n`);
    if (!result.ok) {
      const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
      process.stderr.write(
        `Release ${result.version} refused: ${errors} error${errors === 1 ? '' : 's'}; nothing was published.\n`,
      );
      return EXIT_BOOK;
    }
    const dir = path.relative(process.cwd(), result.dir) || result.dir;
    process.stdout.write(
      `Released ${result.version} in ${result.seconds.toFixed(1)} s: ${dir}/\n${result.artifacts.map((a) => `  ${a.name.padEnd(40)} ${String(a.bytes).padStart(10)}  ${a.sha256.slice(0, 16)}`).join('\n')}\n`,
    );
    return EXIT_OK;
  },
});
