import path from 'node:path';
import { Option } from 'commander';
import { EXIT_BOOK, EXIT_OK, defineCommand } from './types.ts';
import { manuscriptOption, outOption, quietOption } from './options.ts';

export interface DiffCommandOptions {
  refA: string;
  refB?: string;
  manuscript: string;
  out: string;
  pdf: boolean;
  quiet?: boolean;
}

// No positional book folder here: the positions are the two revisions.
export const diffCommand = defineCommand<DiffCommandOptions>({
  name: 'diff',
  description:
    'compare two git revisions of the book: changed chapters, sections and questions, and changed PDF pages with images',
  arguments: [
    { syntax: '<ref-a>', description: 'the older revision (a commit, branch or tag)', key: 'refA' },
    { syntax: '[ref-b]', description: 'the newer revision (default: the working tree)', key: 'refB' },
  ],
  options: [
    manuscriptOption(),
    outOption('report folder', 'dist/diff'),
    new Option('--no-pdf', 'compare the text only'),
    quietOption('no progress lines'),
  ],
  async run(opts) {
    const { diffRevisions } = await import('../api/diff.ts');
    try {
      const { report, index } = await diffRevisions(opts.refA, opts.refB, {
        manuscript: opts.manuscript,
        out: opts.out,
        pdf: opts.pdf,
        log: opts.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
      });
      const pages = report.pages ? report.pages.list : [];
      const changed = pages.filter((p) => p.status !== 'moved').length;
      const moved = pages.filter((p) => p.status === 'moved').length;
      process.stdout.write(
        `${report.chapters.length} chapter(s) changed; ${report.pages ? `${changed} page(s) changed, ${moved} moved` : 'PDF not compared'}; ${report.seconds.toFixed(1)} s\n${path.relative(process.cwd(), index) || index}\n`,
      );
      return EXIT_OK;
    } catch (error) {
      process.stderr.write(`galley diff: ${(error as Error).message}\n`);
      return EXIT_BOOK;
    }
  },
});
