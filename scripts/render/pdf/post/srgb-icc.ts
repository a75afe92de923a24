/**
 * Galley's own sRGB ICC profile for the PDF/X output intent, generated from the sRGB standard's parameters
 * (IEC 61966-2-1: its primaries adapted to D50 with the Bradford transform, as the ICC publishes them, and its tone
 * curve) rather than copied, so it ships under the project's licence. PDF/X wants an output-device profile
 * (class `prtr`), and ICC v2 output profiles are built from lookup tables: lut16 tables whose 2-point grid holds
 * the linear RGB↔XYZ matrix exactly (trilinear interpolation of a linear map is exact), with the tone curve in the
 * one-dimensional tables. The bytes never change, so the PDF stays reproducible.
 */

import { must } from '../../../util/must.ts';

type Row = [number, number, number];
type Matrix = [Row, Row, Row];

/** sRGB primaries adapted to D50 (columns: red, green, blue), the ICC's published sRGB matrix. */
const TO_XYZ: Matrix = [
  [0.4360747, 0.3850649, 0.1430804],
  [0.2225045, 0.7168786, 0.0606169],
  [0.0139322, 0.0971045, 0.7141733],
];
const D50 = [0.9642, 1, 0.8249];

const decode = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
const encode = (v: number) => (v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055);

function invert([[a, b, c], [d, e, f], [g, h, i]]: Matrix): Matrix {
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

class Writer {
  bytes: number[] = [];
  u8(v: number) {
    this.bytes.push(v & 0xff);
  }
  u16(v: number) {
    const n = Math.max(0, Math.min(0xffff, Math.round(v)));
    this.u8(n >> 8);
    this.u8(n);
  }
  u32(v: number) {
    this.u16(Math.floor(v / 0x10000));
    this.u16(v % 0x10000);
  }
  s15(v: number) {
    const n = Math.round(v * 65536);
    this.u32(n < 0 ? n + 0x1_0000_0000 : n);
  }
  sig(text: string) {
    for (const ch of text.padEnd(4, ' ')) this.u8(ch.charCodeAt(0));
  }
  zeros(n: number) {
    for (let i = 0; i < n; i++) this.u8(0);
  }
  align() {
    while (this.bytes.length % 4) this.u8(0);
  }
}

/** A lut16Type: `matrix` (XYZ input only), per-channel input curves, a 2-point grid, per-channel output curves. */
function lut16(
  inputs: number,
  outputs: number,
  matrix: number[][],
  input: (v: number) => number,
  grid: (corner: number[]) => number[],
  output: (v: number) => number,
  entries: number,
): number[] {
  const w = new Writer();
  w.sig('mft2');
  w.zeros(4);
  w.u8(inputs);
  w.u8(outputs);
  w.u8(2);
  w.u8(0);
  for (const row of matrix) for (const value of row) w.s15(value);
  w.u16(entries);
  w.u16(entries);
  for (let c = 0; c < inputs; c++) for (let i = 0; i < entries; i++) w.u16(input(i / (entries - 1)) * 65535);
  // Grid order: the first input channel varies slowest.
  for (let n = 0; n < 2 ** inputs; n++) {
    const corner = Array.from({ length: inputs }, (_, c) => (n >> (inputs - 1 - c)) & 1);
    for (const value of grid(corner)) w.u16(value * 65535);
  }
  for (let c = 0; c < outputs; c++) for (let i = 0; i < entries; i++) w.u16(output(i / (entries - 1)) * 65535);
  return w.bytes;
}

function text(value: string): number[] {
  const w = new Writer();
  w.sig('text');
  w.zeros(4);
  for (const ch of value) w.u8(ch.charCodeAt(0));
  w.u8(0);
  return w.bytes;
}

function description(value: string): number[] {
  const w = new Writer();
  w.sig('desc');
  w.zeros(4);
  w.u32(value.length + 1);
  for (const ch of value) w.u8(ch.charCodeAt(0));
  w.u8(0);
  w.zeros(4 + 4 + 2 + 1 + 67);
  return w.bytes;
}

function xyz(values: number[]): number[] {
  const w = new Writer();
  w.sig('XYZ ');
  w.zeros(4);
  for (const v of values) w.s15(v);
  return w.bytes;
}

export const SRGB_DESCRIPTION = 'Galley sRGB IEC61966-2.1 (output)';
/** PCS XYZ in lut16: 0…1.99997 as 0…65535, so a normalised value is XYZ × 32768 / 65535. */
const XYZ_SCALE = 32768 / 65535;
const IDENTITY = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];

/** The profile's bytes, a constant made on first use: not cache state. */
let cached: Uint8Array | undefined;

/** The profile's bytes (ICC v2.1, class prtr, RGB data, XYZ connection space). */
export function srgbProfile(): Uint8Array {
  if (cached) return cached;
  const toXyz = lut16(
    3,
    3,
    IDENTITY,
    decode,
    ([r = 0, g = 0, b = 0]) => TO_XYZ.map(([x, y, z]) => (x * r + y * g + z * b) * XYZ_SCALE),
    (v) => v,
    1024,
  );
  const inverse = invert(TO_XYZ).map((row) => row.map((v) => v / XYZ_SCALE));
  const fromXyz = lut16(
    3,
    3,
    inverse,
    (v) => v,
    (corner) => corner,
    encode,
    4096,
  );
  const gamut = lut16(
    3,
    1,
    IDENTITY,
    (v) => v,
    () => [0],
    () => 0,
    2,
  );
  const tags: [string, number[]][] = [
    ['desc', description(SRGB_DESCRIPTION)],
    ['cprt', text('No copyright: generated by Galley from IEC 61966-2-1 parameters')],
    ['wtpt', xyz(D50)],
    ['A2B0', toXyz],
    ['B2A0', fromXyz],
    ['gamt', gamut],
  ];
  // The perceptual tables serve the colorimetric and saturation intents too (tags may share data).
  const shared: [string, string][] = [
    ['A2B1', 'A2B0'],
    ['A2B2', 'A2B0'],
    ['B2A1', 'B2A0'],
    ['B2A2', 'B2A0'],
  ];
  const tableSize = 4 + 12 * (tags.length + shared.length);
  const data = new Writer();
  const offsets = new Map<string, [number, number]>();
  for (const [sig, bytes] of tags) {
    data.align();
    offsets.set(sig, [128 + tableSize + data.bytes.length, bytes.length]);
    data.bytes.push(...bytes);
  }
  data.align();
  const header = new Writer();
  header.u32(128 + tableSize + data.bytes.length);
  header.zeros(4);
  header.u32(0x02100000);
  header.sig('prtr');
  header.sig('RGB ');
  header.sig('XYZ ');
  for (const v of [2026, 1, 1, 0, 0, 0]) header.u16(v);
  header.sig('acsp');
  header.zeros(4 + 4 + 4 + 4 + 8);
  header.u32(0);
  for (const v of D50) header.s15(v);
  header.zeros(4 + 16 + 28);
  header.u32(tags.length + shared.length);
  for (const [sig] of tags) {
    const [offset, size] = must(offsets.get(sig), `the offset of tag ${sig}`);
    header.sig(sig);
    header.u32(offset);
    header.u32(size);
  }
  for (const [sig, from] of shared) {
    const [offset, size] = must(offsets.get(from), `the offset of tag ${from}`);
    header.sig(sig);
    header.u32(offset);
    header.u32(size);
  }
  cached = Uint8Array.from([...header.bytes, ...data.bytes]);
  return cached;
}
