#!/usr/bin/env node
// The `galley` command (package.json `bin`, compiled to lib/galley.js).
import { main } from './cli.ts';

process.exitCode = await main(process.argv.slice(2));
