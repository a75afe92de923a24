// Worker thread entry for parallel chapter processing: Galley's sources are
// TypeScript run through tsx, so the worker registers tsx before loading them,
// as scripts/galley.mjs does for the main thread.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
