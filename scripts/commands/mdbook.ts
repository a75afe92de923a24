import path from 'node:path';
import { EXIT_BOOK, EXIT_OK, EXIT_USAGE, defineCommand } from './types.ts';

/** mdBook's log line shape (`[INFO] (mdbook::book): …`), so a backend's messages read like mdBook's own. */
function log(level: 'INFO' | 'WARN' | 'ERROR', message: string) {
  process.stderr.write(`[${level}] (mdbook-galley): ${message}\n`);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const mdbookCommand = defineCommand<Record<string, never>>({
  name: 'mdbook',
  description: "mdBook's backend: reads mdBook's RenderContext JSON on stdin and builds [output.galley] formats",
  options: [],
  async run() {
    if (process.stdin.isTTY) {
      log('ERROR', 'galley mdbook reads the RenderContext mdBook writes on stdin: add [output.galley] to book.toml');
      return EXIT_USAGE;
    }
    const { buildMdbook, MdbookContextError } = await import('../api/mdbook.ts');
    try {
      const result = await buildMdbook(await readStdin());
      const relative = path.relative(path.resolve(result.context.root), result.destination);
      const shown = relative.startsWith('..') || path.isAbsolute(relative) ? result.destination : relative || '.';
      log('INFO', `Galley built ${result.formats.join(', ')} from mdBook ${result.context.version} into ${shown}`);
      for (const d of result.diagnostics) {
        if (d.severity === 'info') continue;
        log(d.severity === 'error' ? 'ERROR' : 'WARN', `${d.file}:${d.line}:${d.column}: ${d.message} [${d.ruleId}]`);
      }
      if (!result.ok) {
        const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
        log('ERROR', `Galley's build failed: ${errors} error${errors === 1 ? '' : 's'}`);
        return EXIT_BOOK;
      }
      for (const a of result.artifacts) log('INFO', `wrote ${a.format}: ${path.relative(result.destination, a.path)}`);
      return EXIT_OK;
    } catch (error) {
      log('ERROR', error instanceof MdbookContextError ? error.message : `Galley failed: ${(error as Error).message}`);
      return EXIT_BOOK;
    }
  },
});
