/**
 * Progress lines: one per language edition when a build makes several at once, none off a terminal, and the
 * editions really built side by side (a build's progress events interleave).
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { build, editionsAtOnce } from '../scripts/api/build.ts';
import { createProgress, lanes, type Progress } from '../scripts/util/progress.ts';
import { ROOT, tempDir } from './helpers.ts';

/** A Progress that writes down what it is told, lane by lane. */
function recorder(events: string[], name = ''): Progress {
  return {
    phase: (label) => events.push(`${name}phase ${label}`),
    tick: () => undefined,
    done: () => events.push(`${name}done`),
    lane: (lane) => recorder(events, `${lane} `),
  };
}

/** A stream that says it is a terminal, keeping what is written. */
function terminal() {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 100 }) as unknown as NodeJS.WriteStream;
  let written = '';
  stream.on('data', (chunk: Buffer) => (written += chunk.toString('utf8')));
  return { stream, written: () => written };
}

describe('lanes', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('gives one job the progress itself', () => {
    const progress = recorder([]);
    expect(lanes(progress, ['en'])).toEqual([progress]);
  });

  it('gives each of several jobs a named line, or the first alone the progress when it has no lanes', () => {
    const events: string[] = [];
    const [en, fa] = lanes(recorder(events), ['en', 'fa']);
    en!.phase('PDF', 1);
    fa!.phase('Chapters', 4);
    expect(events).toEqual(['en phase PDF', 'fa phase Chapters']);
    const plain: string[] = [];
    const bare: Progress = { phase: (label) => plain.push(label), tick: () => undefined, done: () => undefined };
    const [first, second] = lanes(bare, ['en', 'fa']);
    first!.phase('PDF', 1);
    second!.phase('Chapters', 4);
    expect(plain).toEqual(['PDF']);
  });

  it('shows each lane’s phase on a terminal, with its name, and nothing when quiet', async () => {
    // CI machines set CI, which silences every bar; this case is about a terminal outside CI.
    vi.stubEnv('CI', '');
    const tty = terminal();
    const progress = createProgress({ stream: tty.stream });
    const [en, fa] = lanes(progress, ['en', 'fa']);
    en!.phase('PDF', 2);
    fa!.phase('Chapters', 4);
    fa!.tick('front/preface.md');
    // The bars draw on their own timer (ten times a second), which fires before this longer one.
    await new Promise((resolve) => setTimeout(resolve, 300));
    en!.done();
    fa!.done();
    expect(tty.written()).toContain('en PDF');
    expect(tty.written()).toContain('fa Chapters');
    const quiet = terminal();
    const [silent] = lanes(createProgress({ stream: quiet.stream, quiet: true }), ['en', 'fa']);
    silent!.phase('PDF', 1);
    silent!.done();
    expect(quiet.written()).toBe('');
  });

  it('shows nothing in CI, even on a terminal', () => {
    vi.stubEnv('CI', 'true');
    const tty = terminal();
    const [en] = lanes(createProgress({ stream: tty.stream }), ['en', 'fa']);
    en!.phase('PDF', 1);
    en!.done();
    expect(tty.written()).toBe('');
  });
});

describe('a book with two editions', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    work = await tempDir('galley-progress-');
  });
  afterAll(async () => work?.cleanup());

  it('builds them side by side, each on its own line, and reports them in the book’s order', async () => {
    const events: string[] = [];
    const result = await build({
      manuscript: path.join(ROOT, 'tests', 'books', 'editions-mini'),
      out: work.dir,
      formats: ['html'],
      progress: recorder(events),
    });
    expect(result.ok).toBe(true);
    expect(result.editions.map((e) => e.code)).toEqual(['en', 'de']);
    // Built one after the other, every `en` event would come before the first `de` one.
    const firstDe = events.findIndex((e) => e.startsWith('de '));
    const lastEn = events.map((e) => e.startsWith('en ')).lastIndexOf(true);
    expect(firstDe).toBeGreaterThan(-1);
    expect(firstDe, events.join('\n')).toBeLessThan(lastEn);
  });
});

describe('a book with more editions than it builds at once', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    work = await tempDir('galley-editions-at-once-');
  });
  afterAll(async () => work?.cleanup());

  it('builds one per core, two on one core', () => {
    expect([1, 2, 4, 16].map(editionsAtOnce)).toEqual([2, 2, 4, 16]);
  });

  it('never has more editions under way than it is given, and still builds them all in the book’s order', async () => {
    const book = path.join(work.dir, 'book');
    await cp(path.join(ROOT, 'tests', 'books', 'editions-mini'), book, { recursive: true });
    // A third edition, in French, beside the German one.
    await mkdir(path.join(book, 'fr'));
    await writeFile(path.join(book, 'fr', 'book.yaml'), 'language: fr\n');
    await writeFile(path.join(book, 'fr', 'SUMMARY.md'), '# Summary\n\n- [Un](un.md)\n');
    await writeFile(path.join(book, 'fr', 'un.md'), '# Un\n\nUn court chapitre.\n\nCopyright ©2026 The Editors\n');
    const config = await readFile(path.join(book, 'book.yaml'), 'utf8');
    await writeFile(path.join(book, 'book.yaml'), `${config}  fr:\n    root: fr\n    title: "Deux éditions"\n`);
    // Two at once, then one at a time: the option, not the machine's default (two on a two-core machine), sets it.
    for (const atOnce of [2, 1]) {
      const events: string[] = [];
      const result = await build({
        manuscript: book,
        out: path.join(work.dir, `out-${atOnce}`),
        formats: ['html'],
        progress: recorder(events),
        editionsAtOnce: atOnce,
      });
      expect(result.ok, result.diagnostics.map((d) => d.message).join('\n')).toBe(true);
      expect(result.editions.map((e) => e.code)).toEqual(['en', 'de', 'fr']);
      // An edition is under way from its first event to its `done`.
      const open = new Set<string>();
      let most = 0;
      for (const event of events) {
        const [code, what] = event.split(' ');
        if (what === 'done') open.delete(code!);
        else open.add(code!);
        most = Math.max(most, open.size);
      }
      expect(most, events.join('\n')).toBe(atOnce);
    }
  });
});
