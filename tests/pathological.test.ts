import { mkdir, writeFile } from 'node:fs/promises';
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
  beforeAll(async () => {
    work = await tempDir();
  });
  afterAll(() => work.cleanup());

  for (const [name, { text, limited }] of Object.entries(CASES)) {
    it(
      name,
      async () => {
        const dir = path.join(work.dir, name.replace(/\W+/g, '-'));
        await mkdir(dir, { recursive: true });
        await writeFile(path.join(dir, 'SUMMARY.md'), '# Summary\n\n* [Case](case.md)\n');
        await writeFile(path.join(dir, 'case.md'), text + '\n');
        const { book } = await prepare(dir);
        const messages = book.files.flatMap((f) => f.messages);
        expect(
          messages.some((m) => m.ruleId === 'internal'),
          'no crash',
        ).toBe(false);
        expect(messages.some((m) => m.ruleId === 'limit')).toBe(limited);
      },
      30_000,
    );
  }
});
