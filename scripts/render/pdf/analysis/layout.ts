import { readFile } from 'node:fs/promises';
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
 * boxes. `bytes`, when the caller holds them, saves reading the file again.
 */
export async function readLayout(pdfFile: string, bytes?: Uint8Array): Promise<Layout> {
  const [pages, images, doc] = await Promise.all([
    readTextLayout(pdfFile),
    readImages(pdfFile),
    (bytes ? Promise.resolve(bytes) : readFile(pdfFile)).then(loadPdf),
  ]);
  return {
    pages,
    starts: new Map([...destinations(doc)].map(([id, d]) => [id, d.page])),
    images,
    imageBoxes: imageBoxes(doc),
  };
}
