import { performance } from 'node:perf_hooks';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRef,
  PDFString,
  type PDFContext,
  type PDFObject,
  type PDFPage,
} from '@cantoo/pdf-lib';
import type { Geometry } from '../pages-css.ts';
import { localDigits } from '../../../model/numerals.ts';
import { shortenDestinationNames } from './dest-names.ts';
import { loadPdf, savePdf } from '../lib-speed.ts';
import { applyPdfX, PDFX_XMP_NAMESPACE, pdfxXmpFields, type PdfXOptions } from './pdf-x.ts';

/** Named destinations decoded to ids (Chromium names each link target after its id). */
export function decodeName(name: PDFName): string {
  const raw = name.asString().slice(1);
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '#' && /^[0-9a-f]{2}$/i.test(raw.slice(i + 1, i + 3))) {
      bytes.push(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(raw.charCodeAt(i) & 0xff);
    }
  }
  const text = Buffer.from(bytes).toString('utf8');
  // Chromium names a destination after the element's id percent-encoded (`#سوگیری` → `%D8%B3…`): decode it, so a
  // non-ASCII id finds its page as an ASCII one does.
  if (!/%[0-9a-f]{2}/i.test(text)) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export interface Destination {
  /** 0-based page index. */
  page: number;
  /** The destination array as Chromium wrote it ([page /XYZ x y zoom]). */
  array: PDFArray;
}

function collectNameTree(context: PDFContext, node: PDFDict, out: Map<string, PDFObject>) {
  const names = node.lookupMaybe(PDFName.of('Names'), PDFArray);
  if (names) {
    for (let i = 0; i + 1 < names.size(); i += 2) {
      const key = names.lookup(i);
      const value = names.get(i + 1);
      if (key instanceof PDFString || key instanceof PDFHexString) out.set(key.decodeText(), value);
    }
  }
  const kids = node.lookupMaybe(PDFName.of('Kids'), PDFArray);
  if (kids) for (let i = 0; i < kids.size(); i++) collectNameTree(context, kids.lookup(i, PDFDict), out);
}

/** Where every link target landed: id → page, from the catalog's /Dests (and a /Names tree, if any). */
export function destinations(doc: PDFDocument): Map<string, Destination> {
  const context = doc.context;
  const pageIndex = new Map<string, number>();
  doc.getPages().forEach((page, index) => pageIndex.set(page.ref.toString(), index));
  const raw = new Map<string, PDFObject>();
  const dests = doc.catalog.lookupMaybe(PDFName.of('Dests'), PDFDict);
  if (dests) for (const [key, value] of dests.entries()) raw.set(decodeName(key), value);
  const nameTree = doc.catalog.lookupMaybe(PDFName.of('Names'), PDFDict)?.lookupMaybe(PDFName.of('Dests'), PDFDict);
  if (nameTree) collectNameTree(context, nameTree, raw);
  const out = new Map<string, Destination>();
  for (const [id, value] of raw) {
    let resolved = context.lookup(value);
    if (resolved instanceof PDFDict) resolved = resolved.lookup(PDFName.of('D'));
    if (!(resolved instanceof PDFArray)) continue;
    const first = resolved.get(0);
    const page = first instanceof PDFRef ? pageIndex.get(first.toString()) : undefined;
    if (page !== undefined) out.set(id, { page, array: resolved });
  }
  return out;
}

export async function readDestinations(bytes: Uint8Array): Promise<{ pages: number; dests: Map<string, Destination> }> {
  const doc = await loadPdf(bytes);
  return { pages: doc.getPageCount(), dests: destinations(doc) };
}

export interface OutlineNode {
  title: string;
  target?: string;
  open?: boolean;
  children: OutlineNode[];
}

export interface FinishOptions {
  title: string;
  authors: string[];
  subject?: string;
  keywords: string[];
  language: string;
  rights?: string;
  licence?: string;
  /** Extra document-information keys (errata/stamp.ts pdfStampInfo: Version, Printing). */
  info?: Record<string, string>;
  identifier?: string;
  publisher?: string;
  date: Date;
  /** Stable identity of this build's inputs; becomes the document /ID and XMP ids. */
  fingerprint: string;
  /** 0-based index of the first body page (arabic 1); earlier pages are roman. */
  bodyStart?: number;
  /** Page labels as the printed folios with `persian_digits`: Persian digits, front matter counted from 1, no roman. */
  persianDigits?: boolean;
  outline: OutlineNode[];
  geometry: Geometry;
  producer: string;
  /** The print ISBN (digits): XMP xmp:Identifier as urn:isbn, and an /ISBN Info key. */
  isbn?: string;
  /** Make the file PDF/X-4 (output.pdf.standard: pdf/x-4). */
  pdfx?: PdfXOptions;
  /** End on a blank page (a preset whose service asks for one). */
  blankLastPage?: boolean;
}

function deleteOutline(context: PDFContext, catalog: PDFDict) {
  const root = catalog.get(PDFName.of('Outlines'));
  const seen = new Set<string>();
  const walk = (ref: PDFObject | undefined) => {
    while (ref instanceof PDFRef && !seen.has(ref.toString())) {
      seen.add(ref.toString());
      const item = context.lookup(ref);
      context.delete(ref);
      if (!(item instanceof PDFDict)) return;
      walk(item.get(PDFName.of('First')));
      ref = item.get(PDFName.of('Next'));
    }
  };
  if (root instanceof PDFRef) {
    const dict = context.lookup(root);
    context.delete(root);
    if (dict instanceof PDFDict) walk(dict.get(PDFName.of('First')));
  }
  catalog.delete(PDFName.of('Outlines'));
}

/**
 * Bookmarks that mirror the printed TOC (Chromium's own outline lists every
 * heading, Notes sections and the title page included). Items point at the
 * same places as the TOC's links.
 */
function writeOutline(doc: PDFDocument, nodes: OutlineNode[], dests: Map<string, Destination>) {
  const context = doc.context;
  const catalog = doc.catalog;
  deleteOutline(context, catalog);
  const usable = (node: OutlineNode): OutlineNode | undefined => {
    const children = node.children.map(usable).filter((n): n is OutlineNode => n !== undefined);
    if (!(node.target && dests.has(node.target)) && children.length === 0) return undefined;
    return { ...node, children };
  };
  const top = nodes.map(usable).filter((n): n is OutlineNode => n !== undefined);
  if (top.length === 0) return;
  const rootRef = context.nextRef();
  const visible = (node: OutlineNode): number =>
    node.children.reduce((sum, child) => sum + 1 + (child.open ? visible(child) : 0), 0);
  const build = (list: OutlineNode[], parent: PDFRef): PDFRef[] => {
    const refs = list.map(() => context.nextRef());
    list.forEach((node, i) => {
      const dict = context.obj({});
      dict.set(PDFName.of('Title'), PDFHexString.fromText(node.title));
      dict.set(PDFName.of('Parent'), parent);
      if (i > 0) dict.set(PDFName.of('Prev'), refs[i - 1]!);
      if (i < list.length - 1) dict.set(PDFName.of('Next'), refs[i + 1]!);
      const dest = node.target ? dests.get(node.target) : undefined;
      if (dest) dict.set(PDFName.of('Dest'), dest.array.clone(context));
      if (node.children.length > 0) {
        const kids = build(node.children, refs[i]!);
        dict.set(PDFName.of('First'), kids[0]!);
        dict.set(PDFName.of('Last'), kids[kids.length - 1]!);
        const count = visible(node);
        dict.set(PDFName.of('Count'), PDFNumber.of(node.open ? count : -count));
      }
      context.assign(refs[i]!, dict);
    });
    return refs;
  };
  const refs = build(top, rootRef);
  const total = top.reduce((sum, node) => sum + 1 + (node.open ? visible(node) : 0), 0);
  context.assign(
    rootRef,
    context.obj({ Type: 'Outlines', First: refs[0]!, Last: refs[refs.length - 1]!, Count: total }),
  );
  catalog.set(PDFName.of('Outlines'), rootRef);
  catalog.set(PDFName.of('PageMode'), PDFName.of('UseOutlines'));
}

const xmlEscape = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function xmpPacket(options: FinishOptions, iso: string): string {
  const alt = (value: string) => `<rdf:Alt><rdf:li xml:lang="x-default">${xmlEscape(value)}</rdf:li></rdf:Alt>`;
  const uuid = `uuid:${options.fingerprint.slice(0, 8)}-${options.fingerprint.slice(8, 12)}-${options.fingerprint.slice(12, 16)}-${options.fingerprint.slice(16, 20)}-${options.fingerprint.slice(20, 32)}`;
  const fields = [
    '<dc:format>application/pdf</dc:format>',
    `<dc:title>${alt(options.title)}</dc:title>`,
    ...(options.authors.length > 0
      ? [
          `<dc:creator><rdf:Seq>${options.authors.map((a) => `<rdf:li>${xmlEscape(a)}</rdf:li>`).join('')}</rdf:Seq></dc:creator>`,
        ]
      : []),
    `<dc:language><rdf:Bag><rdf:li>${xmlEscape(options.language)}</rdf:li></rdf:Bag></dc:language>`,
  ];
  if (options.subject) fields.push(`<dc:description>${alt(options.subject)}</dc:description>`);
  if (options.keywords.length > 0) {
    fields.push(
      `<dc:subject><rdf:Bag>${options.keywords.map((k) => `<rdf:li>${xmlEscape(k)}</rdf:li>`).join('')}</rdf:Bag></dc:subject>`,
    );
  }
  if (options.rights)
    fields.push(`<dc:rights>${alt(options.rights)}</dc:rights>`, '<xmpRights:Marked>True</xmpRights:Marked>');
  if (options.licence) fields.push(`<xmpRights:UsageTerms>${alt(options.licence)}</xmpRights:UsageTerms>`);
  const identifier = options.identifier ?? (options.isbn ? `urn:isbn:${options.isbn}` : undefined);
  if (identifier) fields.push(`<dc:identifier>${xmlEscape(identifier)}</dc:identifier>`);
  if (options.isbn) {
    fields.push(
      `<xmp:Identifier><rdf:Bag><rdf:li>urn:isbn:${xmlEscape(options.isbn)}</rdf:li></rdf:Bag></xmp:Identifier>`,
    );
  }
  if (options.publisher)
    fields.push(`<dc:publisher><rdf:Bag><rdf:li>${xmlEscape(options.publisher)}</rdf:li></rdf:Bag></dc:publisher>`);
  fields.push(
    `<xmp:CreateDate>${iso}</xmp:CreateDate>`,
    `<xmp:ModifyDate>${iso}</xmp:ModifyDate>`,
    `<xmp:MetadataDate>${iso}</xmp:MetadataDate>`,
    '<xmp:CreatorTool>Galley</xmp:CreatorTool>',
    `<pdf:Producer>${xmlEscape(options.producer)}</pdf:Producer>`,
    `<pdf:Keywords>${xmlEscape(options.keywords.join(', '))}</pdf:Keywords>`,
    `<xmpMM:DocumentID>${uuid}</xmpMM:DocumentID>`,
    `<xmpMM:InstanceID>${uuid}</xmpMM:InstanceID>`,
    ...(options.pdfx ? pdfxXmpFields() : []),
  );
  return [
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    `<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"${options.pdfx ? ` ${PDFX_XMP_NAMESPACE}` : ''}>`,
    ...fields,
    '</rdf:Description>',
    '</rdf:RDF>',
    '</x:xmpmeta>',
    '<?xpacket end="w"?>',
  ].join('\n');
}

/**
 * Chromium names structure elements after its DOM node counter (`node00003856`),
 * which depends on everything the renderer did before: the one part of its
 * output that differs between identical builds. They are renamed in tree
 * order (`galley-000001`), with the /Headers that cite them and the IDTree.
 */
function renumberStructureIds(doc: PDFDocument) {
  const context = doc.context;
  const root = doc.catalog.lookupMaybe(PDFName.of('StructTreeRoot'), PDFDict);
  if (!root) return;
  const renamed = new Map<string, string>();
  const elements: { id: string; ref: PDFObject; dict: PDFDict }[] = [];
  const withHeaders: PDFDict[] = [];
  const seen = new Set<PDFDict>();
  const walk = (value: PDFObject | undefined) => {
    if (value === undefined) return;
    const resolved = context.lookup(value);
    if (resolved instanceof PDFArray) {
      for (let i = 0; i < resolved.size(); i++) walk(resolved.get(i));
      return;
    }
    if (!(resolved instanceof PDFDict) || seen.has(resolved)) return;
    seen.add(resolved);
    const type = resolved.get(PDFName.of('Type'));
    if (type && type !== PDFName.of('StructElem') && type !== PDFName.of('StructTreeRoot')) return;
    const id = resolved.lookupMaybe(PDFName.of('ID'), PDFString, PDFHexString);
    if (id) {
      const name = `galley-${String(elements.length + 1).padStart(6, '0')}`;
      renamed.set(id.decodeText(), name);
      elements.push({ id: name, ref: value, dict: resolved });
    }
    if (resolved.get(PDFName.of('A'))) withHeaders.push(resolved);
    walk(resolved.get(PDFName.of('K')));
  };
  walk(root.get(PDFName.of('K')));
  if (renamed.size === 0) return;
  for (const element of elements) element.dict.set(PDFName.of('ID'), PDFString.of(element.id));
  for (const dict of withHeaders) {
    const attributes = context.lookup(dict.get(PDFName.of('A')));
    const list = attributes instanceof PDFArray ? attributes.asArray().map((a) => context.lookup(a)) : [attributes];
    for (const attribute of list) {
      if (!(attribute instanceof PDFDict)) continue;
      const headers = attribute.lookupMaybe(PDFName.of('Headers'), PDFArray);
      if (!headers) continue;
      const ids = headers.asArray().map((h) => {
        const text = h instanceof PDFString || h instanceof PDFHexString ? h.decodeText() : '';
        return PDFString.of(renamed.get(text) ?? text);
      });
      attribute.set(PDFName.of('Headers'), context.obj(ids));
    }
  }
  const oldTree = root.get(PDFName.of('IDTree'));
  const removeTree = (value: PDFObject | undefined) => {
    if (value === undefined) return;
    const node = context.lookup(value);
    if (value instanceof PDFRef) context.delete(value);
    if (node instanceof PDFDict) {
      const kids = node.lookupMaybe(PDFName.of('Kids'), PDFArray);
      if (kids) for (let i = 0; i < kids.size(); i++) removeTree(kids.get(i));
    }
  };
  removeTree(oldTree);
  const names: PDFObject[] = [];
  for (const element of elements) names.push(PDFString.of(element.id), element.ref);
  root.set(PDFName.of('IDTree'), context.register(context.obj({ Names: names })));
}

const PT_PER_MM = 72 / 25.4;

/**
 * Trim and bleed boxes on every page, and crop marks outside the bleed when
 * asked for. Chromium's page content leaves a flipped transform behind, so
 * it is wrapped in q/Q before the marks are drawn; the marks are artifacts.
 */
function printerMarks(doc: PDFDocument, geometry: Geometry) {
  if (geometry.extra <= 0) return;
  const context = doc.context;
  const e = geometry.extra * PT_PER_MM;
  const w = geometry.width * PT_PER_MM;
  const hgt = geometry.height * PT_PER_MM;
  const b = geometry.bleed * PT_PER_MM;
  const trim = [e, e, e + w, e + hgt];
  const bleed = [e - b, e - b, e + w + b, e + hgt + b];
  const gap = b + 1.5 * PT_PER_MM;
  const ops: string[] = [];
  if (geometry.cropMarks) {
    const n = (v: number) => Number(v.toFixed(3));
    ops.push('q', '/Artifact BMC', '0.3 w', '0 G');
    for (const x of [e, e + w]) {
      for (const y of [e, e + hgt]) {
        const dx = x === e ? -1 : 1;
        const dy = y === e ? -1 : 1;
        // A horizontal and a vertical line at each corner, starting beyond the bleed.
        ops.push(`${n(x + dx * gap)} ${n(y)} m ${n(x + dx * (e - 1))} ${n(y)} l S`);
        ops.push(`${n(x)} ${n(y + dy * gap)} m ${n(x)} ${n(y + dy * (e - 1))} l S`);
      }
    }
    ops.push('EMC', 'Q');
  }
  const before = ops.length > 0 ? context.register(context.flateStream('q\n')) : undefined;
  const after = ops.length > 0 ? context.register(context.flateStream(`Q\n${ops.join('\n')}\n`)) : undefined;
  for (const page of doc.getPages()) {
    page.node.set(PDFName.of('TrimBox'), context.obj(trim));
    page.node.set(PDFName.of('BleedBox'), context.obj(bleed));
    if (!before || !after) continue;
    wrapContents(page, before, after);
  }
}

/**
 * Puts `before` and `after` content streams around what a page already draws
 * (a `q` before, a `Q` and marks after), whether its Contents is one stream or
 * an array of them.
 */
export function wrapContents(page: PDFPage, before: PDFObject, after: PDFObject): void {
  const { context } = page.doc;
  const contents = page.node.get(PDFName.of('Contents'));
  const list: PDFObject[] = [before];
  const existing = contents ? context.lookup(contents) : undefined;
  if (existing instanceof PDFArray) for (let i = 0; i < existing.size(); i++) list.push(existing.get(i));
  else if (contents) list.push(contents);
  list.push(after);
  page.node.set(PDFName.of('Contents'), context.obj(list));
}

/**
 * The post-pass on Chromium's PDF: document metadata (Info and XMP), page
 * labels (roman front matter, arabic body; Persian digits throughout with persian_digits), an outline that mirrors the TOC,
 * printer boxes and marks, and fixed dates and /ID so equal inputs give
 * equal bytes. Everything Chromium wrote for tagging (StructTreeRoot,
 * MarkInfo, ParentTree) is left as it is.
 */
export async function finishPdf(
  input: Uint8Array | PDFDocument,
  options: FinishOptions,
): Promise<{ bytes: Uint8Array; pages: number; dests: Map<string, Destination>; saveSeconds: number }> {
  const doc = input instanceof PDFDocument ? input : await loadPdf(input);
  const context = doc.context;
  const dests = destinations(doc);

  doc.setTitle(options.title, { showInWindowTitleBar: true });
  if (options.authors.length > 0) doc.setAuthor(options.authors.join(', '));
  if (options.subject) doc.setSubject(options.subject);
  doc.setKeywords(options.keywords);
  doc.setCreator('Galley');
  doc.setProducer(options.producer);
  doc.setCreationDate(options.date);
  doc.setModificationDate(options.date);
  doc.setLanguage(options.language);
  const info = context.lookup(context.trailerInfo.Info, PDFDict);
  if (options.rights) info.set(PDFName.of('Rights'), PDFHexString.fromText(options.rights));
  if (options.licence) info.set(PDFName.of('Licence'), PDFHexString.fromText(options.licence));
  for (const [key, value] of Object.entries(options.info ?? {}))
    info.set(PDFName.of(key), PDFHexString.fromText(value));
  if (options.identifier) info.set(PDFName.of('Identifier'), PDFHexString.fromText(options.identifier));
  if (options.publisher) info.set(PDFName.of('Publisher'), PDFHexString.fromText(options.publisher));
  if (options.isbn) info.set(PDFName.of('ISBN'), PDFString.of(options.isbn));

  const iso = options.date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const xmp = context.stream(Buffer.from(xmpPacket(options, iso), 'utf8'), { Type: 'Metadata', Subtype: 'XML' });
  doc.catalog.set(PDFName.of('Metadata'), context.register(xmp));

  if (options.persianDigits) {
    // PDF label styles know no Persian digits: each page gets its printed folio as a prefix-only label.
    const nums: (number | PDFDict)[] = [];
    for (let index = 0; index < doc.getPageCount(); index++) {
      const body = options.bodyStart !== undefined && index >= options.bodyStart;
      const folio = body ? index - options.bodyStart! + 1 : index + 1;
      nums.push(index, context.obj({ P: PDFHexString.fromText(localDigits(folio, true)) }));
    }
    doc.catalog.set(PDFName.of('PageLabels'), context.obj({ Nums: nums }));
  } else if (options.bodyStart !== undefined && options.bodyStart > 0) {
    doc.catalog.set(
      PDFName.of('PageLabels'),
      context.obj({ Nums: [0, { S: 'r' }, options.bodyStart, { S: 'D', St: 1 }] }),
    );
  }
  writeOutline(doc, options.outline, dests);
  shortenDestinationNames(doc);
  renumberStructureIds(doc);
  if (options.blankLastPage) {
    // No content and no structure: the service's blank last page stays out of the tag tree.
    const last = doc.getPage(doc.getPageCount() - 1);
    doc.addPage([last.getWidth(), last.getHeight()]);
  }
  printerMarks(doc, options.geometry);
  if (options.pdfx) applyPdfX(doc, options.pdfx);

  const id = PDFHexString.of(options.fingerprint.slice(0, 32).toUpperCase());
  context.trailerInfo.ID = context.obj([id, id]);
  const saving = performance.now();
  const out = await savePdf(doc);
  return { bytes: out, pages: doc.getPageCount(), dests, saveSeconds: (performance.now() - saving) / 1000 };
}
