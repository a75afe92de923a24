import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOutput, expectSameOutput, type BuildOutput } from './build-output.ts';
import { ROOT, tempDir } from './helpers.ts';

interface Output extends BuildOutput {
  settled: number;
}

/** A whole HTML and EPUB build, warm from `cache` or clean (`undefined`: `--no-cache`), with the pages it reused. */
async function buildWith(manuscript: string, out: string, cache: string | undefined): Promise<Output> {
  const output = await buildOutput(
    manuscript,
    out,
    { GALLEY_WORKERS: '0', ...(cache ? { GALLEY_CACHE_DIR: cache } : {}) },
    { noCache: !cache },
  );
  return { ...output, settled: output.cache.pages.stats?.settled ?? 0 };
}

const text = (output: Output, name: string) => output.files.get(name)!.toString('utf8');

describe('page cache: unchanged pages reused, and the same bytes as a clean build', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  let book: string;
  let cache: string;
  let n = 0;
  /** Edits a file, then builds warm and clean: both outputs. */
  const editAndBuild = async (file: string, edit: (source: string) => string) => {
    const full = path.join(book, file);
    await writeFile(full, edit(await readFile(full, 'utf8')));
    n++;
    const warm = await buildWith(book, path.join(work.dir, `warm-${n}`), cache);
    const clean = await buildWith(book, path.join(work.dir, `clean-${n}`), undefined);
    return { warm, clean };
  };

  beforeAll(async () => {
    work = await tempDir('galley-page-cache-');
    book = path.join(work.dir, 'book');
    cache = path.join(work.dir, 'cache');
    await cp(path.join(ROOT, 'tests', 'books', 'mini'), book, { recursive: true });
    const first = await buildWith(book, path.join(work.dir, 'first'), cache);
    expect(first.settled).toBe(0);
  }, 120_000);
  afterAll(() => work.cleanup());

  it('rebuilds after an edit to one chapter with the other pages from the cache, byte for byte a clean build', async () => {
    const unchanged = await buildWith(book, path.join(work.dir, 'unchanged'), cache);
    expect(unchanged.settled).toBeGreaterThan(2);
    const { warm, clean } = await editAndBuild('chapters/two.md', (s) => `${s}\nA sentence added later.\n`);
    expect(text(warm, 'html/chapters-two.xhtml')).toContain('A sentence added later.');
    // Every page but the edited one and the questions index (it copies the edited chapter's questions) reused.
    expect(warm.settled).toBe(unchanged.settled - 2);
    expectSameOutput(warm, clean);
  }, 120_000);

  it('a heading another chapter links to, renamed: the linking chapters are checked again', async () => {
    const { warm, clean } = await editAndBuild('chapters/one.md', (s) => s.replace('## Details', '## Particulars'));
    // The preface and the section file link to `one.md#details`, which is gone: they say so, though unedited.
    const broken = warm.diagnostics.filter((d) => d.includes('broken-link') && d.includes('details'));
    expect(broken.some((d) => d.includes('preface.md'))).toBe(true);
    expect(broken.some((d) => d.includes('one-b.md'))).toBe(true);
    expectSameOutput(warm, clean);
    // And back: the warnings go, the pages are as they were.
    const back = await editAndBuild('chapters/one.md', (s) => s.replace('## Particulars', '## Details'));
    expect(back.warm.diagnostics.some((d) => d.includes('broken-link') && d.includes('details'))).toBe(false);
    expectSameOutput(back.warm, back.clean);
  }, 120_000);

  it('a question edited or added: the questions index and its numbers follow', async () => {
    const edited = await editAndBuild('chapters/two.md', (s) => s.replace('Prove it.', 'Prove it twice.'));
    const index = (output: Output) => {
      const name = [...output.files.keys()].find((k) => k.startsWith('html/') && k.includes('questions'))!;
      return text(output, name);
    };
    expect(index(edited.warm)).toContain('Prove it twice.');
    expectSameOutput(edited.warm, edited.clean);

    const added = await editAndBuild('chapters/one.md', (s) =>
      s.replace('1. [E] What is energy?', '1. [M] What came first?\n2. [E] What is energy?'),
    );
    expect(index(added.warm)).toContain('What came first?');
    // The old first question is second now, in its chapter and in the index.
    expect(index(added.warm)).not.toEqual(index(edited.warm));
    expectSameOutput(added.warm, added.clean);
  }, 120_000);

  it('a damaged page entry is a miss, never a wrong page', async () => {
    const dir = path.join(cache, 'pages');
    for (const name of await readdir(dir, { recursive: true })) {
      const full = path.join(dir, name);
      // Still JSON, still a page: only the HMAC can tell.
      if (name.endsWith('.json'))
        await writeFile(full, (await readFile(full, 'utf8')).replace(/<\/p>/g, 'X</p>') + ' ');
    }
    const { warm, clean } = await editAndBuild('preface.md', (s) => `${s}\nOne more line.\n`);
    expect(warm.settled).toBe(0);
    expectSameOutput(warm, clean);
  }, 120_000);
});
