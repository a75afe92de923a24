/**
 * `tsx tools/bench/zip.ts <book.epub> [runs]`: packaging an EPUB's entries
 * several ways, each a median of runs in this one process, side by side:
 * JSZip (pako, level 9: what Galley used before), fflate level 9 with Galley's
 * zip writer, the same from a warm deflate pack (nothing re-deflated), one
 * entry changed, yazl (Node's zlib, level 9) if it can be imported
 * (`GALLEY_BENCH_YAZL=/path/to/node_modules/yazl`), and zlib's deflateRawSync
 * alone. Prints time and size of each, with the load average.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import JSZip from 'jszip';
import { deflateSync } from 'fflate';
import { openDeflatePack } from '../../scripts/render/epub/deflate-cache.ts';
import { zipArchive, type ZipEntry } from '../../scripts/render/epub/zip.ts';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

interface Input {
  name: string;
  bytes: Uint8Array;
  store: boolean;
  dir: boolean;
}

async function entriesOf(file: string): Promise<Input[]> {
  const zip = await JSZip.loadAsync(readFileSync(file));
  const out: Input[] = [];
  for (const [name, entry] of Object.entries(zip.files)) {
    const raw = (entry as unknown as { _data: { compression?: { magic?: string } } })._data;
    const store = raw?.compression?.magic === '\x00\x00';
    out.push({
      name,
      bytes: entry.dir ? new Uint8Array(0) : await entry.async('uint8array'),
      store: store || entry.dir,
      dir: entry.dir,
    });
  }
  return out;
}

async function time(
  runs: number,
  fn: () => Promise<number> | number,
): Promise<{ seconds: number; all: number[]; size: number }> {
  const all: number[] = [];
  let size = 0;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    size = await fn();
    all.push((performance.now() - started) / 1000);
  }
  return { seconds: median(all), all, size };
}

const date = new Date(Date.UTC(2024, 0, 1));

async function main() {
  const [file, runsArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: tsx tools/bench/zip.ts <book.epub> [runs]');
  const runs = Number(runsArg ?? 5);
  const inputs = await entriesOf(file);
  const total = inputs.reduce((sum, e) => sum + e.bytes.length, 0);
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(', ');
  console.log(
    `${inputs.length} entries, ${(total / 1e6).toFixed(1)} MB uncompressed; ${runs} runs each, medians; load average ${load()} at start`,
  );
  const rows: [string, { seconds: number; all: number[]; size: number }][] = [];

  rows.push([
    'JSZip 3 (pako), level 9',
    await time(runs, async () => {
      const zip = new JSZip();
      for (const e of inputs) {
        if (e.dir) zip.folder(e.name.replace(/\/$/, ''));
        else zip.file(e.name, e.bytes, { compression: e.store ? 'STORE' : 'DEFLATE', date });
      }
      const out = await zip.generateAsync({
        type: 'nodebuffer',
        compression: 'DEFLATE',
        compressionOptions: { level: 9 },
        platform: 'DOS',
      });
      return out.length;
    }),
  ]);

  const fflate = (level: 6 | 9) => () => {
    const entries = inputs.map((e): ZipEntry => ({
      name: e.name,
      method: e.store ? 0 : 8,
      crc: 0,
      size: e.bytes.length,
      data: e.store ? e.bytes : deflateSync(e.bytes, { level }),
    }));
    return zipArchive(entries, date).length;
  };
  rows.push(['fflate 0.8, level 9, zipArchive (no CRC)', await time(runs, fflate(9))]);
  rows.push(['fflate 0.8, level 6, zipArchive (no CRC)', await time(runs, fflate(6))]);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'galley-zip-bench-'));
  try {
    const viaPack = (changed: boolean) => () => {
      const pack = openDeflatePack(dir, 'bench');
      const entries = inputs.map((e, i) => {
        // One chapter edited: a different last byte in the middle entry.
        let bytes = e.bytes;
        if (changed && i === Math.floor(inputs.length / 2) && !e.store) {
          bytes = new Uint8Array(e.bytes);
          bytes[bytes.length - 1] = (bytes.at(-1) ?? 0) ^ 1;
        }
        return pack.entry(e.name, bytes, e.store ? 0 : 8);
      });
      const out = zipArchive(entries, date);
      pack.save();
      return out.length;
    };
    rows.push([
      'Galley cold: fflate level 9 + CRC + pack written',
      await time(runs, () => {
        rmSync(dir, { recursive: true, force: true });
        return viaPack(false)();
      }),
    ]);
    rows.push(['Galley warm, nothing changed (inflate-checked hits)', await time(runs, viaPack(false))]);
    const changed: number[] = [];
    let size = 0;
    for (let i = 0; i < runs; i++) {
      viaPack(false)();
      const started = performance.now();
      size = viaPack(true)();
      changed.push((performance.now() - started) / 1000);
    }
    rows.push(['Galley warm, one entry changed', { seconds: median(changed), all: changed, size }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  rows.push([
    'node zlib deflateRawSync level 9 alone (what yazl runs)',
    await time(runs, () =>
      inputs.reduce(
        (sum, e) => sum + (e.store ? e.bytes.length : zlib.deflateRawSync(e.bytes, { level: 9 }).length),
        0,
      ),
    ),
  ]);

  const yazlPath = process.env.GALLEY_BENCH_YAZL;
  if (yazlPath) {
    const { default: yazl } = (await import(yazlPath)) as {
      default: {
        ZipFile: new () => {
          addBuffer(b: Buffer, n: string, o: object): void;
          addEmptyDirectory(n: string, o: object): void;
          end(): void;
          outputStream: NodeJS.ReadableStream;
        };
      };
    };
    rows.push([
      'yazl 3 (node zlib), level 9 default',
      await time(
        runs,
        () =>
          new Promise<number>((resolve) => {
            const zip = new yazl.ZipFile();
            for (const e of inputs) {
              if (e.dir) zip.addEmptyDirectory(e.name, { mtime: date });
              else zip.addBuffer(Buffer.from(e.bytes), e.name, { compress: !e.store, mtime: date });
            }
            zip.end();
            let size = 0;
            zip.outputStream.on('data', (chunk: Buffer) => (size += chunk.length));
            zip.outputStream.on('end', () => resolve(size));
          }),
      ),
    ]);
  }

  for (const [name, result] of rows) {
    console.log(
      `  ${name.padEnd(58)} ${result.seconds.toFixed(3)} s  (${result.all.map((s) => s.toFixed(3)).join(', ')})  ${(result.size / 1e6).toFixed(3)} MB`,
    );
  }
  console.log(`load average ${load()} at the end`);
}

await main();
