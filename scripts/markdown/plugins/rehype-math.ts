import type { Element, ElementContent } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import { toString } from 'hast-util-to-string';
import { location } from 'vfile-location';
import type { VFile } from 'vfile';
import temml from 'temml';
import { report } from '../../util/messages.ts';
import { elementRules, SKIP, type ElementRule } from './element-rules.ts';

function classes(node: Element): string[] {
  const value = node.properties.className;
  return Array.isArray(value) ? value.map(String) : [];
}

/** Where in the Markdown source a formula's character `offset` sits. */
function sourcePoint(file: VFile, node: Element, tex: string, offset: number) {
  const start = node.position?.start.offset;
  const source = String(file.value);
  if (start === undefined) return node.position?.start;
  const at = source.indexOf(tex, start);
  if (at < 0) return node.position?.start;
  return location(file).toPoint(at + offset) ?? node.position?.start;
}

const OPTIONS = {
  annotate: true,
  xml: true,
  throwOnError: true,
  trust: false,
  maxExpand: 1000,
  maxSize: [50, 50] as [number, number],
};

/** Tokens all macro expansions of one formula may produce: Temml's `maxExpand` counts expansions, not their size. */
export const MAX_EXPANDED_TOKENS = 100_000;

/**
 * The formula's macro table (Temml keeps `\def`s in the object it is given),
 * counting the tokens each expansion it hands out will push: a `\def` of
 * 10,000 tokens expanded 900 times (under `maxExpand`) is stopped after ten,
 * not after building 9 million MathML nodes.
 */
function boundedMacros(): Record<string, unknown> {
  let produced = 0;
  return new Proxy(Object.create(null) as Record<string, unknown>, {
    get(target, name) {
      const value = Reflect.get(target, name) as unknown;
      if (typeof name !== 'string' || value === undefined) return value;
      const size =
        typeof value === 'string'
          ? value.length
          : typeof value === 'object' && value !== null && Array.isArray((value as { tokens?: unknown }).tokens)
            ? (value as { tokens: unknown[] }).tokens.length
            : 0;
      produced += size;
      if (produced > MAX_EXPANDED_TOKENS) {
        throw new Error(
          `Macros in this formula expand to over ${MAX_EXPANDED_TOKENS.toLocaleString('en')} tokens: define smaller macros or expand them fewer times`,
        );
      }
      return value;
    },
  });
}

function toMathElement(tex: string, displayMode: boolean): Element {
  const options = { ...OPTIONS, displayMode, macros: boundedMacros() };
  const fragment = fromHtml(temml.renderToString(tex, options), { fragment: true });
  const math = fragment.children.find((c): c is Element => c.type === 'element' && c.tagName === 'math');
  if (!math) throw new Error('no MathML produced');
  math.properties = { ...math.properties, xmlns: 'http://www.w3.org/1998/Math/MathML' };
  delete math.properties.style;
  return math;
}

/**
 * MathJax (what GitBook and HonKit books were written against) accepts some
 * TeX that Temml does not; these rewrites keep the meaning.
 */
const MATHJAX_COMPAT: [RegExp, string | ((...m: string[]) => string)][] = [
  // `\text{curr_row}`: MathJax prints the underscore.
  [/\\text\{([^{}]*)\}/g, (_m, body: string) => `\\text{${body.replace(/(?<!\\)_/g, '\\_')}}`],
  // `@{}` column specs in arrays.
  [/(\\begin\{array\}\{[^}]*?)@\{\}/g, '$1'],
];

/** TeX to a MathML element: as written, then in display mode if an environment demands it, then MathJax-compatible. */
export function renderTex(tex: string, display: boolean): Element {
  try {
    return toMathElement(tex, display);
  } catch (first) {
    const attempts: [string, boolean][] = [];
    if (!display && /only in display mode/i.test((first as Error).message)) attempts.push([tex, true]);
    let compat = tex;
    for (let i = 0; i < 3; i++)
      for (const [pattern, replacement] of MATHJAX_COMPAT) compat = compat.replace(pattern, replacement as string);
    if (compat !== tex) attempts.push([compat, display], [compat, true]);
    for (const [source, mode] of attempts) {
      try {
        return toMathElement(source, mode);
      } catch {
        // Try the next form; the first error is the one reported.
      }
    }
    throw first;
  }
}

/**
 * Renders `$$…$$` to MathML at build time with Temml, so no reader needs
 * JavaScript. A formula that does not parse is an error at its exact
 * file:line:column, and is printed as its TeX source instead.
 */
export function mathRule(): ElementRule {
  return (_tree, file) => {
    let count = 0;
    return {
      enter(node, index, parent) {
        if (node.tagName !== 'code') return;
        const names = classes(node);
        if (!names.includes('language-math')) return;
        const display = names.includes('math-display');
        const tex = toString(node);
        let replacement: ElementContent;
        const place = node.position ?? (parent.type === 'element' ? parent.position : undefined);
        const holder: Element = { ...node, position: place };
        try {
          const math = renderTex(tex, display);
          math.position = place;
          replacement = math;
          count++;
        } catch (error) {
          const err = error as Error & { position?: number };
          const detail = err.message
            .replace(/^\s*Temml parse error:\s*/i, '')
            .replace(/\s+/g, ' ')
            .trim();
          report(
            file,
            'error',
            `Formula does not parse: ${detail}. Fix the TeX (see the column given) or escape the dollar signs`,
            sourcePoint(file, holder, tex, err.position ?? 0),
            'math',
          );
          replacement = {
            type: 'element',
            tagName: 'code',
            properties: { className: ['math-error'] },
            children: [{ type: 'text', value: tex }],
            position: place,
          };
        }
        // Display math arrives as <pre><code>; swap the whole <pre>.
        const target = parent.type === 'element' && parent.tagName === 'pre' ? parent : undefined;
        if (target && display) {
          target.tagName = 'div';
          target.properties = { className: ['math-display'] };
          target.children = [replacement];
        } else {
          parent.children[index] = replacement;
        }
        return SKIP;
      },
      finish() {
        file.data.formulas = count;
      },
    };
  };
}

export default function rehypeMath() {
  return elementRules([mathRule()]);
}
