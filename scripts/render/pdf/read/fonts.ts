import { decodePDFRawStream, PDFDict, PDFName, PDFRawStream, type PDFDocument, type PDFPage } from '@cantoo/pdf-lib';

/** What a page's font resource shows: the text of each character code, and how many bytes a code takes. */
export interface FontText {
  /** Code (as a number) → text, from the font's ToUnicode map. */
  unicode: Map<number, string>;
  /** 2 for a composite (Type0, Identity-H as Chromium writes them), 1 for a simple font. */
  codeBytes: 1 | 2;
}

const utf16 = (hex: string) => {
  let out = '';
  for (let i = 0; i + 3 < hex.length; i += 4) out += String.fromCharCode(parseInt(hex.slice(i, i + 4), 16));
  return out;
};

/** A ToUnicode CMap's `bfchar` and `bfrange` entries (both range forms). */
export function parseToUnicode(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const [, body] of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const [, code, text] of body!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>/g))
      map.set(parseInt(code!, 16), utf16(text!));
  }
  for (const [, body] of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const [, lo, hi, target] of body!.matchAll(
      /<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])/g,
    )) {
      const from = parseInt(lo!, 16);
      const to = parseInt(hi!, 16);
      if (target!.startsWith('[')) {
        const each = [...target!.matchAll(/<([0-9A-Fa-f]*)>/g)].map((m) => utf16(m[1]!));
        for (let code = from; code <= to && code - from < each.length; code++) map.set(code, each[code - from]!);
      } else {
        // The last UTF-16 unit counts up through the range.
        const base = target!.slice(1, -1);
        const head = utf16(base.slice(0, -4));
        const last = parseInt(base.slice(-4), 16);
        for (let code = from; code <= to; code++) map.set(code, head + String.fromCharCode(last + code - from));
      }
    }
  }
  return map;
}

/** A font resource of a page that has a ToUnicode map: what `pageFonts` reads of it. */
export interface FontResource {
  /** The resource name (`/F10`). */
  name: string;
  /** The font dictionary (one object per font, shared by every page that uses it). */
  font: PDFDict;
  toUnicode: PDFRawStream;
  codeBytes: 1 | 2;
}

/** The page's font resources with a ToUnicode map, in the order of its `/Font` dictionary. */
export function pageFontResources(doc: PDFDocument, page: PDFPage): FontResource[] {
  const resources: FontResource[] = [];
  const dict = page.node.Resources()?.lookupMaybe(PDFName.of('Font'), PDFDict);
  if (!dict) return resources;
  for (const [name, value] of dict.entries()) {
    const font = doc.context.lookup(value);
    if (!(font instanceof PDFDict)) continue;
    const toUnicode = font.lookup(PDFName.of('ToUnicode'));
    if (!(toUnicode instanceof PDFRawStream)) continue;
    resources.push({
      name: name.asString(),
      font,
      toUnicode,
      codeBytes: font.get(PDFName.of('Subtype'))?.toString() === '/Type0' ? 2 : 1,
    });
  }
  return resources;
}

/** A ToUnicode stream's CMap text. */
export const toUnicodeText = (toUnicode: PDFRawStream): string =>
  Buffer.from(decodePDFRawStream(toUnicode).decode()).toString('latin1');

/**
 * The page's fonts by resource name (`/F10`), each with its ToUnicode map; fonts without one are left out. `parsed`,
 * kept by the caller over the pages of one document, parses each ToUnicode stream once however many pages use it.
 */
export function pageFonts(
  doc: PDFDocument,
  page: PDFPage,
  parsed?: Map<PDFRawStream, Map<number, string>>,
): Map<string, FontText> {
  const fonts = new Map<string, FontText>();
  for (const { name, toUnicode, codeBytes } of pageFontResources(doc, page)) {
    let unicode = parsed?.get(toUnicode);
    if (!unicode) {
      unicode = parseToUnicode(toUnicodeText(toUnicode));
      parsed?.set(toUnicode, unicode);
    }
    fonts.set(name, { unicode, codeBytes });
  }
  return fonts;
}
