import rehypeRaw from 'rehype-raw';
import type { Root, RootContent } from 'hast';
import type { VFile } from 'vfile';
import { LIMITS } from '../../model/book/limits.ts';
import { report } from '../../util/messages.ts';

type Node = Root | RootContent;

/** Whether the tree holds raw HTML; stops at the first. */
function hasRaw(tree: Root): boolean {
  const stack: Node[] = [tree];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.type === 'raw') return true;
    // One push per child: a spread of 600,000 children (300,000 headings) overflows the call stack.
    if ('children' in node) for (const child of node.children) stack.push(child);
  }
  return false;
}

const VOID = /^(?:area|base|br|col|embed|hr|img|input|link|meta|param|source|track|wbr)$/i;

/**
 * Where raw HTML, read across blocks, first opens more elements than the
 * limit without closing them: the line to name when the tree nests too deep.
 */
function deepRawLine(tree: Root): number {
  let depth = 0;
  const stack: Node[] = [tree];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.type === 'raw') {
      for (const tag of node.value.matchAll(/<(\/?)([A-Za-z][\w-]*)[^<>]*?(\/?)>/g)) {
        if (tag[1]) depth--;
        else if (!tag[3] && !VOID.test(tag[2]!)) depth++;
        if (depth > LIMITS.treeDepth) return node.position?.start.line ?? 1;
      }
    }
    if ('children' in node) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return 1;
}

/** The first element deeper than the limit, if any (an explicit stack: the tree is what may be too deep). */
function tooDeep(tree: Root): { node: Node; depth: number } | undefined {
  const stack: { node: Node; depth: number }[] = [{ node: tree, depth: 0 }];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    if (entry.depth > LIMITS.treeDepth) return entry;
    const { node } = entry;
    if ('children' in node) {
      for (let i = node.children.length - 1; i >= 0; i--)
        stack.push({ node: node.children[i]!, depth: entry.depth + 1 });
    }
  }
  return undefined;
}

/**
 * rehype-raw, only when the chapter has raw HTML (it re-parses the whole
 * chapter through parse5), and with the nesting bounded on the tree it makes:
 * `<div>`s opened in separate paragraphs and closed later pass every
 * per-block limit, yet nest thousands deep once parsed together, past what
 * the recursive tree utilities after it survive. Over the limit is an error
 * at the line, and the chapter is left empty rather than half-processed.
 */
export default function rehypeRawBounded() {
  const raw = rehypeRaw();
  return (tree: Root, file: VFile): Root => {
    if (!hasRaw(tree)) return tree;
    const fail = (line: number) => {
      report(
        file,
        'error',
        `HTML elements nested more than ${LIMITS.treeDepth} deep (opened in one block, closed in another): close each element in the block that opens it`,
        { line, column: 1 },
        'limit',
      );
      return { type: 'root', children: [] } as Root;
    };
    let out: Root;
    try {
      out = raw(tree, file);
    } catch (error) {
      // hast-util-raw converts parse5's tree recursively: nesting deep enough overflows the stack there.
      if (error instanceof RangeError) return fail(deepRawLine(tree));
      throw error;
    }
    const deep = tooDeep(out);
    if (deep) return fail(deep.node.position?.start.line ?? deepRawLine(tree));
    return out;
  };
}
