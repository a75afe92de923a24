#!/usr/bin/env node
// The `mdbook-galley` command: `galley mdbook` under the name mdBook finds on PATH for `[output.galley]`.
import { main } from './cli.ts';

process.exitCode = await main(['mdbook', ...process.argv.slice(2)]);
