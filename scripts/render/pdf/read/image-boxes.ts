import { PDFDict, PDFName, PDFRawStream, type PDFDocument } from '@cantoo/pdf-lib';
import { decodeContent, MAX_DECODED_STREAM_BYTES } from './streams.ts';
import { parseContent } from './content.ts';
import { pageContentStreams } from './streams.ts';
import type { Box } from './text-layout.ts';

type Matrix = [number, number, number, number, number, number];

const multiply = (m: Matrix, n: Matrix): Matrix => [
  m[0] * n[0] + m[1] * n[2],
  m[0] * n[1] + m[1] * n[3],
  m[2] * n[0] + m[3] * n[2],
  m[2] * n[1] + m[3] * n[3],
  m[4] * n[0] + m[5] * n[2] + n[4],
  m[4] * n[1] + m[5] * n[3] + n[5],
];

const MAX_FORM_DEPTH = 4;
/** The `Do` operator, which draws an XObject (an image or a form that may hold one). */
const DRAWS = /(?:^|\s)Do(?:\s|$)/;

/**
 * Where each page draws its raster images, in points from the page's top left
 * (poppler's `-bbox-layout` frame). `pdftotext` sees only text and
 * `pdfimages -list` gives no position, so without this a page that ends with a
 * lead-in and then the image it introduces looked like a stranded lead-in, and
 * a page holding a tall image and two lines looked near-empty. The content
 * streams are followed through `q`/`Q`/`cm` into each image XObject (and into
 * form XObjects); vector drawings (an SVG) are paths and are not counted.
 */
export function imageBoxes(doc: PDFDocument): Box[][] {
  return doc.getPages().map((page) => {
    const boxes: Box[] = [];
    const height = page.getMediaBox().height;
    const walk = (content: string, resources: PDFDict | undefined, start: Matrix, depth: number) => {
      const ops = parseContent(content);
      if (!ops) return;
      let ctm = start;
      const stack: Matrix[] = [];
      for (const op of ops) {
        if (op.operator === 'q') {
          stack.push(ctm);
        } else if (op.operator === 'Q') {
          ctm = stack.pop() ?? ctm;
        } else if (op.operator === 'cm' && op.operands.length === 6) {
          ctm = multiply(op.operands.map(Number) as Matrix, ctm);
        } else if (op.operator === 'Do') {
          const xobjects = resources?.lookupMaybe(PDFName.of('XObject'), PDFDict);
          const target = xobjects?.lookup(PDFName.of((op.operands[0] ?? '/').slice(1)));
          if (!(target instanceof PDFRawStream)) continue;
          const subtype = target.dict.get(PDFName.of('Subtype'))?.toString();
          if (subtype === '/Image') {
            const corners = [
              [0, 0],
              [1, 0],
              [0, 1],
              [1, 1],
            ].map(([u, v]) => [u! * ctm[0] + v! * ctm[2] + ctm[4], u! * ctm[1] + v! * ctm[3] + ctm[5]]);
            const xs = corners.map((c) => c[0]!);
            const ys = corners.map((c) => height - c[1]!);
            boxes.push({ xMin: Math.min(...xs), xMax: Math.max(...xs), yMin: Math.min(...ys), yMax: Math.max(...ys) });
          } else if (subtype === '/Form' && depth < MAX_FORM_DEPTH) {
            const m = formMatrix(target);
            const inner = target.dict.lookupMaybe(PDFName.of('Resources'), PDFDict) ?? resources;
            const bytes = decodeContent(target);
            // A form over the decoding bound is not looked into.
            if (bytes) walk(Buffer.from(bytes).toString('latin1'), inner, multiply(m, ctm), depth + 1);
          }
        }
      }
    };
    const resources = page.node.Resources();
    if (!resources?.lookupMaybe(PDFName.of('XObject'), PDFDict)) return boxes;
    // A page's streams are joined into one string: together they stay under the decoding bound too.
    const texts: string[] = [];
    let total = 0;
    for (const { stream } of pageContentStreams(doc, page.node.get(PDFName.of('Contents')))) {
      const bytes = stream instanceof PDFRawStream ? decodeContent(stream) : undefined;
      if (!bytes || (total += bytes.length) > MAX_DECODED_STREAM_BYTES) continue;
      texts.push(Buffer.from(bytes).toString('latin1'));
    }
    const content = texts.join('\n');
    // Parsing a page of text costs more than the search: a page that draws no XObject has no image.
    if (!DRAWS.test(content)) return boxes;
    walk(content, resources, [1, 0, 0, 1, 0, 0], 0);
    return boxes;
  });
}

function formMatrix(form: PDFRawStream): Matrix {
  const value = form.dict.get(PDFName.of('Matrix'))?.toString();
  const numbers = value?.match(/[-\d.]+/g)?.map(Number);
  return numbers?.length === 6 ? (numbers as Matrix) : [1, 0, 0, 1, 0, 0];
}
