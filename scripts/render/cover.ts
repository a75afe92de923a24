import { createHash } from 'node:crypto';
import path from 'node:path';
import { PDFDict, PDFName, PDFNumber, PDFString, type PDFDocument } from '@cantoo/pdf-lib';
import type { LoadedBook } from '../model/book/load.ts';
import { bookSlug } from '../model/book-slug.ts';
import { coverSize, PRESETS, presetOf, type PrintPreset } from '../model/config/presets.ts';
import { footerText } from '../model/pages.ts';
import { bookDirection } from '../model/direction.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { buildDate } from '../util/build-date.ts';
import { report } from '../util/messages.ts';
import { sharedFiles } from './assets.ts';
import { openSandboxedPage, type GalleyBrowser, type ServedFile } from './browser.ts';
import { finishPdf, wrapContents } from './pdf/post/finish.ts';
import { loadPdf } from './pdf/lib-speed.ts';
import { pageGeometry } from './pdf/pages-css.ts';
import { keyPlace, pressOptions } from './pdf/press.ts';
import { BOOK_CSP } from './xhtml.ts';
import type { Renderer } from './renderer.ts';
import { renderPdf } from './pdf/pdf.ts';

const PT = 72;
/** Text stays this far inside the trim and the spine folds. */
const SAFE_IN = 0.25;
/** Spine text keeps this far from each fold (KDP asks 0.0625 in). */
const SPINE_CLEARANCE_IN = 0.0625;

/** Where each panel of the spread lies, in inches from the sheet's left and bottom edges. */
export interface CoverLayout {
  width: number;
  height: number;
  bleed: number;
  spine: number;
  trim: { width: number; height: number };
  /** A right-to-left book: the front is the left panel. */
  rtl: boolean;
  /** Left edges of the back panel, the spine and the front panel. */
  back: number;
  spineLeft: number;
  front: number;
  barcode: { x: number; y: number; width: number; height: number };
}

/** Back, spine, front from left to right; a right-to-left book opens the other way, its front on the left. */
export function coverLayout(
  preset: PrintPreset,
  paper: 'white' | 'cream' | 'colour',
  pages: number,
  trim: { width: number; height: number },
  rtl = false,
): CoverLayout {
  const size = coverSize(preset, paper, pages, trim);
  const spineLeft = size.bleed + trim.width;
  const beyondSpine = spineLeft + size.spine;
  const back = rtl ? beyondSpine : size.bleed;
  const front = rtl ? size.bleed : beyondSpine;
  const { width, height, inset } = preset.barcode;
  return {
    ...size,
    trim,
    rtl,
    back,
    spineLeft,
    front,
    // At the bottom of the back cover, in the corner nearest the spine, as the services place it.
    barcode: { x: rtl ? beyondSpine + inset : spineLeft - inset - width, y: size.bleed + inset, width, height },
  };
}

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const inch = (value: number) => `${Number(value.toFixed(4))}in`;

function coverHtml(book: LoadedBook, layout: CoverLayout, spineText: string | undefined, isbn?: string): string {
  const c = book.config;
  const colours = c.output.cover;
  const { trim, bleed } = layout;
  const top = inch(bleed + SAFE_IN);
  const panel = (left: number) =>
    `left: ${inch(left + SAFE_IN)}; top: ${top}; width: ${inch(trim.width - 2 * SAFE_IN)}; height: ${inch(trim.height - 2 * SAFE_IN)};`;
  // The front picture runs into the bleed on its three outer sides.
  const front = book.cover
    ? `<img class="picture" alt="" src="${esc(book.cover.target)}" style="left: ${inch(layout.rtl ? 0 : layout.front)}; top: 0; width: ${inch(trim.width + bleed)}; height: ${inch(layout.height)};">`
    : `<div class="front" style="${panel(layout.front)}"><h1>${esc(c.title)}</h1>${c.subtitle ? `<p class="cover-subtitle">${esc(c.subtitle)}</p>` : ''}<p class="authors">${esc(c.authors.join(', '))}</p></div>`;
  const backText = (colours.back_text ?? c.description ?? '')
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${esc(p)}</p>`)
    .join('');
  const rights = footerText(book);
  const b = layout.barcode;
  const barcodeTop = layout.height - b.y - b.height;
  return `<!DOCTYPE html>
<html lang="${esc(c.language)}" dir="${layout.rtl ? 'rtl' : 'ltr'}"><head><meta charset="utf-8"><title>${esc(c.title)} (cover)</title>
<link rel="stylesheet" href="css/fonts.css">
<style>
@page { size: ${inch(layout.width)} ${inch(layout.height)}; margin: 0; }
html, body { margin: 0; padding: 0; }
body { width: ${inch(layout.width)}; height: ${inch(layout.height)}; position: relative; overflow: hidden;
  background: ${colours.background}; color: ${colours.foreground}; font-family: 'Galley Serif', serif; }
.picture { position: absolute; object-fit: cover; }
.front, .back { position: absolute; box-sizing: border-box; }
.front { display: flex; flex-direction: column; justify-content: center; text-align: center; }
.front h1 { font-size: 30pt; line-height: 1.15; margin: 0 0 0.3in; font-weight: 700; }
.front *, .back * { color: inherit; }
.front .cover-subtitle { font-size: 14pt; font-style: italic; margin: 0 0 0.6in; }
.front .authors { font-size: 16pt; letter-spacing: 0.04em; margin: 0; }
.back { font-size: 11pt; line-height: 1.45; }
.back p { margin: 0 0 0.8em; }
.back .rights { font-size: 8pt; position: absolute; bottom: ${inch(b.height + 0.45)}; }
.spine { position: absolute; top: 0; height: ${inch(layout.height)}; left: ${inch(layout.spineLeft)}; width: ${inch(layout.spine)};
  background: ${colours.spine ?? colours.background}; display: flex; align-items: center; justify-content: center; }
.spine span { writing-mode: vertical-rl; white-space: nowrap; font-size: ${Number(Math.min(11, Math.max(5, (layout.spine - 2 * SPINE_CLEARANCE_IN) * PT * 0.7)).toFixed(2))}pt; letter-spacing: 0.05em; }
.barcode { position: absolute; background: #fff; left: ${inch(b.x)}; top: ${inch(barcodeTop)}; width: ${inch(b.width)}; height: ${inch(b.height)}; }
.isbn { position: absolute; font-size: 8pt; left: ${inch(b.x)}; top: ${inch(barcodeTop - 0.22)}; }
</style></head>
<body>
<div class="back" style="${panel(layout.back)}">${backText}${rights ? `<p class="rights">${esc(rights)}</p>` : ''}</div>
${isbn ? `<p class="isbn">ISBN ${esc(isbn)}</p>` : ''}
<div class="barcode" aria-hidden="true"></div>
<div class="spine">${spineText ? `<span>${esc(spineText)}</span>` : ''}</div>
${front}
</body></html>
`;
}

/**
 * Trim, fold, safe-area and barcode lines in an optional content group that is off in the default configuration
 * and marked not to print: a press prints the default state, a viewer can show the group from its layers panel.
 */
function addGuides(doc: PDFDocument, layout: CoverLayout) {
  const context = doc.context;
  const page = doc.getPage(0);
  const group = context.register(
    context.obj({
      Type: 'OCG',
      Name: PDFString.of('Guides (do not print)'),
      Intent: 'Design',
      Usage: { Print: { PrintState: 'OFF' }, View: { ViewState: 'ON' } },
    }),
  );
  doc.catalog.set(
    PDFName.of('OCProperties'),
    context.obj({
      OCGs: [group],
      D: { Name: PDFString.of('Press'), BaseState: 'ON', OFF: [group], Order: [group] },
      Configs: [{ Name: PDFString.of('Guides shown'), BaseState: 'ON', Order: [group] }],
    }),
  );
  const n = (v: number) => Number((v * PT).toFixed(3));
  const media = page.node.MediaBox();
  const top = (media.lookup(3) as PDFNumber).asNumber();
  const y = top / PT - layout.height;
  const rect = (x: number, y: number, w: number, h: number) => `${n(x)} ${n(y)} ${n(w)} ${n(h)} re S`;
  const { trim, bleed } = layout;
  const ops = [
    'q',
    `1 0 0 1 0 ${n(y)} cm`,
    '/OC /GalleyGuides BDC',
    '0.5 w 1 0 0 RG',
    rect(bleed, bleed, layout.width - 2 * bleed, trim.height),
    `${n(layout.spineLeft)} 0 m ${n(layout.spineLeft)} ${n(layout.height)} l S`,
    `${n(layout.spineLeft + layout.spine)} 0 m ${n(layout.spineLeft + layout.spine)} ${n(layout.height)} l S`,
    '[3 3] 0 d 0 0.6 0 RG',
    rect(layout.back + SAFE_IN, bleed + SAFE_IN, trim.width - 2 * SAFE_IN, trim.height - 2 * SAFE_IN),
    rect(layout.front + SAFE_IN, bleed + SAFE_IN, trim.width - 2 * SAFE_IN, trim.height - 2 * SAFE_IN),
    '[] 0 d 0 0 1 RG',
    rect(layout.barcode.x, layout.barcode.y, layout.barcode.width, layout.barcode.height),
    'EMC',
    'Q',
  ];
  const before = context.register(context.flateStream('q\n'));
  const after = context.register(context.flateStream(`Q\n${ops.join('\n')}\n`));
  wrapContents(page, before, after);
  const resources = page.node.Resources() ?? context.obj({});
  const properties = resources.lookupMaybe(PDFName.of('Properties'), PDFDict) ?? context.obj({});
  properties.set(PDFName.of('GalleyGuides'), group);
  resources.set(PDFName.of('Properties'), properties);
  page.node.set(PDFName.of('Resources'), resources);
  // Chromium rounds the sheet to whole CSS pixels; the MediaBox is set to the computed size, anchored at the top
  // where Chromium's content starts, so the spread is as wide as the formula says.
  const box = (x0: number, y0: number, x1: number, y1: number) => context.obj([x0, y0 + y, x1, y1 + y].map(n));
  page.node.set(PDFName.of('MediaBox'), box(0, 0, layout.width, layout.height));
  page.node.set(PDFName.of('TrimBox'), box(bleed, bleed, layout.width - bleed, layout.height - bleed));
  page.node.set(PDFName.of('BleedBox'), box(0, 0, layout.width, layout.height));
}

export interface CoverResult {
  path: string;
  layout: CoverLayout;
  spineText: boolean;
}

/**
 * The cover spread (`galley build --format cover`): back, spine and front on one sheet with bleed all round, the
 * spine as wide as `interiorPages` of the book's paper, printed by Chromium like the interior, then finished as
 * the interior is (metadata, fixed dates and /ID, PDF/X-4 when asked). Writes `<outDir>/<slug>-cover.pdf`.
 */
export async function renderCover(
  book: LoadedBook,
  interiorPages: number,
  outDir: string,
  browser: GalleyBrowser,
): Promise<CoverResult> {
  const c = book.config;
  const pdf = c.output.pdf;
  const preset = presetOf(pdf) ?? PRESETS.kdp;
  const geometry = pageGeometry(pdf, false, interiorPages);
  const trim = { width: geometry.width / 25.4, height: geometry.height / 25.4 };
  const layout = coverLayout(preset, pdf.paper, interiorPages, trim, bookDirection(c) === 'rtl');
  const wanted = c.output.cover.spine_text ?? [c.title, c.authors[0]].filter(Boolean).join(' · ');
  const spineText = interiorPages >= preset.spineTextMin ? wanted : undefined;
  if (!spineText && wanted) {
    report(
      book.configFile,
      'warning',
      `Cover: no spine text: ${interiorPages} interior pages are fewer than the ${preset.spineTextMin} ${preset.service} needs for text on the spine`,
      keyPlace(book, c.output.cover.spine_text ? 'spine_text' : 'title'),
      'cover-spine-text',
    );
  }
  const press = pressOptions(book);
  const html = coverHtml(book, layout, spineText, c.isbn?.print);
  const files = new Map<string, ServedFile>();
  for (const file of await sharedFiles(book, [])) files.set(file.path, { mediaType: file.mediaType, data: file.data });
  files.set('cover.html', { mediaType: 'text/html; charset=utf-8', data: html });
  const sandbox = await openSandboxedPage(browser, files, BOOK_CSP);
  let printed: Uint8Array;
  try {
    await sandbox.load('cover.html');
    const natural = await sandbox.page.evaluate(() => {
      const img = document.querySelector('img.picture');
      return img instanceof HTMLImageElement ? [img.naturalWidth, img.naturalHeight] : undefined;
    });
    if (natural && natural[0]! > 0 && natural[1]! > 0) {
      // object-fit: cover scales the picture until it fills the front and its bleed.
      const dpi = Math.floor(Math.min(natural[0]! / (trim.width + layout.bleed), natural[1]! / layout.height));
      if (dpi < preset.minDpi) {
        report(
          book.configFile,
          'warning',
          `Cover: the ${natural[0]}×${natural[1]} cover image prints at ${dpi} dpi on the front; ${preset.service} asks ${preset.minDpi} dpi (${Math.ceil((trim.width + layout.bleed) * preset.minDpi)}×${Math.ceil(layout.height * preset.minDpi)} pixels or more)`,
          keyPlace(book, 'cover'),
          'cover-image-resolution',
        );
      }
    }
    printed = await sandbox.page.pdf({ preferCSSPageSize: true, printBackground: true, tagged: false, timeout: 0 });
  } finally {
    await sandbox.close();
  }
  const doc = await loadPdf(printed);
  addGuides(doc, layout);
  const date = buildDate(book.root);
  const fingerprint = createHash('sha256').update(html).update(String(interiorPages)).digest('hex');
  const finished = await finishPdf(doc, {
    title: `${c.title} (cover)`,
    authors: c.authors,
    keywords: c.keywords,
    language: c.language,
    rights: footerText(book),
    date,
    fingerprint,
    outline: [],
    geometry: { ...geometry, bleed: 0, extra: 0, cropMarks: false },
    producer: `Galley (${(await browser.browser.version()).replace('HeadlessChrome', 'Chromium')} Skia/PDF; pdf-lib)`,
    isbn: press.isbn,
    pdfx: press.pdfx,
  });
  const target = path.join(outDir, `${bookSlug(book)}-cover.pdf`);
  await writeFileAtomic(target, finished.bytes);
  return { path: target, layout, spineText: spineText !== undefined };
}

export const renderer: Renderer = {
  format: 'cover',
  async render(ctx) {
    const browser = await ctx.browser();
    // The spine is as thick as this build's interior: printed here, not written, when the PDF was not asked for.
    const interiorPages =
      ctx.artifacts.find((a) => a.format === 'pdf')?.pages ??
      (await renderPdf(ctx.book, ctx.pages, ctx.outDir, { browser, errata: ctx.errata, write: false })).pages;
    const cover = await renderCover(ctx.book, interiorPages, ctx.outDir, browser);
    return [{ format: 'cover', path: cover.path, pages: 1 }];
  },
};
