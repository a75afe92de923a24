import { readFile } from 'node:fs/promises';
import { PDFDocument } from '@cantoo/pdf-lib';
import { readDestinations } from '../post/finish.ts';
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

export async function readLayout(pdfFile: string): Promise<Layout> {
  const bytes = await readFile(pdfFile);
  const [pages, dests, images, doc] = await Promise.all([
    readTextLayout(pdfFile),
    readDestinations(bytes),
    readImages(pdfFile),
    PDFDocument.load(bytes, { updateMetadata: false }),
  ]);
  return {
    pages,
    starts: new Map([...dests.dests].map(([id, d]) => [id, d.page])),
    images,
    imageBoxes: imageBoxes(doc),
  };
}
