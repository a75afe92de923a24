import type { Element, ElementContent, Root as HastRoot } from 'hast';
import type { Root as XastRoot, Element as XastElement } from 'xast';
import { toXast } from 'hast-util-to-xast';
import { toXml } from 'xast-util-to-xml';
import { xmlSafeMarkup } from '../util/xml-safe.ts';

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
const XHTML = 'http://www.w3.org/1999/xhtml';
const SELF_CLOSING = /<([A-Za-z][\w:.-]*)((?:\s+[^\s=/>]+="[^"]*")*)\s*\/>/g;

export interface DocumentOptions {
  title: string;
  language: string;
  direction: 'ltr' | 'rtl';
  stylesheets: string[];
  /** Content-Security-Policy for the document, a backstop behind sanitizing. */
  csp?: string;
  bodyClass?: string;
}

export const BOOK_CSP =
  "default-src 'none'; img-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self'; media-src 'none'; script-src 'none'; object-src 'none'; frame-src 'none'";

/** Serialises hast as XML: void elements self-close, other empty ones get an end tag, so the text also parses as HTML. */
export function hastToXml(tree: HastRoot | Element): string {
  const xml = toXml(toXast(tree) as XastRoot | XastElement, { closeEmptyElements: true, tightClose: true });
  // `<p/>` means an unclosed <p> to an HTML parser: only void elements may self-close.
  // Text and attribute values are escaped, so a `<` here always starts a tag.
  // `]]>` and characters XML cannot hold never reach a file, whatever the text (util/xml-safe.ts).
  return xmlSafeMarkup(
    xml.replace(SELF_CLOSING, (tag, name: string, attributes: string) =>
      VOID.has(name) ? tag : `<${name}${attributes}></${name}>`,
    ),
  );
}

/** A complete XHTML5 document (also valid HTML) around a body. */
export function xhtmlDocument(body: ElementContent[], options: DocumentOptions): string {
  const head: ElementContent[] = [
    { type: 'element', tagName: 'meta', properties: { charSet: 'utf-8' }, children: [] },
    { type: 'element', tagName: 'title', properties: {}, children: [{ type: 'text', value: options.title }] },
  ];
  if (options.csp) {
    head.push({
      type: 'element',
      tagName: 'meta',
      properties: { httpEquiv: ['Content-Security-Policy'], content: options.csp },
      children: [],
    });
  }
  for (const href of options.stylesheets) {
    head.push({
      type: 'element',
      tagName: 'link',
      properties: { rel: ['stylesheet'], type: 'text/css', href },
      children: [],
    });
  }
  const html: Element = {
    type: 'element',
    tagName: 'html',
    properties: {
      xmlns: XHTML,
      'xmlns:epub': 'http://www.idpf.org/2007/ops',
      lang: options.language,
      'xml:lang': options.language,
      dir: options.direction,
    },
    children: [
      { type: 'element', tagName: 'head', properties: {}, children: head },
      {
        type: 'element',
        tagName: 'body',
        properties: options.bodyClass ? { className: [options.bodyClass] } : {},
        children: body,
      },
    ],
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n${hastToXml(html)}\n`;
}
