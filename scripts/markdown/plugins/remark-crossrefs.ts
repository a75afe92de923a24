import type { Paragraph, Parent, PhrasingContent, Root, RootContent, Table, Text } from 'mdast';
import type { Math } from 'mdast-util-math';
import type { Processor } from 'unified';
import { visit, SKIP } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { report } from '../../util/messages.ts';
import { must } from '../../util/must.ts';
import type { BibEntry } from '../../model/dialects/bibliography.ts';

/** Options of remark-crossrefs. */
export interface Options {
  /** The book's bibliography by key: `@key` names a work when it is here. */
  bibliography?: Map<string, BibEntry>;
  /** How citations print: `(Knuth 1984)` or `[1]` (the number is the book pass's, passes/crossrefs.ts). */
  style?: 'author-date' | 'numeric';
  /** The edition's word between two references ("and"). */
  and?: string;
}

/** The kinds of numbered label, Quarto's and pandoc-crossref's prefixes. */
export const LABEL = /^(fig|tbl|eq|sec|lst)-[\w:.-]*\w$/;
/** Class of a reference link the book pass fills with its number, and of one that shows the number alone. */
export const XREF_CLASS = 'xref';
export const XREF_BARE_CLASS = 'xref-bare';
/** The author wrote the words before the number (`[Figure @fig-a]`): the pass adds the number only. */
export const XREF_CUSTOM_CLASS = 'xref-custom';
/** A numeric citation's link, whose number the book pass fills. */
export const CITATION_NUMBER_CLASS = 'citation-number';

// `@key`: Pandoc's citation key (a word character, then word characters and inner punctuation).
const KEY = /^-?@([\w][\w:.#$%&+?<>~/-]*)/;
const TRAILING = /[.:?/#$%&+<>~-]+$/;
const BRACKETED = /\[([^[\]]*@[^[\]]*)\]/g;
const IN_TEXT = /(^|[^\w@[])(-?)@([\w][\w:.#$%&+?<>~/-]*)/g;
const EQ_LABEL = /(\$\$[ \t]*)\{#(eq-[\w:.-]*\w)\}([ \t]*)$/gm;
const FIG_LABEL = /^\s*\{#(fig-[\w:.-]*\w)\}\s*$/;
const TBL_CAPTION_START = /^:\s+/;
const TBL_LABEL = /\s*\{#(tbl-[\w:.-]*\w)\}\s*$/;

interface Cite {
  prefix: string;
  key: string;
  suppress: boolean;
  locator: string;
}

/**
 * Quarto / pandoc-crossref labels and references, and Pandoc citations:
 * `![cap](x.png){#fig-a}`, a table caption `: Results {#tbl-r}`, `$$ … $$ {#eq-x}`,
 * a code block `{#lst-x lst-cap="…"}` are numbered figures, tables,
 * equations and listings (headings take `{#sec-…}` in remark-heading-ids);
 * `@fig-a`, `[@fig-a; @fig-b]`, `[Figure @fig-a]`, `[-@fig-a]` become links
 * the book pass numbers; `[@key, p. 33]`, `[see @a; @b]`, `@key` cite works of
 * the bibliography. A bracketed key that is neither is an error at its place;
 * a bare `@word` is left as text with a warning.
 */
export default function remarkCrossrefs(this: Processor, options: Options = {}) {
  // `$$ {#eq-x}` closes display math in Quarto, but to remark-math it is no closing fence (the math would run to the
  // end of the file): the label is blanked out before parsing, with spaces so every position stays true.
  const parse = this.parser;
  const found = new WeakMap<object, Map<number, string>>();
  if (parse) {
    this.parser = (document: string, file: VFile) => {
      const labels = new Map<number, string>();
      const blanked = document.replace(EQ_LABEL, (whole, fence: string, id: string, rest: string, at: number) => {
        labels.set(lineAt(document, at), id);
        return fence + ' '.repeat(whole.length - fence.length - rest.length) + rest;
      });
      found.set(file, labels);
      return parse(blanked, file);
    };
  }
  const { bibliography, style = 'author-date', and = 'and' } = options;
  return (tree: Root, file: VFile) => {
    const seen = new Set<string>();
    const label = (id: string, place: Place) => {
      if (seen.has(id)) report(file, 'error', `The label \`${id}\` is used twice`, place, 'crossref');
      seen.add(id);
    };
    const equations = found.get(file) ?? new Map<number, string>();
    labelBlocks(tree, equations, label);
    const cited: string[] = [];
    visit(tree, 'text', (node: Text, index, parent) => {
      if (!parent || index === undefined || !node.value.includes('@')) return;
      if (parent.type === 'link' || parent.type === 'linkReference') return;
      const parts = references(node, file, { bibliography, style, and }, cited);
      if (!parts) return;
      parent.children.splice(index, 1, ...parts);
      return [SKIP, index + parts.length];
    });
    file.data.citations = cited;
  };
}

type Place = { line: number; column: number } | RootContent;

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

const block = (hName: string, properties: Record<string, unknown>, children: unknown[], from?: RootContent) =>
  ({
    type: 'galleyBlock',
    data: { hName, hProperties: properties },
    position: from?.position,
    children,
  }) as unknown as RootContent;

/** Figures, tables, equations and code listings with a label become numbered blocks (ids the book pass numbers). */
function labelBlocks(tree: Root, equations: Map<number, string>, label: (id: string, place: Place) => void) {
  visit(tree, (node, index, parent) => {
    if (!parent || index === undefined) return;
    const siblings = (parent as Parent).children;
    if (node.type === 'heading') {
      const id = (node.data?.hProperties as { id?: unknown } | undefined)?.id;
      if (typeof id === 'string' && LABEL.test(id)) label(id, node);
      return;
    }
    if (node.type === 'math') {
      const id = equations.get(node.position?.end.line ?? -1);
      if (!id) return;
      label(id, node);
      siblings[index] = block('div', { className: ['equation'], id }, [node], node);
      return SKIP;
    }
    if (node.type === 'code') {
      const code = node;
      const attributes = `${code.lang ?? ''} ${code.meta ?? ''}`;
      const id = /(?:^|[\s{])#(lst-[\w:.-]*\w)/.exec(attributes)?.[1];
      if (!id) return;
      label(id, node);
      const caption = /lst-cap="([^"]*)"/.exec(attributes)?.[1] ?? '';
      // Quarto's `{.python #lst-x}`: the language is the first class.
      if (code.lang?.startsWith('{')) code.lang = /\.([\w+#-]+)/.exec(attributes)?.[1] ?? null;
      code.meta = null;
      const children: unknown[] = [code];
      if (caption) children.push(block('figcaption', {}, [{ type: 'text', value: caption }], node));
      siblings[index] = block('figure', { className: ['listing'], id }, children, node);
      return SKIP;
    }
    if (node.type === 'paragraph') {
      const paragraph = node;
      const content = paragraph.children.filter((c) => !(c.type === 'text' && c.value.trim() === ''));
      const [image, tail] = content;
      const figure = tail?.type === 'text' ? FIG_LABEL.exec(tail.value) : null;
      if (content.length === 2 && image?.type === 'image' && figure) {
        const id = figure[1]!;
        label(id, node);
        // The caption as rehype-figures takes it: the title, else the alt text (Quarto's caption).
        const caption = image.title || (image.alt ?? '');
        image.title = null;
        const children: unknown[] = [image];
        if (caption) children.push(block('figcaption', {}, [{ type: 'text', value: caption }], node));
        siblings[index] = block('figure', { className: ['figure'], id }, children, node);
        return SKIP;
      }
      const caption = tableCaption(paragraph);
      if (!caption) return;
      const tableAt =
        siblings[index + 1]?.type === 'table' ? index + 1 : siblings[index - 1]?.type === 'table' ? index - 1 : -1;
      if (tableAt < 0) return;
      label(caption.id, node);
      const table = siblings[tableAt] as Table;
      const wrapped = block('figure', { className: ['table-figure'], id: caption.id }, [
        block('figcaption', {}, caption.children, node),
        table,
      ]);
      siblings.splice(Math.min(index, tableAt), 2, wrapped);
      return [SKIP, Math.min(index, tableAt) + 1];
    }
    return undefined;
  });
}

/** `: Caption {#tbl-x}`: the caption's inline content and the label, or undefined. */
function tableCaption(paragraph: Paragraph): { id: string; children: PhrasingContent[] } | undefined {
  const first = paragraph.children[0];
  const last = paragraph.children[paragraph.children.length - 1];
  if (first?.type !== 'text' || last?.type !== 'text' || !TBL_CAPTION_START.test(first.value)) return undefined;
  const match = TBL_LABEL.exec(last.value);
  if (!match) return undefined;
  const children = structuredClone(paragraph.children);
  const head = children[0] as Text;
  head.value = head.value.replace(TBL_CAPTION_START, '');
  const tail = children[children.length - 1] as Text;
  tail.value = tail.value.slice(0, tail.value.length - match[0].length);
  return { id: match[1] ?? '', children: children.filter((c) => !(c.type === 'text' && c.value === '')) };
}

/** Where `offset` of a text node's value is in the source. */
function placeIn(node: Text, offset: number): { line: number; column: number } | undefined {
  const start = node.position?.start;
  if (!start) return undefined;
  const before = node.value.slice(0, offset);
  const newline = before.lastIndexOf('\n');
  return newline < 0
    ? { line: start.line, column: start.column + offset }
    : { line: start.line + before.split('\n').length - 1, column: offset - newline };
}

/** The text node split into text, reference links and citations; undefined when it holds none. */
function references(
  node: Text,
  file: VFile,
  options: Required<Pick<Options, 'style' | 'and'>> & Pick<Options, 'bibliography'>,
  cited: string[],
): PhrasingContent[] | undefined {
  const value = node.value;
  const out: PhrasingContent[] = [];
  let last = 0;
  let changed = false;
  const text = (s: string) => {
    if (s) out.push({ type: 'text', value: s });
  };
  const isWork = (key: string) => options.bibliography?.has(key) === true;
  // Bracketed groups first, then bare keys in the text between them.
  const spans: { start: number; end: number; nodes: PhrasingContent[] }[] = [];
  for (const match of value.matchAll(BRACKETED)) {
    const start = match.index;
    // `[text](url)` and `[text][ref]` were links already; `[@x]:` a definition: never here.
    const cites = parseGroup(match[1] ?? '');
    if (!cites) continue;
    const place = placeIn(node, start) ?? node;
    const nodes: PhrasingContent[] = [];
    const labels = cites.filter((c) => LABEL.test(c.key));
    if (labels.length === cites.length) {
      cites.forEach((c, i) => {
        if (i > 0) nodes.push({ type: 'text', value: i === cites.length - 1 ? ` ${options.and} ` : ', ' });
        nodes.push(xref(c, place));
      });
    } else {
      const unknown = cites.find((c) => !LABEL.test(c.key) && !isWork(c.key));
      if (unknown) {
        report(
          file,
          'error',
          options.bibliography
            ? `Citation \`@${unknown.key}\` is not in the bibliography`
            : `Citation \`@${unknown.key}\` but the book has no bibliography (.bib or CSL-JSON)`,
          place,
          'citation',
        );
        continue;
      }
      nodes.push(...citation(cites, options, cited, place));
    }
    spans.push({ start, end: start + match[0].length, nodes });
  }
  const bare = (from: number, to: number) => {
    const slice = value.slice(from, to);
    let at = 0;
    for (const match of slice.matchAll(IN_TEXT)) {
      let key = match[3] ?? '';
      key = key.replace(TRAILING, '');
      const start = match.index + match[1]!.length;
      const end = start + match[2]!.length + 1 + key.length;
      const place = placeIn(node, from + start) ?? node;
      const cite: Cite = { prefix: '', key, suppress: match[2] === '-', locator: '' };
      let nodes: PhrasingContent[];
      if (LABEL.test(key)) {
        nodes = [xref(cite, place)];
      } else if (isWork(key)) {
        nodes = citation([cite], options, cited, place, true);
      } else {
        report(
          file,
          'warning',
          `\`@${key}\` is neither a cross-reference label nor a citation key: left as text`,
          place,
          'citation',
        );
        continue;
      }
      text(slice.slice(at, start));
      out.push(...nodes);
      at = end;
      changed = true;
    }
    text(slice.slice(at));
  };
  for (const span of spans) {
    bare(last, span.start);
    out.push(...span.nodes);
    last = span.end;
    changed = true;
  }
  bare(last, value.length);
  return changed ? out : undefined;
}

/** `see @a, p. 33; -@b` into its citations, or undefined when a part holds no key. */
function parseGroup(inner: string): Cite[] | undefined {
  const cites: Cite[] = [];
  for (const part of inner.split(';')) {
    const at = part.search(/-?@\w/);
    if (at < 0) return undefined;
    const match = must(KEY.exec(part.slice(at)), 'the key search() found');
    const key = (match[1] ?? '').replace(TRAILING, '');
    const prefix = part.slice(0, at).trim();
    const consumed = (match[0].startsWith('-') ? 2 : 1) + key.length;
    cites.push({ prefix, key, suppress: match[0].startsWith('-'), locator: part.slice(at + consumed).trimEnd() });
  }
  return cites.length > 0 ? cites : undefined;
}

function xref(cite: Cite, place: Place): PhrasingContent {
  const className = [XREF_CLASS];
  const children: PhrasingContent[] = [];
  if (cite.suppress) {
    className.push(XREF_BARE_CLASS);
  } else if (cite.prefix) {
    className.push(XREF_CUSTOM_CLASS);
    children.push({ type: 'text', value: `${cite.prefix}\u00a0` });
  } else {
    children.push({ type: 'text', value: `@${cite.key}` });
  }
  return {
    type: 'link',
    url: `#${cite.key}`,
    data: { hProperties: { className } },
    position: positionAt(place),
    children,
  };
}

const positionAt = (place: Place) =>
  'line' in place
    ? { start: { line: place.line, column: place.column }, end: { line: place.line, column: place.column } }
    : place.position;

/** Family names as an author-date citation prints them. */
export function authorsOf(entry: BibEntry, and = 'and'): string {
  const names = entry.names ?? [];
  if (names.length === 0) return entry.key;
  if (names.length === 1) return names[0]!;
  if (names.length === 2) return `${names[0]} ${and} ${names[1]}`;
  return `${names[0]} et al.`;
}

function citation(
  cites: Cite[],
  options: Required<Pick<Options, 'style' | 'and'>> & Pick<Options, 'bibliography'>,
  cited: string[],
  place: Place,
  inText = false,
): PhrasingContent[] {
  const numeric = options.style === 'numeric';
  const out: PhrasingContent[] = [];
  const link = (key: string, words: string): PhrasingContent => ({
    type: 'link',
    url: `#ref-${key}`,
    position: positionAt(place),
    data: {
      hProperties: { className: numeric ? ['citation', CITATION_NUMBER_CLASS] : ['citation'], role: 'doc-biblioref' },
    },
    children: [{ type: 'text', value: words }],
  });
  for (const c of cites) if (!cited.includes(c.key)) cited.push(c.key);
  if (inText) {
    const c = cites[0]!;
    const entry = must(options.bibliography?.get(c.key), `the bibliography entry ${c.key}`);
    if (numeric) {
      return [
        { type: 'text', value: `${authorsOf(entry, options.and)} [` },
        link(c.key, c.key),
        { type: 'text', value: ']' },
      ];
    }
    return [
      { type: 'text', value: `${authorsOf(entry, options.and)} (` },
      link(c.key, entry.year ?? 'n.d.'),
      { type: 'text', value: ')' },
    ];
  }
  out.push({ type: 'text', value: numeric ? '[' : '(' });
  cites.forEach((c, i) => {
    const entry = must(options.bibliography?.get(c.key), `the bibliography entry ${c.key}`);
    if (i > 0) out.push({ type: 'text', value: numeric ? ', ' : '; ' });
    if (c.prefix) out.push({ type: 'text', value: `${c.prefix} ` });
    const words = numeric
      ? c.key
      : c.suppress
        ? (entry.year ?? 'n.d.')
        : `${authorsOf(entry, options.and)} ${entry.year ?? 'n.d.'}`;
    out.push(link(c.key, words));
    if (c.locator) out.push({ type: 'text', value: c.locator });
  });
  out.push({ type: 'text', value: numeric ? ']' : ')' });
  return out;
}
