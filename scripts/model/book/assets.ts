import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Asset } from './types.ts';
import { existsWithExactCase, resolveLocal } from '../../util/paths.ts';
import { safeName } from '../../util/slug.ts';
import { sanitizeSvg } from './svg.ts';
import { looksLikeSvg } from './svg-prolog.ts';
import { MAX_IMAGE_PIXELS, readImageHeader } from './image-header.ts';

const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

/** The media type a file's first bytes prove, whatever its name says. */
export function sniffImage(bytes: Buffer): { mediaType: string; ext: string } | undefined {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return { mediaType: 'image/png', ext: 'png' };
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return { mediaType: 'image/jpeg', ext: 'jpg' };
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.subarray(0, 6).toString('latin1')))
    return { mediaType: 'image/gif', ext: 'gif' };
  if (
    bytes.length >= 12 &&
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
    bytes.subarray(8, 12).toString('latin1') === 'WEBP'
  )
    return { mediaType: 'image/webp', ext: 'webp' };
  const head = bytes
    .subarray(0, 2048)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  // A linear scan, not a regular expression: `<!---->`×60 made one backtrack exponentially.
  if (looksLikeSvg(head)) return { mediaType: 'image/svg+xml', ext: 'svg' };
  return undefined;
}

/**
 * The book's images: each reference is resolved inside the manuscript,
 * checked by its magic bytes, SVG re-serialised through the sanitizer, and
 * given an output name made from its content hash, so no source path can
 * choose where a file lands.
 */
/**
 * Sanitizing costs about 0.1 ms an element, and Chromium draws each again on every print: 200,000 circles (15 MB)
 * ran the chapter's whole 40 s budget (issue 24). A drawing that large is a plot better printed as a PNG.
 */
const MAX_SVG_ELEMENTS = 50_000;

export class AssetRegistry {
  readonly assets = new Map<string, Asset>();
  constructor(readonly root: string) {}

  resolve(fromFile: string, href: string): { target: string; asset: Asset } | { error: string } {
    const resolved = resolveLocal(this.root, fromFile, href);
    if (!resolved.ok) return { error: resolved.reason };
    const known = this.assets.get(resolved.absolute);
    if (known) return { target: known.target, asset: known };
    const exact = existsWithExactCase(this.root, resolved.relative);
    if (!resolved.exists && exact.actual) {
      return {
        error: `Image \`${href}\` differs in case from the file on disk \`${exact.actual}\`: paths are case-sensitive on most systems`,
      };
    }
    if (!resolved.exists) return { error: `Image \`${href}\` not found (looked for ${resolved.relative})` };
    if (!exact.ok) {
      return {
        error: `Image \`${href}\` differs in case from the file on disk \`${exact.actual}\`: paths are case-sensitive on most systems`,
      };
    }
    let bytes = readFileSync(resolved.absolute);
    if (bytes.length > MAX_IMAGE_BYTES)
      return { error: `Image \`${href}\` is larger than ${MAX_IMAGE_BYTES / 1024 / 1024} MB` };
    const kind = sniffImage(bytes);
    if (!kind) {
      return {
        error: `\`${href}\` is not an image (PNG, JPEG, GIF, WebP or SVG) by its content, whatever its name says`,
      };
    }
    const header = readImageHeader(bytes, kind.mediaType);
    if (header && 'problem' in header)
      return { error: `Image \`${href}\` is damaged: ${header.problem} (a reader or EPUBCheck would refuse it)` };
    if (header && header.width * header.height > MAX_IMAGE_PIXELS) {
      const mp = (header.width * header.height) / 1e6;
      return {
        error: `Image \`${href}\` is ${header.width}×${header.height} (${mp.toFixed(0)} megapixels), over the ${MAX_IMAGE_PIXELS / 1e6} megapixel limit: scale it down`,
      };
    }
    // EPUB 3.2 (what EPUBCheck 4 validates) needs a PNG or JPEG fallback for WebP, which Galley does not make.
    if (kind.mediaType === 'image/webp') {
      return {
        error: `Image \`${href}\` is WebP, which an EPUB 3.2 may hold only with a PNG or JPEG fallback: convert it to PNG or JPEG`,
      };
    }
    if (kind.mediaType === 'image/svg+xml') {
      const text = bytes.toString('utf8');
      const elements = text.match(/<[A-Za-z]/g)?.length ?? 0;
      if (elements > MAX_SVG_ELEMENTS) {
        return {
          error: `SVG \`${href}\` has ${elements} elements, over the limit of ${MAX_SVG_ELEMENTS}: simplify it or convert it to PNG`,
        };
      }
      const clean = sanitizeSvg(text);
      if (!clean) return { error: `SVG \`${href}\` could not be read as SVG` };
      bytes = Buffer.from(clean, 'utf8');
    }
    const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 10);
    const stem = safeName(path.basename(resolved.relative).replace(/\.[^.]+$/, ''));
    const asset: Asset = {
      absolute: resolved.absolute,
      target: `images/${stem}-${hash}.${kind.ext}`,
      mediaType: kind.mediaType,
      bytes,
    };
    this.assets.set(resolved.absolute, asset);
    return { target: asset.target, asset };
  }
}
