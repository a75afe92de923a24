import { execFile } from 'node:child_process';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildCache } from '../scripts/model/build-cache.ts';
import { launchBrowser, type GalleyBrowser } from '../scripts/render/browser.ts';
import type { PdfResult } from '../scripts/render/pdf/pdf.ts';
import { withEnv } from '../scripts/util/env.ts';
import { promisify } from 'node:util';
import { renderBookPdf, ROOT, tempDir } from './light-helpers.ts';

const run = promisify(execFile);

/**
 * The print cache (render/pdf/print-cache.ts): a composed document printed before is taken from the cache, with the
 * same bytes a print makes; an edit the print shows prints again; an entry changed on disk is not read.
 */
describe('the print cache', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let galley: GalleyBrowser;
  let book: string;
  let cache: BuildCache;
  const built: { result: PdfResult; bytes: Buffer }[] = [];

  // The same file each time: the cache keeps one print per file written.
  const render = () => renderBookPdf(book, path.join(work.dir, 'out'), { browser: galley, cache });

  beforeAll(async () => {
    work = await tempDir('galley-print-cache-');
    book = path.join(work.dir, 'book');
    await cp(path.join(ROOT, 'tests', 'books', 'mini'), book, { recursive: true });
    cache = new BuildCache({ print: path.join(work.dir, 'print') });
    galley = await launchBrowser();
    await withEnv({ SOURCE_DATE_EPOCH: '1780000000' }, async () => {
      built.push(await render());
      built.push(await render());
      const chapter = path.join(book, 'chapters', 'one.md');
      const source = await readFile(chapter, 'utf8');
      await writeFile(chapter, source.replace('Energy is', 'Power is'));
      built.push(await render());
      // Every entry's last byte changed: its HMAC no longer holds.
      for (const dir of await readdir(path.join(work.dir, 'print'))) {
        if (dir.startsWith('.')) continue;
        for (const name of await readdir(path.join(work.dir, 'print', dir))) {
          if (!name.endsWith('.pdf-entry')) continue;
          const file = path.join(work.dir, 'print', dir, name);
          const bytes = await readFile(file);
          const last = bytes.length - 1;
          bytes[last] = bytes[last]! ^ 1;
          await writeFile(file, bytes);
        }
      }
      built.push(await render());
      // Metadata only the finish writes: the document is the same, the file is not.
      const config = path.join(book, 'book.yaml');
      await writeFile(config, `${await readFile(config, 'utf8')}keywords: [cached]\n`);
      built.push(await render());
    });
  }, 300_000);

  afterAll(async () => {
    await galley?.close();
    await work?.cleanup();
  });

  it('takes an unchanged document from the cache, with the bytes a print made', () => {
    const [first, again] = built;
    expect(first!.result.prints).toBeGreaterThanOrEqual(2);
    expect(again!.result.prints).toBe(0);
    expect(again!.result.timings['print cache']).toBeDefined();
    expect(again!.result.pages).toBe(first!.result.pages);
    expect(again!.bytes.equals(first!.bytes)).toBe(true);
  });

  it('prints an edited document again', () => {
    const [first, , edited] = built;
    expect(edited!.result.prints).toBeGreaterThanOrEqual(2);
    expect(edited!.bytes.equals(first!.bytes)).toBe(false);
  });

  it('shows the edit in the reprinted file', async () => {
    const file = path.join(work.dir, 'edited.pdf');
    await writeFile(file, built[2]!.bytes);
    const { stdout } = await run('pdftotext', [file, '-']);
    expect(stdout).toContain('Power is');
    expect(stdout).not.toContain('Energy is');
  });

  it('does not read an entry changed on disk, and prints the same bytes instead', () => {
    const [, , edited, tampered] = built;
    expect(tampered!.result.prints).toBeGreaterThanOrEqual(2);
    expect(tampered!.bytes.equals(edited!.bytes)).toBe(true);
    expect(cache.print.hits).toBe(1);
  });

  it('prints again when book.yaml changes what only the finish writes', async () => {
    const [, , , tampered, keywords] = built;
    expect(keywords!.result.prints).toBeGreaterThanOrEqual(2);
    expect(keywords!.bytes.equals(tampered!.bytes)).toBe(false);
    const file = path.join(work.dir, 'keywords.pdf');
    await writeFile(file, keywords!.bytes);
    expect((await run('pdfinfo', [file])).stdout).toMatch(/^Keywords:\s+cached/m);
  });
});
