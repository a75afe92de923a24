import { inflateSync } from 'node:zlib';
import {
  decodePDFRawStream,
  PDFArray,
  PDFName,
  PDFRawStream,
  type PDFObject,
  PDFRef,
  PDFStream,
  type PDFDocument,
} from '@cantoo/pdf-lib';

/**
 * The most a post-pass decodes of one content stream. The passes read streams
 * as latin1 strings, and V8's strings end at 512 MB: a 15 MB SVG of 200,000
 * circles made one stream decode past that ("Cannot create a string longer
 * than 0x1fffffe8 characters"). A stream over this is left as Chromium wrote
 * it (no text-layer fix, no hyphen join, no image box on that page).
 */
export const MAX_DECODED_STREAM_BYTES = 32 * 1024 * 1024;

/**
 * A content stream's bytes, or undefined when they would pass
 * MAX_DECODED_STREAM_BYTES. Chromium's content streams are plain Flate:
 * Node's zlib inflates them far faster than pdf-lib's JavaScript decoder,
 * and stops at the bound without inflating the rest.
 */
export function decodeContent(stream: PDFRawStream): Uint8Array | undefined {
  const filter = stream.dict.get(PDFName.of('Filter'));
  if (filter === PDFName.of('FlateDecode') && !stream.dict.has(PDFName.of('DecodeParms'))) {
    try {
      return inflateSync(stream.contents, { maxOutputLength: MAX_DECODED_STREAM_BYTES });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
      throw error;
    }
  }
  // Other filters decode through pdf-lib, which has no bound: only streams small enough that no filter could
  // expand them past it (Flate's worst case is about 1032:1).
  if (stream.contents.length > MAX_DECODED_STREAM_BYTES / 1032) return undefined;
  const bytes = decodePDFRawStream(stream).decode();
  return bytes.length > MAX_DECODED_STREAM_BYTES ? undefined : bytes;
}

/** A page's content streams (its `/Contents`, one stream or an array), with the reference each is stored under. */
export function pageContentStreams(doc: PDFDocument, contents: unknown): { ref?: PDFRef; stream: PDFStream }[] {
  const resolve = (value: unknown): { ref?: PDFRef; stream: PDFStream } | undefined => {
    if (value instanceof PDFRef) {
      const target = doc.context.lookup(value);
      return target instanceof PDFStream ? { ref: value, stream: target } : undefined;
    }
    return value instanceof PDFStream ? { stream: value } : undefined;
  };
  if (contents instanceof PDFArray) {
    return contents
      .asArray()
      .map(resolve)
      .filter((s) => s !== undefined);
  }
  const one = resolve(contents);
  return one ? [one] : [];
}

/** The entries a replaced stream keeps: all but how it was encoded and its length. */
function keptEntries(doc: PDFDocument, stream: PDFStream): Record<string, PDFObject> {
  const dict = stream.dict.clone(doc.context);
  dict.delete(PDFName.of('Filter'));
  dict.delete(PDFName.of('DecodeParms'));
  dict.delete(PDFName.of('Length'));
  return Object.fromEntries([...dict.entries()].map(([k, v]) => [k.asString().slice(1), v]));
}

/** Stores new content (latin1 text) for a stream under its reference, compressed, its other entries kept. */
export function replaceStream(doc: PDFDocument, ref: PDFRef | undefined, stream: PDFStream, text: string): void {
  if (!ref) return;
  doc.context.assign(ref, doc.context.flateStream(Buffer.from(text, 'latin1'), keptEntries(doc, stream)));
}

/**
 * Stores content `replaceStream` compressed before (the text-layer cache keeps it) as `replaceStream` would:
 * the same dictionary and bytes, so the saved file is the one computing it again gives.
 */
export function replaceStreamDeflated(
  doc: PDFDocument,
  ref: PDFRef | undefined,
  stream: PDFStream,
  deflated: Uint8Array,
): void {
  if (!ref) return;
  // flateStream is `stream(zlib(contents), { ...dict, Filter: 'FlateDecode' })`.
  doc.context.assign(ref, doc.context.stream(deflated, { ...keptEntries(doc, stream), Filter: 'FlateDecode' }));
}
