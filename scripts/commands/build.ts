import path from 'node:path';
import { Option } from 'commander';
import type { Artifact, BuildSummary, Format } from '../api/build.ts';
import type { Diagnostic } from '../model/diagnostics.ts';
import { EXIT_BOOK, EXIT_OK, defineCommand } from './types.ts';
import { formatsOption, manuscriptOption, noCacheOption, outOption, quietOption } from './options.ts';

export interface BuildCommandOptions {
  manuscript: string;
  out: string;
  format?: Format[];
  edition?: string;
  printMarks?: boolean;
  pdfx?: boolean;
  cache: boolean;
  quiet?: boolean;
  json?: boolean;
}

/** What `galley build --json` prints: one object, the same fields as the text summary and more. */
export interface BuildJson {
  ok: boolean;
  editions: { code: string; ok: boolean; summary: BuildSummary; artifacts: Artifact[] }[];
  diagnostics: Diagnostic[];
}

export const buildCommand = defineCommand<BuildCommandOptions>({
  name: 'build',
  description: 'build the book into the output folder',
  book: true,
  options: [
    manuscriptOption(),
    outOption(),
    formatsOption(),
    new Option('--edition <code>', 'build only this language edition (e.g. fa); all by default'),
    new Option('--print-marks', 'PDF with bleed and crop marks for a printer'),
    new Option('--pdfx', 'PDF/X-4 interior and cover (as output.pdf.standard: pdf/x-4)'),
    noCacheOption(),
    quietOption(),
    new Option('--json', 'print the build summary and the artifacts as JSON on stdout (no progress display)'),
  ],
  async run(opts) {
    const [{ build }, { formatCompact }, { summaryLine }] = await Promise.all([
      import('../api/build.ts'),
      import('../model/diagnostics.ts'),
      import('../model/errata/stamp.ts'),
    ]);
    const result = await build({
      manuscript: opts.manuscript,
      out: opts.out,
      formats: opts.format,
      quiet: opts.quiet || opts.json,
      edition: opts.edition,
      printMarks: opts.printMarks,
      pdfx: opts.pdfx,
      noCache: !opts.cache,
    });
    const shown = result.diagnostics.filter((d) => d.severity !== 'info');
    if (shown.length) {
      process.stderr.write(
        formatCompact(
          shown.map((d) => ({ ...d, file: path.join(path.relative(process.cwd(), result.book.boundary), d.file) })),
        ) + '\n',
      );
    }
    if (opts.json) {
      const json: BuildJson = {
        ok: result.ok,
        editions: result.editions.map((e) => ({ code: e.code, ok: e.ok, summary: e.summary, artifacts: e.artifacts })),
        diagnostics: result.diagnostics,
      };
      process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    }
    if (!result.ok) {
      const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
      const kept =
        result.artifacts.length === 0
          ? `the previous output in ${opts.out} was left as it was`
          : `an artifact with errors was not written; ${result.artifacts.map((a) => a.format).join(', ')} were`;
      process.stderr.write(`Build failed: ${errors} error${errors === 1 ? '' : 's'}; ${kept}.\n`);
      return EXIT_BOOK;
    }
    if (!opts.quiet && !opts.json) {
      for (const edition of result.editions) {
        const { summary, artifacts } = edition;
        const q = summary.questions;
        const lines = [
          `Built ${summary.chapters} chapters (${summary.pages} pages) of the \`${edition.code}\` edition in ${summary.seconds.toFixed(2)} s`,
          summaryLine(summary.stamp),
          `  questions: ${q.E + q.M + q.H} (easy ${q.E}, medium ${q.M}, hard ${q.H})`,
          `  formulas: ${summary.formulas}   images: ${summary.images}   tables: ${summary.tables}   footnotes: ${summary.footnotes}   code blocks: ${summary.codeBlocks}   listings: ${summary.listings}   words: ${summary.words}`,
          ...artifacts.map(
            (a) =>
              `  ${a.format.padEnd(5)} ${path.relative(process.cwd(), a.path) || a.path}${a.pages ? ` (${a.pages} ${a.pages === 1 ? 'page' : 'pages'})` : ''}`,
          ),
          ...(summary.notes ?? []).map((note) => `  note: ${note}`),
        ];
        process.stdout.write(lines.join('\n') + '\n');
      }
    }
    return EXIT_OK;
  },
});
