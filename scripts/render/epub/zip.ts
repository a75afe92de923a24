/**
 * A zip archive written by concatenating entries that are already
 * compressed: each entry's deflated bytes can come from a cache, so a rebuild
 * deflates only what changed. The layout is the plain one EPUB readers expect
 * (APPNOTE 6.3.x, no data descriptors, no extra fields, no zip64): sizes and
 * CRC in every local header, entries in the order given, one date for all,
 * written as UTC so the bytes do not depend on the machine's time zone.
 */
import zlib from 'node:zlib';

export interface ZipEntry {
  /** Path inside the archive; a name ending in `/` is a folder. */
  name: string;
  /** 0 stored, 8 deflated. */
  method: 0 | 8;
  /** CRC-32 of the uncompressed bytes. */
  crc: number;
  /** Uncompressed size. */
  size: number;
  /** The bytes as they go into the archive (raw deflate for method 8). */
  data: Uint8Array;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (the zip one): zlib's native code where this Node has it (20.15+), else a table. */
export function crc32(data: Uint8Array): number {
  const native = (zlib as unknown as { crc32?: (data: Uint8Array) => number }).crc32;
  if (native) return native(data) >>> 0;
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** MS-DOS date and time, from the UTC fields (as JSZip writes them), clamped to 1980–2107. */
function dosDateTime(date: Date): { time: number; day: number } {
  const year = Math.min(Math.max(date.getUTCFullYear(), 1980), 2107);
  const time = (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1);
  const day = ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate();
  return { time, day };
}

/** The archive's bytes. Throws on what this writer does not do (zip64: an entry or archive of 4 GB, 65,535 entries). */
export function zipArchive(entries: ZipEntry[], date: Date): Buffer {
  if (entries.length > 0xffff)
    throw new Error(`A zip of ${entries.length} entries needs zip64, which this writer does not write`);
  const { time, day } = dosDateTime(date);
  const parts: Uint8Array[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    // Bit 11: the name is UTF-8 (only said when it is not plain ASCII, as most zip tools do).
    const flags = name.length !== entry.name.length ? 0x0800 : 0;
    const folder = entry.name.endsWith('/');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(entry.method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(day, 12);
    local.writeUInt32LE(entry.crc >>> 0, 14);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4); // made by: MS-DOS (0), spec 2.0
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(flags, 8);
    header.writeUInt16LE(entry.method, 10);
    header.writeUInt16LE(time, 12);
    header.writeUInt16LE(day, 14);
    header.writeUInt32LE(entry.crc >>> 0, 16);
    header.writeUInt32LE(entry.data.length, 20);
    header.writeUInt32LE(entry.size, 24);
    header.writeUInt16LE(name.length, 28);
    // Extra field, comment, disk number, internal attributes: none.
    header.writeUInt32LE(folder ? 0x10 : 0, 38); // MS-DOS directory attribute
    header.writeUInt32LE(offset, 42);
    parts.push(local, name, entry.data);
    central.push(header, name);
    offset += local.length + name.length + entry.data.length;
    if (offset > 0xffffffff) throw new Error('A zip over 4 GB needs zip64, which this writer does not write');
  }
  const centralSize = central.reduce((sum, b) => sum + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...central, end]);
}
