import { readFile } from 'node:fs/promises';
import { PDFDocument } from '@cantoo/pdf-lib';
import { loadPdf } from '../lib-speed.ts';
import { destinations } from '../post/finish.ts';
import { imageBoxes } from '../read/image-boxes.ts';
import { readImages, readTextLayout, type Box, type PlacedImage, type TextPage } from '../read/text-layout.ts';

/** The printed pages as the findings read them: poppler's words and images, and where each block starts. */
export interface Layout {
  pages: TextPage[];
  /** Where each block starts (0-based page), for the blocks the PDF links to. */
  starts: Map<string, number>;
  images: PlacedImage[];
  /** Where each page prints its raster images (points, top left origin), when known. */
  imageBoxes?: Box[][];
}

/**
 * Reads a printed PDF: poppler for words and images, pdf-lib's faster parse (one, shared) for destinations and image
 * boxes. `source`, when the caller holds the bytes, saves reading the file again; when it holds the parsed document,
 * saves the parse too: what is read of it is read before this returns its promise (poppler already started), so the
 * caller may change the document afterwards.
 */
export async function readLayout(pdfFile: string, source?: Uint8Array | PDFDocument): Promise<Layout> {
  const reading = Promise.all([readTextLayout(pdfFile), readImages(pdfFile)]);
  reading.catch(() => undefined);
  const fromDoc = (doc: PDFDocument) => ({
    starts: new Map([...destinations(doc)].map(([id, d]) => [id, d.page])),
    imageBoxes: imageBoxes(doc),
  });
  const read =
    source instanceof PDFDocument
      ? fromDoc(source)
      : fromDoc(await (source ? Promise.resolve(source) : readFile(pdfFile)).then(loadPdf));
  const [pages, images] = await reading;
  return { pages, starts: read.starts, images, imageBoxes: read.imageBoxes };
}
