/**
 * The compounds the text layer keeps whole ("cross-entropy"): found in one pass over each run of letters and
 * hyphens, the same words the pattern finds, and in linear time on a run of any length (the manuscript is untrusted).
 */
import { describe, expect, it } from 'vitest';
import { compoundsInRun, compoundWords } from '../scripts/render/pdf/post/hyphen-words.ts';

/** The pattern the one-pass scan replaces: retried from each letter, it is quadratic in a run's length. */
const COMPOUND = /[\p{L}\p{M}\p{N}]+(?:[-\u2010][\p{L}\p{M}\p{N}]+)+/gu;

describe('compoundsInRun', () => {
  it('finds what the pattern finds, in every short run of letters, digits and both hyphens', () => {
    const alphabet = ['a', 'é', '-', '\u2010', '7'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % alphabet.length;
    for (let n = 0; n < 20_000; n++) {
      let run = '';
      for (let i = 0; i <= n % 12; i++) run += alphabet[next()];
      expect(compoundsInRun(run), run).toEqual(run.match(COMPOUND) ?? []);
    }
  });

  it('takes a 200,000-letter run ending in a hyphen in one pass', () => {
    const started = performance.now();
    expect(compoundsInRun(`${'a'.repeat(200_000)}-`)).toEqual([]);
    // The pattern needs about 10^10 steps here (minutes); the scan, milliseconds. The bound only catches a hang.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('keeps compounds whole through markup and soft hyphens', () => {
    expect([...compoundWords('<p>a cross-en\u00adtropy loss, a <em>sub-question</em> and -- no pair</p>')]).toEqual([
      'cross-entropy',
      'sub-question',
    ]);
  });
});
