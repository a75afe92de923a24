import { distance } from 'fastest-levenshtein';

/**
 * A suggestion is a courtesy, and its cost must not grow with the book: each
 * lookup measures at most this many candidates (those of a plausible length,
 * in the order given), and a name this long gets none. 2,000 broken links
 * against 2,000 long heading ids took past 180 s measuring every pair.
 */
export const MAX_CANDIDATES = 256;
export const MAX_SUGGESTED_LENGTH = 128;

/** The candidate nearest to `wanted`, if it is near enough to be a plausible typo. */
export function nearest(wanted: string, candidates: Iterable<string>): string | undefined {
  if (wanted.length > MAX_SUGGESTED_LENGTH) return undefined;
  const limit = Math.max(2, Math.floor(wanted.length * 0.3));
  const lower = wanted.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  let measured = 0;
  for (const candidate of candidates) {
    // The distance is at least the difference in length: those too far apart are never measured.
    if (Math.abs(candidate.length - wanted.length) > limit) continue;
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
      if (d === 0) break;
    }
    if (++measured >= MAX_CANDIDATES) break;
  }
  return best !== undefined && bestDistance <= limit ? best : undefined;
}
