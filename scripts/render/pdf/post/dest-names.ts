import { createHash } from 'node:crypto';
import { PDFArray, PDFDict, PDFName, type PDFDocument } from '@cantoo/pdf-lib';

/** ISO 32000-1, Annex C: a name is at most 127 bytes; poppler warns past it and stricter readers refuse the link. */
export const MAX_NAME_BYTES = 127;

/** The bytes of a name as the file spells it (`#25` is one byte), without the slash. */
export function nameBytes(name: PDFName): number {
  return name
    .asString()
    .slice(1)
    .replace(/#[0-9a-fA-F]{2}/g, '_').length;
}

/**
 * Chromium names each destination after its target's id, percent-encoded, so
 * an id in Persian (every letter six bytes as `%D8%B3`) or a long question id
 * passes the limit. Each such name becomes a short one derived from it: ASCII
 * letters of the id kept for a reader of the file, and a hash, so equal inputs
 * still give equal bytes. /Dests and every link naming it are rewritten;
 * destinations Galley reads (page numbers, the outline) are read before this.
 * Returns how many names were shortened.
 */
export function shortenDestinationNames(doc: PDFDocument): number {
  const dests = doc.catalog.lookupMaybe(PDFName.of('Dests'), PDFDict);
  if (!dests) return 0;
  const renamed = new Map<string, PDFName>();
  const taken = new Set(dests.keys().map((key) => key.asString()));
  for (const [key, value] of dests.entries()) {
    if (nameBytes(key) <= MAX_NAME_BYTES) continue;
    const readable = key
      .asString()
      .slice(1)
      .replace(/#[0-9a-fA-F]{2}/g, '')
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .slice(0, 48);
    const hash = createHash('sha256').update(key.asString()).digest('hex');
    let length = 16;
    let short = PDFName.of(`${readable}~${hash.slice(0, length)}`);
    while (taken.has(short.asString())) short = PDFName.of(`${readable}~${hash.slice(0, ++length)}`);
    taken.add(short.asString());
    renamed.set(key.asString(), short);
    dests.delete(key);
    dests.set(short, value);
  }
  if (renamed.size === 0) return 0;
  const rename = (holder: PDFDict, field: string) => {
    const name = holder.get(PDFName.of(field));
    if (name instanceof PDFName) {
      const short = renamed.get(name.asString());
      if (short) holder.set(PDFName.of(field), short);
    }
  };
  for (const page of doc.getPages()) {
    const annots = page.node.lookupMaybe(PDFName.of('Annots'), PDFArray);
    if (!annots) continue;
    for (let i = 0; i < annots.size(); i++) {
      const annot = annots.lookupMaybe(i, PDFDict);
      if (!annot) continue;
      rename(annot, 'Dest');
      const action = annot.lookupMaybe(PDFName.of('A'), PDFDict);
      if (action) rename(action, 'D');
    }
  }
  return renamed.size;
}
