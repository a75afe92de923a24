import { createHash } from 'node:crypto';
import { cp, readFile, readdir, rename, utimes, writeFile } from 'node:fs/promises';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RACY_MS, StatDigests } from '../scripts/passes/cache/stat-digest.ts';
import { build } from '../scripts/api/build.ts';
import { chaptersOnThisThread, ROOT, tempDirWithCache } from './helpers.ts';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** A reader that counts: a remembered digest reads nothing. */
function counting() {
  const reads: string[] = [];
  return {
    reads,
    read: (file: string) => {
      reads.push(file);
      return readFileSync(file);
    },
  };
}

/** A clock well past the file's last change, so its stamp is not racy. */
const later = (file: string) => Math.max(statSync(file).mtimeMs, statSync(file).ctimeMs) + RACY_MS + 1;

describe('stat-keyed digests of included files', () => {
  const work = tempDirWithCache();
  chaptersOnThisThread();

  it('hashes a file once, then answers from its stat while nothing changed', async () => {
    const file = path.join(work.dir, 'a.txt');
    await writeFile(file, 'first');
    const memo = new StatDigests();
    const { reads, read } = counting();
    const now = later(file);
    expect(memo.digest(file, { now, read })).toBe(sha('first'));
    expect(memo.digest(file, { now, read })).toBe(sha('first'));
    expect(reads).toEqual([file]);
    expect(memo.stats).toEqual({ hashed: 1, remembered: 1 });
  });

  it('sees an edit of the same size, with a new mtime or with the old mtime put back', async () => {
    const file = path.join(work.dir, 'b.txt');
    await writeFile(file, 'alpha');
    // A whole second, so putting it back restores it to the nanosecond.
    await utimes(file, 1_700_000_000, 1_700_000_000);
    const memo = new StatDigests();
    expect(memo.digest(file, { now: later(file) })).toBe(sha('alpha'));
    await writeFile(file, 'omega');
    expect(memo.digest(file, { now: later(file) })).toBe(sha('omega'));
    // Same size, same inode, the old mtime put back: only the change time moved.
    const stamped = statSync(file, { bigint: true });
    await writeFile(file, 'sigma');
    await utimes(file, 1_700_000_000, 1_700_000_000);
    const now = statSync(file, { bigint: true });
    expect([now.size, now.ino]).toEqual([stamped.size, stamped.ino]);
    expect(now.mtimeNs).toBe(1_700_000_000_000_000_000n);
    expect(memo.digest(file, { now: later(file) })).toBe(sha('sigma'));
  });

  it('sees a file replaced by rename (another inode)', async () => {
    const file = path.join(work.dir, 'c.txt');
    await writeFile(file, 'one');
    const memo = new StatDigests();
    expect(memo.digest(file, { now: later(file) })).toBe(sha('one'));
    await writeFile(`${file}.new`, 'two');
    await rename(`${file}.new`, file);
    expect(memo.digest(file, { now: later(file) })).toBe(sha('two'));
  });

  it('does not remember a stamp taken right after the file changed', async () => {
    const file = path.join(work.dir, 'd.txt');
    await writeFile(file, 'fresh');
    const memo = new StatDigests();
    const { reads, read } = counting();
    const soon = Math.max(statSync(file).mtimeMs, statSync(file).ctimeMs) + 1;
    memo.digest(file, { now: soon, read });
    memo.digest(file, { now: soon, read });
    expect(reads.length).toBe(2);
  });

  it('keeps the memo across processes under an HMAC, and ignores one that was tampered with', async () => {
    const dir = path.join(work.dir, 'cache', 'chapters');
    const file = path.join(work.dir, 'e.txt');
    await writeFile(file, 'kept');
    const first = new StatDigests(dir);
    first.digest(file, { now: later(file) });
    first.save();
    const { reads, read } = counting();
    expect(new StatDigests(dir).digest(file, { now: later(file), read })).toBe(sha('kept'));
    expect(reads).toEqual([]);
    // A memo claiming another digest for the same stamp, without the folder's key: not believed.
    const memoFile = path.join(dir, '.stat-digests.json');
    const text = await readFile(memoFile, 'utf8');
    await writeFile(memoFile, text.replace(sha('kept'), sha('forged')));
    expect(new StatDigests(dir).digest(file, { now: later(file), read })).toBe(sha('kept'));
    expect(reads).toEqual([file]);
  });

  it('rebuilds a chapter whose included file changed with its size and mtime kept', async () => {
    const book = path.join(work.dir, 'book');
    await cp(path.join(ROOT, 'tests/books/stat-cache'), book, { recursive: true });
    const data = path.join(book, 'listings/data.txt');
    const out = path.join(work.dir, 'out');
    const page = async () => {
      const html = path.join(out, 'html');
      const name = (await readdir(html)).find((n) => n.includes('chapter'))!;
      return readFile(path.join(html, name), 'utf8');
    };
    // Past the racy window, so the first build's stamp of the included file is remembered.
    await new Promise((resolve) => setTimeout(resolve, RACY_MS + 100));
    expect((await build({ manuscript: book, out, formats: ['html'], quiet: true })).ok).toBe(true);
    expect(await page()).toContain('alpha-bravo');
    const before = statSync(data);
    await writeFile(data, 'omega-delta\n');
    await utimes(data, before.atime, before.mtime);
    expect((await build({ manuscript: book, out, formats: ['html'], quiet: true })).ok).toBe(true);
    const after = await page();
    expect(after).toContain('omega-delta');
    expect(after).not.toContain('alpha-bravo');
  });
});
