import { execFile } from 'node:child_process';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The preflight's own reader, from its module: checks/preflight.ts would load the whole PDF renderer with it.
import { readLayout } from '../scripts/render/pdf/analysis/layout.ts';
import { GALLEY, ROOT, tempDir } from './light-helpers.ts';

/** The compiled `galley`, as an author runs it; never rejects. */
async function runGalley(args: string[], cwd: string, timeout: number) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [GALLEY, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      timeout,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number | null; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const FIXTURE = path.join(ROOT, 'tests', 'books', 'rtl-wide-math');

/** The body lines' outer edges on each page of running text: where the text block sits. */
async function edges(pdf: string) {
  const { pages } = await readLayout(pdf);
  return pages.map((page) => {
    const lines = page.blocks.flatMap((b) => b.lines).filter((l) => l.yMin > 60 && l.yMax < page.height - 60);
    // Only pages of running text: the title, copyright and contents pages centre their lines.
    if (lines.length < 8) return { left: NaN, right: NaN };
    return { left: Math.min(...lines.map((l) => l.xMin)), right: Math.max(...lines.map((l) => l.xMax)) };
  });
}

describe('a display formula wider than the line, in a right-to-left book', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let pdf: string;
  let book: string;

  beforeAll(async () => {
    work = await tempDir('galley-fit-math-');
    book = path.join(work.dir, 'book');
    await cp(FIXTURE, book, { recursive: true });
    const built = await runGalley(
      ['build', book, '--format', 'pdf', '--out', path.join(work.dir, 'out'), '--quiet'],
      ROOT,
      120_000,
    );
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
    pdf = path.join(work.dir, 'out', 'rtl-wide-math.pdf');
  }, 150_000);

  afterAll(() => work?.cleanup());

  it('is set smaller, so no page of the book moves and nothing runs past the text block', async () => {
    const result = await runGalley(['check', book, '--print', '--out', path.join(work.dir, 'out')], ROOT, 120_000);
    expect(result.stdout + result.stderr).not.toContain('print-overfull');
    expect(result.code).toBe(0);
    // Facing pages mirror: the body's edges are the same on every left page and on every right page.
    const sides = await edges(pdf);
    const body = sides.filter((s) => Number.isFinite(s.left));
    expect(body.length).toBeGreaterThanOrEqual(2);
    for (const [i, s] of sides.entries()) {
      if (!Number.isFinite(s.left)) continue;
      const same = sides.filter((t, j) => j % 2 === i % 2 && Number.isFinite(t.left));
      for (const t of same) expect(Math.abs(t.right - s.right)).toBeLessThan(1.5);
    }
  });

  it('keeps every symbol of the formula and its number in the text layer', async () => {
    const { pages } = await readLayout(pdf);
    const text = pages
      .flatMap((p) => p.blocks.flatMap((b) => b.lines.flatMap((l) => l.words.map((w) => w.text))))
      .join(' ');
    expect(text).toMatch(/σ|𝜎/u);
    expect(text).toContain('۱.۱');
  });
});
