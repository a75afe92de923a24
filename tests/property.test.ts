/**
 * Property-based tests of the Markdown → XHTML path (fast-check, fixed seed,
 * so CI runs the same cases every time): for any mix of Markdown, HTML tags,
 * attributes, entities, math, URLs and Unicode, the chapter pipeline never
 * throws, always yields well-formed XML, lets no forbidden construct through,
 * is a fixed point of its own sanitizer, and is deterministic.
 */
import fc from 'fast-check';
import type { Root } from 'hast';
import { sanitize } from 'hast-util-sanitize';
import { XMLValidator } from 'fast-xml-parser';
import { VFile } from 'vfile';
import { VFileMessage } from 'vfile-message';
import { describe, expect, it } from 'vitest';
import { createChapterProcessor } from '../scripts/markdown/processor.ts';
import { sanitizeSchema } from '../scripts/model/sanitize-schema.ts';
import { hastToXml } from '../scripts/render/xhtml.ts';
import { decodeSource } from '../scripts/util/text.ts';
import { config } from './helpers.ts';

fc.configureGlobal({ seed: 4242, numRuns: 200 });

const FRAGMENTS = [
  // Markup that must not survive.
  '<script>alert(1)</script>',
  '<script src=//127.0.0.1:9/x.js>',
  '</script>',
  '<SCRIPT>',
  '<img src=x onerror=y>',
  '<img src="x" onerror="alert(1)">',
  '<svg onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<svg><image href="file:///etc/passwd"/></svg>',
  '<svg><use href="http://127.0.0.1:9/#a"/></svg>',
  '<svg><rect fill="url(http://127.0.0.1:9/p)"/></svg>',
  '<svg><a href="javascript:alert(1)"><text>t</text></a></svg>',
  '<svg><animate attributeName="href" to="javascript:x"/></svg>',
  '<math style="background:url(http://127.0.0.1:9/m)"><mi>x</mi></math>',
  '<math href="javascript:x"><mi>x</mi></math>',
  '[a](javascript:x)',
  '[a](JaVaScRiPt:alert(1))',
  '<a href="java&#x09;script:x">t</a>',
  '<a href="&#106;avascript:x">t</a>',
  '<a href="data:text/html,<script>x</script>">t</a>',
  '[d](data:text/html;base64,PHNjcmlwdD4=)',
  '<a href=" javascript:x">t</a>',
  '<a href="vbscript:x">t</a>',
  '[r][x]',
  '[x]: javascript:alert(1)',
  '<iframe src=file:///etc/passwd></iframe>',
  '<iframe srcdoc="<script>x</script>">',
  '<object data=x></object>',
  '<embed src=x>',
  '<base href=file:///>',
  '<meta http-equiv=refresh content="0;url=http://127.0.0.1:9/">',
  '<link rel=stylesheet href=http://127.0.0.1:9/x.css>',
  '<style>@import url(http://127.0.0.1:9/i.css)</style>',
  '<p style="background:url(http://127.0.0.1:9/b)">p</p>',
  '<form action=javascript:x><button formaction=javascript:y>b</button></form>',
  '<details open ontoggle=alert(1)>',
  '<a href=x onclick=y>',
  '<div/onclick=x>',
  '" onmouseover="alert(1)',
  "' onfocus='x'",
  '<noscript><img src=x></noscript>',
  '<template><script>x</script></template>',
  '<textarea>',
  '</textarea>',
  '<title>',
  '<xmp>',
  '<plaintext>',
  '<select>',
  '<foreignObject>',
  '<frameset>',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '<?xml version="1.0"?>',
  '<!DOCTYPE html>',
  '<video src=http://127.0.0.1:9/v.mp4 poster=http://127.0.0.1:9/p.png>',
  '<audio src=x>',
  '<picture><source srcset=http://127.0.0.1:9/s.png><img src=a.png></picture>',
  '<img srcset="http://127.0.0.1:9/s 2x">',
  // Markdown and HTML structure.
  '*',
  '**',
  '_',
  '__',
  '[',
  ']',
  '(',
  ')',
  '![',
  '](',
  '$$',
  '$',
  '`',
  '```',
  '~~~',
  '<',
  '>',
  '&',
  '&amp;',
  '&lt;',
  '&#0;',
  '&#xD800;',
  '&#x202E;',
  '&nosuch;',
  '\\',
  '\\$',
  '|',
  '---',
  '\n',
  '\n\n',
  '\r\n',
  '\t',
  '    ',
  '# ',
  '## ',
  '> ',
  '- ',
  '1. ',
  '- [ ] ',
  '[^1]',
  '[^1]: note',
  'x[^1]\n\n[^1]: A note.\n\n',
  '{#id}',
  '<div>',
  '</div>',
  '<p>',
  '</p>',
  '<span>',
  '<math>',
  '<mi>x</mi>',
  '</math>',
  '<svg>',
  '</svg>',
  '<table><tr><td>',
  '</td></tr></table>',
  '| a | b |\n|---|---|\n| 1 | 2 |',
  '$$\\frac{a}{b}$$',
  '$$\\href{javascript:x}{y}$$',
  '$$\\begin{aligned}a&=b\\end{aligned}$$',
  // URLs, paths and includes.
  'http://127.0.0.1:9/',
  'www.example.com',
  '<http://127.0.0.1:9/x>',
  'mailto:a@b.c',
  '![a](../../../../etc/passwd)',
  '![a](/etc/passwd)',
  '![b](//127.0.0.1:9/x.png)',
  '![c](images/%2e%2e/x.png)',
  '[l](../secret.md)',
  '{{#include ../secret.txt}}',
  '{% include "../secret.md" %}',
  '{% hint style="info" %}',
  '{% endhint %}',
  '[import](../x.js)',
  '{{ "k" | cite }}',
  // Unicode.
  'é',
  'Ünï',
  '\u202E',
  '\u200B',
  '\uFEFF',
  '\u0000',
  '\u0001',
  '\u000B',
  '\uFFFE',
  '\uFFFF',
  '😀',
  '𝔸',
  'ق',
  'א',
  '\u0301',
  // What XML cannot hold, in forms that survive source decoding (issue 14): `]]>` in text and attributes,
  // noncharacters and surrogates as references, lone surrogates (the encoder turns them into U+FFFD bytes).
  'Plain ]]> text.',
  '<span title="]]>">x</span>',
  '`]]>`',
  '<p>]]&gt;</p>',
  '&#xFFFE;',
  '&#xFFFF;',
  '&#65534;',
  '&#xDFFF;',
  '<b title="&#xFFFE;&#xD800;">b</b>',
  '\uD800',
  '\uDFFF',
  '\uDBFF\uDFFF',
  '&#x10FFFE;',
];

const hostileMarkdown = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...FRAGMENTS) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

const processor = createChapterProcessor(config());

interface Rendered {
  tree: Root;
  xml: string;
  file: VFile;
}

/** The chapter pipeline as the loader feeds it: UTF-8 bytes through decodeSource, then the processor. */
function render(markdown: string): Rendered {
  const file = new VFile({ path: 'input.md' });
  file.value = decodeSource(new TextEncoder().encode(markdown), file);
  file.data.chapter = { key: 'input', source: 'input.md' };
  const tree = processor.runSync(processor.parse(file), file);
  return { tree, xml: hastToXml(tree), file };
}

const cache = new Map<string, Rendered>();
const rendered = (markdown: string) => {
  let hit = cache.get(markdown);
  if (!hit) cache.set(markdown, (hit = render(markdown)));
  return hit;
};

/** XML 1.0's Char production: what a well-formed document may hold at all. */
const NOT_XML_CHAR = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Start tags of a serialization: text and attribute values are escaped, so every `<` opens markup. */
function tags(xml: string): { name: string; attributes: [string, string][] }[] {
  const out: { name: string; attributes: [string, string][] }[] = [];
  for (const match of xml.matchAll(/<([A-Za-z][\w:.-]*)((?:\s+[^\s=/>]+="[^"]*")*)\s*\/?>/g)) {
    const attributes = [...match[2]!.matchAll(/\s+([^\s=/>]+)="([^"]*)"/g)].map(
      (m) => [m[1]!, m[2]!] as [string, string],
    );
    out.push({ name: match[1]!, attributes });
  }
  return out;
}

const FORBIDDEN_TAGS =
  /^(script|iframe|frame|frameset|object|embed|base|meta|link|style|template|noscript|form|button|textarea|select|image|use|foreignObject|animate|set|feImage)$/i;
const unescape = (value: string) =>
  value
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<');

/** What must never reach an output, in a serialization. */
function violations(xml: string): string[] {
  const found: string[] = [];
  if (/<(script|iframe|object|embed|base|meta)\b/i.test(xml))
    found.push(`raw ${/<(script|iframe|object|embed|base|meta)\b/i.exec(xml)![0]}`);
  for (const tag of tags(xml)) {
    if (FORBIDDEN_TAGS.test(tag.name)) found.push(`<${tag.name}>`);
    for (const [name, raw] of tag.attributes) {
      const value = unescape(raw).replace(/[\u0000-\u0020]/g, '');
      if (/^on[a-z]+$/i.test(name)) found.push(`${name}= on <${tag.name}>`);
      if (/^(srcdoc|srcset|formaction|xlink:href)$/i.test(name)) found.push(`${name}= on <${tag.name}>`);
      if (/^(javascript|vbscript|livescript|data):/i.test(value)) found.push(`${name}="${raw}" on <${tag.name}>`);
      if (name === 'style' && /url\(|@import|\\/i.test(value)) found.push(`style="${raw}" on <${tag.name}>`);
      if (['src', 'poster', 'data', 'background'].includes(name) && /^[a-z][a-z0-9+.-]*:|^\/\//i.test(value))
        found.push(`${name}="${raw}" on <${tag.name}>`);
      if (name === 'href' && tag.name !== 'a') found.push(`href= on <${tag.name}>`);
      if (
        ['fill', 'stroke', 'marker-end', 'marker-start', 'marker-mid', 'filter', 'clip-path', 'mask'].includes(name) &&
        /url\((?!\s*['"]?#)/i.test(value)
      )
        found.push(`${name}="${raw}" on <${tag.name}>`);
    }
  }
  return found;
}

describe('Markdown → XHTML, for any input (fast-check, seed 4242)', () => {
  it('never throws: problems are VFile messages', () => {
    fc.assert(
      fc.property(hostileMarkdown, (markdown) => {
        const { file } = rendered(markdown);
        for (const message of file.messages) expect(message).toBeInstanceOf(VFileMessage);
      }),
    );
  });

  it('always gives well-formed XML', () => {
    fc.assert(
      fc.property(hostileMarkdown, (markdown) => {
        const { xml } = rendered(markdown);
        const document = `<body xmlns="http://www.w3.org/1999/xhtml">${xml}</body>`;
        const valid = XMLValidator.validate(document, { allowBooleanAttributes: false });
        expect(valid, JSON.stringify(valid)).toBe(true);
        expect(NOT_XML_CHAR.exec(xml)?.[0].codePointAt(0)?.toString(16)).toBeUndefined();
        expect(xml).not.toContain(']]>');
      }),
    );
  });

  it('serialises any text and attribute value, lone surrogates and ]]> included, as well-formed XML', () => {
    const anyText = fc
      .array(
        fc.oneof(
          fc.constantFrom(']]>', ']]', '>', '\uD800', '\uDC00', '\uFFFE', '\uFFFF', '\u0000', '\u001B', '&', '<'),
          fc.string({ unit: 'binary', maxLength: 6 }),
        ),
        { maxLength: 12 },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(anyText, anyText, (text, title) => {
        const xml = hastToXml({
          type: 'root',
          children: [
            { type: 'element', tagName: 'p', properties: { title }, children: [{ type: 'text', value: text }] },
          ],
        });
        const valid = XMLValidator.validate(`<body xmlns="http://www.w3.org/1999/xhtml">${xml}</body>`);
        expect(valid, JSON.stringify(valid)).toBe(true);
        expect(NOT_XML_CHAR.exec(xml)?.[0].codePointAt(0)?.toString(16)).toBeUndefined();
        expect(xml).not.toContain(']]>');
      }),
    );
  });

  it('lets no forbidden construct through', () => {
    fc.assert(
      fc.property(hostileMarkdown, (markdown) => {
        expect(violations(rendered(markdown).xml)).toEqual([]);
      }),
    );
  });

  it('is a fixed point of its own sanitizer: sanitizing the output again changes nothing', () => {
    fc.assert(
      fc.property(hostileMarkdown, (markdown) => {
        const { tree, xml } = rendered(markdown);
        expect(hastToXml(sanitize(structuredClone(tree), sanitizeSchema) as Root)).toBe(xml);
      }),
    );
  });

  it('gives the same bytes for the same input', () => {
    fc.assert(
      fc.property(hostileMarkdown, (markdown) => {
        expect(render(markdown).xml).toBe(rendered(markdown).xml);
      }),
      { numRuns: 50 },
    );
  });

  it('finds what it looks for (the checks themselves are not blind)', () => {
    expect(
      violations(
        '<p onclick="x">a</p><script>x</script><a href="java&#x09;script:x">b</a><img src="//h/x.png"/><math style="background:url(x)"></math>',
      ),
    ).toEqual([
      'raw <script',
      'onclick= on <p>',
      '<script>',
      'href="java&#x09;script:x" on <a>',
      'src="//h/x.png" on <img>',
      'style="background:url(x)" on <math>',
    ]);
    expect(NOT_XML_CHAR.test('a\uFFFEb')).toBe(true);
    expect(XMLValidator.validate('<body><p>a</body>')).not.toBe(true);
  });
});
