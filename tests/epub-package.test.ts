/**
 * The EPUB's zip entries as Galley lists them (scripts/render/epub/package.ts), without building a book: the order
 * epub-gen-memory used (so EPUBs kept their bytes when it was dropped), `mimetype` first and stored, each folder
 * before its first file, and no two files under one name; and one image in two folders packaged once (a fixture book,
 * no browser). tests/epub.test.ts checks whole EPUBs with EPUBCheck.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { prepare } from '../scripts/api/build.ts';
import { BuildCache } from '../scripts/model/build-cache.ts';
import { renderEpub } from '../scripts/render/epub/epub.ts';
import { openDeflatePack } from '../scripts/render/epub/deflate-cache.ts';
import { CONTAINER_XML, packageEntries, packageEpub, type PackageFile } from '../scripts/render/epub/package.ts';
import { ROOT, tempDir } from './helpers.ts';

const file = (href: string, mediaType: string, data: string | Buffer): PackageFile => ({
  href,
  id: href,
  mediaType,
  data,
  properties: [],
});
const parts = {
  documents: [
    file('titlepage.xhtml', 'application/xhtml+xml', '<html/>'),
    file('a.xhtml', 'application/xhtml+xml', 'ä'),
  ],
  opf: '<package/>',
  ncx: '<ncx/>',
  nav: '<nav/>',
  resources: [
    file('css/book.css', 'text/css', 'p {}'),
    file('images/x-0123456789.png', 'image/png', Buffer.from([0x89, 0x50])),
  ],
};

describe('EPUB package entries', () => {
  it('lists mimetype first and stored, folders before their files, then documents, container, OPF, NCX, nav, resources', () => {
    const entries = packageEntries(parts);
    expect(entries.map((e) => `${e.name}:${e.method}`)).toEqual([
      'mimetype:0',
      'OEBPS/:0',
      'OEBPS/titlepage.xhtml:8',
      'OEBPS/a.xhtml:8',
      'META-INF/:0',
      'META-INF/container.xml:8',
      'OEBPS/content.opf:8',
      'OEBPS/toc.ncx:8',
      'OEBPS/toc.xhtml:8',
      'OEBPS/css/:0',
      'OEBPS/css/book.css:8',
      'OEBPS/images/:0',
      'OEBPS/images/x-0123456789.png:0',
    ]);
    expect(Buffer.from(entries[0]!.data).toString()).toBe('application/epub+zip');
    expect(Buffer.from(entries[3]!.data).toString('utf8')).toBe('ä');
  });

  it('refuses two files under one name', () => {
    const twice = { ...parts, resources: [...parts.resources, file('css/book.css', 'text/css', 'q {}')] };
    expect(() => packageEntries(twice)).toThrow('two files named OEBPS/css/book.css');
  });

  it('writes a zip that reads back: the container points at the OPF, mimetype stored at offset 30', async () => {
    const bytes = packageEpub(parts, openDeflatePack(undefined, 'test'), new Date(Date.UTC(2026, 0, 1)));
    expect(bytes.subarray(30, 38).toString()).toBe('mimetype');
    expect(bytes.subarray(38, 58).toString()).toBe('application/epub+zip');
    const zip = await JSZip.loadAsync(bytes);
    expect(await zip.file('META-INF/container.xml')!.async('string')).toBe(CONTAINER_XML);
    expect(CONTAINER_XML).toContain('full-path="OEBPS/content.opf"');
    expect(await zip.file('OEBPS/a.xhtml')!.async('string')).toBe('ä');
  });
});

describe('an image kept in two folders', () => {
  it('is one file and one manifest item (EPUBCheck OPF-074 otherwise)', async () => {
    const out = await tempDir();
    try {
      const { book, pages } = await prepare(path.join(ROOT, 'tests/books/same-image'));
      const targets = [...book.assets.values()].map((a) => a.target);
      // Two sources, one target: the name and a hash of the bytes.
      expect(targets).toHaveLength(2);
      expect(new Set(targets).size).toBe(1);
      const epub = await renderEpub(book, pages, out.dir, { cache: new BuildCache() });
      const zip = await JSZip.loadAsync(await readFile(epub.path));
      const opf = await zip.file('OEBPS/content.opf')!.async('string');
      expect(opf.split(`href="${targets[0]}"`)).toHaveLength(2);
      expect(Object.keys(zip.files).filter((name) => name.endsWith('.svg'))).toEqual([`OEBPS/${targets[0]}`]);
    } finally {
      await out.cleanup();
    }
  });
});
