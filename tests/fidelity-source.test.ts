/**
 * What the fidelity check takes as the author's words: the syntax of diagrams, index terms and cross-references is
 * markup the outputs replace (a drawing, an index entry, a number), not words they must print.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepare } from '../scripts/api/build.ts';
import { missingRuns, pdfReadingKey, sourceTexts, wordSet, type SourceText } from '../scripts/checks/fidelity.ts';
import { ROOT } from './helpers.ts';

describe('the author’s words in a book with diagrams, index terms and cross-references', () => {
  let texts: SourceText[];
  const wordsOf = (file: string) => texts.filter((t) => t.file === file).flatMap((t) => t.words);

  beforeAll(async () => {
    const { book } = await prepare(path.join(ROOT, 'tests', 'books', 'diagrams-index'), undefined, { cache: false });
    texts = sourceTexts(book);
  });

  it('reads a diagram’s caption, not its source or its label', () => {
    const flows = wordsOf('flows.md');
    expect(flows).toEqual(expect.arrayContaining(['one', 'training', 'step', 'from', 'batch', 'to', 'update']));
    for (const syntax of ['flowchart', 'lr', 'fig', 'loop', 'talk', 'label', 'cap'])
      expect(flows).not.toContain(syntax);
  });

  it('reads an index term’s words, apart from the word before it, and not the directive', () => {
    const descent = wordsOf('descent.md');
    expect(descent.filter((w) => w === 'slope')).toHaveLength(2);
    expect(descent).toEqual(expect.arrayContaining(['gradient', 'descent', 'learning', 'rate']));
    for (const syntax of ['index', 'also', 'slopeslope']) expect(descent).not.toContain(syntax);
  });
});

describe('a right-to-left word against the PDF’s text', () => {
  // What poppler 22's pdftotext gave for words of the Persian sample (manuscript/fa): it reverses a right-to-left
  // line glyph by glyph, so a ligature's letters and a mark's place come out reversed.
  const PRINTED = ['نسخٔه', 'عمدًا', 'اصطالح', 'باال', 'غطلِ'];
  const text = (words: string[]): SourceText => ({ file: 'fa/preface.md', line: 3, column: 1, words });
  const have = new Set(PRINTED.flatMap((line) => [...wordSet(line)]));

  it('matches marks and lam-alef as poppler reads them', () => {
    const source = ['نسخهٔ', 'عمداً', 'اصطلاح', 'بالا'];
    expect(missingRuns(text(source), have)).toEqual([source]);
    expect(missingRuns(text(source), new Set([...have].map(pdfReadingKey)), pdfReadingKey)).toEqual([]);
  });

  it('still finds a word the PDF lacks, and does not take one letter for another', () => {
    const keys = new Set([...have].map(pdfReadingKey));
    expect(missingRuns(text(['نسخهٔ', 'کتاب', 'غلطِ']), keys, pdfReadingKey)).toEqual([['کتاب', 'غلطِ']]);
  });
});
