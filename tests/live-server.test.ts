/**
 * The preview server's build generations: a page that was still loading when
 * a rebuild was announced hears of it when it connects (the race that left
 * `galley dev`'s open page showing the old text under load).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveSite, type SiteServer } from '../scripts/render/web/server.ts';
import { tempDir } from './light-helpers.ts';

/** The events a fresh connection is sent first, read until the problems that always follow any reload. */
function firstEvents(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('event: problems')) {
          req.destroy();
          resolve(text);
        }
      });
    });
    req.on('error', reject);
  });
}

const stampOf = (html: string) => /live\.js" data-generation="(\d+)"/.exec(html)?.[1];

describe('the live preview server', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let server: SiteServer;
  beforeAll(async () => {
    work = await tempDir();
    await mkdir(path.join(work.dir, 'part'), { recursive: true });
    await writeFile(path.join(work.dir, 'a.html'), '<html><head><title>A</title></head><body>A</body></html>');
    await writeFile(path.join(work.dir, 'part/b.html'), '<html><head><title>B</title></head><body>B</body></html>');
    await writeFile(path.join(work.dir, '404.html'), '<html><head><title>Not here</title></head><body>?</body></html>');
    server = await serveSite(work.dir, { live: true, initial: () => [{ event: 'problems', data: [] }] });
  });
  afterAll(async () => {
    await server.close();
    await work.cleanup();
  });

  it('stamps each page with the build it was read in, and tells a late page what was rebuilt since', async () => {
    const events = (since: string) => firstEvents(`${server.url}__galley/events?since=${since}`);
    expect(stampOf(await (await fetch(`${server.url}a.html`)).text())).toBe('0');
    expect(await events('0')).not.toContain('event: reload');

    server.reload({ all: false, pages: ['a.html'] });
    server.reload({ all: false, pages: ['part/b.html'] });
    expect(stampOf(await (await fetch(`${server.url}part/b.html`)).text())).toBe('2');
    expect(stampOf(await (await fetch(`${server.url}missing/page.html`)).text())).toBe('2');

    const fromZero = await events('0');
    expect(fromZero).toMatch(/^event: reload\ndata: (.*)\n\n/);
    expect(JSON.parse(/^event: reload\ndata: (.*)\n/.exec(fromZero)![1]!)).toEqual({
      all: false,
      pages: ['a.html', 'part/b.html'],
    });
    expect(JSON.parse(/^event: reload\ndata: (.*)\n/.exec(await events('1'))![1]!)).toEqual({
      all: false,
      pages: ['part/b.html'],
    });
    // Up to date, or a stamp it never gave: nothing to catch up on.
    for (const since of ['2', '7', '-1', 'x']) expect(await events(since)).not.toContain('event: reload');

    server.reload({ all: true, pages: [] });
    expect(JSON.parse(/^event: reload\ndata: (.*)\n/.exec(await events('2'))![1]!)).toMatchObject({ all: true });
  });
});
