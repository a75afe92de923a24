#!/usr/bin/env node
// The `mdbook-galley` command: `galley mdbook` under the name mdBook finds on PATH for `[output.galley]`.
import { enableCompileCache } from './util/compile-cache.ts';

enableCompileCache();
const { main } = await import('./cli.ts');

process.exitCode = await main(['mdbook', ...process.argv.slice(2)]);
