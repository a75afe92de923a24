import { createHash } from 'node:crypto';
import type { Code, Root, RootContent } from 'mdast';
import { visit, SKIP } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { report } from '../../util/messages.ts';

/** Class of a diagram's figure, and of the `<pre>` that holds its source until the render step draws it. */
export const DIAGRAM_CLASS = 'diagram';
export const DIAGRAM_SOURCE_CLASS = 'diagram-source';
/** Mermaid's own limit (`maxTextSize`): a longer source is refused at its fence, never handed to the browser. */
export const MAX_DIAGRAM_SOURCE = 50_000;

/** One diagram fence, in reading order (`file.data.diagrams`): what the render step draws and where to report. */
export interface DiagramFence {
  source: string;
  /** sha256 of the source: with the ordinal, its ids in the book (render/diagrams). */
  hash: string;
  line?: number;
  column?: number;
}

const LANGUAGE = /^\{?\.?mermaid(?=$|[\s}])/;
const OPTION = /^%%\|\s*([\w-]+)\s*:\s*(.*?)\s*$/;
const LABEL = /(?:^|[\s{])#([\w:.-]*\w)/;
const CAPTION = /(?:fig-cap|caption)="([^"]*)"/;

const unquote = (value: string) => value.replace(/^(["'])(.*)\1$/, '$2');

const block = (hName: string, properties: Record<string, unknown>, children: unknown[], from: RootContent) =>
  ({
    type: 'galleyBlock',
    data: { hName, hProperties: properties },
    position: from.position,
    children,
  }) as unknown as RootContent;

/**
 * A Mermaid fence's label and caption, from Quarto's option lines (`%%| label:`, `%%| fig-cap:`) or the fence's
 * attributes; undefined for any other code block. The fidelity check reads the caption as the author's words.
 */
export function diagramOptions(node: Code): { label?: string; caption?: string } | undefined {
  if (!LANGUAGE.test(node.lang ?? '')) return undefined;
  const attributes = `${node.lang ?? ''} ${node.meta ?? ''}`;
  let label = LABEL.exec(attributes)?.[1];
  let caption = CAPTION.exec(attributes)?.[1];
  for (const line of node.value.split('\n')) {
    const option = OPTION.exec(line);
    if (!option) {
      if (line.trim() === '') continue;
      break;
    }
    const [, key, value] = option;
    if (key === 'label') label = unquote(value!);
    else if (key === 'fig-cap') caption = unquote(value!);
  }
  return { label, caption };
}

/**
 * ```` ```mermaid ```` (and Quarto's ```` ```{mermaid} ````) fences become a
 * figure holding the source in a `<pre>`: the chapter pipeline runs in workers
 * without a browser, so the drawing is the render step's (render/diagrams),
 * after every chapter. The label and caption come from Quarto's option lines
 * (`%%| label: fig-x`, `%%| fig-cap: …`) or the fence's attributes
 * (`{#fig-x fig-cap="…"}`); a `fig-` label is numbered like any figure.
 */
export default function remarkMermaid() {
  return (tree: Root, file: VFile) => {
    const diagrams: DiagramFence[] = [];
    visit(tree, 'code', (node: Code, index, parent) => {
      if (!parent || index === undefined) return;
      const options = diagramOptions(node);
      if (!options) return;
      let { label } = options;
      const { caption } = options;
      if (node.value.length > MAX_DIAGRAM_SOURCE) {
        report(
          file,
          'error',
          `Diagram of ${node.value.length} characters: the limit is ${MAX_DIAGRAM_SOURCE}`,
          node,
          'diagram',
        );
        // Kept as plain code, so the source is still there to read.
        node.lang = null;
        node.meta = null;
        return;
      }
      if (label !== undefined && !/^fig-[\w:.-]*\w$/.test(label)) {
        report(file, 'error', `Diagram label \`${label}\`: a diagram's label starts with \`fig-\``, node, 'diagram');
        label = undefined;
      }
      const start = node.position?.start;
      diagrams.push({
        source: node.value,
        hash: createHash('sha256').update(node.value).digest('hex'),
        line: start?.line,
        column: start?.column,
      });
      // `hChildren`: the text goes into the page as written (a text node would lose each line's indentation).
      const code = {
        type: 'galleyBlock',
        data: { hName: 'code', hChildren: [{ type: 'text', value: node.value }] },
        children: [],
      } as unknown as RootContent;
      const pre = block('pre', { className: [DIAGRAM_SOURCE_CLASS] }, [code], node);
      const children = [pre];
      if (caption) children.push(block('figcaption', {}, [{ type: 'text', value: caption }], node));
      parent.children[index] = block(
        'figure',
        { className: [DIAGRAM_CLASS], ...(label ? { id: label } : {}) },
        children,
        node,
      );
      return SKIP;
    });
    if (diagrams.length > 0) file.data.diagrams = diagrams;
  };
}
