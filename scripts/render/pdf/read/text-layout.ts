import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A box in PDF points, origin at the page's top left (poppler's `-bbox-layout`). */
export interface Box {
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

export interface TextLine extends Box {
  text: string;
  words: (Box & { text: string })[];
}

export interface TextBlock extends Box {
  lines: TextLine[];
}

export interface TextPage {
  width: number;
  height: number;
  blocks: TextBlock[];
}

const num = (attrs: string, name: string) => Number(new RegExp(`${name}="([-\\d.]+)"`).exec(attrs)?.[1] ?? 0);
const box = (attrs: string): Box => ({
  xMin: num(attrs, 'xMin'),
  yMin: num(attrs, 'yMin'),
  xMax: num(attrs, 'xMax'),
  yMax: num(attrs, 'yMax'),
});
const unescape = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[\da-f]+);/gi, (all, name: string) => {
    if (name === 'amp') return '&';
    if (name === 'lt') return '<';
    if (name === 'gt') return '>';
    if (name === 'quot') return '"';
    if (name === 'apos') return "'";
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return Number.isFinite(code) ? String.fromCodePoint(code) : all;
  });

/** Parses `pdftotext -bbox-layout` output: pages of blocks of lines of words, with their boxes. */
export function parseBboxLayout(xhtml: string): TextPage[] {
  const pages: TextPage[] = [];
  for (const pageMatch of xhtml.matchAll(/<page ([^>]*)>([\s\S]*?)<\/page>/g)) {
    const page: TextPage = { width: num(pageMatch[1]!, 'width'), height: num(pageMatch[1]!, 'height'), blocks: [] };
    for (const blockMatch of pageMatch[2]!.matchAll(/<block ([^>]*)>([\s\S]*?)<\/block>/g)) {
      const block: TextBlock = { ...box(blockMatch[1]!), lines: [] };
      for (const lineMatch of blockMatch[2]!.matchAll(/<line ([^>]*)>([\s\S]*?)<\/line>/g)) {
        const words = [...lineMatch[2]!.matchAll(/<word ([^>]*)>([\s\S]*?)<\/word>/g)].map((w) => ({
          ...box(w[1]!),
          text: unescape(w[2]!),
        }));
        block.lines.push({ ...box(lineMatch[1]!), words, text: words.map((w) => w.text).join(' ') });
      }
      page.blocks.push(block);
    }
    pages.push(page);
  }
  return pages;
}

/** Every page's words and their boxes, from poppler's pdftotext. */
export async function readTextLayout(pdfFile: string): Promise<TextPage[]> {
  const { stdout } = await run('pdftotext', ['-bbox-layout', pdfFile, '-'], { maxBuffer: 1 << 30 });
  return parseBboxLayout(stdout);
}

export interface PlacedImage {
  /** 0-based page index. */
  page: number;
  width: number;
  height: number;
  xPpi: number;
  yPpi: number;
}

/** Raster images with their printed resolution (`pdfimages -list`); masks (smask) are not images of their own. */
export async function readImages(pdfFile: string): Promise<PlacedImage[]> {
  const { stdout } = await run('pdfimages', ['-list', pdfFile], { maxBuffer: 1 << 28 });
  const out: PlacedImage[] = [];
  for (const line of stdout.split('\n').slice(2)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 14 || cols[2] !== 'image') continue;
    out.push({
      page: Number(cols[0]) - 1,
      width: Number(cols[3]),
      height: Number(cols[4]),
      xPpi: Number(cols[12]),
      yPpi: Number(cols[13]),
    });
  }
  return out;
}
