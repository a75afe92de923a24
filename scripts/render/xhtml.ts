import type { Element, ElementContent, Root as HastRoot } from 'hast';
import { xmlSafeMarkup } from '../util/xml-safe.ts';
import { HTML_NS, serialiseXhtml } from './xhtml-serialise.ts';

const XHTML = HTML_NS;

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
  "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; media-src 'none'; script-src 'none'; object-src 'none'; frame-src 'none'";

/** Serialises hast as XML: void elements self-close, other empty ones get an end tag, so the text also parses as HTML. */
export function hastToXml(tree: HastRoot | Element): string {
  // `]]>` and characters XML cannot hold never reach a file, whatever the text (util/xml-safe.ts).
  return xmlSafeMarkup(serialiseXhtml(tree));
}

/**
 * The markup of content inside an XHTML document's body, made safe for XML:
 * what a page's XHTML, HTML intermediate and EPUB alike, is made of, so it can
 * be made once. Safe markup concatenates to safe markup: a character XML
 * cannot hold is one character (or an unpaired surrogate, and `<` and `>` are
 * neither half of a pair), and `]]>` cannot start before a `>` that ends one
 * piece nor end at the `<` that starts the next.
 */
export function bodyMarkup(body: ElementContent[]): string {
  let markup = '';
  for (const node of body) markup += serialiseXhtml(node, HTML_NS);
  return xmlSafeMarkup(markup);
}

/** A complete XHTML5 document (also valid HTML) around a body. */
export function xhtmlDocument(body: ElementContent[], options: DocumentOptions): string {
  return xhtmlDocumentAround(bodyMarkup(body), options);
}

/** The same document around body markup made already, safe for XML (`bodyMarkup`, render/page-markup.ts). */
export function xhtmlDocumentAround(markup: string, options: DocumentOptions): string {
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
        children: [],
      },
    ],
  };
  // The document with an empty body, and the body's markup put into it: the body is serialised once, wherever it is used.
  const shell = serialiseXhtml(html);
  const at = shell.lastIndexOf('</body>');
  // The shell ends its part before the body with `>` and starts the part after with `<`: safe pieces make a safe whole.
  return `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n${xmlSafeMarkup(shell.slice(0, at))}${markup}${xmlSafeMarkup(shell.slice(at))}\n`;
}
