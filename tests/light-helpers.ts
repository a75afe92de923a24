/**
 * The helpers a test that only runs `galley` needs, without tests/helpers.ts's
 * imports: that module loads the Markdown pipeline (for renderMarkdown), about
 * 1.5 CPU-seconds of module loading in every test file that imports it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The compiled `galley` command, as the package runs it (tests/setup/compiled.ts keeps it current). */
export const GALLEY = path.join(ROOT, 'lib', 'galley.js');

export async function tempDir(prefix = 'galley-test-') {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
