import { gitAt } from './git.ts';

/**
 * The moment a build is stamped with: `SOURCE_DATE_EPOCH` when set (so builds
 * are reproducible), else the last commit touching the manuscript, else now.
 */
/**
 * The latest moment a book may be stamped with: EPUB's `dcterms:modified`
 * and PDF dates have four-digit years, and a `Date` ends at year 275,760
 * (git accepts a commit dated later, and `new Date` then is Invalid Date).
 */
const LATEST_SECONDS = Date.UTC(9999, 11, 31, 23, 59, 59) / 1000;

/** A date a build cannot stamp: an error that names where it came from. */
export class BuildDateError extends Error {}

function stamp(seconds: number, from: string): Date {
  if (!Number.isSafeInteger(seconds) || seconds > LATEST_SECONDS) {
    throw new BuildDateError(
      `${from} is dated ${seconds} s after 1970, past the year 9999 a book's date can hold: correct the date`,
    );
  }
  return new Date(seconds * 1000);
}

export function buildDate(manuscript: string, env: NodeJS.ProcessEnv = process.env): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch && /^\d+$/.test(epoch.trim())) return stamp(Number(epoch.trim()), 'SOURCE_DATE_EPOCH');
  let out: string;
  try {
    // Only the repository holding the manuscript, never one the manuscript pretends to be (util/git.ts).
    out = gitAt(manuscript, ['log', '-1', '--no-show-signature', '--format=%ct %H', '--', '.'], {
      stderr: 'ignore',
      timeout: 5000,
    }).trim();
  } catch {
    // Not a git checkout, or git missing: fall through to the clock.
    out = '';
  }
  const commit = /^(\d+) ([0-9a-f]{7,64})$/.exec(out);
  if (commit) return stamp(Number(commit[1]), `The last commit touching the manuscript (${commit[2]!.slice(0, 12)})`);
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}

/** `2026-11-26T17:34:18Z`, the form EPUB's dcterms:modified requires. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
