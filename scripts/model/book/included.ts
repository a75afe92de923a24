import { readFileSync, statSync } from 'node:fs';
import { VFile } from 'vfile';
import { MAX_CHAPTER_BYTES, withinLimits } from './limits.ts';
import { decodeSource } from '../../util/text.ts';
import { report } from '../../util/messages.ts';
import { fileKind } from '../../util/book-file.ts';

/** Includes and code imports one chapter may expand, all levels together. */
export const MAX_INCLUDES_PER_CHAPTER = 256;
/** Bytes every include and code import of one chapter may add, all levels together. */
export const MAX_INCLUDED_BYTES_PER_CHAPTER = MAX_CHAPTER_BYTES;
/** Bytes every include of the whole book may add (checked as chapters come back: scripts/passes/process-chapters.ts). */
export const MAX_INCLUDED_BYTES_PER_BOOK = 64 * 1024 * 1024;

/**
 * Counts an include against its chapter's budget; false (with one error, at
 * the first include over it) when the budget is spent. A chapter that includes
 * itself 20 times, or 30 includes of a 7 MB file, stop here rather than
 * multiply.
 */
function withinBudget(into: VFile, size: number, place: Parameters<typeof report>[3], what: string): boolean {
  const used = (into.data.included ??= { bytes: 0, count: 0 });
  if (used.refused) return false;
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  let reason: string | undefined;
  if (used.count + 1 > MAX_INCLUDES_PER_CHAPTER)
    reason = `${what} would be include number ${used.count + 1} of this chapter, over the limit of ${MAX_INCLUDES_PER_CHAPTER} (an include that includes itself?): include less`;
  else if (used.bytes + size > MAX_INCLUDED_BYTES_PER_CHAPTER)
    reason = `${what} would bring this chapter's includes to ${mb(used.bytes + size)}, over the ${mb(MAX_INCLUDED_BYTES_PER_CHAPTER)} limit for all includes of a chapter: include less, or split the chapter`;
  if (reason) {
    used.refused = true;
    report(into, 'error', `${reason}; this and later includes are left out`, place, 'limit');
    return false;
  }
  used.count++;
  used.bytes += size;
  return true;
}

/**
 * A file an include or code import brings into a chapter, held to the same
 * rules as a chapter: the size limit, valid UTF-8 (NUL, BOM and CRLF
 * cleaned), and the parser limits. Problems are reported on `into` at
 * `place`; undefined means the file must not be used.
 */
export function readIncluded(
  absolute: string,
  into: VFile,
  place: Parameters<typeof report>[3],
  what: string,
): string | undefined {
  const stat = statSync(absolute);
  // resolveLocal let only regular files through; a hard link it cannot see (both names are plain files).
  if (!stat.isFile() || stat.nlink > 1) {
    const reason = !stat.isFile()
      ? `is ${fileKind(stat)}, not a file`
      : `has ${stat.nlink} hard links: git cannot carry hard links, so one was made outside the repository (it could be a secret's other name); copy the file instead`;
    report(into, 'error', `${what} ${reason}: not included`, place, 'include');
    return undefined;
  }
  const size = stat.size;
  if (size > MAX_CHAPTER_BYTES) {
    report(
      into,
      'error',
      `${what} is ${(size / 1024 / 1024).toFixed(1)} MB, over the ${MAX_CHAPTER_BYTES / 1024 / 1024} MB limit`,
      place,
      'file-size',
    );
    return undefined;
  }
  if (!withinBudget(into, size, place, what)) return undefined;
  const probe = new VFile({ path: absolute });
  const text = decodeSource(readFileSync(absolute), probe);
  const usable = withinLimits(text, probe) && !probe.messages.some((m) => m.fatal);
  // The included file's own problems, told at the include that brought it in.
  for (const m of probe.messages) {
    report(
      into,
      m.fatal ? 'error' : 'warning',
      `${what}, line ${m.line ?? 1}: ${m.reason}`,
      place,
      m.ruleId ?? 'include',
    );
  }
  return usable ? text : undefined;
}
