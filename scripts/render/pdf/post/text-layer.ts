import { PDFName, PDFRawStream, PDFStream, type PDFDocument } from '@cantoo/pdf-lib';
import { decodeContent, pageContentStreams, replaceStream, replaceStreamDeflated } from '../read/streams.ts';
import { pageFonts, type FontText } from '../read/fonts.ts';
import type { TextLayerCacheStats } from '../../../model/build-cache.ts';
import type { TextLayerCache } from '../text-layer-cache.ts';
import { joinHyphenatedWordsInContent } from './hyphen-words.ts';

/**
 * Makes the PDF's text layer searchable. Print hyphenation puts a soft hyphen
 * (U+00AD) at every break point (hyphenate.ts); Chromium's Skia draws each one
 * as an invisible glyph inside `/Span <</ActualText <FEFF00AD>>> BDC … EMC`,
 * so `pdftotext`, a viewer's search and copy-paste got "di\u00admen\u00adsion".
 * Here each such glyph is dropped (its advance, a `Td`, stays: nothing moves)
 * and U+00AD is taken out of every other ActualText (ligatures: `f\u00adf`).
 * The hyphen Chromium draws where it did break a word is a plain glyph after
 * the last such span: pdf-hyphen-words.ts, run first, makes that word extract whole.
 */
const SHY_SPAN = /\/Span ?<< ?\/ActualText <FEFF00AD> ?>> ?BDC\n((?:[-\d.]+ [-\d.]+ Td )?)<[0-9A-Fa-f]+> Tj\nEMC\n/g;
const ACTUAL_TEXT = /\/ActualText <FEFF((?:[0-9A-Fa-f]{4})*)>/g;

export function stripSoftHyphensFromContent(content: string): { text: string; removed: number } {
  let removed = 0;
  let text = content.replace(SHY_SPAN, (_all, move: string) => {
    removed++;
    return move ? `${move.trimEnd()}\n` : '';
  });
  text = text.replace(ACTUAL_TEXT, (all, hex: string) => {
    const units = hex.match(/.{4}/g) ?? [];
    const kept = units.filter((u) => u.toUpperCase() !== '00AD');
    if (kept.length === units.length) return all;
    removed += units.length - kept.length;
    return `/ActualText <FEFF${kept.join('')}>`;
  });
  return { text, removed };
}

/** Rewrites every page's content streams; returns how many soft hyphens left the text layer. */
export function stripSoftHyphens(doc: PDFDocument): number {
  let removed = 0;
  const seen = new Set<PDFStream>();
  for (const page of doc.getPages()) {
    const contents = page.node.get(PDFName.of('Contents'));
    for (const { ref, stream } of pageContentStreams(doc, contents)) {
      if (seen.has(stream) || !(stream instanceof PDFRawStream)) continue;
      seen.add(stream);
      const bytes = decodeContent(stream);
      // Over the decoding bound: left as Chromium wrote it.
      if (!bytes) continue;
      const before = Buffer.from(bytes).toString('latin1');
      if (!before.includes('00AD')) continue;
      const { text, removed: n } = stripSoftHyphensFromContent(before);
      if (n === 0) continue;
      removed += n;
      replaceStream(doc, ref, stream, text);
    }
  }
  return removed;
}

/**
 * The whole text layer in one pass: `joinHyphenatedWords` then `stripSoftHyphens`, per content stream. Each of them
 * alone inflates every stream and deflates every one it changes; here each stream is inflated once and deflated once
 * (the deflate was a fifth of the finish's time on a 250-page book), and the result is the same stream. With a
 * `cache` (text-layer-cache.ts), a stream the last build saw on the same fonts takes the bytes it got then.
 */
export function fixTextLayer(
  doc: PDFDocument,
  isCompound: (word: string) => boolean,
  cache?: TextLayerCache,
): TextLayerCacheStats {
  const stats: TextLayerCacheStats = { streams: 0, reused: 0, rewritten: 0 };
  const seen = new Set<PDFStream>();
  const parsed = new Map<PDFRawStream, Map<number, string>>();
  for (const page of doc.getPages()) {
    let fonts: Map<string, FontText> | undefined;
    const pageKey = cache?.pageKey(doc, page);
    for (const { ref, stream } of pageContentStreams(doc, page.node.get(PDFName.of('Contents')))) {
      if (seen.has(stream) || !(stream instanceof PDFRawStream)) continue;
      seen.add(stream);
      stats.streams++;
      const key = pageKey === undefined ? undefined : cache?.streamKey(stream, pageKey);
      const kept = key === undefined ? undefined : cache?.take(key, isCompound);
      if (kept) {
        stats.reused++;
        if (kept.bytes) {
          stats.rewritten++;
          replaceStreamDeflated(doc, ref, stream, kept.bytes);
        }
        continue;
      }
      // The words this stream asks about are part of its entry: the only compounds its result depends on.
      const asked = new Map<string, boolean>();
      const ask = (word: string) => {
        const compound = isCompound(word);
        asked.set(word, compound);
        return compound;
      };
      const bytes = decodeContent(stream);
      // Over the decoding bound: left as Chromium wrote it.
      let after: string | undefined;
      if (bytes) {
        const before = Buffer.from(bytes).toString('latin1');
        fonts ??= pageFonts(doc, page, parsed);
        // A page without fonts has no words to join (joinHyphenatedWords skips it too).
        const joined = fonts.size > 0 ? joinHyphenatedWordsInContent(before, fonts, ask).text : before;
        const stripped = joined.includes('00AD') ? stripSoftHyphensFromContent(joined).text : joined;
        if (stripped !== before) after = stripped;
      }
      if (after !== undefined) {
        stats.rewritten++;
        replaceStream(doc, ref, stream, after);
      }
      if (key === undefined || !cache) continue;
      const replaced = after !== undefined && ref ? doc.context.lookup(ref) : undefined;
      // A rewrite whose result cannot be read back is not kept: kept as "unchanged", it would skip a rewrite later.
      if (after !== undefined && !(replaced instanceof PDFRawStream)) continue;
      cache.keep(key, {
        asked: [...asked],
        ...(replaced instanceof PDFRawStream ? { bytes: replaced.contents } : {}),
      });
    }
  }
  return stats;
}
