import { gitAt } from './git.ts';

/**
 * The moment a build is stamped with: `SOURCE_DATE_EPOCH` when set (so builds
 * are reproducible), else the last commit touching the manuscript, else now.
 */
export function buildDate(manuscript: string, env: NodeJS.ProcessEnv = process.env): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch && /^\d+$/.test(epoch.trim())) return new Date(Number(epoch.trim()) * 1000);
  try {
    // Only the repository holding the manuscript, never one the manuscript pretends to be (util/git.ts).
    const out = gitAt(manuscript, ['log', '-1', '--no-show-signature', '--format=%ct', '--', '.'], {
      stderr: 'ignore',
      timeout: 5000,
    }).trim();
    if (/^\d+$/.test(out)) return new Date(Number(out) * 1000);
  } catch {
    // Not a git checkout, or git missing: fall through to the clock.
  }
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}

/** `2026-11-26T17:34:18Z`, the form EPUB's dcterms:modified requires. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
