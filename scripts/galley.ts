#!/usr/bin/env node
// The `galley` command (package.json `bin`, compiled to lib/galley.js).
import { enableCompileCache } from './util/compile-cache.ts';

// Before the CLI's modules load: only what is imported after this is compiled through the cache.
enableCompileCache();
const { main } = await import('./cli.ts');

process.exitCode = await main(process.argv.slice(2));
