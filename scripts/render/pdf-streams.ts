import { inflateSync } from 'node:zlib';
import {
  decodePDFRawStream,
  PDFArray,
  PDFDict,
  PDFName,
  PDFRawStream,
  PDFRef,
  PDFStream,
  type PDFDocument,
} from '@cantoo/pdf-lib';

/** Chromium's content streams are plain Flate: Node's zlib inflates them far faster than pdf-lib's JavaScript decoder. */
export function decodeContent(stream: PDFRawStream): Uint8Array {
  const filter = stream.dict.get(PDFName.of('Filter'));
  if (filter === PDFName.of('FlateDecode') && !stream.dict.has(PDFName.of('DecodeParms')))
    return inflateSync(stream.contents);
  return decodePDFRawStream(stream).decode();
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

/** Stores new content (latin1 text) for a stream under its reference, compressed, its other entries kept. */
export function replaceStream(doc: PDFDocument, ref: PDFRef | undefined, stream: PDFStream, text: string): void {
  if (!ref) return;
  const dict = stream.dict.clone(doc.context) as PDFDict;
  dict.delete(PDFName.of('Filter'));
  dict.delete(PDFName.of('DecodeParms'));
  dict.delete(PDFName.of('Length'));
  const replacement = doc.context.flateStream(
    Buffer.from(text, 'latin1'),
    Object.fromEntries([...dict.entries()].map(([k, v]) => [k.asString().slice(1), v])),
  );
  doc.context.assign(ref, replacement);
}
