import { lstat, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';

/** The list, kept in each edition's output folder, of the files named by the slug that the last build wrote there. */
export const MANIFEST_NAME = '.galley-artifacts.json';

interface Manifest {
  files: string[];
}

async function readManifest(dir: string): Promise<string[]> {
  try {
    const file = path.join(dir, MANIFEST_NAME);
    // Only the file a build wrote: a link (committed in a `dist/` folder) names nothing Galley made.
    if (!(await lstat(file)).isFile()) return [];
    const data = JSON.parse(await readFile(file, 'utf8')) as Partial<Manifest>;
    return Array.isArray(data.files) ? data.files.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return [];
  }
}

/** Only a plain file name inside the folder: a manifest someone edited cannot reach anywhere else. */
const safe = (name: string) => name === path.basename(name) && !name.startsWith('.') && /\.(epub|pdf)$/i.test(name);

/**
 * After a successful build: removes the EPUB and PDF the previous build wrote
 * under another slug (an `output.slug` change), as listed in the folder's
 * manifest, and nothing else; then records what this build wrote. A file the
 * manifest does not list is never touched, so a reader's own copy stays.
 * Returns the removed file names.
 */
export async function replaceArtifacts(dir: string, written: string[]): Promise<string[]> {
  const now = written
    .filter((file) => path.dirname(path.resolve(file)) === path.resolve(dir))
    .map((file) => path.basename(file));
  const before = await readManifest(dir);
  const removed: string[] = [];
  const kept: string[] = [];
  // Only formats this build wrote replace their predecessors; an EPUB-only build leaves the PDF and its entry.
  const extensions = new Set(now.map((name) => path.extname(name).toLowerCase()));
  for (const name of before) {
    if (!safe(name) || now.includes(name)) continue;
    if (!extensions.has(path.extname(name).toLowerCase())) {
      kept.push(name);
      continue;
    }
    await rm(path.join(dir, name), { force: true });
    removed.push(name);
  }
  await writeFileAtomic(
    path.join(dir, MANIFEST_NAME),
    `${JSON.stringify({ files: [...new Set([...kept, ...now])].sort() } satisfies Manifest, null, 2)}\n`,
  );
  return removed;
}
