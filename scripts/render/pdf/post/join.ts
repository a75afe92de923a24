import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFNumber,
  PDFObjectCopier,
  PDFPage,
  PDFPageLeaf,
  PDFRef,
  type PDFContext,
  type PDFObject,
} from '@cantoo/pdf-lib';
import { decodeName } from './finish.ts';

/**
 * Joins pieces of one book, each printed by Chromium on its own (tagged, with
 * named destinations), into one PDF: the pages in order, one structure tree
 * (each piece's top-level elements under the first piece's Document element,
 * the parent-tree keys of the later pieces moved past the earlier ones', with
 * the pages' /StructParents and the annotations' /StructParent), and one
 * /Dests in which each name points where its target really printed:
 * `owner(name)` says which piece holds it (every piece also has stand-ins for
 * the others' targets, so that its links to them are kept).
 */
export function joinPieces(docs: PDFDocument[], owner: (name: string) => number | undefined): PDFDocument {
  const base = docs[0]!;
  const tree = structTree(base);
  const dests = base.catalog.lookupMaybe(PDFName.of('Dests'), PDFDict) ?? base.context.obj({});
  base.catalog.set(PDFName.of('Dests'), dests);
  for (const [key] of dests.entries()) if (owner(decodeName(key)) !== 0) dests.delete(key);
  const nums: [number, PDFObject][] = tree ? numberTree(base.context, tree.root.lookup(PDFName.of('ParentTree'))) : [];
  let nextKey = tree ? keyOf(tree.root, 'ParentTreeNextKey') : 0;
  for (const [index, src] of docs.entries()) {
    if (index === 0) continue;
    const copier = PDFObjectCopier.for(src.context, base.context);
    const offset = nextKey;
    const shift = (dict: PDFDict, key: string) => {
      const value = dict.lookupMaybe(PDFName.of(key), PDFNumber);
      if (value) dict.set(PDFName.of(key), PDFNumber.of(value.asNumber() + offset));
    };
    for (const page of src.getPages()) {
      const ref = copier.copy(page.ref);
      const leaf = base.context.lookup(ref);
      if (!(leaf instanceof PDFPageLeaf)) throw new Error('A printed piece has a page that is not a page');
      shift(leaf, 'StructParents');
      const annots = leaf.lookupMaybe(PDFName.of('Annots'), PDFArray);
      for (const annot of annots?.asArray() ?? []) {
        const dict = base.context.lookup(annot);
        if (dict instanceof PDFDict) shift(dict, 'StructParent');
      }
      base.addPage(PDFPage.of(leaf, ref, base));
    }
    const own = structTree(src);
    if (tree && own) {
      for (const child of own.children.asArray()) {
        // Its parent is the first piece's Document element: the piece's own root is not copied along.
        const dict = src.context.lookup(child);
        if (dict instanceof PDFDict) dict.delete(PDFName.of('P'));
        const copied = copier.copy(child);
        const copiedDict = base.context.lookup(copied);
        if (copiedDict instanceof PDFDict) copiedDict.set(PDFName.of('P'), tree.document);
        tree.children.push(copied);
      }
      for (const [key, value] of numberTree(src.context, own.root.lookup(PDFName.of('ParentTree'))))
        nums.push([key + offset, copier.copy(value)]);
      nextKey = offset + keyOf(own.root, 'ParentTreeNextKey');
    }
    const theirs = src.catalog.lookupMaybe(PDFName.of('Dests'), PDFDict);
    for (const [key, value] of theirs?.entries() ?? [])
      if (owner(decodeName(key)) === index) dests.set(key, copier.copy(value));
  }
  if (tree) {
    nums.sort((a, b) => a[0] - b[0]);
    const flat = base.context.obj([]);
    for (const [key, value] of nums) {
      flat.push(PDFNumber.of(key));
      flat.push(value);
    }
    tree.root.set(PDFName.of('ParentTree'), base.context.register(base.context.obj({ Nums: flat })));
    tree.root.set(PDFName.of('ParentTreeNextKey'), PDFNumber.of(nextKey));
    const documentDict = base.context.lookup(tree.document, PDFDict);
    documentDict.set(PDFName.of('K'), tree.children);
  }
  return base;
}

function keyOf(dict: PDFDict, key: string): number {
  return dict.lookupMaybe(PDFName.of(key), PDFNumber)?.asNumber() ?? 0;
}

/** Chromium's tree: a root whose /K is one Document element holding everything else. */
function structTree(doc: PDFDocument): { root: PDFDict; document: PDFRef; children: PDFArray } | undefined {
  const root = doc.catalog.lookupMaybe(PDFName.of('StructTreeRoot'), PDFDict);
  const document = root?.get(PDFName.of('K'));
  if (!root || !(document instanceof PDFRef)) return undefined;
  const element = doc.context.lookup(document, PDFDict);
  const kids = element.get(PDFName.of('K'));
  const resolved = kids ? doc.context.lookup(kids) : undefined;
  const children = doc.context.obj([]);
  if (resolved instanceof PDFArray) for (const child of resolved.asArray()) children.push(child);
  else if (kids) children.push(kids);
  return { root, document, children };
}

/** A number tree's entries, leaves and kids alike, in order. */
function numberTree(context: PDFContext, node: PDFObject | undefined, out: [number, PDFObject][] = []) {
  const dict = node ? context.lookup(node) : undefined;
  if (!(dict instanceof PDFDict)) return out;
  const nums = dict.lookupMaybe(PDFName.of('Nums'), PDFArray);
  if (nums) {
    for (let i = 0; i + 1 < nums.size(); i += 2) {
      const key = nums.lookup(i);
      if (key instanceof PDFNumber) out.push([key.asNumber(), nums.get(i + 1)]);
    }
  }
  for (const kid of dict.lookupMaybe(PDFName.of('Kids'), PDFArray)?.asArray() ?? []) numberTree(context, kid, out);
  return out;
}
