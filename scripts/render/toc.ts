import type { Element, ElementContent } from 'hast';
import type { LoadedBook } from '../model/book/load.ts';
import type { TocEntry } from '../model/book/types.ts';
import type { Page } from '../model/pages.ts';
import { localDigits } from '../model/numerals.ts';

export interface NavItem {
  title: string;
  href?: string;
  number?: string;
  children: NavItem[];
}

/**
 * The nested table of contents every output shows: the TOC of SUMMARY.md,
 * with each chapter's own headings below it, down to `depth` levels. A part
 * is not a level: with depth 2 a chapter inside a part lists its sections just
 * as a front-matter chapter does.
 */
export function navItems(book: LoadedBook, pages: Page[], depth: number): NavItem[] {
  const byKey = new Map(pages.map((p) => [p.key, p]));
  const walk = (entries: TocEntry[], level: number): NavItem[] => {
    const items: NavItem[] = [];
    for (const entry of entries) {
      if (entry.kind === 'draft') {
        items.push({ title: entry.title, children: walk(entry.children, level + 1) });
        continue;
      }
      const page = entry.pageKey ? byKey.get(entry.pageKey) : undefined;
      if (!page) {
        items.push(...walk(entry.children, level));
        continue;
      }
      const number = page.number === undefined ? undefined : localDigits(page.number, book.config);
      if (entry.kind === 'part') {
        items.push({ title: page.title, href: page.outName, number, children: walk(entry.children, level) });
        continue;
      }
      const item: NavItem = { title: page.title, href: page.outName, number, children: [] };
      if (page.chapter && level < depth) {
        // Headings below the chapter title, nested by level.
        const stack: { depth: number; item: NavItem }[] = [{ depth: 1, item }];
        for (const heading of page.chapter.headings) {
          if (heading.depth <= 1 || heading.depth > depth - level + 1) continue;
          const child: NavItem = { title: heading.text, href: `${page.outName}#${heading.id}`, children: [] };
          while (stack.length > 1 && stack[stack.length - 1]!.depth >= heading.depth) stack.pop();
          stack[stack.length - 1]!.item.children.push(child);
          stack.push({ depth: heading.depth, item: child });
        }
      }
      item.children.push(...walk(entry.children, level + 1));
      items.push(item);
    }
    return items;
  };
  return walk(book.toc, 1);
}

/** The TOC as a nested `<ol>` (drafts as plain spans), as EPUB's nav document wants it. */
export function navList(items: NavItem[], hrefPrefix = '', keepDrafts = false): Element {
  return {
    type: 'element',
    tagName: 'ol',
    properties: {},
    // A label without a link must head a sub-list (EPUB nav rule), so childless drafts are left out.
    // (Other contents keep them: a TOC entry whose file is missing shows as its title, as HonKit shows it.)
    children: items
      .filter((item) => keepDrafts || item.href || item.children.length > 0)
      .map((item): ElementContent => {
        const label: ElementContent[] = [
          {
            type: 'text',
            value: item.number && !item.number.includes('.') ? `${item.number}. ${item.title}` : item.title,
          },
        ];
        const head: Element = item.href
          ? { type: 'element', tagName: 'a', properties: { href: hrefPrefix + item.href }, children: label }
          : { type: 'element', tagName: 'span', properties: {}, children: label };
        const children: ElementContent[] = [head];
        if (item.children.length > 0) children.push(navList(item.children, hrefPrefix, keepDrafts));
        return { type: 'element', tagName: 'li', properties: {}, children };
      }),
  };
}
