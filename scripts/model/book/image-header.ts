/**
 * Reads an image's header in full, as a validator would, without decoding
 * its pixels: the dimensions, or why a reader (or EPUBCheck, "Corrupted
 * image file") would refuse it. A PNG that is only its signature or a
 * 24-byte JPEG sniff as images by their magic bytes alone.
 */
export type ImageHeader = { width: number; height: number } | { problem: string };

/** The pixels an image may have: a 20000×20000 PNG of 1.5 MB took Chromium to 6 GB. */
export const MAX_IMAGE_PIXELS = 50_000_000;

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Bit depths PNG allows for each colour type. */
const PNG_DEPTHS = new Map<number, number[]>([
  [0, [1, 2, 4, 8, 16]],
  [2, [8, 16]],
  [3, [1, 2, 4, 8]],
  [4, [8, 16]],
  [6, [8, 16]],
]);

function png(bytes: Buffer): ImageHeader {
  // Signature, then chunks: IHDR first, at least one IDAT, IEND last; every chunk inside the file, IHDR's CRC right.
  let at = 8;
  let width = 0;
  let height = 0;
  let sawData = false;
  let first = true;
  while (at + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.subarray(at + 4, at + 8).toString('latin1');
    if (length > 0x7fffffff || at + 12 + length > bytes.length) return { problem: `its ${type} chunk is cut short` };
    if (first) {
      if (type !== 'IHDR' || length !== 13) return { problem: 'it does not start with an IHDR chunk' };
      if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== bytes.readUInt32BE(at + 8 + length))
        return { problem: 'its IHDR chunk is damaged (CRC)' };
      width = bytes.readUInt32BE(at + 8);
      height = bytes.readUInt32BE(at + 12);
      const depth = bytes[at + 16]!;
      const colour = bytes[at + 17]!;
      if (width === 0 || height === 0) return { problem: 'it is 0 pixels wide or high' };
      if (!PNG_DEPTHS.get(colour)?.includes(depth)) return { problem: 'its colour type and bit depth are invalid' };
      first = false;
    } else if (type === 'IDAT') {
      sawData = length > 0 || sawData;
    } else if (type === 'IEND') {
      return sawData ? { width, height } : { problem: 'it has no image data (IDAT)' };
    }
    at += 12 + length;
  }
  return { problem: first ? 'it is only a signature' : 'it ends before its IEND chunk' };
}

/** Start-of-frame markers (baseline, progressive, lossless…), not DHT (C4), JPG (C8) or DAC (CC). */
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpeg(bytes: Buffer): ImageHeader {
  // Segments after SOI up to the start of scan: a frame header with the size must come before it.
  let at = 2;
  let size: { width: number; height: number } | undefined;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return { problem: 'a segment marker is missing' };
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9) break;
    const length = bytes.readUInt16BE(at + 2);
    if (length < 2 || at + 2 + length > bytes.length) return { problem: 'a segment is cut short' };
    if (SOF.has(marker)) {
      if (length < 8) return { problem: 'its frame header is cut short' };
      size = { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
      if (size.width === 0 || size.height === 0) return { problem: 'it is 0 pixels wide or high' };
    }
    if (marker === 0xda) {
      if (!size) return { problem: 'its image data comes before any frame header' };
      // Entropy-coded data follows; a file that ends right here has no image in it.
      return at + 2 + length < bytes.length ? size : { problem: 'it has no image data' };
    }
    at += 2 + length;
  }
  return { problem: size ? 'it has no image data' : 'it has no frame header (no size)' };
}

function gif(bytes: Buffer): ImageHeader {
  if (bytes.length < 13) return { problem: 'its header is cut short' };
  const width = bytes.readUInt16LE(6);
  const height = bytes.readUInt16LE(8);
  if (width === 0 || height === 0) return { problem: 'it is 0 pixels wide or high' };
  // An image descriptor must follow the header (and the global colour table, when there is one).
  const table = bytes[10]! & 0x80 ? 3 * 2 ** ((bytes[10]! & 7) + 1) : 0;
  if (bytes.length < 13 + table + 10) return { problem: 'it has no image' };
  return { width, height };
}

function webp(bytes: Buffer): ImageHeader {
  if (bytes.length < 30) return { problem: 'its header is cut short' };
  if (bytes.readUInt32LE(4) + 8 > bytes.length) return { problem: 'it is cut short' };
  const chunk = bytes.subarray(12, 16).toString('latin1');
  const size = bytes.readUInt32LE(16);
  if (20 + size > bytes.length) return { problem: `its ${chunk.trim()} chunk is cut short` };
  if (chunk === 'VP8 ') {
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return { problem: 'its VP8 frame is damaged' };
    return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    if (bytes[20] !== 0x2f) return { problem: 'its VP8L header is damaged' };
    const bits = bytes.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: bytes.readUIntLE(24, 3) + 1, height: bytes.readUIntLE(27, 3) + 1 };
  return { problem: 'it has no VP8, VP8L or VP8X chunk' };
}

/** The header of an image whose media type `sniffImage` gave; SVG has no pixels to count. */
export function readImageHeader(bytes: Buffer, mediaType: string): ImageHeader | undefined {
  if (mediaType === 'image/png') return png(bytes);
  if (mediaType === 'image/jpeg') return jpeg(bytes);
  if (mediaType === 'image/gif') return gif(bytes);
  if (mediaType === 'image/webp') return webp(bytes);
  return undefined;
}
