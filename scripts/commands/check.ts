import path from 'node:path';
import { Option } from 'commander';
import { defineCommand } from './types.ts';
import { manuscriptOption, noCacheOption, outOption, quietOption, reportFormatOption } from './options.ts';

export interface CheckCommandOptions {
  manuscript: string;
  external?: boolean;
  changedSince?: string;
  format: 'text' | 'json' | 'github';
  fix?: boolean;
  epub?: boolean | string;
  artifacts?: boolean;
  print?: boolean;
  fidelity?: boolean;
  out: string;
  cache: boolean;
  quiet?: boolean;
}

export const checkCommand = defineCommand<CheckCommandOptions>({
  name: 'check',
  description: 'check links, copyright footers and format before a merge',
  book: true,
  options: [
    manuscriptOption(),
    new Option('--external', 'also check external links (network)'),
    new Option('--changed-since <ref>', 'only report files changed since this git ref'),
    reportFormatOption(),
    new Option('--fix', 'fix what can be fixed (whitespace, final newlines, copyright footers)'),
    new Option(
      '--epub [file]',
      "validate the built EPUB with EPUBCheck and DAISY Ace (default: each edition's dist/<slug>.epub)",
    ),
    new Option(
      '--artifacts',
      'check what was built: copyright footers and rights in web pages, EPUB and PDF; PDF fonts and tags',
    ),
    new Option(
      '--print',
      'print preflight of the built PDF: near-empty pages, headings and lead-ins at a page foot, overfull lines, low-resolution images, widows and orphans; with output.pdf.preset, what the service would refuse',
    ),
    new Option(
      '--fidelity',
      "compare the author's text with the built web edition, EPUB and PDF: every run of words missing from a format",
    ),
    outOption('output folder where --epub and --artifacts look'),
    noCacheOption('ignore every cache (chapter results, external-link results)'),
    quietOption('no progress display'),
  ],
  async run(opts) {
    const [{ check }, { exitCode, formatGithub, formatJson, formatText }] = await Promise.all([
      import('../api/check.ts'),
      import('../model/report.ts'),
    ]);
    const result = await check({
      manuscript: opts.manuscript,
      changedSince: opts.changedSince,
      fix: opts.fix,
      quiet: opts.quiet || opts.format !== 'text',
      external: opts.external,
      noCache: !opts.cache,
      epub: opts.epub,
      out: opts.out,
      artifacts: opts.artifacts,
      print: opts.print,
      fidelity: opts.fidelity,
    });
    const list = result.diagnostics;
    if (opts.format === 'json') {
      process.stdout.write(formatJson(list) + '\n');
    } else if (opts.format === 'github') {
      process.stdout.write(list.length ? formatGithub(list, result.root) + '\n' : '');
    } else {
      const shown = list.map((d) => ({ ...d, file: path.join(path.relative(process.cwd(), result.root), d.file) }));
      process.stdout.write(formatText(shown, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }) + '\n');
      // The author's files were rewritten: show exactly how, so nothing changes unseen.
      for (const diff of result.diffs) process.stdout.write(diff);
      if (result.fixed.length) process.stdout.write(`Fixed: ${result.fixed.join(', ')}\n`);
    }
    return exitCode(list);
  },
});
