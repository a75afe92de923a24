import { Command, Option } from 'commander';
import path from 'node:path';
import { build, type Format, type BuildSummary } from './build.ts';
import { check } from './check.ts';
import { summaryLine } from './errata/stamp.ts';
import { startDev } from './dev.ts';
import { exitCode, formatCompact, formatGithub, formatText, type Diagnostic } from './report.ts';

function printSummary(code: string, summary: BuildSummary, artifacts: { format: string; path: string; pages?: number }[]) {
  const q = summary.questions;
  const lines = [
    `Built ${summary.chapters} chapters (${summary.pages} pages) of the \`${code}\` edition in ${summary.seconds.toFixed(2)} s`,
    summaryLine(summary.stamp),
    `  questions: ${q.E + q.M + q.H} (easy ${q.E}, medium ${q.M}, hard ${q.H})`,
    `  formulas: ${summary.formulas}   images: ${summary.images}   tables: ${summary.tables}   footnotes: ${summary.footnotes}   code blocks: ${summary.codeBlocks}   words: ${summary.words}`,
    ...artifacts.map((a) => `  ${a.format.padEnd(5)} ${path.relative(process.cwd(), a.path) || a.path}${a.pages ? ` (${a.pages} pages)` : ''}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be a whole number from 0 to 65535, not \`${value}\``);
  return n;
}

function formats(value: string): Format[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const f of list) if (!['html', 'epub', 'pdf', 'web'].includes(f)) throw new Error(`Unknown format \`${f}\`: use html, epub, pdf or web`);
  return list as Format[];
}

/** argv in, exit code out; everything else is the library's. */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command('galley')
    .description('Markdown manuscript to EPUB 3, print-ready PDF and a web edition')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('build')
    .description('build the book into the output folder')
    .option('--manuscript <dir>', 'manuscript folder', 'manuscript')
    .option('--out <dir>', 'output folder', 'dist')
    .addOption(new Option('--format <list>', 'formats to build, comma-separated (html,epub,pdf,web)').argParser(formats))
    .option('--edition <code>', 'build only this language edition (e.g. fa); all by default')
    .option('--print-marks', 'PDF with bleed and crop marks for a printer')
    .option('--no-cache', 'ignore every cache (chapter results in .galley-cache/)')
    .option('--quiet', 'no progress display and no summary')
    .action(async (opts: { manuscript: string; out: string; format?: Format[]; quiet?: boolean; edition?: string; printMarks?: boolean; cache: boolean }) => {
      const result = await build({ manuscript: opts.manuscript, out: opts.out, formats: opts.format, quiet: opts.quiet, edition: opts.edition, printMarks: opts.printMarks, noCache: !opts.cache });
      const shown = result.diagnostics.filter((d) => d.severity !== 'info');
      if (shown.length) process.stderr.write(formatCompact(shown.map((d) => ({ ...d, file: path.join(path.relative(process.cwd(), result.book.boundary), d.file) }))) + '\n');
      if (!result.ok) {
        const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
        const kept = result.artifacts.length === 0 ? `the previous output in ${opts.out} was left as it was` : `an artifact with errors was not written; ${result.artifacts.map((a) => a.format).join(', ')} were`;
        process.stderr.write(`Build failed: ${errors} error${errors === 1 ? '' : 's'}; ${kept}.\n`);
        code = 1;
        return;
      }
      if (!opts.quiet) for (const edition of result.editions) printSummary(edition.code, edition.summary, edition.artifacts);
    });

  program
    .command('dev')
    .description('serve the web edition on 127.0.0.1, rebuild what changed on each save, and reload the open page')
    .option('--manuscript <dir>', 'manuscript folder', 'manuscript')
    .option('--out <dir>', 'output folder (the site goes to <out>/web)', 'dist')
    .addOption(new Option('--port <n>', 'port on 127.0.0.1 (0: any free port)').default(3000).argParser(port))
    .option('--quiet', 'print only problems, not each rebuild')
    .action(async (opts: { manuscript: string; out: string; port: number; quiet?: boolean }) => {
      const print = (list: Diagnostic[]) => {
        const shown = list.filter((d) => d.severity !== 'info');
        if (shown.length) process.stderr.write(formatCompact(shown) + '\n');
      };
      const session = await startDev({
        manuscript: opts.manuscript,
        out: opts.out,
        port: opts.port,
        watch: true,
        onRebuild: (event) => {
          print(event.diagnostics);
          if (!opts.quiet) process.stdout.write(`${event.full ? 'Rebuilt the site' : `Rebuilt ${event.pages.join(', ') || 'nothing'}`} in ${event.milliseconds.toFixed(0)} ms (${event.changed.join(', ')})\n`);
        },
      });
      print(session.problems());
      process.stdout.write(`Serving the web edition of ${opts.manuscript} at ${session.url}\nWatching for changes; Ctrl-C stops.\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await session.close();
    });

  program
    .command('check')
    .description('check links, copyright footers and format before a merge')
    .option('--manuscript <dir>', 'manuscript folder', 'manuscript')
    .option('--external', 'also check external links (network)')
    .option('--changed-since <ref>', 'only report files changed since this git ref')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'github']).default('text'))
    .option('--fix', 'fix what can be fixed (whitespace, final newlines, copyright footers)')
    .option('--epub [file]', 'validate the built EPUB with EPUBCheck and DAISY Ace (default: each edition\'s dist/<slug>.epub)')
    .option('--artifacts', 'check what was built: copyright footers and rights in web pages, EPUB and PDF; PDF fonts and tags')
    .option('--print', 'print preflight of the built PDF: near-empty pages, headings and lead-ins at a page foot, overfull lines, low-resolution images, widows and orphans')
    .option('--out <dir>', 'output folder where --epub and --artifacts look', 'dist')
    .option('--no-cache', 'ignore every cache (chapter results, external-link results)')
    .option('--quiet', 'no progress display')
    .action(async (opts: { manuscript: string; external?: boolean; changedSince?: string; format: 'text' | 'json' | 'github'; fix?: boolean; quiet?: boolean; epub?: boolean | string; out: string; cache: boolean; artifacts?: boolean; print?: boolean }) => {
      const result = await check({ print: opts.print, manuscript: opts.manuscript, changedSince: opts.changedSince, fix: opts.fix, quiet: opts.quiet || opts.format !== 'text', external: opts.external, noCache: !opts.cache, epub: opts.epub, out: opts.out, artifacts: opts.artifacts });
      const list = result.diagnostics;
      if (opts.format === 'json') process.stdout.write(JSON.stringify(list, null, 2) + '\n');
      else if (opts.format === 'github') process.stdout.write((list.length ? formatGithub(list, result.root) + '\n' : ''));
      else {
        const shown = list.map((d) => ({ ...d, file: path.join(path.relative(process.cwd(), result.root), d.file) }));
        process.stdout.write(formatText(shown, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }) + '\n');
        if (result.fixed.length) process.stdout.write(`Fixed: ${result.fixed.join(', ')}\n`);
      }
      code = exitCode(list);
    });

  const setCode = (value: number) => {
    code = value;
  };
  // These commands pull in the browser, image diffing and release packaging: load them only when asked for
  // (or for help), so `build` and `check` start faster.
  const command = argv.find((arg) => !arg.startsWith('-'));
  if (!command || command === 'help' || argv.includes('--help') || argv.includes('-h') || ['errata', 'diff', 'release'].includes(command)) {
    const [{ registerErrataCommand }, { registerDiffCommand }, { registerReleaseCommand }] = await Promise.all([
      import('./errata/add.ts'),
      import('./commands/diff.ts'),
      import('./commands/release.ts'),
    ]);
    registerErrataCommand(program, setCode);
    registerDiffCommand(program, setCode);
    registerReleaseCommand(program, setCode);
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    const err = error as { code?: string; exitCode?: number; message: string };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    if (err.code?.startsWith('commander.')) return err.exitCode ?? 2;
    process.stderr.write(`galley: ${err.message}\n`);
    return 2;
  }
  return code;
}
