/**
 * Issue 25: the fidelity check over tests/corpora (algorithm-archive, a real
 * HonKit book of 77 chapters), in the suite. Its web edition and EPUB are
 * compared whole; its PDF (about 150 s of the full build, mostly Chromium) on
 * five chapters of it (42 pages: formulas, figures, a table, code imports),
 * in about 20 s.
 */
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, prepare } from '../scripts/api/build.ts';
import { checkFidelity } from '../scripts/checks/fidelity.ts';
import { CORPUS, chaptersOnThisThread, tempDir } from './helpers.ts';
import { sharedBuild, type SharedBuild } from './shared-builds.ts';

/** Five chapters of the corpus, for its PDF. */
const FIVE = `# Summary

* [Algorithm Archive](README.md)
* [Introduction](contents/introduction/introduction.md)
* [Euclidean Algorithm](contents/euclidean_algorithm/euclidean_algorithm.md)
* [Convolutions](contents/convolutions/convolutions.md)
    * [Convolutions in 1D](contents/convolutions/1d/1d.md)
    * [Convolutions of Images (2D)](contents/convolutions/2d/2d.md)
`;

let work: Awaited<ReturnType<typeof tempDir>>;
let corpus: SharedBuild;
/** The five chapters' build, whose book the PDF's check compares with. */
let five: Awaited<ReturnType<typeof build>>;

beforeAll(async () => {
  process.env.SOURCE_DATE_EPOCH = '1767225600';
  work = await tempDir('galley-fidelity-corpus-');
  // The web edition and the EPUB: `galley build` of the corpus, made once per run (tests/setup/shared-builds.ts).
  corpus = await sharedBuild('corpus');
  expect(corpus.ok).toBe(true);
}, 600_000);

// Chapters on the test's thread from here on, after the shared build has started (its `galley` inherits the
// environment and stays the build users get): the fidelity check reads the output, the same bytes from either
// thread, and a worker's start-up costs about a CPU-second per build or prepare from the sources.
chaptersOnThisThread();

beforeAll(async () => {
  await cp(CORPUS, path.join(work.dir, 'five'), { recursive: true });
  await writeFile(path.join(work.dir, 'five', 'SUMMARY.md'), FIVE);
  five = await build({
    manuscript: path.join(work.dir, 'five'),
    out: path.join(work.dir, 'five-out'),
    formats: ['html', 'pdf'],
    quiet: true,
  });
  expect(five.ok).toBe(true);
}, 600_000);
afterAll(async () => work?.cleanup());

describe('fidelity of algorithm-archive', () => {
  it('loses no run of words in the web edition or the EPUB', async () => {
    const { book } = await prepare(CORPUS);
    const result = await checkFidelity(book, corpus.dir, path.join(corpus.dir, 'web'));
    const lost = result.diagnostics.filter((d) => d.ruleId === 'fidelity-lost');
    expect(lost.map((d) => `${d.file}:${d.line} ${d.message}`)).toEqual([]);
    expect(result.lost).toMatchObject({ web: 0, epub: 0 });
    // The PDF was not built: said, not skipped silently.
    const missing = result.diagnostics.filter((d) => d.ruleId === 'fidelity-missing-format');
    expect(missing.map((d) => d.message)).toEqual([expect.stringMatching(/PDF|pdf/)]);
  }, 120_000);

  it('loses no run of words in the PDF of five of its chapters', async () => {
    const result = await checkFidelity(
      five.book,
      path.join(work.dir, 'five-out'),
      path.join(work.dir, 'five-out', 'web'),
    );
    const lost = result.diagnostics.filter((d) => d.ruleId === 'fidelity-lost');
    expect(lost.map((d) => `${d.file}:${d.line} ${d.message}`)).toEqual([]);
    expect(result.lost).toEqual({ pdf: 0 });
  }, 120_000);
});
