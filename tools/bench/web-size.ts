/**
 * `tsx tools/bench/web-size.ts [N…]`: the web edition's size and build
 * time for books of N short chapters (default 500 and 2000), to show both grow
 * linearly now that the contents are one shared `js/toc.js` rather than a
 * sidebar copied into every page (issue 14). A measurement, never a test.
 */
import { mkdtemp, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from '../../scripts/api/build.ts';

async function siteBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir, { recursive: true })) {
    const info = await stat(path.join(dir, String(name)));
    if (info.isFile()) total += info.size;
  }
  return total;
}

async function measure(chapters: number, work: string) {
  const manuscript = path.join(work, `book-${chapters}`);
  await mkdir(path.join(manuscript, 'ch'), { recursive: true });
  await writeFile(path.join(manuscript, 'book.yaml'), `title: "Web size ${chapters}"\nauthors: ["Bench"]\n`);
  const entries: string[] = [];
  for (let i = 1; i <= chapters; i++) {
    entries.push(`- [Chapter ${i}: a title of usual length](ch/c${i}.md)`);
    await writeFile(
      path.join(manuscript, 'ch', `c${i}.md`),
      `# Chapter ${i}: a title of usual length\n\nA short paragraph of text for chapter ${i}, enough to make a page.\n`,
    );
  }
  await writeFile(path.join(manuscript, 'SUMMARY.md'), `# Summary\n\n${entries.join('\n')}\n`);
  const out = path.join(work, `out-${chapters}`);
  const started = performance.now();
  const result = await build({ manuscript, out, formats: ['web'], quiet: true, noCache: true });
  const seconds = (performance.now() - started) / 1000;
  if (!result.ok) throw new Error(`build of ${chapters} chapters failed`);
  return { chapters, bytes: await siteBytes(path.join(out, 'web')), seconds };
}

const counts = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const work = await mkdtemp(path.join(os.tmpdir(), 'galley-web-size-'));
try {
  const rows = [];
  for (const n of counts.length ? counts : [500, 2000]) {
    const row = await measure(n, work);
    rows.push(row);
    console.log(
      `${n} chapters: site ${(row.bytes / 1024 / 1024).toFixed(1)} MB (${(row.bytes / n / 1024).toFixed(1)} KB a chapter), ${row.seconds.toFixed(1)} s (${((row.seconds / n) * 1000).toFixed(1)} ms a chapter)`,
    );
  }
  if (rows.length >= 2) {
    const [a, b] = [rows[0]!, rows[rows.length - 1]!];
    console.log(
      `×${(b.chapters / a.chapters).toFixed(1)} chapters: ×${(b.bytes / a.bytes).toFixed(2)} bytes, ×${(b.seconds / a.seconds).toFixed(2)} time (linear is ×${(b.chapters / a.chapters).toFixed(1)})`,
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
