/**
 * The one signing helper every cache uses (scripts/util/signed-entry.ts): a good entry reads back, and anything
 * this folder's secret did not sign for this key (a changed byte, another secret, another key or label) reads
 * as nothing. No browser.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSigned, encodeSigned, sign, verify, writeCacheFile } from '../scripts/util/signed-entry.ts';
import { tempDir } from './light-helpers.ts';

const secret = randomBytes(32);
const other = randomBytes(32);
const key = 'a1b2c3';
const text = (parts: Buffer[] | undefined) => parts?.map((p) => p.toString('utf8'));

describe('sign and verify', () => {
  it('is the HMAC-SHA256 of the parts with a NUL byte between each (the caches’ format before the helper)', () => {
    const expected = createHmac('sha256', secret).update(key).update('\0').update('{"x":1}').digest('hex');
    expect(sign(secret, [key, '{"x":1}'])).toBe(expected);
    expect(sign(secret, [key, Buffer.from('{"x":1}')])).toBe(expected);
  });

  it('accepts the signature and refuses another payload, another secret, a cut or missing signature', () => {
    const signature = sign(secret, [key, 'payload']);
    expect(verify(secret, [key, 'payload'], signature)).toBe(true);
    expect(verify(secret, [key, 'payloae'], signature)).toBe(false);
    expect(verify(other, [key, 'payload'], signature)).toBe(false);
    expect(verify(secret, [key, 'payload'], signature.slice(0, 40))).toBe(false);
    expect(verify(secret, [key, 'payload'], undefined)).toBe(false);
    // The NUL keeps the parts apart: moving a byte from one part to the next is another entry.
    expect(verify(secret, ['a1b2c', '3payload'], signature)).toBe(false);
  });
});

describe('a signed entry', () => {
  const svg = '<svg>\n  <text>é ✓</text>\n</svg>';
  const entry = encodeSigned(secret, 'galley-test-1', key, [
    '{"pages":3}',
    Buffer.from([0x25, 0x50, 0x44, 0x46, 0x0a, 0]),
  ]);

  it('reads back its parts with the same secret, label and key; only the last part may hold a newline', () => {
    expect(text(decodeSigned(secret, 'galley-test-1', key, entry, 2))).toEqual(['{"pages":3}', '%PDF\n\0']);
    const one = encodeSigned(secret, 'galley-test-1', key, [svg]);
    expect(one.toString('utf8')).toBe(`galley-test-1 ${sign(secret, [key, svg])}\n${svg}`);
    expect(text(decodeSigned(secret, 'galley-test-1', key, one))).toEqual([svg]);
  });

  it('refuses a tampered byte anywhere, a cut entry, a wrong secret, key or label', () => {
    for (const at of [entry.indexOf(0x0a) + 3, entry.length - 1]) {
      const tampered = Buffer.from(entry);
      tampered.writeUInt8(tampered.readUInt8(at) ^ 1, at);
      expect(decodeSigned(secret, 'galley-test-1', key, tampered, 2)).toBeUndefined();
    }
    expect(decodeSigned(secret, 'galley-test-1', key, entry.subarray(0, entry.length - 2), 2)).toBeUndefined();
    expect(decodeSigned(secret, 'galley-test-1', key, entry.subarray(0, 20), 2)).toBeUndefined();
    expect(decodeSigned(other, 'galley-test-1', key, entry, 2)).toBeUndefined();
    expect(decodeSigned(secret, 'galley-test-1', 'a1b2c4', entry, 2)).toBeUndefined();
    expect(decodeSigned(secret, 'galley-test-2', key, entry, 2)).toBeUndefined();
    // A forger who knows the format but not the secret.
    const forged = encodeSigned(other, 'galley-test-1', key, ['{"pages":3}', Buffer.from('%PDF')]);
    expect(decodeSigned(secret, 'galley-test-1', key, forged, 2)).toBeUndefined();
  });
});

describe('writeCacheFile', () => {
  it('makes the folder, replaces the file whole and leaves no temporary file', async () => {
    const work = await tempDir('galley-signed-entry-');
    try {
      const file = path.join(work.dir, 'ab', 'entry.json');
      expect(writeCacheFile(file, 'first')).toBe(true);
      expect(writeCacheFile(file, Buffer.from('second'))).toBe(true);
      expect(await readFile(file, 'utf8')).toBe('second');
      expect(await readdir(path.dirname(file))).toEqual(['entry.json']);
    } finally {
      await work.cleanup();
    }
  });

  it('answers false, and leaves nothing, where the cache cannot be written', async () => {
    const work = await tempDir('galley-signed-entry-');
    try {
      // A file where the folder would be.
      await writeFile(path.join(work.dir, 'ab'), 'not a folder');
      expect(writeCacheFile(path.join(work.dir, 'ab', 'entry.json'), 'x')).toBe(false);
      expect(await readdir(work.dir)).toEqual(['ab']);
    } finally {
      await work.cleanup();
    }
  });
});
