import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

function tempName(target: string) {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${Date.now().toString(36)}`);
}

/** Writes a file so readers see the old bytes or the new, never a truncated file. */
export async function writeFileAtomic(target: string, data: string | Uint8Array) {
  await mkdir(path.dirname(target), { recursive: true });
  const temp = tempName(target);
  try {
    await writeFile(temp, data);
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
