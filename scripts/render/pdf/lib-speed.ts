import { PDFCrossRefStream, PDFDocument } from '@cantoo/pdf-lib';

/**
 * pdf-lib, used on Chromium's tagged PDFs (a 300-page book has ~38,000
 * objects, most of them structure elements), without its two slow spots:
 *
 * - It yields to the event loop (`setTimeout(0)`, at least a millisecond
 *   each) every 100 objects parsed and every 50 written: about a second of
 *   waiting on such a book. Here it yields every few thousand.
 * - `PDFCrossRefStream.appendEntry` (@cantoo/pdf-lib 2.11) keeps the entries
 *   sorted by searching the whole list for each one it adds: quadratic, 2.5 s
 *   for 38,000 entries when saving with object streams. The writer adds them in
 *   ascending order almost always, so appending at the end when the new entry
 *   sorts last gives the same list (the search would find no greater entry)
 *   in constant time; otherwise the library's own insertion runs.
 */
const OBJECTS_PER_TICK = 5000;

interface Entry {
  ref: { objectNumber: number };
}
interface WithEntries {
  entries: Entry[];
  appendEntry: (this: WithEntries, entry: Entry) => void;
}

/** The patch is put into pdf-lib's classes once per process: a registry, not cache state. */
let installed = false;
function install() {
  if (installed) return;
  installed = true;
  const proto = PDFCrossRefStream.prototype as unknown as WithEntries;
  const original = proto.appendEntry;
  if (typeof original !== 'function') return;
  proto.appendEntry = function appendEntry(this: WithEntries, entry: Entry) {
    const last = this.entries[this.entries.length - 1];
    if (!last || last.ref.objectNumber <= entry.ref.objectNumber) this.entries.push(entry);
    else original.call(this, entry);
  };
}

export function loadPdf(bytes: Uint8Array): Promise<PDFDocument> {
  install();
  return PDFDocument.load(bytes, { updateMetadata: false, parseSpeed: OBJECTS_PER_TICK });
}

/** Saves with object streams (half the size of Chromium's file), as `finishPdf` always did. */
export function savePdf(doc: PDFDocument): Promise<Uint8Array> {
  install();
  return doc.save({
    useObjectStreams: true,
    addDefaultPage: false,
    updateFieldAppearances: false,
    objectsPerTick: OBJECTS_PER_TICK,
  });
}
