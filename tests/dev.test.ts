import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDev, type DevSession, type RebuildEvent } from '../scripts/dev.ts';
import { build } from '../scripts/build.ts';
import { ROOT, tempDir } from './helpers.ts';

describe('galley dev', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  let session: DevSession;
  let manuscript: string;
  const events: RebuildEvent[] = [];
  beforeAll(async () => {
    work = await tempDir();
    manuscript = path.join(work.dir, 'book');
    await cp(path.join(ROOT, 'tests/books/mini'), manuscript, { recursive: true });
    session = await startDev({ manuscript, out: path.join(work.dir, 'dist'), onRebuild: (e) => events.push(e) });
  });
  afterAll(async () => {
    await session.close();
    await work.cleanup();
  });

  it('rewrites only the edited chapter’s page, and the questions index when questions change', async () => {
    const two = path.join(manuscript, 'chapters/two.md');
    await writeFile(two, '# Second chapter\n\nA new paragraph.\n\n1. [H] Prove it.\n2. [M] Explain it.\n');
    const quiet = await session.rebuild([two]);
    expect(quiet.full).toBe(false);
    expect(quiet.pages).toEqual(['chapters-two.html']);
    expect(await readFile(path.join(work.dir, 'dist/web/chapters-two.html'), 'utf8')).toContain('A new paragraph.');

    await writeFile(two, '# Second chapter\n\n1. [H] Prove it.\n2. [E] Explain it again.\n');
    const withQuestions = await session.rebuild([two]);
    expect(withQuestions.pages).toEqual(['chapters-two.html', 'questions.html']);
    expect(await readFile(path.join(work.dir, 'dist/web/questions.html'), 'utf8')).toContain('Explain it again.');
  });

  it('rewrites every page when a chapter’s title changes, since each page’s contents list shows it', async () => {
    const two = path.join(manuscript, 'chapters/two.md');
    const before = await readFile(two, 'utf8');
    await writeFile(two, `---\ntitle: The second chapter, renamed\n---\n${before}`);
    const renamed = await session.rebuild([two]);
    expect(renamed.full).toBe(false);
    expect(renamed.pages).toContain('chapters-one.html');
    expect(await readFile(path.join(work.dir, 'dist/web/chapters-one.html'), 'utf8')).toContain('The second chapter, renamed');
    await writeFile(two, before);
    await session.rebuild([two]);
  });

  it('produces the same page as a full build', async () => {
    const fresh = path.join(work.dir, 'fresh');
    await build({ manuscript, out: fresh, formats: ['html', 'web'], quiet: true });
    await session.settled();
    for (const name of ['chapters-two.html', 'questions.html', 'chapters-one.html', 'js/search-index.js']) {
      expect(await readFile(path.join(work.dir, 'dist/web', name), 'utf8'), name).toBe(await readFile(path.join(fresh, 'web', name), 'utf8'));
    }
  });

  it('rebuilds everything when SUMMARY.md changes, and picks up saves from the watcher', async () => {
    const summary = path.join(manuscript, 'SUMMARY.md');
    const event = await session.rebuild([summary]);
    expect(event.full).toBe(true);
    const one = path.join(manuscript, 'chapters/one.md');
    await writeFile(one, (await readFile(one, 'utf8')).replace('Energy is', 'Energy, famously, is'));
    for (let i = 0; i < 100 && !events.some((e) => e.changed.includes('chapters/one.md')); i++) await new Promise((r) => setTimeout(r, 50));
    expect(events.find((e) => e.changed.includes('chapters/one.md'))?.pages).toEqual(['chapters-one.html']);
  });
});
