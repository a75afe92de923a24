import type { Element, ElementContent } from 'hast';
import { h } from 'hastscript';
import { toString } from 'hast-util-to-string';
import { visit } from 'unist-util-visit';
import type { LoadedBook } from '../../model/book/load.ts';
import type { Matter, TocEntry } from '../../model/book/types.ts';
import { hyphenateTree } from './hyphenate.ts';
import { typesetForPrint } from './typeset.ts';
import { labels } from '../../util/labels.ts';
import { fontsFor } from '../fonts.ts';
import { bookFonts, bookText } from '../assets.ts';
import { footerText, type Page } from '../../model/pages.ts';
import { navItems, type NavItem } from '../toc.ts';
import { hastToXml } from '../xhtml.ts';
import { fillPageRefs } from '../../passes/errata/appendix.ts';
import { pageCss, pageGeometry, type Geometry, type PageGroup } from './pages-css.ts';
import { bookDirection } from '../../model/direction.ts';
import { editionStamp, stampNodes, type EditionStamp } from '../../model/errata/stamp.ts';
import { localDigits } from '../../model/numerals.ts';
import { hasNoItalic } from '../script-css.ts';

/**
 * One piece of the printed book that starts on a new page: the fixed front
 * pages, the TOC, and one block per part or chapter page.
 */
export interface PrintBlock {
  /** Id of the block's outermost element in the composed document. */
  id: string;
  kind: 'half-title' | 'title' | 'copyright' | 'toc' | 'part' | 'chapter';
  matter: Matter;
  /** Must begin on a right-hand page (a blank verso is put before it when it would not). */
  recto: boolean;
  group: PageGroup;
  page?: Page;
  /** The block's element, ids already prefixed and links rewritten. */
  element: Element;
}

export interface TocLine {
  /** Id the line links to; absent for a draft (a TOC entry without a file). */
  target?: string;
  title: string;
  /** Chapter number printed before the title (top-level body chapters). */
  number?: string;
  kind: 'part' | 'chapter' | 'section' | 'draft';
  children: TocLine[];
}

export interface Composition {
  blocks: PrintBlock[];
  toc: TocLine[];
  /** Which block each TOC target lies in. */
  blockOfTarget: Map<string, string>;
  geometry: Geometry;
  pageCss: string;
  title: string;
  language: string;
  direction: 'ltr' | 'rtl';
  persianDigits: boolean;
}

/** What the second print knows from the first: where blank versos go and the TOC's page numbers. */
export interface PrintLayout {
  blanksBefore: Set<string>;
  pageLabels: Map<string, string>;
  /** Page labels for the errata appendix's location links (`span.page-ref` slots), by target id. */
  pageRefLabels: Map<string, string>;
}

export const EMPTY_LAYOUT: PrintLayout = { blanksBefore: new Set(), pageLabels: new Map(), pageRefLabels: new Map() };

/** Composed-document ids never clash with chapter keys: keys never contain `--`. */
const FIXED = {
  halfTitle: 'galley--half-title',
  title: 'galley--title',
  copyright: 'galley--copyright',
  toc: 'galley--toc',
  tocTitle: 'galley--toc-title',
};

export const prefixId = (key: string, id: string) => `${key}--${id}`;

const ID_LIST_PROPS = [
  'ariaLabelledBy',
  'ariaDescribedBy',
  'ariaControls',
  'ariaOwns',
  'ariaFlowTo',
  'ariaDetails',
  'ariaErrorMessage',
  'ariaActiveDescendant',
  'htmlFor',
  'headers',
];

function decodeFragment(fragment: string): string {
  try {
    return decodeURIComponent(fragment);
  } catch {
    return fragment;
  }
}

/** Digits and spaces collapse so `https://x.org/` and its link text `x.org` count as the same. */
function sameUrl(text: string, href: string): boolean {
  const norm = (s: string) =>
    s
      .trim()
      .replace(/^(https?:\/\/)?(www\.)?/i, '')
      .replace(/\/$/, '')
      .toLowerCase();
  return norm(text) === norm(href);
}

/**
 * Makes one page's tree safe to sit beside the others in a single document:
 * every id gets the page key as prefix, and every reference follows it
 * (`#x`, `other.xhtml#y`, `aria-labelledby`, `url(#x)` in inline SVG). Links to
 * anything but the book itself or the web lose their href.
 */
export function rewriteForPrint(body: Element, page: Page, keyOfOutName: Map<string, string>): Element {
  const tree = structuredClone(body);
  const own = new Set<string>();
  visit(tree, 'element', (node: Element) => {
    if (node.properties.id !== undefined && node.properties.id !== null) own.add(String(node.properties.id));
  });
  const local = (id: string) => (own.has(id) ? prefixId(page.key, id) : page.key);
  const href = (value: string): string | undefined => {
    if (value.startsWith('#')) return `#${local(decodeFragment(value.slice(1)))}`;
    if (/^(https?:|mailto:)/i.test(value)) return value;
    const match = /^([^#?]+)(?:\?[^#]*)?(?:#(.*))?$/.exec(value);
    const key = match?.[1] !== undefined ? keyOfOutName.get(decodeFragment(match[1]).replace(/^\.\//, '')) : undefined;
    if (!key) return undefined;
    return match![2] ? `#${prefixId(key, decodeFragment(match![2]))}` : `#${key}`;
  };
  visit(tree, 'element', (node: Element) => {
    const props = node.properties;
    if (props.id !== undefined && props.id !== null) props.id = prefixId(page.key, String(props.id));
    for (const name of ID_LIST_PROPS) {
      const value = props[name];
      if (value === undefined || value === null) continue;
      const ids = Array.isArray(value) ? value.map(String) : String(value).split(/\s+/).filter(Boolean);
      props[name] = ids.map((id) => (own.has(id) ? prefixId(page.key, id) : id)).join(' ');
    }
    for (const name of ['href', 'xLinkHref'] as const) {
      const value = props[name];
      if (typeof value !== 'string') continue;
      const rewritten = href(value);
      if (rewritten === undefined) delete props[name];
      else props[name] = rewritten;
    }
    if (
      node.tagName === 'a' &&
      typeof props.href === 'string' &&
      /^https?:/i.test(props.href) &&
      !sameUrl(toString(node), props.href)
    ) {
      // Paper cannot be clicked: the address prints after the link text.
      const classes = Array.isArray(props.className) ? props.className.map(String) : [];
      props.className = [...classes, 'print-url'];
    }
    for (const [name, value] of Object.entries(props)) {
      if (typeof value === 'string' && value.includes('url(#')) {
        props[name] = value.replace(/url\(#([^)]+)\)/g, (all, id: string) =>
          own.has(id) ? `url(#${prefixId(page.key, id)})` : all,
        );
      }
    }
  });
  return tree;
}

/** Chapters that open a new part of the reading order: children of the root or of a part. */
function topLevelChapters(toc: TocEntry[]): Set<string> {
  const keys = new Set<string>();
  const walk = (entries: TocEntry[], topLevel: boolean) => {
    for (const entry of entries) {
      if (entry.kind === 'part' || entry.part) {
        walk(entry.children, true);
      } else {
        if (topLevel && entry.pageKey) keys.add(entry.pageKey);
        walk(entry.children, false);
      }
    }
  };
  walk(toc, true);
  return keys;
}

function tocLines(book: LoadedBook, pages: Page[], depth: number): TocLine[] {
  const byOutName = new Map(pages.map((p) => [p.outName, p]));
  const convert = (item: NavItem): TocLine => {
    const children = item.children.map(convert);
    if (!item.href) return { title: item.title, kind: 'draft', children };
    const [file, fragment] = item.href.split('#') as [string, string | undefined];
    const page = byOutName.get(file);
    if (!page) return { title: item.title, kind: 'draft', children };
    if (fragment) return { target: prefixId(page.key, fragment), title: item.title, kind: 'section', children };
    const number =
      page.kind === 'chapter' && page.matter === 'body' && page.number && !page.number.includes('.')
        ? localDigits(page.number, book.config)
        : undefined;
    return { target: page.key, title: item.title, number, kind: page.kind, children };
  };
  return navItems(book, pages, depth).map(convert);
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function frontBlocks(
  book: LoadedBook,
  date: Date,
  plain: PageGroup,
  tocGroup: PageGroup,
  stamp: EditionStamp,
): PrintBlock[] {
  const c = book.config;
  const words = labels(c.language);
  const style = `page: ${plain.name}`;
  const halfTitle = h('section', { id: FIXED.halfTitle, className: ['galley-half-title'], style, ariaLabel: c.title }, [
    h('p', { className: ['half-title-text'] }, c.title),
  ]);
  const titleChildren: ElementContent[] = [h('h1', { className: ['book-title'] }, c.title)];
  if (c.subtitle) titleChildren.push(h('p', { className: ['book-subtitle'] }, c.subtitle));
  if (c.authors.length > 0) titleChildren.push(h('p', { className: ['book-authors'] }, c.authors.join(', ')));
  if (c.publisher) titleChildren.push(h('p', { className: ['book-publisher'] }, c.publisher));
  const titlePage = h(
    'section',
    { id: FIXED.title, className: ['galley-title-page'], style, epubType: 'titlepage', ariaLabel: words.titlePage },
    titleChildren,
  );

  const lines: ElementContent[] = [];
  const line = (value: string, className: string) => lines.push(h('p', { className: [className] }, value));
  line(c.subtitle ? `${c.title}: ${c.subtitle}` : c.title, 'copyright-title');
  if (c.authors.length > 0) line(c.authors.join(', '), 'copyright-authors');
  const footer = footerText(book);
  if (footer) line(footer, 'copyright-line');
  if (c.licence) line(`${words.licence}: ${c.licence}`, 'licence-line');
  // The same edition line as the EPUB's metadata; the build date only when no release date is known.
  // The same edition line as the web's downloads box; the build date only when no release date is known.
  lines.push(
    h('p', { className: ['edition-line'] }, stampNodes(stamp.date ? stamp : { ...stamp, date: isoDay(date) }, c)),
  );
  // The printed book's ISBN, then the other editions' (publishers list every edition's number here).
  if (c.isbn?.print) line(`ISBN ${c.isbn.print}`, 'isbn-line');
  if (c.isbn?.ebook) line(`ISBN ${c.isbn.ebook} (ebook)`, 'isbn-line');
  if (c.identifier) line(c.identifier, 'identifier-line');
  if (c.publisher) line(c.publisher, 'publisher-line');
  const licences = [...new Set(fontsFor(c.language, bookText(book), bookFonts(book)).map((f) => f.licence))];
  line(licences.join('; '), 'fonts-line');
  const copyright = h(
    'section',
    { id: FIXED.copyright, className: ['galley-copyright-page'], style, ariaLabel: words.copyrightPage },
    [h('div', { className: ['copyright-block'] }, lines)],
  );

  const toc = h(
    'nav',
    {
      id: FIXED.toc,
      className: ['galley-toc'],
      role: 'doc-toc',
      ariaLabelledBy: [FIXED.tocTitle],
      style: `page: ${tocGroup.name}`,
    },
    [h('h1', { id: FIXED.tocTitle, className: ['toc-title'] }, words.contents)],
  );
  return [
    { id: FIXED.halfTitle, kind: 'half-title', matter: 'front', recto: true, group: plain, element: halfTitle },
    { id: FIXED.title, kind: 'title', matter: 'front', recto: true, group: plain, element: titlePage },
    { id: FIXED.copyright, kind: 'copyright', matter: 'front', recto: false, group: plain, element: copyright },
    { id: FIXED.toc, kind: 'toc', matter: 'front', recto: true, group: tocGroup, element: toc },
  ];
}

export interface ComposeOptions {
  printMarks?: boolean;
  /** The interior's page count, for a preset's gutter (0 or unset: its narrowest). */
  pageCount?: number;
  /** The build date, printed on the copyright page. */
  date: Date;
  /** Printing number from errata.yaml's release of this version (editionStamp), when book.yaml gives none. */
  /** Version, printing and release date (errata/stamp.ts). */
  stamp?: EditionStamp;
}

/**
 * The whole printed book as one document, in reading order: half-title,
 * title, copyright, contents, front matter, parts and chapters, back matter.
 * Each block carries its own named page, so its running heads and folio style.
 */
export function composeBook(book: LoadedBook, pages: Page[], options: ComposeOptions): Composition {
  const c = book.config;
  const words = labels(c.language);
  const direction = bookDirection(c);
  const keyOfOutName = new Map(pages.map((p) => [p.outName, p.key]));
  const topLevel = topLevelChapters(book.toc);
  const plain: PageGroup = { name: 'galley-front-plain', kind: 'plain-front' };
  const tocGroup: PageGroup = { name: 'galley-toc', kind: 'front-chapter', head: words.contents };
  const groups: PageGroup[] = [
    plain,
    { name: 'galley-blank-front', kind: 'blank-front' },
    { name: 'galley-blank', kind: 'blank' },
    tocGroup,
  ];
  const blocks = frontBlocks(book, options.date, plain, tocGroup, options.stamp ?? editionStamp(book));
  const newPage = c.output.pdf.new_page;
  let previous: PrintBlock | undefined;
  for (const [index, page] of pages.entries()) {
    const front = page.matter === 'front';
    // Only parts and top-level chapters open a page (`new_page: chapter`); a deeper entry kept in its own file continues
    // on the page before, under that chapter's running head. Front, body and back matter each start on a new page.
    const opens = page.kind === 'part' || newPage === 'section' || (newPage === 'chapter' && topLevel.has(page.key));
    // Nothing flows onto a part's page or the fixed front pages.
    const flows = !opens && previous?.kind === 'chapter' && previous.matter === page.matter;
    if (flows) {
      const element = hyphenateTree(rewriteForPrint(page.body, page, keyOfOutName), c.language);
      element.properties.id = page.key;
      element.properties.style = `page: ${previous!.group.name}`;
      const classes = Array.isArray(element.properties.className) ? element.properties.className.map(String) : [];
      element.properties.className = [...classes, 'galley-block', 'galley-flow'];
      previous = {
        id: page.key,
        kind: page.kind,
        matter: page.matter,
        recto: false,
        group: previous!.group,
        page,
        element,
      };
      blocks.push(previous);
      continue;
    }
    const runningHead =
      typeof page.chapter?.frontmatter.running_head === 'string' ? page.chapter.frontmatter.running_head : page.title;
    const group: PageGroup =
      page.kind === 'part'
        ? { name: `galley-p${index}`, kind: 'part' }
        : { name: `galley-${front ? 'f' : 'c'}${index}`, kind: front ? 'front-chapter' : 'chapter', head: runningHead };
    groups.push(group);
    const element = hyphenateTree(typesetForPrint(rewriteForPrint(page.body, page, keyOfOutName)), c.language);
    element.properties.id = page.key;
    element.properties.style = `page: ${group.name}`;
    const classes = Array.isArray(element.properties.className) ? element.properties.className.map(String) : [];
    const recto = page.kind === 'part' || topLevel.has(page.key);
    element.properties.className = [...classes, 'galley-block', recto ? 'galley-recto' : 'galley-new-page'];
    previous = { id: page.key, kind: page.kind, matter: page.matter, recto, group, page, element };
    blocks.push(previous);
  }
  const toc = tocLines(book, pages, c.output.pdf.toc_depth ?? c.output.toc_depth);
  const blockOfTarget = new Map<string, string>();
  for (const block of blocks) {
    visit(block.element, 'element', (node: Element) => {
      if (node.properties.id !== undefined && node.properties.id !== null)
        blockOfTarget.set(String(node.properties.id), block.id);
    });
  }
  const geometry = pageGeometry(c.output.pdf, options.printMarks, options.pageCount);
  const css = pageCss({
    geometry,
    bookTitle: c.title,
    groups,
    rtl: direction === 'rtl',
    persianDigits: c.output.pdf.persian_digits,
    noItalic: hasNoItalic(c.language),
  });
  return {
    blocks,
    toc,
    blockOfTarget,
    geometry,
    pageCss: css,
    title: c.title,
    language: c.language,
    direction,
    persianDigits: c.output.pdf.persian_digits,
  };
}

function tocList(lines: TocLine[], layout: PrintLayout, level: number): Element {
  return h(
    'ol',
    { className: ['toc-list', `toc-level-${level}`] },
    lines.map((line) => {
      const label: ElementContent[] = [];
      if (line.number) label.push(h('span', { className: ['toc-number'] }, line.number));
      label.push(h('span', { className: ['toc-text'] }, line.title));
      // The slot keeps its width whether it is empty (first print) or holds a number (second print).
      const entry: ElementContent[] = [
        h('span', { className: ['toc-label'] }, label),
        h('span', { className: ['toc-leader'], ariaHidden: 'true' }),
        h('span', { className: ['toc-page'] }, line.target ? (layout.pageLabels.get(line.target) ?? '') : ''),
      ];
      const head = line.target
        ? h('a', { href: `#${line.target}`, className: ['toc-entry'] }, entry)
        : h('span', { className: ['toc-entry', 'toc-draft'] }, entry);
      const children: ElementContent[] = [head];
      if (line.children.length > 0) children.push(tocList(line.children, layout, level + 1));
      return h('li', { className: [`toc-${line.kind}`] }, children);
    }),
  );
}

const blank = (front: boolean): Element =>
  h('div', {
    className: ['galley-blank'],
    style: `page: ${front ? 'galley-blank-front' : 'galley-blank'}`,
    ariaHidden: 'true',
  });

/** The composed document for one print, as HTML text. */
export function composeHtml(composition: Composition, layout: PrintLayout, stylesheets: string[]): string {
  const parts: string[] = [];
  let previous: PrintBlock | undefined;
  for (const block of composition.blocks) {
    if (block.kind === 'title')
      parts.push(hastToXml(blank(true))); // the half-title's verso
    // A blank verso belongs to what it follows: the one before the body's first page is still front matter.
    else if (layout.blanksBefore.has(block.id)) parts.push(hastToXml(blank(previous?.matter === 'front')));
    previous = block;
    if (block.kind === 'toc') {
      const toc: Element = {
        ...block.element,
        children: [...block.element.children, tocList(composition.toc, layout, 1)],
      };
      parts.push(hastToXml(toc));
    } else {
      parts.push(
        hastToXml(fillPageRefs(block.element, (target) => layout.pageRefLabels.get(target), composition.language)),
      );
    }
  }
  const head = [
    '<meta charset="utf-8"/>',
    `<title>${escapeText(composition.title)}</title>`,
    ...stylesheets.map((href) => `<link rel="stylesheet" type="text/css" href="${escapeText(href)}"/>`),
  ];
  return `<!DOCTYPE html>\n<html lang="${escapeText(composition.language)}" dir="${composition.direction}"><head>${head.join('')}</head><body class="galley-print">\n${parts.join('\n')}\n</body></html>\n`;
}

function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
