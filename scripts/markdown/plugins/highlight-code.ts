import { createRequire } from 'node:module';
import path from 'node:path';
import type { ElementContent, Element, Root } from 'hast';
import { toText } from 'hast-util-to-text';
import type { LanguageFn } from 'highlight.js';
import type { createLowlight as CreateLowlight } from 'lowlight';
import { elementRules, type ElementRule } from './element-rules.ts';
import { LANGUAGES } from './highlight-languages.ts';
import { own } from '../../util/own.ts';

const require = createRequire(import.meta.url);
/**
 * Grammars come from the highlight.js lowlight itself uses, found from where lowlight is, as its own imports are.
 * Not cache state: the library and the grammars registered in it, loaded on first use like imports.
 */
let fromLowlight: NodeRequire | undefined;
type Lowlight = ReturnType<typeof CreateLowlight>;
let lowlight: Lowlight | undefined;
const registered = new Set<string>();

/**
 * lowlight without its entry point, which imports all ~190 grammars; each grammar is registered the first time a
 * code block names it, with the grammars it embeds, so it highlights exactly as with all of them registered.
 */
function highlighter(): Lowlight {
  if (!lowlight) {
    const core = path.join(path.dirname(require.resolve('lowlight')), 'lib/index.js');
    lowlight = (require(core) as { createLowlight: typeof CreateLowlight }).createLowlight();
  }
  return lowlight;
}

function register(grammar: string) {
  if (registered.has(grammar)) return;
  registered.add(grammar);
  fromLowlight ??= createRequire(require.resolve('lowlight'));
  highlighter().register(grammar, fromLowlight(`highlight.js/lib/languages/${grammar}`) as LanguageFn);
  for (const embedded of own(LANGUAGES.embeds, grammar) ?? []) {
    if (embedded === '*') LANGUAGES.grammars.forEach(register);
    else register(embedded);
  }
}

/** The language a code element's class names, `false` for `no-highlight` (rehype-highlight's rule). */
function language(node: Element): string | false | undefined {
  const list = node.properties.className;
  if (!Array.isArray(list)) return undefined;
  let name: string | undefined;
  for (const item of list) {
    const value = String(item);
    if (value === 'no-highlight' || value === 'nohighlight') return false;
    if (!name && value.slice(0, 5) === 'lang-') name = value.slice(5);
    if (!name && value.slice(0, 9) === 'language-') name = value.slice(9);
  }
  return name;
}

/**
 * Fenced code in a named language is highlighted at build time, as
 * rehype-highlight 7 does with every lowlight grammar and no guessing (same
 * classes, same messages), but loading only the grammars the book uses.
 */
/** Options of the highlighting rule and plugin. */
export interface Options {
  /** Fence languages printed as plain text, never highlighted (`text`, `console`, …). */
  plainText?: readonly string[];
}

export function highlightRule(options: Options = {}): ElementRule {
  const plainText = options.plainText ?? [];
  return (_tree, file) => ({
    enter(node, _index, parent) {
      if (node.tagName !== 'code' || parent.type !== 'element' || parent.tagName !== 'pre') return;
      const lang = language(node);
      if (lang === false || !lang || plainText.includes(lang)) return;
      if (!Array.isArray(node.properties.className)) node.properties.className = [];
      if (!node.properties.className.includes('hljs')) node.properties.className.unshift('hljs');
      const text = toText(node, { whitespace: 'pre' });
      const grammar = own(LANGUAGES.names, lang.toLowerCase());
      if (grammar) register(grammar);
      let result: Root;
      try {
        // A name no grammar has (`constructor` included) is never handed to lowlight, whose tables are plain objects.
        if (!grammar) throw new Error(`Unknown language: \`${lang}\` is not registered`);
        // By the grammar's own name: two grammars share an alias or two (`ls`, `ml`), and the last one registered
        // of all keeps it, whatever order a book's code blocks register them in.
        result = highlighter().highlight(grammar, text);
      } catch (error) {
        const cause = error as Error;
        if (/Unknown language/.test(cause.message)) {
          file.message('Cannot highlight as `' + lang + '`, it’s not registered', {
            ancestors: [parent, node],
            cause,
            place: node.position,
            ruleId: 'missing-language',
            source: 'rehype-highlight',
          });
          return;
        }
        throw cause;
      }
      if (result.children.length > 0) node.children = result.children as ElementContent[];
    },
  });
}

export default function rehypeHighlightCode(options: Options = {}) {
  return elementRules([highlightRule(options)]);
}
