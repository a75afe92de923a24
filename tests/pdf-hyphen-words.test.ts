import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument } from '@cantoo/pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseContent } from '../scripts/render/pdf/read/content.ts';
import { parseToUnicode, type FontText } from '../scripts/render/pdf/read/fonts.ts';
import {
  compoundWords,
  joinHyphenatedWords,
  joinHyphenatedWordsInContent,
} from '../scripts/render/pdf/post/hyphen-words.ts';
import { stripSoftHyphens } from '../scripts/render/pdf/post/text-layer.ts';
import { printHtml, tempDir } from './light-helpers.ts';

const exec = promisify(execFile);

describe('reading a content stream', () => {
  it('reads strings, arrays and dictionaries whole, and refuses an inline image', () => {
    const ops = parseContent('/Span <</ActualText (a\\) >> b)>> BDC\n[(x\\)]) -20 <0102>] TJ\nEMC % done\n')!;
    expect(ops.map((o) => o.operator)).toEqual(['BDC', 'TJ', 'EMC']);
    expect(ops[0]!.operands).toEqual(['/Span', '<</ActualText (a\\) >> b)>>']);
    expect(ops[1]!.operands).toEqual(['[(x\\)]) -20 <0102>]']);
    expect(parseContent('q BI /W 1 /H 1 ID \u0000\u0001 EI Q')).toBeUndefined();
  });

  it('reads a ToUnicode map: single codes, ranges and ligatures', () => {
    const map = parseToUnicode(
      '2 beginbfchar\n<0001> <0020>\n<0081> <00660066>\nendbfchar\n1 beginbfrange\n<001C> <001E> <0061>\nendbfrange\n',
    );
    expect([map.get(0x01), map.get(0x81), map.get(0x1c), map.get(0x1e)]).toEqual([' ', 'ff', 'a', 'c']);
  });
});

describe('joining a word broken at a line end', () => {
  // Codes: 1 space, 2 q, 3 u, 4 e, 5 s, 6 t, 7 i, 8 o, 9 n, 10 hyphen, 11 b, 12 x.
  const letters = ' queStionb'.split('');
  const unicode = new Map<number, string>(letters.map((c, i) => [i + 1, c === 'S' ? 's' : c]));
  unicode.set(10, '-');
  unicode.set(11, 'b');
  unicode.set(12, 'x');
  const fonts = new Map<string, FontText>([['/F1', { unicode, codeBytes: 2 }]]);
  const hex = (codes: number[]) => `<${codes.map((c) => c.toString(16).toUpperCase().padStart(4, '0')).join('')}>`;
  const SHY = '/Span<</ActualText <FEFF00AD> >> BDC\n5 0 Td <0001> Tj\nEMC\n';

  it('gives the first part the whole word and the hyphen and the rest none, splitting a Tj where it must', () => {
    // "x ques" + soft hyphen | "-" | "tions x": a multi-glyph Tj on each side.
    const content =
      `BT\n/F1 10 Tf\n1 0 0 -1 0 100 Tm\n${hex([12, 1, 2, 3, 4, 5])} Tj\n${SHY}ET\n` +
      `BT\n/F1 10 Tf\n1 0 0 -1 80 100 Tm\n${hex([10])} Tj\nET\n` +
      `BT\n/F1 10 Tf\n1 0 0 -1 0 112 Tm\n${hex([6, 7, 8, 9, 5, 1, 12])} Tj\nET\n`;
    const result = joinHyphenatedWordsInContent(content, fonts, () => false);
    expect(result.hyphenated).toEqual(['questions']);
    const word = '<FEFF007100750065007300740069006F006E0073>';
    expect(result.text).toContain(
      `<000C0001> Tj\n/Span <</ActualText ${word}>> BDC\n<0002000300040005> Tj\n5 0 Td\nEMC`,
    );
    expect(result.text).toContain(`/Span <</ActualText <FEFF>>> BDC\n<000A> Tj\nEMC`);
    expect(result.text).toContain(`/Span <</ActualText <FEFF>>> BDC\n<00060007000800090005> Tj\nEMC\n<0001000C> Tj`);
    // The soft hyphen's glyph is gone, its advance kept; every glyph otherwise stays, in order.
    expect(result.text).not.toContain('00AD');
    const glyphs = (text: string) => [...text.matchAll(/<([0-9A-F]{4,})> Tj/g)].map((m) => m[1]).join('');
    expect(glyphs(result.text)).toBe(glyphs(content).replace(/0001(?=000A)/, ''));
  });

  it('joins a real hyphen at a line end only into a compound the source has', () => {
    // "sub-" | "question"
    unicode.set(13, 'u');
    const content =
      `BT\n/F1 10 Tf\n1 0 0 -1 0 100 Tm\n${hex([5, 13, 11, 10])} Tj\nET\n` +
      `BT\n/F1 10 Tf\n1 0 0 -1 0 112 Tm\n${hex([2, 3, 4, 5, 6, 7, 8, 9])} Tj\nET\n`;
    expect(joinHyphenatedWordsInContent(content, fonts, () => false).text).toBe(content);
    const result = joinHyphenatedWordsInContent(content, fonts, (w) => w === 'sub-question');
    expect(result.compounds).toEqual(['sub-question']);
    expect(result.text).toContain(
      '/Span <</ActualText <FEFF007300750062002D007100750065007300740069006F006E>>> BDC\n<0005000D000B000A> Tj\nEMC',
    );
    expect(result.text).toContain('/Span <</ActualText <FEFF>>> BDC\n<00020003000400050006000700080009> Tj\nEMC');
  });

  it('finds the compounds of the source text', () => {
    expect([
      ...compoundWords('<p>a <em>sub-question</em> of cross-\u00adentropy, pre- and post-processing</p>'),
    ]).toEqual(['sub-question', 'cross-entropy', 'post-processing']);
  });
});

describe('Chromium-printed hyphenation, extracted', () => {
  let out: Awaited<ReturnType<typeof tempDir>>;
  let raw: Uint8Array;
  const html = `<!doctype html><html lang="en"><head><style>
    @page { size: 300px 400px; margin: 20px; }
    body { font: 16px serif; margin: 0; }
    p { width: 3.2em; margin: 0 0 1em; text-align: left; hyphens: manual; }
  </style></head><body>
    <p>ques&shy;tions</p>
    <p>sub-question</p>
    <p>(gar&shy;dens),</p>
    <p>pre- and</p>
  </body></html>`;

  beforeAll(async () => {
    out = await tempDir('galley-hyphens-');
    raw = await printHtml(html);
  }, 60_000);

  afterAll(async () => {
    await out?.cleanup();
  });

  async function variant(name: string, join: boolean) {
    const doc = await PDFDocument.load(raw, { updateMetadata: false });
    const compounds = compoundWords(html);
    const joined = join ? joinHyphenatedWords(doc, (w) => compounds.has(w)) : undefined;
    stripSoftHyphens(doc);
    const file = path.join(out.dir, `${name}.pdf`);
    await writeFile(file, await doc.save());
    const text = async (...args: string[]) => (await exec('pdftotext', [...args, file, '-'])).stdout;
    await exec('pdftoppm', ['-png', '-r', '96', file, path.join(out.dir, name)]);
    return {
      joined,
      plain: await text(),
      layout: await text('-layout'),
      png: await readFile(path.join(out.dir, `${name}-1.png`)),
    };
  }

  it('extracts the hyphenated word and the broken compound whole, drawn exactly as before', async () => {
    const before = await variant('before', false);
    const after = await variant('after', true);
    // The layout did break them: without the join poppler reads the halves (in -layout it never rejoins).
    expect(before.layout).toMatch(/ques[-\u2010]\s*\n\s*tions/);
    expect(before.layout).toMatch(/sub-\s*\n\s*question/);
    expect(after.joined).toEqual({ hyphenated: ['questions', 'gardens),'], compounds: ['sub-question'] });
    for (const text of [after.plain, after.layout]) {
      expect(text).toMatch(/\bquestions\b/);
      expect(text).toContain('sub-question');
      expect(text).toContain('(gardens),');
      expect(text).not.toMatch(/ques[-\u2010]|\btions|subquestion|\bdens\)/);
      expect(text).not.toContain('\u00ad');
    }
    // A hyphen before a space is not a compound: left as it was (poppler's own joining, without -layout, drops it).
    expect(after.layout).toMatch(/pre-\s*\n\s*and/);
    expect(after.png.equals(before.png)).toBe(true);
  });
});
