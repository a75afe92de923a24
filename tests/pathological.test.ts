import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepare } from '../scripts/api/build.ts';
import { tempDir } from './helpers.ts';

/**
 * cmark's pathological inputs (and a few of our own): each must finish in
 * seconds, with either output or a clear `limit` error, never a hang or a
 * crash. The test timeout is the hang guard, generous on purpose (shared,
 * noisy machines): a regression to the quadratic or recursive behaviour
 * takes minutes. Speed itself is measured by `npm run bench`, not here.
 */
const CASES: Record<string, { text: string; limited: boolean }> = {
  'nested emphasis': { text: '*a **a '.repeat(10000) + 'b' + ' a** a*'.repeat(10000), limited: true },
  'nested brackets': { text: '['.repeat(50000) + 'a' + ']'.repeat(50000), limited: true },
  'unclosed brackets': { text: '[a'.repeat(50000), limited: false },
  'nested blockquotes': { text: '>'.repeat(50000) + ' a', limited: true },
  'lists 1,000 deep': {
    text: Array.from({ length: 1000 }, (_, i) => ' '.repeat(i * 2) + '- a').join('\n'),
    limited: true,
  },
  'many reference definitions': {
    text:
      Array.from({ length: 5000 }, (_, i) => `[r${i}]: /u${i}`).join('\n') +
      '\n\n' +
      Array.from({ length: 5000 }, (_, i) => `[r${i}]`).join(' '),
    limited: false,
  },
  'many backticks': { text: 'a`'.repeat(30000), limited: false },
  'nested html': { text: '<div>'.repeat(20000), limited: true },
  'footnote flood': { text: Array.from({ length: 30000 }, (_, i) => `x[^${i}]`).join(' '), limited: true },
};

describe('pathological Markdown', () => {
  let work: { dir: string; cleanup: () => Promise<void> };
  let book: Awaited<ReturnType<typeof prepare>>['book'];
  const fileOf = (name: string) => `${name.replace(/\W+/g, '-')}.md`;

  // One book, one chapter per case: one worker pool for all of them, each chapter still under its own budget, and
  // each case's messages told apart by its file.
  beforeAll(async () => {
    work = await tempDir();
    const names = Object.keys(CASES);
    await writeFile(
      path.join(work.dir, 'SUMMARY.md'),
      `# Summary\n\n${names.map((name) => `* [${name}](${fileOf(name)})`).join('\n')}\n`,
    );
    for (const [name, { text }] of Object.entries(CASES))
      await writeFile(path.join(work.dir, fileOf(name)), text + '\n');
    ({ book } = await prepare(work.dir));
  }, 120_000);
  afterAll(() => work.cleanup());

  it('crashes on none of them', () => {
    const internal = book.files.flatMap((f) => f.messages).filter((m) => m.ruleId === 'internal');
    expect(internal.map((m) => `${m.file}: ${m.reason}`)).toEqual([]);
  });

  for (const [name, { limited }] of Object.entries(CASES)) {
    it(name, () => {
      const file = book.files.find((f) => f.path.endsWith(`/${fileOf(name)}`) || f.path === fileOf(name));
      expect(file, 'the chapter was read').toBeDefined();
      const messages = file!.messages;
      expect(
        messages.some((m) => m.ruleId === 'internal'),
        'no crash',
      ).toBe(false);
      expect(messages.some((m) => m.ruleId === 'limit')).toBe(limited);
    });
  }
});
