import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOOK_200K, BOOK_MINI, generateBook, prng, writeBook } from '../tools/bench/generate.ts';
import { build } from '../scripts/api/build.ts';
import { chaptersOnThisThread, tempDirWithCache } from './helpers.ts';

async function filesOf(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const name of (await readdir(dir, { recursive: true })).sort()) {
    const bytes = await readFile(path.join(dir, name)).catch(() => undefined);
    if (bytes) out.set(name.split(path.sep).join('/'), bytes);
  }
  return out;
}

describe('benchmark book generator', () => {
  const work = tempDirWithCache();
  chaptersOnThisThread();

  it('draws the same numbers from the same seed', () => {
    const a = prng(42);
    const b = prng(42);
    const c = prng(43);
    const first = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(first);
  });

  it('writes the same bytes for the same seed, and other bytes for another', async () => {
    const one = await writeBook(path.join(work.dir, 'one'), BOOK_MINI);
    await writeBook(path.join(work.dir, 'two'), BOOK_MINI);
    const a = await filesOf(path.join(work.dir, 'one'));
    const b = await filesOf(path.join(work.dir, 'two'));
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [name, bytes] of a) expect(bytes.equals(b.get(name)!), name).toBe(true);
    expect([...a.keys()].filter((n) => n.endsWith('.md')).length).toBe(one.chapters.length + 1); // + SUMMARY.md
    expect([...a.keys()].some((n) => n.endsWith('.png'))).toBe(true);
    expect([...a.keys()].some((n) => n.endsWith('.svg'))).toBe(true);
    const other = generateBook({ ...BOOK_MINI, seed: BOOK_MINI.seed! + 1 });
    expect(other.files.get(one.chapters[1]!)!.equals(a.get(one.chapters[1]!)!)).toBe(false);
  });

  it('makes the 200k-word book deterministically, with every feature the benchmark needs', () => {
    const a = generateBook(BOOK_200K);
    const b = generateBook(BOOK_200K);
    expect([...a.files.keys()]).toEqual([...b.files.keys()]);
    for (const [name, bytes] of a.files) expect(bytes.equals(b.files.get(name)!), name).toBe(true);
    expect(a.chapters.length).toBe(102); // preface, 100 chapters, questions index
    expect(a.words).toBeGreaterThan(180_000);
    const text = [...a.files]
      .filter(([n]) => n.endsWith('.md'))
      .map(([, b]) => b.toString('utf8'))
      .join('\n');
    expect(text).toMatch(/^\$\$\n[^\n]+\n\$\$$/m); // display math on its own lines
    expect(text).toMatch(/[a-z] \$\$[^$\n]+\$\$ [a-z]/); // inline math in a sentence
    expect(text).toMatch(/^\| Method \|/m); // GFM tables
    expect(text).toMatch(/^```python$/m);
    expect(text).toMatch(/\[\^n\d+\]: /); // footnotes
    expect(text).toMatch(/!\[[^\]]+\]\(\.\.\/images\/(plot|diagram)-\d\.(png|svg)/);
    expect(text).toMatch(/\]\(\.\.\/part-\d\d\/ch-\d{3}\.md#c\d{3}-s\d\)/); // links to anchors in other chapters
    expect(text).toMatch(/^\d+\. \[[EMH]\] /m); // questions
  });

  // The 200k-word book's text is checked above; building it took ten CPU-seconds. The same generator's mini book
  // (the benchmark's `--quick` kind: every feature, fewer chapters) builds in one, and a warning its templates cause
  // shows in any book they write.
  it('builds a generated book to HTML with no errors and no warnings, finding what it wrote', async () => {
    const dir = path.join(work.dir, 'mini');
    const written = await writeBook(dir, BOOK_MINI);
    const text = [...(await filesOf(dir))]
      .filter(([n]) => n.endsWith('.md'))
      .map(([, b]) => b.toString('utf8'))
      .join('\n');
    const result = await build({ manuscript: dir, out: path.join(work.dir, 'out'), formats: ['html'], quiet: true });
    expect(result.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.summary.chapters).toBe(written.chapters.length);
    expect(result.summary.words).toBeGreaterThan(written.words);
    expect(result.summary.formulas).toBeGreaterThan(written.words / 200);
    expect(result.summary.images).toBe(text.match(/!\[[^\]]*\]\(/g)!.length);
    const { E, M, H } = result.summary.questions;
    expect([E, M, H].map((n) => n > 0)).toEqual([true, true, true]);
    expect(E + M + H).toBe(text.match(/^\s*\d+\. \[[EMH]\] /gm)!.length);
  }, 180_000);
});
