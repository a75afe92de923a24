/**
 * `tsx tools/bench/search-size.ts`: the size of the web edition's search
 * index (`js/search-index.js`, raw and gzipped) for the sample book and for
 * the benchmark's 200k-word book, with the build time of the web edition
 * alone. A measurement, never a test (docs/decisions/0013).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { build } from '../../scripts/api/build.ts';
import { BOOK_200K, writeBook } from './generate.ts';

async function measure(name: string, manuscript: string, out: string) {
  const started = performance.now();
  const result = await build({ manuscript, out, formats: ['web'], quiet: true, noCache: true });
  const seconds = (performance.now() - started) / 1000;
  if (!result.ok) throw new Error(`build of ${name} failed`);
  const index = await readFile(path.join(out, 'web', 'js', 'search-index.js'));
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(
    `${name}: search-index.js ${kb(index.length)} (gzip ${kb(gzipSync(index).length)}), web build ${seconds.toFixed(1)} s`,
  );
}

const work = await mkdtemp(path.join(os.tmpdir(), 'galley-search-size-'));
try {
  await measure('sample book (manuscript/)', path.resolve('manuscript'), path.join(work, 'sample'));
  const big = path.join(work, 'book-200k');
  await writeBook(big, BOOK_200K);
  await measure('200k-word book', big, path.join(work, 'big'));
} finally {
  await rm(work, { recursive: true, force: true });
}
