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
    session.close();
    await work.cleanup();
  });

  it('rewrites only the edited chapter’s page, and the questions index when questions change', async () => {
    const two = path.join(manuscript, 'chapters/two.md');
    await writeFile(two, '# Second chapter\n\nA new paragraph.\n\n1. [H] Prove it.\n2. [M] Explain it.\n');
    const quiet = await session.rebuild([two]);
    expect(quiet.full).toBe(false);
    expect(quiet.pages).toEqual(['chapters-two.xhtml']);
    expect(await readFile(path.join(work.dir, 'dist/html/chapters-two.xhtml'), 'utf8')).toContain('A new paragraph.');

    await writeFile(two, '# Second chapter\n\n1. [H] Prove it.\n2. [E] Explain it again.\n');
    const withQuestions = await session.rebuild([two]);
    expect(withQuestions.pages).toEqual(['chapters-two.xhtml', 'questions.xhtml']);
    expect(await readFile(path.join(work.dir, 'dist/html/questions.xhtml'), 'utf8')).toContain('Explain it again.');
  });

  it('produces the same page as a full build', async () => {
    const fresh = path.join(work.dir, 'fresh');
    await build({ manuscript, out: fresh, formats: ['html'], quiet: true });
    for (const name of ['chapters-two.xhtml', 'questions.xhtml', 'chapters-one.xhtml']) {
      expect(await readFile(path.join(work.dir, 'dist/html', name), 'utf8'), name).toBe(await readFile(path.join(fresh, 'html', name), 'utf8'));
    }
  });

  it('rebuilds everything when SUMMARY.md changes, and picks up saves from the watcher', async () => {
    const summary = path.join(manuscript, 'SUMMARY.md');
    const event = await session.rebuild([summary]);
    expect(event.full).toBe(true);
    const one = path.join(manuscript, 'chapters/one.md');
    await writeFile(one, (await readFile(one, 'utf8')).replace('Energy is', 'Energy, famously, is'));
    for (let i = 0; i < 100 && !events.some((e) => e.changed.includes('chapters/one.md')); i++) await new Promise((r) => setTimeout(r, 50));
    expect(events.find((e) => e.changed.includes('chapters/one.md'))?.pages).toEqual(['chapters-one.xhtml']);
  });
});
