import type { Element, ElementContent, Root, RootContent } from 'hast';

export type DiffOp<T> =
  | { op: 'equal'; a: T; b: T; ai: number; bi: number }
  | { op: 'delete'; a: T; ai: number }
  | { op: 'insert'; b: T; bi: number };

/** Largest table the quadratic LCS fills before falling back to "all removed, all added". */
const MAX_CELLS = 6_000_000;

/**
 * A shortest edit script between two sequences (longest common subsequence),
 * common prefix and suffix trimmed first. Ties prefer deletions before
 * insertions, so a replaced item reads "was … now …".
 */
export function diffSequences<T>(
  a: readonly T[],
  b: readonly T[],
  same: (x: T, y: T) => boolean = (x, y) => x === y,
): DiffOp<T>[] {
  let start = 0;
  while (start < a.length && start < b.length && same(a[start]!, b[start]!)) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && same(a[endA - 1]!, b[endB - 1]!)) {
    endA--;
    endB--;
  }
  const ops: DiffOp<T>[] = [];
  for (let i = 0; i < start; i++) ops.push({ op: 'equal', a: a[i]!, b: b[i]!, ai: i, bi: i });
  const n = endA - start;
  const m = endB - start;
  if (n * m > MAX_CELLS) {
    for (let i = start; i < endA; i++) ops.push({ op: 'delete', a: a[i]!, ai: i });
    for (let j = start; j < endB; j++) ops.push({ op: 'insert', b: b[j]!, bi: j });
  } else if (n > 0 || m > 0) {
    // lcs[i][j] = LCS length of a[start+i..endA) and b[start+j..endB)
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * width + j] = same(a[start + i]!, b[start + j]!)
          ? lcs[(i + 1) * width + j + 1]! + 1
          : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && same(a[start + i]!, b[start + j]!)) {
        ops.push({ op: 'equal', a: a[start + i]!, b: b[start + j]!, ai: start + i, bi: start + j });
        i++;
        j++;
      } else if (j >= m || (i < n && lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) {
        ops.push({ op: 'delete', a: a[start + i]!, ai: start + i });
        i++;
      } else {
        ops.push({ op: 'insert', b: b[start + j]!, bi: start + j });
        j++;
      }
    }
  }
  for (let k = 0; k < a.length - endA; k++)
    ops.push({ op: 'equal', a: a[endA + k]!, b: b[endB + k]!, ai: endA + k, bi: endB + k });
  return ops;
}

/** Words, runs of spaces and single punctuation marks: the units of a readable inline diff. */
export function tokens(text: string): string[] {
  return text.match(/\s+|[\p{L}\p{N}\p{M}_'’]+|[^\s\p{L}\p{N}\p{M}_'’]/gu) ?? [];
}

export interface InlinePart {
  kind: 'same' | 'removed' | 'added';
  text: string;
}

/** A word-level diff of two paragraphs, runs merged: `same`, `removed`, `added`. */
export function inlineDiff(before: string, after: string): InlinePart[] {
  const parts: InlinePart[] = [];
  const push = (kind: InlinePart['kind'], text: string) => {
    const last = parts.at(-1);
    if (last?.kind === kind) last.text += text;
    else parts.push({ kind, text });
  };
  const ops = diffSequences(tokens(before), tokens(after));
  // Deletions of a run come before its insertions, so "was … now …" reads in order.
  let removed = '';
  let added = '';
  const flush = () => {
    if (removed) push('removed', removed);
    if (added) push('added', added);
    removed = added = '';
  };
  for (const op of ops) {
    if (op.op === 'equal') {
      // A single space between two changes belongs to the change, not to the text between them.
      flush();
      push('same', op.a);
    } else if (op.op === 'delete') {
      removed += op.a;
    } else {
      added += op.b;
    }
  }
  flush();
  return parts;
}

/** How alike two paragraphs are (0–1): shared words over the longer one's words. */
export function similarity(before: string, after: string): number {
  const a = tokens(before).filter((t) => t.trim());
  const b = tokens(after).filter((t) => t.trim());
  if (a.length === 0 && b.length === 0) return 1;
  const same = diffSequences(a, b).filter((op) => op.op === 'equal').length;
  return same / Math.max(a.length, b.length);
}

// ---------------------------------------------------------------------------
// A chapter's text, from the processed hast tree, as sections of blocks.

export interface TextBlockOut {
  text: string;
  /** The question the block belongs to (its id), if any. */
  question?: string;
}

export interface Section {
  /** The heading's id (`''` for text before the first heading). */
  id: string;
  title: string;
  depth: number;
  blocks: TextBlockOut[];
}

const SECTION_DEPTH = 3;
const LEAVES = new Set(['p', 'pre', 'h4', 'h5', 'h6', 'tr', 'figcaption', 'dt', 'dd', 'caption']);
const CONTAINER_IN_LI = new Set(['ul', 'ol', 'p', 'pre', 'div', 'figure', 'table', 'blockquote', 'dl', 'section']);

const classes = (node: Element) =>
  Array.isArray(node.properties.className) ? node.properties.className.map(String) : [];

/** Plain text of inline content: formulas as their TeX, images as their alt text and file, no question numbers. */
function inlineText(nodes: ElementContent[]): string {
  let out = '';
  for (const node of nodes) {
    if (node.type === 'text') {
      out += node.value;
    } else if (node.type === 'element') {
      const cls = classes(node);
      if (cls.includes('q-number') || cls.includes('page-ref')) continue;
      if (node.tagName === 'math') {
        const tex = findAnnotation(node);
        out += tex !== undefined ? ` $${tex.trim()}$ ` : inlineText(node.children);
      } else if (node.tagName === 'img') {
        out += ` [image: ${String(node.properties.alt ?? '')} ${String(node.properties.src ?? '')}] `;
      } else if (node.tagName === 'br') {
        out += ' ';
      } else if (cls.includes('badge')) {
        out += `[${inlineText(node.children).trim()}]`;
      } else {
        out += inlineText(node.children);
      }
    }
  }
  return out;
}

function findAnnotation(node: Element): string | undefined {
  for (const child of node.children) {
    if (child.type !== 'element') continue;
    if (child.tagName === 'annotation') return child.children.map((c) => (c.type === 'text' ? c.value : '')).join('');
    const inner = findAnnotation(child);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

const normal = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * A chapter's text as sections (one per heading down to h3) of blocks
 * (paragraphs, list items, code, formula blocks, table rows, captions),
 * whitespace-normalised, for a paragraph-level diff. Question numbers are left
 * out so inserting a question does not "change" every later one.
 */
export function chapterSections(tree: Root): Section[] {
  const sections: Section[] = [{ id: '', title: '', depth: 0, blocks: [] }];
  const current = () => sections[sections.length - 1]!;
  const emit = (text: string, question?: string) => {
    const value = normal(text);
    if (value) current().blocks.push(question ? { text: value, question } : { text: value });
  };
  const walk = (nodes: (RootContent | ElementContent)[], question?: string) => {
    for (const node of nodes) {
      if (node.type !== 'element') {
        if (node.type === 'text' && node.value.trim()) emit(node.value, question);
        continue;
      }
      const tag = node.tagName;
      const heading = /^h([1-6])$/.exec(tag);
      if (heading && Number(heading[1]) <= SECTION_DEPTH) {
        sections.push({
          id: String(node.properties.id ?? ''),
          title: normal(inlineText(node.children)),
          depth: Number(heading[1]),
          blocks: [],
        });
        continue;
      }
      if (LEAVES.has(tag) || (heading && Number(heading[1]) > SECTION_DEPTH)) {
        emit(inlineText(node.children), question);
        continue;
      }
      if (tag === 'div' && classes(node).includes('math-display')) {
        emit(inlineText(node.children), question);
        continue;
      }
      if (tag === 'li') {
        const id =
          typeof node.properties.id === 'string' && node.properties.id.startsWith('q-') ? node.properties.id : question;
        const own = node.children.filter((c) => !(c.type === 'element' && CONTAINER_IN_LI.has(c.tagName)));
        emit(inlineText(own), id);
        walk(
          node.children.filter((c) => c.type === 'element' && CONTAINER_IN_LI.has(c.tagName)),
          id,
        );
        continue;
      }
      walk(node.children, question);
    }
  };
  walk(tree.children);
  return sections.filter((s, i) => i > 0 || s.blocks.length > 0);
}
