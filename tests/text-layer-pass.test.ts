import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument } from '@cantoo/pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compoundWords, joinHyphenatedWords } from '../scripts/render/pdf/post/hyphen-words.ts';
import { fixTextLayer, stripSoftHyphens } from '../scripts/render/pdf/post/text-layer.ts';
import { printHtml, tempDir } from './light-helpers.ts';

const exec = promisify(execFile);

/**
 * The renderer's one text-layer pass (`fixTextLayer`) against the two passes it replaces, run one after the other
 * on the same Chromium print: the same saved bytes, and the words whole in the text.
 */
describe('the text layer in one pass', () => {
  let out: Awaited<ReturnType<typeof tempDir>>;
  let raw: Uint8Array;
  const html = `<!doctype html><html lang="en"><head><style>
    @page { size: 300px 400px; margin: 20px; }
    body { font: 16px serif; margin: 0; }
    p { width: 3.2em; margin: 0 0 1em; text-align: left; hyphens: manual; }
  </style></head><body>
    <p>ques&shy;tions</p>
    <p>sub-question</p>
    <p>gar&shy;dens and ef&shy;fi&shy;cient</p>
    <p>pre- and</p>
  </body></html>`;
  const isCompound = (word: string) => compoundWords(html).has(word);
  const saved = async (fix: (doc: PDFDocument) => void) => {
    const doc = await PDFDocument.load(raw, { updateMetadata: false });
    fix(doc);
    return Buffer.from(await doc.save());
  };

  beforeAll(async () => {
    out = await tempDir('galley-text-layer-');
    raw = await printHtml(html);
  }, 60_000);

  afterAll(async () => {
    await out?.cleanup();
  });

  it('gives the bytes of the hyphen join followed by the soft-hyphen strip', async () => {
    const two = await saved((doc) => {
      joinHyphenatedWords(doc, isCompound);
      stripSoftHyphens(doc);
    });
    const one = await saved((doc) => fixTextLayer(doc, isCompound));
    const untouched = await saved(() => undefined);
    expect(one.equals(untouched)).toBe(false);
    expect(one.equals(two)).toBe(true);
    const file = path.join(out.dir, 'one.pdf');
    await writeFile(file, one);
    const text = (await exec('pdftotext', [file, '-'])).stdout;
    expect(text).toContain('questions');
    expect(text).toContain('sub-question');
    expect(text).not.toContain('\u00ad');
  });
});
