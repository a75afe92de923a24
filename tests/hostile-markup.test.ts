/**
 * Issue 24, items 7 and 8: what the author wrote stays as written, author
 * styles stay in their box, damaged images are errors at their line, and
 * author strings are never object keys. Markdown/HTML-level: no browser.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deflateSync } from 'node:zlib';
import { VFile } from 'vfile';
import { config, renderMarkdown, tempDir } from './helpers.ts';
import { createChapterProcessor } from '../scripts/markdown/processor.ts';
import { markTemplateTags } from '../scripts/model/dialects/template-tags.ts';
import { AssetRegistry } from '../scripts/model/book/assets.ts';
import { loadConfig } from '../scripts/model/config/load.ts';
import { hastToXml } from '../scripts/render/xhtml.ts';
import type { ChapterSettings } from '../scripts/model/book/load.ts';

function render(markdown: string, settings: ChapterSettings) {
  const processor = createChapterProcessor(config(), { settings });
  const file = new VFile({ path: 'input.md', value: markdown });
  file.data.chapter = { key: 'input', source: 'input.md' };
  const tree = processor.runSync(processor.parse(file), file);
  return { html: hastToXml(tree), messages: file.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}`) };
}

describe('template tags and dialect rules', () => {
  const liquid = [
    '# Templates', // 1
    '',
    'Indented code:', // 3
    '',
    '    {% for item in items %}', // 5
    '    {% endfor %}', // 6
    '',
    '<pre>', // 8
    '{% if user %}', // 9
    '', // 10
    '{% endif %}', // 11
    '</pre>', // 12
    '',
    'Inline `{% raw %}` and `a', // 14
    '{% endraw %}', // 15
    'b` code.', // 16
    '',
    '{% hint style="info" %}', // 18
    'A hint.',
    '{% endhint %}', // 20
    '',
  ].join('\n');

  it('marks tag lines only outside code of every kind', () => {
    const marked = markTemplateTags(liquid).split('\n');
    for (const line of [5, 6, 9, 11, 15]) expect(marked[line - 1], `line ${line}`).toBe(liquid.split('\n')[line - 1]);
    expect(marked[17]).toBe('<!--galley:hint style="info"-->');
    expect(marked[19]).toBe('<!--galley:endhint-->');
  });

  it('reads a line of 100,000 tags that ends in text in linear time', () => {
    const line = `${'{%%}'.repeat(100_000)}x`;
    const started = performance.now();
    expect(markTemplateTags(`# T\n\n${line}\n`)).toContain(line);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('keeps `{% … %}` and hidden-looking Rust lines as written outside HonKit and mdBook books', () => {
    const rust = '```rust\n# use std::io;\nfn main() {}\n```\n';
    const plain = render(`${liquid}\n${rust}`, {});
    expect(plain.html).toContain('{% hint style="info" %}');
    expect(plain.html).toContain('{% for item in items %}');
    expect(plain.html).toContain('{% if user %}');
    expect(plain.html.replace(/<[^>]+>/g, '')).toMatch(/# use std::io;/);
    const mdbook = render(rust, { hiddenRustLines: true });
    expect(mdbook.html.replace(/<[^>]+>/g, '')).not.toMatch(/use std::io/);
  });

  it('still reads HonKit blocks in a HonKit book, and an author comment is no tag elsewhere', () => {
    const honkit = render(markTemplateTags('# H\n\n{% hint style="info" %}\nNote.\n{% endhint %}\n'), {
      templateTags: true,
    });
    // A HonKit hint is one of the callouts every dialect maps to.
    expect(honkit.html).toMatch(/<aside[^>]* class="callout callout-note"[^>]*>.*Note\.<\/p><\/aside>/s);
    const galley = render('# G\n\n<!--galley:include "other.md"-->\n', {});
    expect(galley.messages.filter((m) => / include$/.test(m))).toEqual([]);
  });
});

describe('author styles stay in their box', () => {
  it('drops position, layers, transforms and viewport units on <math>, with a warning at the element', () => {
    const { html, messages } = renderMarkdown(
      [
        '# Styles',
        '',
        'Text <math style="position:fixed; top:0; left:0; width:100vw; height:100dvh; z-index:2147483647; background:white; color:rgb(200, 0, 0)"><mi>x</mi></math>.',
        '',
        '<math style="transform: rotate; margin-left: -9999px; font-size: 120%"><mi>y</mi></math>',
        '',
      ].join('\n'),
    );
    expect(html).not.toMatch(/position|z-index|100vw|dvh|transform|-9999px|top:|left:0/);
    expect(html).toMatch(/<math style="background:white; color:rgb\(200, 0, 0\)"/);
    expect(html).toMatch(/<math style="font-size: 120%"/);
    const warnings = messages.filter((m) => m.endsWith('[author-style]'));
    expect(warnings.map((m) => m.split(' ')[0])).toEqual(['3:6', '5:1']);
    expect(warnings[0]).toMatch(/`position`.*`z-index`/);
  });

  it('leaves no style on SVG or HTML elements, whatever they ask for', () => {
    const { html } = renderMarkdown(
      '# S\n\n<svg style="position:fixed" width="10" height="10"><circle style="position:absolute" cx="5" cy="5" r="4"/></svg> <span style="position:fixed;z-index:9">x</span>\n',
    );
    expect(html).not.toMatch(/position|z-index/);
  });
});

describe('author strings are never object keys', () => {
  it('builds fences named after Object.prototype members, with a warning for the unknown language', () => {
    const { html, messages } = renderMarkdown(
      '# F\n\n```constructor\nx\n```\n\n```rust,toString\nfn main() {}\n```\n\n```__proto__\ny\n```\n\n```hasOwnProperty\nz\n```\n',
    );
    expect(messages.filter((m) => / error /.test(m))).toEqual([]);
    expect(html).toContain('fn</span>');
    expect(messages.filter((m) => m.endsWith('[missing-language]')).map((m) => m.split(' ')[0])).toEqual([
      '3:1',
      '11:1',
      '15:1',
    ]);
  });
});

describe('language tags and editions at their book.yaml line', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    work = await tempDir('galley-hostile-markup-');
  });
  afterAll(() => work.cleanup());

  const errorsOf = async (yaml: string, name: string) => {
    const dir = path.join(work.dir, name);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'book.yaml'), yaml);
    const { file } = await loadConfig(dir);
    return file.messages.filter((m) => m.fatal).map((m) => `${m.line}: ${m.reason}`);
  };

  it('refuses `language: en-12`, which passes the pattern but not Intl', async () => {
    const errors = await errorsOf('title: T\nauthors: [A]\nlanguage: en-12\n', 'lang');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^3: .*not a valid BCP 47 language tag/);
  });

  it('refuses two editions in one folder, and more than 64 editions', async () => {
    const shared = await errorsOf(
      'title: T\nauthors: [A]\neditions:\n  de:\n    root: de\n  fr:\n    root: de\n',
      'shared',
    );
    expect(shared).toHaveLength(1);
    expect(shared[0]).toMatch(/^7: .*already edition `de`'s/);
    const many = Array.from({ length: 3000 }, (_, i) => `  de-e${i}:\n    root: e${i}`).join('\n');
    const capped = await errorsOf(`title: T\nauthors: [A]\neditions:\n${many}\n`, 'many');
    expect(capped).toHaveLength(1);
    expect(capped[0]).toMatch(/3000 editions, over the limit of 64/);
  });
});

describe('images a validator would reject', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    let c = 0xffffffff;
    for (const byte of body) {
      c ^= byte;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE((c ^ 0xffffffff) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const png = (width: number, height: number, rows = height) => {
    const header = Buffer.alloc(13);
    header.writeUInt32BE(width, 0);
    header.writeUInt32BE(height, 4);
    header[8] = 1; // 1-bit greyscale
    const data = deflateSync(Buffer.alloc((1 + Math.ceil(width / 8)) * rows));
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', data),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  };
  beforeAll(async () => {
    work = await tempDir('galley-hostile-images-');
    const files: Record<string, Buffer> = {
      'good.png': png(4, 4),
      'signature.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      'tiny.jpg': Buffer.from([
        0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9, 0, 0,
      ]),
      'photo.webp': Buffer.concat([
        Buffer.from('RIFF'),
        Buffer.from([30, 0, 0, 0]),
        Buffer.from('WEBPVP8 '),
        Buffer.alloc(22),
      ]),
      // 20000×20000 in a few kilobytes: the header alone says what it would cost.
      'huge.png': png(20_000, 20_000, 1),
    };
    for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(work.dir, name), bytes);
  });
  afterAll(() => work.cleanup());

  it('refuses a bare signature, a 24-byte JPEG, a WebP and 400 megapixels; keeps a real PNG', () => {
    const registry = new AssetRegistry(work.dir);
    const from = path.join(work.dir, 'chapter.md');
    const outcome = (name: string) => {
      const result = registry.resolve(from, name);
      return 'error' in result ? result.error : 'ok';
    };
    expect(outcome('good.png')).toBe('ok');
    expect(outcome('signature.png')).toMatch(/damaged: it is only a signature/);
    expect(outcome('tiny.jpg')).toMatch(/damaged: it has no frame header/);
    expect(outcome('photo.webp')).toMatch(/WebP|damaged/);
    expect(outcome('huge.png')).toMatch(/20000×20000 \(400 megapixels\), over the 50 megapixel limit/);
  });

  it('reports a damaged image at its line in the chapter', () => {
    const processor = createChapterProcessor(config(), { settings: { boundary: work.dir } });
    const file = new VFile({
      path: path.join(work.dir, 'chapter.md'),
      value: '# I\n\nText.\n\n![a signature](signature.png)\n',
    });
    const registry = new AssetRegistry(work.dir);
    file.data.chapter = {
      key: 'chapter',
      source: 'chapter.md',
      resolveAsset: (href: string) => registry.resolve(file.path, href),
    };
    processor.runSync(processor.parse(file), file);
    const errors = file.messages.filter((m) => m.fatal);
    expect(errors.map((m) => `${m.line} ${m.ruleId}`)).toEqual(['5 broken-image']);
  });
});
