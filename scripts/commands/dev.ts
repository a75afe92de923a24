import { Option } from 'commander';
import type { Diagnostic } from '../model/diagnostics.ts';
import { EXIT_OK, defineCommand } from './types.ts';
import { manuscriptOption, outOption, portOption, quietOption } from './options.ts';

export interface DevCommandOptions {
  manuscript: string;
  out: string;
  port: number;
  open?: boolean;
  quiet?: boolean;
}

export const devCommand = defineCommand<DevCommandOptions>({
  name: 'dev',
  description: 'serve the web edition on 127.0.0.1, rebuild what changed on each save, and reload the open page',
  book: true,
  options: [
    manuscriptOption(),
    outOption('output folder (the site goes to <out>/web)'),
    portOption(),
    new Option('--open', 'open the site in the browser (the BROWSER variable names one; otherwise the system default)'),
    quietOption('print only problems, not each rebuild'),
  ],
  async run(opts) {
    const [{ startDev }, { formatCompact }] = await Promise.all([
      import('../api/dev.ts'),
      import('../model/diagnostics.ts'),
    ]);
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
        if (!opts.quiet) {
          process.stdout.write(
            `${event.full ? 'Rebuilt the site' : `Rebuilt ${event.pages.join(', ') || 'nothing'}`} in ${event.milliseconds.toFixed(0)} ms (${event.changed.join(', ')})\n`,
          );
        }
      },
    });
    print(session.problems());
    process.stdout.write(
      `Serving the web edition of ${opts.manuscript} at ${session.url}\nWatching for changes; Ctrl-C stops.\n`,
    );
    const stopped = new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    if (opts.open && session.url) {
      const { openBrowser } = await import('../util/open-browser.ts');
      const problem = await openBrowser(session.url);
      if (problem) process.stderr.write(`Could not open a browser (${problem}): open ${session.url} yourself.\n`);
    }
    await stopped;
    await session.close();
    return EXIT_OK;
  },
});
