import { fromHtml } from 'hast-util-from-html';
import { sanitize } from 'hast-util-sanitize';
import { toXast } from 'hast-util-to-xast';
import { toXml } from 'xast-util-to-xml';
import type { Element, Root } from 'hast';
import { SVG_ELEMENTS, sanitizeSchema } from '../sanitize-schema.ts';
import { stripProlog } from './svg-prolog.ts';
import { xmlSafeMarkup } from '../../util/xml-safe.ts';

/**
 * An SVG file passed through the same allow-list as inline markup (no
 * scripts, handlers, `<image>` or external references) and written back as
 * XML with its namespace; undefined when no `<svg>` root is found.
 */
export function sanitizeSvg(text: string): string | undefined {
  const svg = sanitizeSvgElement(stripProlog(text));
  if (!svg) return undefined;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xmlSafeMarkup(toXml(toXast(svg)))}\n`;
}

/**
 * The `<svg>` element of SVG markup, through the image-file allow-list, as a
 * hast element to place in a page (a drawn diagram, render/diagrams); undefined
 * when no `<svg>` root is found.
 */
export function sanitizeSvgElement(markup: string): Element | undefined {
  const tree = fromHtml(markup, { fragment: true });
  // Editor metadata (Inkscape's RDF) goes whole: unwrapped, its text would sit loose under <svg>.
  // Only SVG's own drawing elements: the HTML the inline schema allows (`iframe`, `video`, `a`) has no place in an image file.
  const clean = sanitize(tree, {
    ...sanitizeSchema,
    tagNames: SVG_ELEMENTS,
    strip: [...(sanitizeSchema.strip ?? []), 'metadata', 'sodipodi:namedview', 'iframe', 'video', 'audio'],
  }) as Root;
  const svg = clean.children.find((c): c is Element => c.type === 'element' && c.tagName === 'svg');
  if (!svg) return undefined;
  // SVG 1.1 (what EPUB 3.2 validates against) allows no transform on the root: move it to a group.
  if (svg.properties.transform !== undefined) {
    const transform = svg.properties.transform;
    delete svg.properties.transform;
    svg.children = [{ type: 'element', tagName: 'g', properties: { transform }, children: svg.children }];
  }
  return svg;
}
