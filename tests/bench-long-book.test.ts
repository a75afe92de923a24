import { describe, expect, it } from 'vitest';
import { BOOK_PDF, BOOK_PDF_700, PRESETS, generateBook } from '../tools/bench/generate.ts';
import { GOALS, longBookOptions, sameLengthEdit } from '../tools/bench/long-book.ts';
import { childrenCpu } from '../tools/bench/run.ts';
import { EMOJI_FONTS, fontsFor, rangedCodePoints, usesRange } from '../scripts/render/fonts.ts';

describe('the 700-page print book of the benchmark', () => {
  it('is generated deterministically, about 2.3 times the 300-page book, as the pdf700 size', () => {
    const a = generateBook(BOOK_PDF_700);
    const b = generateBook(BOOK_PDF_700);
    expect([...a.files.keys()]).toEqual([...b.files.keys()]);
    for (const [name, bytes] of a.files) expect(bytes.equals(b.files.get(name)!), name).toBe(true);
    expect(a.chapters.length).toBe(BOOK_PDF_700.chapters! + 2); // preface and questions index
    const small = generateBook(BOOK_PDF);
    expect(a.words / small.words).toBeGreaterThan(2.1);
    expect(a.words / small.words).toBeLessThan(2.6);
    expect(PRESETS.pdf700).toBe(BOOK_PDF_700);
  });

  it('has a quick variant a third the size for --quick', () => {
    const quick = longBookOptions(true);
    expect(quick.words! * 2.5).toBeLessThan(BOOK_PDF_700.words!);
    expect(longBookOptions(false)).toBe(BOOK_PDF_700);
  });

  it('edits one word of a chapter without changing its length, so the page count can stay', () => {
    const book = generateBook(BOOK_PDF_700);
    const chapter = book.chapters[Math.floor(book.chapters.length / 2)]!;
    const source = book.files.get(chapter)!.toString('utf8');
    const edited = sameLengthEdit(source);
    expect(edited).toBeDefined();
    expect(edited).not.toBe(source);
    expect(edited!.length).toBe(source.length);
    const changed = [...source].filter((ch, i) => ch !== edited![i]).length;
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThan(20);
    expect(sameLengthEdit('# Only a heading\n')).toBeUndefined();
  });

  it('prints each goal of issue 31', () => {
    expect(GOALS).toEqual({ coldPdf: 0.75, editedPdf: 0.15, everyFormat: 1.0, cpuPerWall: 1.6 });
  });

  it('reads the CPU time of waited-for children from /proc on Linux', () => {
    const cpu = childrenCpu();
    if (process.platform === 'linux') expect(cpu).toBeGreaterThanOrEqual(0);
    else expect(cpu).toBeUndefined();
  });
});

describe('emoji subsets from one scan of the text', () => {
  const first = EMOJI_FONTS[0]!;
  it('finds the characters at or above U+2000, not ZWJ or VS16', () => {
    expect([...rangedCodePoints('plain text, café — “quotes” 😀\u200d\ufe0f')].sort()).toEqual(
      [0x2014, 0x201c, 0x201d, 0x1f600].sort(),
    );
  });
  it('embeds a subset only for a character inside its range', () => {
    expect(fontsFor('en', 'plain text only').filter((f) => EMOJI_FONTS.includes(f))).toEqual([]);
    const grin = fontsFor('en', 'a grin 😀').filter((f) => EMOJI_FONTS.includes(f));
    expect(grin.length).toBeGreaterThan(0);
    for (const font of grin) expect(usesRange('😀', font.unicodeRange!)).toBe(true);
    expect(usesRange('\u200d\ufe0f', first.unicodeRange!)).toBe(false);
  });
});
