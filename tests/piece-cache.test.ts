import { execFile } from 'node:child_process';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildCache } from '../scripts/model/build-cache.ts';
import { launchBrowser, type GalleyBrowser } from '../scripts/render/browser.ts';
import type { PdfResult } from '../scripts/render/pdf/pdf.ts';
import { withEnv } from '../scripts/util/env.ts';
import { renderBookPdf, ROOT, tempDir } from './light-helpers.ts';

const run = promisify(execFile);

/**
 * The piece cache (render/pdf/piece-cache.ts, decision 0028): a book printed in three pieces, then a one-word edit
 * in one chapter that keeps every page where it was. The warm build prints only the edited chapter's piece and
 * joins the others' kept prints into the file a cold build of the edited sources makes.
 */
describe('the piece cache', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let galley: GalleyBrowser;
  let book: string;
  let chapter: string;
  const piecesIn = (dir: string) => path.join(work.dir, dir, 'pieces');
  const built: Record<'cold' | 'warm' | 'fresh' | 'reverted', { result: PdfResult; bytes: Buffer; entries: string[] }> =
    {} as never;

  /** Entry names in the one target folder of a print cache's pieces. */
  const entries = async (dir: string) => {
    const [target, ...others] = await readdir(piecesIn(dir));
    expect(others).toEqual([]);
    const names = await readdir(path.join(piecesIn(dir), target!));
    return names.filter((n) => n.endsWith('.piece-entry')).sort();
  };

  const render = async (cacheDir: string, cache: BuildCache) => ({
    ...(await renderBookPdf(book, path.join(work.dir, 'out'), { browser: galley, pieces: 3, cache })),
    entries: await entries(cacheDir),
  });

  beforeAll(async () => {
    work = await tempDir('galley-piece-cache-');
    book = path.join(work.dir, 'book');
    await cp(path.join(ROOT, 'tests', 'books', 'parallel-print'), book, { recursive: true });
    chapter = path.join(book, 'chapters', 'four.md');
    const source = await readFile(chapter, 'utf8');
    const cache = new BuildCache({ print: path.join(work.dir, 'print') });
    galley = await launchBrowser();
    await withEnv({ SOURCE_DATE_EPOCH: '1780000000' }, async () => {
      built.cold = await render('print', cache);
      // Same length, same chapter: nothing moves to another page.
      await writeFile(chapter, source.replace('Paper book verso section', 'Paper book recto section'));
      built.warm = await render('print', cache);
      built.fresh = await render('fresh', new BuildCache({ print: path.join(work.dir, 'fresh') }));
      // Every kept piece's last byte changed: its HMAC no longer holds. The edit is undone, so the whole-file cache
      // has nothing for it either (it keeps the last print only).
      const folder = piecesIn('print');
      for (const target of await readdir(folder)) {
        for (const name of await readdir(path.join(folder, target))) {
          if (!name.endsWith('.piece-entry')) continue;
          const file = path.join(folder, target, name);
          const bytes = await readFile(file);
          bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
          await writeFile(file, bytes);
        }
      }
      await writeFile(chapter, source);
      built.reverted = await render('print', cache);
    });
  }, 300_000);

  afterAll(async () => {
    await galley?.close();
    await work?.cleanup();
  });

  it('prints every piece of a cold build and keeps each', () => {
    const { result, entries } = built.cold;
    expect(result.pieces).toBe(3);
    expect(result.piecesReprinted).toBe(3);
    expect(result.piecesReused).toBe(0);
    expect(entries.length).toBe(3);
  });

  it('reprints only the edited piece after a one-word edit that keeps the page count', () => {
    const { cold, warm } = built;
    expect(warm.result.prints).toBeGreaterThanOrEqual(2);
    expect(warm.result.pages).toBe(cold.result.pages);
    expect(warm.result.pieces).toBe(3);
    expect(warm.result.piecesReprinted).toBe(1);
    expect(warm.result.piecesReused).toBe(2);
    expect(warm.result.timings['pieces reused']).toBe(2);
    // The unedited pieces' entries are kept, the edited piece's old one pruned.
    expect(warm.entries.filter((name) => cold.entries.includes(name)).length).toBe(2);
    expect(warm.entries.length).toBe(3);
  });

  it('joins the kept and the new pieces into the bytes of a cold build of the edited sources', async () => {
    const { warm, fresh } = built;
    expect(fresh.result.piecesReprinted).toBe(3);
    expect(warm.bytes.equals(fresh.bytes)).toBe(true);
    const file = path.join(work.dir, 'warm.pdf');
    await writeFile(file, warm.bytes);
    const { stdout } = await run('pdftotext', [file, '-']);
    expect(stdout).toContain('Paper book recto section');
    expect(stdout).not.toContain('Paper book verso section');
  });

  it('does not read a piece changed on disk, and prints it again with the same bytes', () => {
    const { cold, reverted } = built;
    expect(reverted.result.prints).toBeGreaterThanOrEqual(2);
    expect(reverted.result.piecesReused).toBe(0);
    expect(reverted.result.piecesReprinted).toBe(3);
    expect(reverted.bytes.equals(cold.bytes)).toBe(true);
    expect(reverted.entries).toEqual(cold.entries);
  });
});
