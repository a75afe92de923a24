import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** The newest modification time of any file under a folder (ms): whether something built from it is current. */
export function newestMtime(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return latest;
}
