/**
 * Issue 25: the fidelity check over tests/corpora (algorithm-archive, a real
 * HonKit book of 77 chapters), in the suite. Its web edition and EPUB are
 * compared whole; its PDF (about 150 s of the full build, mostly Chromium) is
 * left to `npm run bench` and the decision record 0011's measurements.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, prepare } from '../scripts/api/build.ts';
import { checkFidelity } from '../scripts/checks/fidelity.ts';
import { CORPUS, tempDir } from './helpers.ts';

let work: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  process.env.SOURCE_DATE_EPOCH = '1767225600';
  work = await tempDir('galley-fidelity-corpus-');
  const result = await build({ manuscript: CORPUS, out: work.dir, formats: ['html', 'web', 'epub'], quiet: true });
  expect(result.ok, result.diagnostics.map((d) => `${d.file}:${d.line} ${d.message}`).join('\n')).toBe(true);
}, 300_000);
afterAll(async () => work?.cleanup());

describe('fidelity of algorithm-archive', () => {
  it('loses no run of words in the web edition or the EPUB', async () => {
    const { book } = await prepare(CORPUS);
    const result = await checkFidelity(book, work.dir, path.join(work.dir, 'web'));
    const lost = result.diagnostics.filter((d) => d.ruleId === 'fidelity-lost');
    expect(lost.map((d) => `${d.file}:${d.line} ${d.message}`)).toEqual([]);
    expect(result.lost).toMatchObject({ web: 0, epub: 0 });
    // The PDF was not built: said, not skipped silently.
    const missing = result.diagnostics.filter((d) => d.ruleId === 'fidelity-missing-format');
    expect(missing.map((d) => d.message)).toEqual([expect.stringMatching(/PDF|pdf/)]);
  }, 120_000);
});
