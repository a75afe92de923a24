import { distance } from 'fastest-levenshtein';

/** The candidate nearest to `wanted`, if it is near enough to be a plausible typo. */
export function nearest(wanted: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(wanted.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(wanted.length * 0.3));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}
