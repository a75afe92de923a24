import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkGfm from 'remark-gfm';
import { toString } from 'mdast-util-to-string';
import type { List, ListItem, Link, Paragraph } from 'mdast';
import type { VFile } from 'vfile';
import type { Matter, TocEntry } from './types.ts';
import { report } from '../../util/messages.ts';
import { isPartTitle } from './numbering.ts';
import { withinLimits } from './limits.ts';

const BACK_MATTER = /^(back\s*matter|appendi(x|ces)|annexes?|پیوست)/i;

function firstLink(paragraph: Paragraph | undefined): Link | undefined {
  return paragraph?.children.find((child): child is Link => child.type === 'link');
}

/**
 * Reads a table of contents in the syntax GitBook, HonKit and mdBook share:
 * nested bullet lists of links, part titles as headings, `---` separators,
 * unlinked (draft) entries, `---` separators, and mdBook's prefix and suffix
 * chapters (links outside any list). Entries before the first part are front
 * matter; a part titled like "Back matter" or "Appendices", or mdBook's
 * suffix chapters, are the back matter.
 */
export function parseSummary(file: VFile): TocEntry[] {
  // The contents file is Markdown from the same untrusted hands as a chapter: the same parser limits, checked first.
  if (!withinLimits(String(file.value), file)) return [];
  const tree = unified().use(remarkParse).use(remarkGfm).parse(String(file.value));
  const toc: TocEntry[] = [];
  let matter: Matter = 'front';
  let part: TocEntry | undefined;
  let sawTitle = false;
  let sawList = false;
  const listed = new Set<TocEntry>();

  const entryFrom = (item: ListItem | Paragraph, depth: number, currentMatter: Matter): TocEntry => {
    const paragraph =
      item.type === 'paragraph' ? item : item.children.find((c): c is Paragraph => c.type === 'paragraph');
    const link = firstLink(paragraph);
    const title = (link ? toString(link) : toString(paragraph ?? item)).trim();
    const href = link?.url.trim() ?? '';
    const entry: TocEntry = {
      kind: href ? 'chapter' : 'draft',
      title,
      source: href ? decodeURI(href.split('#')[0]!).replace(/^\.\//, '') : undefined,
      matter: currentMatter,
      depth,
      children: [],
      position: (link ?? item).position,
    };
    if (link && !href)
      report(file, 'warning', `TOC entry “${title}” has an empty link: it is treated as a draft`, link, 'toc-entry');
    if (item.type === 'listItem') {
      for (const child of item.children)
        if (child.type === 'list') entry.children.push(...entriesOf(child, depth + 1, currentMatter));
    }

    return entry;
  };

  const entriesOf = (list: List, depth: number, currentMatter: Matter): TocEntry[] =>
    list.children.map((item) => entryFrom(item, depth, currentMatter));

  const target = () => (part ? part.children : toc);

  for (const node of tree.children) {
    if (node.type === 'heading') {
      const title = toString(node).trim();
      if (!sawTitle && toc.length === 0 && node.depth === 1 && /^(summary|table of contents|contents)$/i.test(title)) {
        sawTitle = true;
        continue;
      }
      sawTitle = true;
      if (BACK_MATTER.test(title)) {
        matter = 'back';
        part = undefined;
        continue;
      }
      if (matter === 'front') matter = 'body';
      part = { kind: 'part', title, matter, depth: 0, children: [], position: node.position };
      toc.push(part);
    } else if (node.type === 'thematicBreak') {
      // mdBook's separator: a visual break in the list, nothing more.
    } else if (node.type === 'list') {
      if (
        matter === 'front' &&
        sawList === false &&
        toc.length > 0 &&
        toc.every((e) => e.matter === 'front' && e.kind !== 'part')
      ) {
        // mdBook: links before the first list are prefix chapters; the list is numbered.
        matter = 'body';
      }
      sawList = true;
      const entries = entriesOf(node, part ? 1 : 0, matter);
      for (const entry of flattenToc(entries)) listed.add(entry);
      target().push(...entries);
    } else if (node.type === 'paragraph' && firstLink(node)) {
      // mdBook prefix (before any list) or suffix (after) chapters.
      const entryMatter: Matter = sawList ? 'back' : 'front';
      if (sawList) {
        matter = 'back';
        part = undefined;
      }
      for (const child of node.children) {
        if (child.type !== 'link') continue;
        toc.push({
          kind: 'chapter',
          title: toString(child).trim(),
          source: decodeURI(child.url.split('#')[0]!).replace(/^\.\//, ''),
          matter: entryMatter,
          depth: 0,
          children: [],
          position: child.position,
        });
      }
    }
  }
  if (!toc.some((entry) => entry.kind === 'part')) {
    // A book without part headings (most GitBook books) is all body: number it.
    const promote = (entries: TocEntry[]) => {
      for (const entry of entries) {
        if (entry.matter === 'front' && listed.has(entry)) entry.matter = 'body';
        promote(entry.children);
      }
    };
    promote(toc);
  }
  return toc;
}

/** Every entry in reading order, parts included. */
export function flattenToc(toc: TocEntry[]): TocEntry[] {
  const out: TocEntry[] = [];
  const walk = (entries: TocEntry[]) => {
    for (const entry of entries) {
      out.push(entry);
      walk(entry.children);
    }
  };
  walk(toc);
  return out;
}

/**
 * Numbers body chapters from the TOC's nesting (`3`, `3.1`, `3.1.2`), counting
 * across parts like GitBook; front and back matter stay unnumbered.
 */
export function numberToc(toc: TocEntry[]) {
  let top = 0;
  const walk = (entries: TocEntry[], prefix: string) => {
    let n = 0;
    for (const entry of entries) {
      if (entry.kind === 'part' || entry.part) {
        walk(entry.children, '');
        continue;
      }
      if (entry.matter !== 'body' || entry.kind === 'draft') {
        walk(entry.children, '');
        continue;
      }
      let number: string;
      if (prefix === '') number = String(++top);
      else number = `${prefix}.${++n}`;
      entry.number = number;
      walk(entry.children, number);
    }
  };
  walk(toc, '');
}

/**
 * An entry titled "Part …" with entries under it is a part, as its author
 * meant: a part page (with the entry's own text, if it has a file), its
 * children numbered as chapters. Without a file it is a plain part.
 */
export function markParts(toc: TocEntry[]) {
  for (const entry of flattenToc(toc)) {
    if (entry.kind === 'part' || entry.children.length === 0 || !isPartTitle(entry.title)) continue;
    if (entry.kind === 'draft') entry.kind = 'part';
    else entry.part = true;
  }
}
