import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRawStream,
  PDFRef,
  PDFStream,
  PDFString,
  decodePDFRawStream,
  type PDFObject,
} from '@cantoo/pdf-lib';

/**
 * A PDF/X-4 (ISO 15930-7:2010) checker written from the standard's list of file requirements, for the tests: there
 * is no free PDF/X validator in the registries here. Each problem names the requirement it breaks. What it covers
 * and what it does not is listed in docs/decisions/0014-print-for-presses.md.
 */
export const PDFX_REQUIREMENTS = [
  'header: PDF version 1.6 or later',
  'no encryption',
  'trailer /ID present',
  'Info: GTS_PDFXVersion starts with PDF/X-4',
  'Info: Title, CreationDate and ModDate present',
  'Info: Trapped is True or False',
  'XMP packet present and unfiltered',
  'XMP: pdfxid:GTS_PDFXVersion PDF/X-4',
  'XMP: pdf:Trapped equals Info Trapped',
  'XMP: xmp:CreateDate and xmp:ModifyDate equal the Info dates',
  'XMP: dc:title, xmpMM:DocumentID, xmpMM:VersionID, xmpMM:RenditionClass present',
  'one GTS_PDFX output intent with OutputConditionIdentifier',
  'output intent: embedded ICC profile, output-device class (prtr), N matching its colour space',
  'every page: TrimBox (and no ArtBox beside it)',
  'every page: BleedBox within MediaBox, TrimBox within BleedBox',
  'every font embedded (FontFile, FontFile2 or FontFile3), in pages, form XObjects and annotations',
  'no DeviceCMYK colour in content or images when the output intent is RGB (and no DeviceRGB with CMYK)',
  'no PostScript XObjects, no JavaScript, no Launch, Sound, Movie or ResetForm actions',
  'optional content: every configuration has a Name, none has AS',
  'annotations inside the BleedBox: only TrapNet or PrinterMark, or without the print flag',
] as const;

export interface PdfXReport {
  problems: string[];
  /** The requirements checked (all of PDFX_REQUIREMENTS). */
  checked: readonly string[];
  pages: number;
  mediaBoxes: number[][];
}

const num = (value: PDFObject | undefined) => (value instanceof PDFNumber ? value.asNumber() : NaN);
const text = (value: PDFObject | undefined) =>
  value instanceof PDFString || value instanceof PDFHexString ? value.decodeText() : undefined;

function boxOf(dict: PDFDict, name: string): number[] | undefined {
  const array = dict.lookupMaybe(PDFName.of(name), PDFArray);
  return array ? array.asArray().map((v) => num(dict.context.lookup(v))) : undefined;
}

const within = (inner: number[], outer: number[], slack = 0.01) =>
  Math.min(inner[0]!, inner[2]!) >= Math.min(outer[0]!, outer[2]!) - slack &&
  Math.min(inner[1]!, inner[3]!) >= Math.min(outer[1]!, outer[3]!) - slack &&
  Math.max(inner[0]!, inner[2]!) <= Math.max(outer[0]!, outer[2]!) + slack &&
  Math.max(inner[1]!, inner[3]!) <= Math.max(outer[1]!, outer[3]!) + slack;

const overlaps = (a: number[], b: number[]) =>
  Math.max(a[0]!, a[2]!) > Math.min(b[0]!, b[2]!) &&
  Math.min(a[0]!, a[2]!) < Math.max(b[0]!, b[2]!) &&
  Math.max(a[1]!, a[3]!) > Math.min(b[1]!, b[3]!) &&
  Math.min(a[1]!, a[3]!) < Math.max(b[1]!, b[3]!);

function streamBytes(stream: PDFStream): Uint8Array {
  return stream instanceof PDFRawStream ? decodePDFRawStream(stream).decode() : stream.getContents();
}

/** PDF date `D:20260101000000Z` or `D:20260101000000+00'00'` → ISO seconds. */
function pdfDate(value: string | undefined): string | undefined {
  const m = value ? /^D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(value) : null;
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}` : undefined;
}

export async function checkPdfX(bytes: Uint8Array): Promise<PdfXReport> {
  const problems: string[] = [];
  const fail = (requirement: string, detail: string) => problems.push(`${requirement}: ${detail}`);
  const header = /^%PDF-(\d)\.(\d)/.exec(Buffer.from(bytes.subarray(0, 16)).toString('latin1'));
  if (!header || Number(header[1]) * 10 + Number(header[2]) < 16)
    fail(PDFX_REQUIREMENTS[0], `header ${header?.[0] ?? 'missing'}`);
  const doc = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false });
  const context = doc.context;
  if (doc.isEncrypted || context.trailerInfo.Encrypt) fail(PDFX_REQUIREMENTS[1], 'the file is encrypted');
  if (!context.trailerInfo.ID) fail(PDFX_REQUIREMENTS[2], 'no /ID in the trailer');

  const info = context.trailerInfo.Info ? context.lookup(context.trailerInfo.Info) : undefined;
  if (!(info instanceof PDFDict)) fail(PDFX_REQUIREMENTS[3], 'no Info dictionary');

  const infoText = (key: string) => (info instanceof PDFDict ? text(info.get(PDFName.of(key))) : undefined);
  if (!infoText('GTS_PDFXVersion')?.startsWith('PDF/X-4'))
    fail(PDFX_REQUIREMENTS[3], `GTS_PDFXVersion is ${infoText('GTS_PDFXVersion') ?? 'missing'}`);
  for (const key of ['Title', 'CreationDate', 'ModDate'])
    if (!infoText(key)) fail(PDFX_REQUIREMENTS[4], `Info has no ${key}`);
  const trapped = info instanceof PDFDict ? info.get(PDFName.of('Trapped')) : undefined;
  const trappedName = trapped instanceof PDFName ? trapped.asString().slice(1) : undefined;
  if (trappedName !== 'True' && trappedName !== 'False')
    fail(PDFX_REQUIREMENTS[5], `Trapped is ${trappedName ?? 'missing'}`);

  const metadata = doc.catalog.lookupMaybe(PDFName.of('Metadata'), PDFStream);
  let xmp = '';
  if (!metadata) {
    fail(PDFX_REQUIREMENTS[6], 'no Metadata stream on the catalog');
  } else {
    if (metadata.dict.get(PDFName.of('Filter'))) fail(PDFX_REQUIREMENTS[6], 'the XMP stream is compressed');
    xmp = Buffer.from(streamBytes(metadata)).toString('utf8');
  }
  const prop = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xmp)?.[1];
  if (!prop('pdfxid:GTS_PDFXVersion')?.startsWith('PDF/X-4') || !xmp.includes('http://www.npes.org/pdfx/ns/id/'))
    fail(PDFX_REQUIREMENTS[7], `pdfxid:GTS_PDFXVersion is ${prop('pdfxid:GTS_PDFXVersion') ?? 'missing'}`);
  if (prop('pdf:Trapped') !== trappedName)
    fail(PDFX_REQUIREMENTS[8], `XMP says ${prop('pdf:Trapped') ?? 'nothing'}, Info ${trappedName}`);
  for (const [tag, key] of [
    ['xmp:CreateDate', 'CreationDate'],
    ['xmp:ModifyDate', 'ModDate'],
  ] as const) {
    const fromXmp = prop(tag)?.slice(0, 19);
    if (!fromXmp || fromXmp !== pdfDate(infoText(key)))
      fail(PDFX_REQUIREMENTS[9], `${tag} ${fromXmp ?? 'missing'} ≠ Info ${key} ${infoText(key) ?? 'missing'}`);
  }
  if (!/<dc:title>/.test(xmp)) fail(PDFX_REQUIREMENTS[10], 'no dc:title');
  for (const tag of ['xmpMM:DocumentID', 'xmpMM:VersionID', 'xmpMM:RenditionClass'])
    if (!prop(tag)) fail(PDFX_REQUIREMENTS[10], `no ${tag}`);

  const intents = doc.catalog.lookupMaybe(PDFName.of('OutputIntents'), PDFArray);
  const pdfx = (intents?.asArray() ?? [])
    .map((i) => context.lookup(i))
    .filter((i): i is PDFDict => i instanceof PDFDict && i.get(PDFName.of('S')) === PDFName.of('GTS_PDFX'));
  let intentSpace = '';
  if (pdfx.length !== 1) {
    fail(PDFX_REQUIREMENTS[11], `${pdfx.length} GTS_PDFX output intents`);
  } else {
    const intent = pdfx[0]!;
    if (!text(intent.get(PDFName.of('OutputConditionIdentifier'))))
      fail(PDFX_REQUIREMENTS[11], 'no OutputConditionIdentifier');
    const profile = intent.lookupMaybe(PDFName.of('DestOutputProfile'), PDFStream);
    if (!profile) {
      fail(PDFX_REQUIREMENTS[12], 'no DestOutputProfile');
    } else {
      const icc = Buffer.from(streamBytes(profile));
      intentSpace = icc.toString('latin1', 16, 20);
      if (icc.toString('latin1', 36, 40) !== 'acsp') fail(PDFX_REQUIREMENTS[12], 'not an ICC profile');
      if (icc.readUInt32BE(0) !== icc.length) fail(PDFX_REQUIREMENTS[12], 'the profile size does not match its header');
      if (icc.toString('latin1', 12, 16) !== 'prtr')
        fail(PDFX_REQUIREMENTS[12], `profile class ${icc.toString('latin1', 12, 16)}, not prtr`);
      const n = num(profile.dict.get(PDFName.of('N')));
      const expected = intentSpace === 'CMYK' ? 4 : intentSpace === 'GRAY' ? 1 : 3;
      if (n !== expected) fail(PDFX_REQUIREMENTS[12], `N is ${n} for a ${intentSpace.trim()} profile`);
    }
  }

  const forbiddenSpace = intentSpace === 'RGB ' ? 'DeviceCMYK' : intentSpace === 'CMYK' ? 'DeviceRGB' : undefined;
  const forbiddenOps = intentSpace === 'RGB ' ? /(^|\s)[\d.\s]+\s(k|K)(?=\s|$)/ : /(^|\s)[\d.\s]+\s(rg|RG)(?=\s|$)/;
  const seenFonts = new Set<PDFObject>();
  const seenResources = new Set<PDFObject>();
  const checkFont = (font: PDFDict, where: string) => {
    if (seenFonts.has(font)) return;
    seenFonts.add(font);
    const subtype = font.get(PDFName.of('Subtype'));
    if (subtype === PDFName.of('Type3')) return;
    const target =
      subtype === PDFName.of('Type0') ? font.lookupMaybe(PDFName.of('DescendantFonts'), PDFArray)?.lookup(0) : font;
    const descriptor =
      target instanceof PDFDict ? target.lookupMaybe(PDFName.of('FontDescriptor'), PDFDict) : undefined;
    const embedded = ['FontFile', 'FontFile2', 'FontFile3'].some((k) => descriptor?.get(PDFName.of(k)));
    if (!embedded)
      fail(PDFX_REQUIREMENTS[15], `${font.get(PDFName.of('BaseFont'))?.toString() ?? 'a font'} on ${where}`);
  };
  const checkContent = (bytes: Uint8Array, where: string) => {
    if (!forbiddenSpace) return;
    const body = Buffer.from(bytes).toString('latin1');
    if (forbiddenOps.test(body) || body.includes(`/${forbiddenSpace}`))
      fail(PDFX_REQUIREMENTS[16], `${forbiddenSpace} colour on ${where}`);
  };
  const checkResources = (resources: PDFDict | undefined, where: string) => {
    if (!resources || seenResources.has(resources)) return;
    seenResources.add(resources);
    const fonts = resources.lookupMaybe(PDFName.of('Font'), PDFDict);
    for (const [, ref] of fonts?.entries() ?? []) {
      const font = context.lookup(ref);
      if (font instanceof PDFDict) checkFont(font, where);
    }
    const spaces = resources.lookupMaybe(PDFName.of('ColorSpace'), PDFDict);
    for (const [, value] of spaces?.entries() ?? []) {
      if (forbiddenSpace && context.lookup(value)?.toString().includes(forbiddenSpace))
        fail(PDFX_REQUIREMENTS[16], `${forbiddenSpace} colour space on ${where}`);
    }
    const xobjects = resources.lookupMaybe(PDFName.of('XObject'), PDFDict);
    for (const [, ref] of xobjects?.entries() ?? []) {
      const xobject = context.lookup(ref);
      if (!(xobject instanceof PDFStream)) continue;
      const subtype = xobject.dict.get(PDFName.of('Subtype'));
      if (subtype === PDFName.of('PS') || xobject.dict.get(PDFName.of('Subtype2')) === PDFName.of('PS'))
        fail(PDFX_REQUIREMENTS[17], `a PostScript XObject on ${where}`);
      if (subtype === PDFName.of('Image')) {
        const space = xobject.dict.get(PDFName.of('ColorSpace'));
        if (forbiddenSpace && space && context.lookup(space)?.toString().includes(forbiddenSpace))
          fail(PDFX_REQUIREMENTS[16], `a ${forbiddenSpace} image on ${where}`);
      }
      if (subtype === PDFName.of('Form')) {
        checkContent(streamBytes(xobject), `a form on ${where}`);
        checkResources(xobject.dict.lookupMaybe(PDFName.of('Resources'), PDFDict), `a form on ${where}`);
      }
    }
  };

  const mediaBoxes: number[][] = [];
  doc.getPages().forEach((page, index) => {
    const where = `page ${index + 1}`;
    const media = page.node
      .MediaBox()
      .asArray()
      .map((v) => num(context.lookup(v)));
    mediaBoxes.push(media);
    const trim = boxOf(page.node, 'TrimBox');
    const bleed = boxOf(page.node, 'BleedBox') ?? media;
    if (!trim) fail(PDFX_REQUIREMENTS[13], `${where} has no TrimBox`);
    if (trim && page.node.get(PDFName.of('ArtBox'))) fail(PDFX_REQUIREMENTS[13], `${where} has TrimBox and ArtBox`);
    if (!within(bleed, media))
      fail(PDFX_REQUIREMENTS[14], `${where}: BleedBox ${bleed.join(',')} outside MediaBox ${media.join(',')}`);
    if (trim && !within(trim, bleed))
      fail(PDFX_REQUIREMENTS[14], `${where}: TrimBox ${trim.join(',')} outside BleedBox ${bleed.join(',')}`);
    checkResources(page.node.Resources(), where);
    const contents = page.node.get(PDFName.of('Contents'));
    const streams = contents ? context.lookup(contents) : undefined;
    const list = streams instanceof PDFArray ? streams.asArray().map((s) => context.lookup(s)) : [streams];
    for (const stream of list) if (stream instanceof PDFStream) checkContent(streamBytes(stream), where);
    for (const ref of page.node.Annots()?.asArray() ?? []) {
      const annot = context.lookup(ref);
      if (!(annot instanceof PDFDict)) continue;
      const subtype = annot.get(PDFName.of('Subtype'))?.toString().slice(1);
      const rect = boxOf(annot, 'Rect');
      const prints = (num(annot.get(PDFName.of('F'))) & 4) !== 0;
      if (subtype !== 'TrapNet' && subtype !== 'PrinterMark' && prints && rect && overlaps(rect, bleed))
        fail(PDFX_REQUIREMENTS[19], `a printing ${subtype} annotation inside the BleedBox on ${where}`);
      const action = annot.lookupMaybe(PDFName.of('A'), PDFDict)?.get(PDFName.of('S'))?.toString().slice(1);
      if (action && ['JavaScript', 'Launch', 'Sound', 'Movie', 'ResetForm', 'ImportData'].includes(action))
        fail(PDFX_REQUIREMENTS[17], `a ${action} action on ${where}`);
      const appearance = annot.lookupMaybe(PDFName.of('AP'), PDFDict)?.lookup(PDFName.of('N'));
      if (appearance instanceof PDFStream)
        checkResources(appearance.dict.lookupMaybe(PDFName.of('Resources'), PDFDict), `an annotation on ${where}`);
    }
  });

  const names = doc.catalog.lookupMaybe(PDFName.of('Names'), PDFDict);
  if (names?.get(PDFName.of('JavaScript'))) fail(PDFX_REQUIREMENTS[17], 'document JavaScript');
  const open = doc.catalog.get(PDFName.of('OpenAction'));
  const openAction = open ? context.lookup(open) : undefined;
  if (openAction instanceof PDFDict && openAction.get(PDFName.of('S')) === PDFName.of('JavaScript'))
    fail(PDFX_REQUIREMENTS[17], 'a JavaScript open action');
  if (doc.catalog.get(PDFName.of('AA'))) fail(PDFX_REQUIREMENTS[17], 'document additional actions');

  const oc = doc.catalog.lookupMaybe(PDFName.of('OCProperties'), PDFDict);
  if (oc) {
    const configs = [oc.get(PDFName.of('D')), ...(oc.lookupMaybe(PDFName.of('Configs'), PDFArray)?.asArray() ?? [])];
    for (const value of configs) {
      const config = value instanceof PDFRef ? context.lookup(value) : value;
      if (!(config instanceof PDFDict)) continue;
      if (!text(config.get(PDFName.of('Name')))) fail(PDFX_REQUIREMENTS[18], 'a configuration without a Name');
      if (config.get(PDFName.of('AS'))) fail(PDFX_REQUIREMENTS[18], 'a configuration with AS');
    }
  }
  return { problems, checked: PDFX_REQUIREMENTS, pages: doc.getPageCount(), mediaBoxes };
}
