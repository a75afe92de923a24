/** What the EPUB changes in content the HTML shares: MathML 3, right-to-left code, CSS it forbids. */
import type { Element, ElementContent } from 'hast';
import { toString } from 'hast-util-to-string';
import type { LoadedBook } from '../../model/book/load.ts';
import { footerElement, type Page } from '../../model/pages.ts';
import { bookDirection } from '../../model/direction.ts';

export const el = (tagName: string, properties: Element['properties'], children: ElementContent[] = []): Element => ({
  type: 'element',
  tagName,
  properties,
  children,
});
export const text = (value: string): ElementContent => ({ type: 'text', value });

export function directionOf(book: LoadedBook): 'ltr' | 'rtl' {
  return bookDirection(book.config);
}

/**
 * EPUB forbids `direction` and `unicode-bidi` in style sheets (CSS-001): the
 * base direction belongs in markup. The shared book.css sets them for code and
 * math inside right-to-left books, so the EPUB's copy goes without them and
 * `epubBody` puts `dir="ltr"` on those elements instead.
 */
export function epubCss(css: string): string {
  return css
    .replace(/^[ \t]*(direction|unicode-bidi)\s*:[^;}\n]*;?[ \t]*\n/gm, '')
    .replace(/(?<![-\w])(direction|unicode-bidi)\s*:[^;}]*;?[ \t]*/g, '');
}

export const MATH_TOKENS = new Set(['mi', 'mn', 'mo', 'mtext', 'ms']);
export const MATH_ROWS = new Set(['mtr', 'mlabeledtr']);

/**
 * MathML as EPUB 3's schema (MathML 3) accepts it. Temml writes MathML Core,
 * where `scriptlevel` and `displaystyle` may sit on any element and `<mtext>`
 * may hold HTML (`<span class="tml-eqn">`); MathML 3 allows those attributes on
 * `<mstyle>` only (and `displaystyle` on `<mtable>`), and only text in tokens.
 * So the attributes move to an `<mstyle>` that wraps the element (or, inside a
 * table, its cell's contents), which renders the same, and HTML inside a token
 * becomes its text.
 */
export function mathml3(node: Element): void {
  node.children = node.children.map((child) => {
    if (child.type !== 'element') return child;
    if (MATH_TOKENS.has(child.tagName)) {
      child.children = child.children.map((c) =>
        c.type === 'element' && c.tagName !== 'mglyph' && c.tagName !== 'malignmark' ? text(toString(c)) : c,
      );
    } else {
      mathml3(child);
    }
    const moved: Element['properties'] = {};
    for (const name of ['scriptlevel', 'displaystyle']) {
      const allowed = child.tagName === 'mstyle' || (name === 'displaystyle' && child.tagName === 'mtable');
      if (allowed || child.properties[name] === undefined) continue;
      moved[name] = child.properties[name];
      delete child.properties[name];
    }
    if (Object.keys(moved).length === 0) return child;
    const wrapCell = (cell: Element) => {
      cell.children = [el('mstyle', { ...moved }, cell.children)];
    };
    if (child.tagName === 'mtd') {
      wrapCell(child);
      return child;
    }
    if (MATH_ROWS.has(child.tagName)) {
      for (const cell of child.children) if (cell.type === 'element' && cell.tagName === 'mtd') wrapCell(cell);
      return child;
    }
    return el('mstyle', moved, [child]);
  });
}

/**
 * The EPUB's version of a page body, adapted to reading systems:
 * - MathML made valid MathML 3 (`mathml3`);
 * - display math may scroll sideways (`overflow-x: auto` in book.css), and a
 *   scrolling region must be reachable by keyboard (axe
 *   `scrollable-region-focusable`, WCAG 2.1.1), so it gets `tabindex="0"`;
 * - in right-to-left books, code and math (always left-to-right) say so in
 *   markup, since EPUB style sheets may not set `direction`.
 * The shared tree is left alone (other renderers use it), without copying it
 * whole: an element is copied only when it or something inside it changes
 * (every `<math>`, and the elements on the way to one), the rest is shared.
 */
export function epubBody(body: Element, direction: 'ltr' | 'rtl'): Element {
  const adapt = (node: Element): Element => {
    const className = node.properties.className;
    const display = Array.isArray(className) && className.includes('math-display');
    let properties: Element['properties'] | undefined;
    if (display && node.properties.tabIndex === undefined) properties = { ...node.properties, tabIndex: 0 };
    if (
      direction === 'rtl' &&
      node.properties.dir === undefined &&
      (display || node.tagName === 'pre' || node.tagName === 'code' || node.tagName === 'math')
    )
      properties = { ...(properties ?? node.properties), dir: 'ltr' };

    if (node.tagName === 'math') {
      const copy = structuredClone(node);
      if (properties) copy.properties = properties;
      mathml3(copy);
      return copy;
    }
    let children: ElementContent[] | undefined;
    if (node.tagName !== 'pre') {
      node.children.forEach((child, i) => {
        if (child.type !== 'element') return;
        const adapted = adapt(child);
        if (adapted === child) return;
        children ??= node.children.slice();
        children[i] = adapted;
      });
    }
    if (!properties && !children) return node;
    return { ...node, properties: properties ?? node.properties, children: children ?? node.children };
  };
  return adapt(body);
}

/** The body of a page's EPUB document: the page adapted to EPUB, then the copyright footer. */
export function epubPageBody(book: LoadedBook, page: Page): ElementContent[] {
  const footer = footerElement(book);
  const main = el('main', {}, [epubBody(page.body, directionOf(book))]);
  return footer ? [main, footer] : [main];
}

export function contentProperties(xml: string): string[] {
  const properties: string[] = [];
  if (/<math[\s>/]/.test(xml)) properties.push('mathml');
  if (/<svg[\s>/]/.test(xml)) properties.push('svg');
  return properties;
}
