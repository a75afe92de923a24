import path from 'node:path';
import type { Element, Root } from 'hast';
import { toXast } from 'hast-util-to-xast';
import { toXml } from 'xast-util-to-xml';
import { describe, expect, it } from 'vitest';
import { prepare } from '../scripts/api/build.ts';
import { hastToXml } from '../scripts/render/xhtml.ts';
import { HTML_NS, serialiseXhtml } from '../scripts/render/xhtml-serialise.ts';
import { xmlSafeMarkup } from '../scripts/util/xml-safe.ts';
import { chaptersOnThisThread, ROOT } from './helpers.ts';

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
]);
const SELF_CLOSING = /<([A-Za-z][\w:.-]*)((?:\s+[^\s=/>]+="[^"]*")*)\s*\/>/g;

/** What render/xhtml.ts wrote before the direct serialiser: hast → xast → XML, then only void elements self-closed. */
function throughXast(tree: Root | Element): string {
  const xml = toXml(toXast(tree), { closeEmptyElements: true, tightClose: true });
  return xmlSafeMarkup(
    xml.replace(SELF_CLOSING, (tag, name: string, attributes: string) =>
      VOID.has(name) ? tag : `<${name}${attributes}></${name}>`,
    ),
  );
}

const el = (tagName: string, properties: Element['properties'], children: Element['children'] = []): Element => ({
  type: 'element',
  tagName,
  properties,
  children,
});

describe('XHTML straight from hast', () => {
  chaptersOnThisThread();

  it('writes what hast → xast → XML wrote, for markup that exercises every rule', () => {
    const tree: Root = {
      type: 'root',
      children: [
        { type: 'doctype' },
        el('p', { className: ['a', 'b'], id: 'x', hidden: true, tabIndex: 0, ariaLabelledBy: ['t1', 't2'] }, [
          { type: 'text', value: 'a < b & c > d "q" \u0001ctrl ]]> \uD800 lone' },
          el('br', {}),
          el('span', {}),
          el('span', {}, [{ type: 'text', value: '' }]),
          el('a', { href: 'x.xhtml#a"b<&', 'epub:type': 'noteref', download: false, title: '' }),
        ]),
        { type: 'comment', value: 'a -- comment -' },
        el('svg', { viewBox: '0 0 10 10', width: 10 }, [el('path', { d: 'M0 0', strokeWidth: '2' }), el('title', {})]),
        el('math', { xmlns: 'http://www.w3.org/1998/Math/MathML', display: 'block' }, [
          el('mi', { mathvariant: 'normal' }, [{ type: 'text', value: 'x' }]),
        ]),
        el('input', { type: 'checkbox', checked: true, disabled: false, accept: ['a', 'b'] }),
        el('img', { src: 'a.png', alt: '', width: Number.NaN }),
        el('td', { headers: ['h1', 'h2'], colSpan: 2 }),
        el('meta', { httpEquiv: ['Content-Security-Policy'], content: "default-src 'none'", charSet: 'utf-8' }),
      ],
    };
    expect(hastToXml(tree)).toBe(throughXast(tree));
    for (const child of tree.children) if (child.type === 'element') expect(hastToXml(child)).toBe(throughXast(child));
  });

  it('writes every page of the fixture books as before, on its own and inside a document body', async () => {
    const books = ['mini', 'honkit-mini', 'mdbook-mini', 'errata-mini', 'translation'];
    let pages = 0;
    for (const name of books) {
      const { pages: list } = await prepare(path.join(ROOT, 'tests', 'books', name), undefined, { cache: false });
      for (const page of list) {
        expect(hastToXml(page.body)).toBe(throughXast(page.body));
        // Inside <body>, the page does not repeat the namespace its document declares.
        const inBody = throughXast(el('body', { xmlns: HTML_NS }, [page.body]));
        expect(xmlSafeMarkup(`<body xmlns="${HTML_NS}">${serialiseXhtml(page.body, HTML_NS)}</body>`)).toBe(inBody);
        pages++;
      }
    }
    expect(pages).toBeGreaterThan(10);
  });
});
