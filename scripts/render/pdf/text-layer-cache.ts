/**
 * The text layer's result per content stream (post/text-layer.ts), kept from
 * one build of a PDF to the next. A one-word edit reprints the book, but
 * Chromium writes the same content stream, byte for byte, for every page the
 * edit did not reach; the text layer (inflate, join hyphenated words, strip
 * soft hyphens, deflate) is a pure function of that stream, of the page's fonts
 * as `pageFonts` reads them and of the answers `isCompound` gave, so a stream
 * seen before takes the bytes it got then.
 *
 * The key of a stream is a digest of its raw bytes (plain Flate only, as
 * Chromium writes them; anything else is always computed) and of its page's
 * font maps (each font object's ToUnicode text and code width digested once,
 * not once per page: a resource name may name another subset in another
 * build). The compound words are not in the key: an entry holds the words it
 * asked about with their answers, and is taken only when the book's compounds
 * give the same answers, so an edit that adds a compound anywhere costs only
 * the streams that asked about it.
 *
 * One file per PDF written (`text-layer/<digest of its path>.entry`), signed
 * as a whole with the folder's secret (util/cache-location.ts) and holding the
 * entries the last build used only.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PDFName, PDFRawStream, type PDFDict, type PDFDocument, type PDFPage } from '@cantoo/pdf-lib';
import { toolchainVersion } from '../../util/toolchain-version.ts';
import { cacheSecret } from '../../util/cache-location.ts';
import { decodeSigned, encodeSigned, writeCacheFile } from '../../util/signed-entry.ts';
import { pageFontResources, toUnicodeText } from './read/fonts.ts';

const FORMAT = 'galley-text-layer-1';

/** What the text layer made of one stream: the words it asked `isCompound` about, and its new bytes (deflated). */
export interface TextLayerEntry {
  asked: [word: string, compound: boolean][];
  /** The stream as `replaceStream` stored it; undefined when the text layer left it as it was. */
  bytes?: Uint8Array;
}

/**
 * How the stream's bytes decode, when that follows from its dictionary alone: plain Flate (what `decodeContent`
 * inflates itself, as Chromium writes every page with text) or none (an empty page's stream). Other streams are
 * always computed.
 */
function encoding(stream: PDFRawStream): string | undefined {
  if (stream.dict.has(PDFName.of('DecodeParms'))) return undefined;
  const filter = stream.dict.get(PDFName.of('Filter'));
  return filter === PDFName.of('FlateDecode') ? 'flate' : filter === undefined ? 'none' : undefined;
}

/** The file for the PDF written at `target`, and the key its signature covers (the toolchain first). */
function entryFile(dir: string, target: string): { file: string; key: string } {
  const name = createHash('sha256').update(path.resolve(target)).digest('hex').slice(0, 32);
  const key = createHash('sha256')
    .update(`${FORMAT}\0${toolchainVersion()}\0${path.resolve(target)}`)
    .digest('hex');
  return { file: path.join(dir, `${name}.entry`), key };
}

/** `<format> <signature>\n<index: JSON, one line>\n<every entry's bytes, in index order>` */
type IndexLine = [digest: string, asked: [string, 0 | 1][], length: number];

function parseEntries(index: Buffer, blob: Buffer): Map<string, TextLayerEntry> | undefined {
  let lines: unknown;
  try {
    lines = JSON.parse(index.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(lines)) return undefined;
  const entries = new Map<string, TextLayerEntry>();
  let at = 0;
  for (const line of lines as unknown[]) {
    if (!Array.isArray(line) || line.length !== 3) return undefined;
    const [digest, asked, length] = line as IndexLine;
    if (typeof digest !== 'string' || !Array.isArray(asked) || !Number.isInteger(length) || length < -1)
      return undefined;
    if (!asked.every((a) => Array.isArray(a) && typeof a[0] === 'string' && (a[1] === 0 || a[1] === 1)))
      return undefined;
    if (at + Math.max(length, 0) > blob.length) return undefined;
    const entry: TextLayerEntry = { asked: asked.map(([word, yes]) => [word, yes === 1]) };
    if (length >= 0) entry.bytes = new Uint8Array(blob.subarray(at, at + length));
    at += Math.max(length, 0);
    entries.set(digest, entry);
  }
  return at === blob.length ? entries : undefined;
}

/** The text-layer cache of one PDF for one build: what the last build kept, and what this one uses. */
export class TextLayerCache {
  /** Entries this build used or made: the next build's file. */
  private readonly used = new Map<string, TextLayerEntry>();
  /** Each font object's digest (ToUnicode text and code width); undefined for a font `pageFonts` leaves out. */
  private readonly fonts = new WeakMap<PDFDict, string>();

  private constructor(
    private readonly dir: string,
    private readonly target: string,
    private readonly kept: Map<string, TextLayerEntry>,
  ) {}

  /** The cache for the PDF written at `target`; empty when there is no entry, or one this folder did not sign. */
  static async open(dir: string, target: string): Promise<TextLayerCache> {
    const { file, key } = entryFile(dir, target);
    let kept: Map<string, TextLayerEntry> | undefined;
    try {
      const data = await readFile(file);
      const [index, blob] = decodeSigned(cacheSecret(dir), FORMAT, key, data, 2) ?? [];
      if (index && blob) kept = parseEntries(index, blob);
    } catch {
      // No entry yet.
    }
    return new TextLayerCache(dir, target, kept ?? new Map<string, TextLayerEntry>());
  }

  /** The digest of the page's font maps as `pageFonts` reads them, each font object digested once. */
  pageKey(doc: PDFDocument, page: PDFPage): string {
    const hash = createHash('sha256');
    for (const { name, font, toUnicode, codeBytes } of pageFontResources(doc, page)) {
      let digest = this.fonts.get(font);
      if (digest === undefined) {
        digest = createHash('sha256').update(`${codeBytes}\0`).update(toUnicodeText(toUnicode), 'latin1').digest('hex');
        this.fonts.set(font, digest);
      }
      hash.update(`${name}\0${digest}\0`);
    }
    return hash.digest('hex');
  }

  /** A stream's key on a page whose fonts have `pageKey`; undefined for a stream this cache does not keep. */
  streamKey(stream: PDFRawStream, pageKey: string): string | undefined {
    const how = encoding(stream);
    if (!how) return undefined;
    return createHash('sha256').update(`${pageKey}\0${how}\0`).update(stream.contents).digest('hex');
  }

  /** The kept result for the stream, when every word it asked about is still answered the same way. */
  take(key: string, isCompound: (word: string) => boolean): TextLayerEntry | undefined {
    const answers = (entry: TextLayerEntry | undefined) =>
      entry?.asked.every(([word, compound]) => isCompound(word) === compound) === true;
    // This build's own result first: an earlier round of the adjust pass may have made it.
    const entry = [this.used.get(key), this.kept.get(key)].find(answers);
    if (entry) this.used.set(key, entry);
    return entry;
  }

  /** Keeps what the text layer made of a stream. */
  keep(key: string, entry: TextLayerEntry): void {
    this.used.set(key, entry);
  }

  /** Writes the entries this build used (only those: the rest are pruned); a write that fails costs a miss. */
  save(): void {
    const index: IndexLine[] = [];
    const blobs: Uint8Array[] = [];
    for (const [digest, { asked, bytes }] of this.used) {
      index.push([digest, asked.map(([word, yes]) => [word, yes ? 1 : 0]), bytes ? bytes.length : -1]);
      if (bytes) blobs.push(bytes);
    }
    const { file, key } = entryFile(this.dir, this.target);
    writeCacheFile(
      file,
      encodeSigned(cacheSecret(this.dir), FORMAT, key, [JSON.stringify(index), Buffer.concat(blobs)]),
    );
  }
}
