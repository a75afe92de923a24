// Worker thread entry for parallel chapter processing when Galley runs from its
// TypeScript sources (tests, development scripts): registers tsx before loading
// them. The compiled package starts lib/passes/cache/worker.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
