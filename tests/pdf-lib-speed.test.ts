import { PDFDocument, PDFName, PDFNumber, PDFString } from '@cantoo/pdf-lib';
import { describe, expect, it } from 'vitest';
import { loadPdf, savePdf } from '../scripts/render/pdf/lib-speed.ts';

/** A document shaped like Chromium's tagged print: a few pages and thousands of small dictionaries. */
async function taggedLike(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < 12; i++) doc.addPage([432, 648]);
  const context = doc.context;
  const kids = [];
  for (let i = 0; i < 6000; i++) {
    const dict = context.obj({ Type: 'StructElem', S: i % 7 === 0 ? 'H2' : 'P' });
    dict.set(PDFName.of('ID'), PDFString.of(`node${String(i).padStart(8, '0')}`));
    dict.set(PDFName.of('K'), PDFNumber.of(i % 40));
    kids.push(context.register(dict));
  }
  doc.catalog.set(PDFName.of('StructTreeRoot'), context.register(context.obj({ Type: 'StructTreeRoot', K: kids })));
  // Plain objects, as Chromium writes them: no object streams yet.
  return doc.save({ useObjectStreams: false });
}

describe('pdf-lib without its slow spots', () => {
  it('saves the same bytes as pdf-lib itself, object streams and cross-reference stream included', async () => {
    const input = await taggedLike();
    // pdf-lib as shipped, before loadPdf/savePdf install the faster cross-reference insertion.
    const plain = await PDFDocument.load(input, { updateMetadata: false });
    const expected = await plain.save({ useObjectStreams: true, addDefaultPage: false, updateFieldAppearances: false });
    const fast = await savePdf(await loadPdf(input));
    expect(fast.length).toBeGreaterThan(1000);
    expect(Buffer.from(fast).equals(Buffer.from(expected))).toBe(true);
    // And the result reads back with every object.
    const again = await loadPdf(fast);
    expect(again.getPageCount()).toBe(12);
    const reference = await PDFDocument.load(expected, { updateMetadata: false });
    expect(again.context.enumerateIndirectObjects().length).toBe(reference.context.enumerateIndirectObjects().length);
  });
});
