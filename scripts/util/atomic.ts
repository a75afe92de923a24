import { lstatSync, realpathSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A folder Galley would write into, replace or delete is a symbolic link or lies under one. */
export class LinkedFolderError extends Error {}

/**
 * The first segment of `target` (itself included), from the top down, that
 * exists and is a symbolic link; undefined when none is. Segments that do not
 * exist yet are made by Galley as real folders.
 */
export function linkOnPath(target: string): string | undefined {
  const absolute = path.resolve(target);
  const { root } = path.parse(absolute);
  let current = root;
  for (const segment of absolute.slice(root.length).split(path.sep).filter(Boolean)) {
    current = path.join(current, segment);
    try {
      if (lstatSync(current).isSymbolicLink()) return current;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Refuses `target` (an output folder, a folder Galley replaces, a file's
 * folder) when it is a symbolic link or lies under one: a pull request can
 * commit a link named `dist`, and writing through it would write and delete
 * outside the repository. The error names the real path to pass instead.
 */
export function assertNoLink(target: string, what = 'The output folder'): void {
  const link = linkOnPath(target);
  if (!link) return;
  let real: string;
  try {
    real = path.join(realpathSync(link), path.relative(link, path.resolve(target)));
  } catch {
    real = '(a link to nothing)';
  }
  const where = link === path.resolve(target) ? 'is a symbolic link' : `lies under the symbolic link ${link}`;
  throw new LinkedFolderError(
    `${what} ${path.resolve(target)} ${where}: Galley never writes, replaces or deletes through a link. Pass the real path instead (${real}), or remove the link`,
  );
}

function tempName(target: string) {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${Date.now().toString(36)}`);
}

/** Writes a file so readers see the old bytes or the new, never a truncated file. */
export async function writeFileAtomic(target: string, data: string | Uint8Array) {
  assertNoLink(path.dirname(target), 'The folder');
  await mkdir(path.dirname(target), { recursive: true });
  const temp = tempName(target);
  try {
    // `wx`: never through a file that is already there (a link planted at the temporary name).
    await writeFile(temp, data, { flag: 'wx' });
    // rename replaces a link at `target` itself; it never writes through it.
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Fills a fresh sibling folder and swaps it in for `target`: a failed or
 * killed build leaves the previous folder (or, in the instant of the swap,
 * none), never a half-written one.
 */
export async function replaceDirectory(target: string, fill: (dir: string) => Promise<void>) {
  assertNoLink(target, 'The folder');
  await mkdir(path.dirname(target), { recursive: true });
  const temp = tempName(target);
  await mkdir(temp, { recursive: true });
  try {
    await fill(temp);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  const old = `${temp}.old`;
  await rename(target, old).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(temp, target);
  await rm(old, { recursive: true, force: true });
}
