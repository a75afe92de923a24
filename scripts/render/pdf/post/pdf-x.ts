import { PDFArray, PDFDict, PDFDocument, PDFHeader, PDFName, PDFNumber, PDFString } from '@cantoo/pdf-lib';
import { SRGB_DESCRIPTION, srgbProfile } from './srgb-icc.ts';

/**
 * PDF/X-4 (ISO 15930-7) on a finished document: what the standard asks of the file that Chromium's output
 * lacks. The checker in tests/pdfx-check.ts reads each of these back; docs/decisions/0014-print-for-presses.md
 * lists what it covers.
 */
export interface PdfXOptions {
  /** The output intent's ICC profile; Galley's sRGB (srgb-icc.ts) when not given. */
  profile?: { bytes: Uint8Array; name: string };
}

export const PDFX_VERSION = 'PDF/X-4';
const PRINT_FLAG = 4;

/** XMP properties a PDF/X-4 packet carries besides the document's own (namespaces: see XMP_NAMESPACES). */
export function pdfxXmpFields(): string[] {
  return [
    `<pdfxid:GTS_PDFXVersion>${PDFX_VERSION}</pdfxid:GTS_PDFXVersion>`,
    '<pdf:Trapped>False</pdf:Trapped>',
    '<xmpMM:VersionID>1</xmpMM:VersionID>',
    '<xmpMM:RenditionClass>default</xmpMM:RenditionClass>',
  ];
}

export const PDFX_XMP_NAMESPACE = 'xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/"';

/**
 * The output intent (GTS_PDFX, with its profile embedded), the version and trapping keys in the Info
 * dictionary, a TrimBox and BleedBox on every page (the MediaBox when the page has none: a page without bleed is
 * trimmed at its edge), no annotation that prints (links lose their print flag), optional content configurations named and without /AS, and a PDF 1.7 header (X-4 needs
 * 1.6 at least; object streams, which Galley writes, need 1.5).
 */
export function applyPdfX(doc: PDFDocument, options: PdfXOptions = {}): void {
  const context = doc.context;
  const profile = options.profile ?? { bytes: srgbProfile(), name: SRGB_DESCRIPTION };
  const space = Buffer.from(profile.bytes.subarray(16, 20)).toString('latin1');
  const stream = context.flateStream(profile.bytes, { N: space === 'CMYK' ? 4 : space === 'GRAY' ? 1 : 3 });
  const intent = context.obj({
    Type: 'OutputIntent',
    S: 'GTS_PDFX',
    OutputConditionIdentifier: PDFString.of(profile.name),
    OutputCondition: PDFString.of(profile.name),
    Info: PDFString.of(profile.name),
    RegistryName: PDFString.of('http://www.color.org'),
    DestOutputProfile: context.register(stream),
  });
  doc.catalog.set(PDFName.of('OutputIntents'), context.obj([intent]));

  const info = context.lookup(context.trailerInfo.Info, PDFDict);
  info.set(PDFName.of('GTS_PDFXVersion'), PDFString.of(PDFX_VERSION));
  info.set(PDFName.of('Trapped'), PDFName.of('False'));

  for (const page of doc.getPages()) {
    const media = page.node.MediaBox().clone(context);
    if (!page.node.get(PDFName.of('TrimBox'))) page.node.set(PDFName.of('TrimBox'), media);
    if (!page.node.get(PDFName.of('BleedBox')))
      page.node.set(PDFName.of('BleedBox'), page.node.get(PDFName.of('TrimBox'))!);
    // A CropBox other than the MediaBox would hide the bleed from the press.
    page.node.delete(PDFName.of('CropBox'));
    // Links stay for a reader of the proof (and in the structure tree), but nothing but a trap network or a
    // printer's mark may print inside the bleed: the print flag comes off.
    for (const ref of page.node.Annots()?.asArray() ?? []) {
      const annot = context.lookup(ref);
      if (!(annot instanceof PDFDict)) continue;
      const subtype = annot.get(PDFName.of('Subtype'));
      if (subtype === PDFName.of('TrapNet') || subtype === PDFName.of('PrinterMark')) continue;
      const flags = annot.lookupMaybe(PDFName.of('F'), PDFNumber)?.asNumber() ?? 0;
      if (flags & PRINT_FLAG) annot.set(PDFName.of('F'), PDFNumber.of(flags & ~PRINT_FLAG));
    }
  }

  const properties = doc.catalog.lookupMaybe(PDFName.of('OCProperties'), PDFDict);
  if (properties) {
    const configs = [properties.lookupMaybe(PDFName.of('D'), PDFDict)];
    const more = properties.lookupMaybe(PDFName.of('Configs'), PDFArray);
    if (more) for (let i = 0; i < more.size(); i++) configs.push(more.lookupMaybe(i, PDFDict));
    for (const [index, config] of configs.entries()) {
      if (!config) continue;
      if (!config.get(PDFName.of('Name'))) config.set(PDFName.of('Name'), PDFString.of(`Configuration ${index + 1}`));
      config.delete(PDFName.of('AS'));
    }
  }
  doc.catalog.delete(PDFName.of('Encrypt'));
  context.header = PDFHeader.forVersion(1, 7);
}
