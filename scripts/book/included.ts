import { readFileSync, statSync } from 'node:fs';
import { VFile } from 'vfile';
import { MAX_CHAPTER_BYTES, withinLimits } from './limits.ts';
import { decodeSource } from '../util/text.ts';
import { report } from '../util/messages.ts';

/**
 * A file an include or code import brings into a chapter, held to the same
 * rules as a chapter: the size limit, valid UTF-8 (NUL, BOM and CRLF
 * cleaned), and the parser limits. Problems are reported on `into` at
 * `place`; undefined means the file must not be used.
 */
export function readIncluded(absolute: string, into: VFile, place: Parameters<typeof report>[3], what: string): string | undefined {
  const size = statSync(absolute).size;
  if (size > MAX_CHAPTER_BYTES) {
    report(into, 'error', `${what} is ${(size / 1024 / 1024).toFixed(1)} MB, over the ${MAX_CHAPTER_BYTES / 1024 / 1024} MB limit`, place, 'file-size');
    return undefined;
  }
  const probe = new VFile({ path: absolute });
  const text = decodeSource(readFileSync(absolute), probe);
  const usable = withinLimits(text, probe) && !probe.messages.some((m) => m.fatal);
  // The included file's own problems, told at the include that brought it in.
  for (const m of probe.messages) report(into, m.fatal ? 'error' : 'warning', `${what}, line ${m.line ?? 1}: ${m.reason}`, place, m.ruleId ?? 'include');
  return usable ? text : undefined;
}
