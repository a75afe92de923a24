/**
 * XHTML straight from hast, in one walk: the text `hast-util-to-xast` then
 * `xast-util-to-xml` (`closeEmptyElements`, `tightClose`) write, with only
 * void elements self-closing, without building the xast tree in between.
 *
 * Byte-identical to that pipeline by construction where it matters: how a
 * property becomes an attribute (its name, whether it is a boolean, how a
 * list is joined) is asked of `hast-util-to-xast` itself, once per property
 * name and namespace, and the escaping is xast-util-to-xml's (`&` and `<` in
 * text; `<`, `&` and `"` in values; C0 controls dropped), spelled the same
 * way (`&#x26;`). tests/xhtml-serialise.test.ts compares the two on every
 * fixture book's pages.
 */
import type { Element, Nodes, Root } from 'hast';
import type { Element as XastElement } from 'xast';
import { toXast } from 'hast-util-to-xast';

export const HTML_NS = 'http://www.w3.org/1999/xhtml';
export const SVG_NS = 'http://www.w3.org/2000/svg';

type Space = 'html' | 'svg';

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
]);
/** Only a tag this pattern matches was ever rewritten from `<x/>` to `<x></x>` (render/xhtml.ts before this module). */
const SELF_CLOSING = /^<([A-Za-z][\w:.-]*)((?:\s+[^\s=/>]+="[^"]*")*)\s*\/>$/;

interface AttributeInfo {
  attribute: string;
  boolean: boolean;
  commaSeparated: boolean;
}

/**
 * How hast-util-to-xast writes each property, asked once per name: a fact about that library, the same in every
 * build, so not cache state.
 */
const infos: Record<Space, Map<string, AttributeInfo>> = { html: new Map(), svg: new Map() };

/** The attribute `hast-util-to-xast` makes of one property: an element holding only it, converted. */
function probe(space: Space, key: string, value: string | string[]): [string, string] | undefined {
  const child: Element = { type: 'element', tagName: 'x', properties: { [key]: value }, children: [] };
  const parent: Element = { type: 'element', tagName: 'x', properties: {}, children: [child] };
  const converted = (toXast(parent, { space }) as XastElement).children[0] as XastElement;
  return Object.entries(converted.attributes as Record<string, string>)[0];
}

function attributeInfo(space: Space, key: string): AttributeInfo {
  let info = infos[space].get(key);
  if (info) return info;
  const single = probe(space, key, 'v');
  const list = probe(space, key, ['a', 'b']);
  info = {
    attribute: single?.[0] ?? key,
    boolean: single?.[1] === '',
    commaSeparated: list?.[1] === 'a, b',
  };
  infos[space].set(key, info);
  return info;
}

const NONCHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g;
const hex = (c: string) => `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`;
const TEXT_SPECIAL = /[&<]/g;
const VALUE_SPECIAL = /[<&"]/g;
const NAME_SPECIAL = /[\t\n "&'/<=>]/g;

function escapeText(value: string): string {
  return value.replace(NONCHARACTER, '').replace(TEXT_SPECIAL, hex);
}
function escapeValue(value: string): string {
  return value.replace(NONCHARACTER, '').replace(VALUE_SPECIAL, hex);
}
/** Escaped names, a pure function of the name (the same in every build): not cache state. */
const names = new Map<string, string>();
function escapeName(value: string): string {
  let name = names.get(value);
  if (name === undefined) {
    name = value.replace(NONCHARACTER, '').replace(NAME_SPECIAL, hex);
    names.set(value, name);
  }
  return name;
}

const commas = (values: unknown[]) => (values.at(-1) === '' ? [...values, ''] : values).join(', ').trim();
const spaces = (values: unknown[]) => values.join(' ').trim();

interface State {
  space: Space;
  ns: string | undefined;
}

function element(node: Element, state: State, out: string[]): void {
  const props = node.properties ?? {};
  let space = state.space;
  if (props.xmlns === HTML_NS) space = 'html';
  else if (props.xmlns === SVG_NS) space = 'svg';
  else if (!props.xmlns && space === 'html' && node.tagName === 'svg') space = 'svg';
  const ns = space === 'html' ? HTML_NS : SVG_NS;
  // A plain object, filled in the order hast-util-to-xast fills it, so attributes come out in the same order.
  const attributes: Record<string, string> = {};
  if (state.ns !== ns) attributes.xmlns = ns;
  for (const key in props) {
    if (!Object.hasOwn(props, key)) continue;
    const info = attributeInfo(space, key);
    let value = props[key];
    if (
      (typeof value === 'number' && Number.isNaN(value)) ||
      (!value && info.boolean) ||
      value === false ||
      value === null ||
      value === undefined
    )
      continue;
    if (value === true || info.boolean) value = '';
    else if (Array.isArray(value)) value = info.commaSeparated ? commas(value) : spaces(value);
    else if (typeof value !== 'string') value = String(value);
    attributes[info.attribute] = value;
  }
  const name = escapeName(node.tagName);
  let open = `<${name}`;
  for (const key in attributes) open += ` ${escapeName(key)}="${escapeValue(attributes[key]!)}"`;

  const childState: State = space === state.space && ns === state.ns ? state : { space, ns };
  const children =
    space === 'html' && node.tagName === 'template' && (node as { content?: Root }).content
      ? (node as unknown as { content: Root }).content.children
      : node.children;
  const before = out.length;
  out.push(''); // the start tag, once it is known whether the element is empty
  for (const child of children) one(child, childState, out);
  let empty = true;
  for (let i = before + 1; i < out.length; i++) {
    if (out[i] !== '') {
      empty = false;
      break;
    }
  }
  if (!empty) {
    out[before] = `${open}>`;
    out.push(`</${name}>`);
    return;
  }
  // `<p/>` means an unclosed <p> to an HTML parser: only void elements may self-close.
  const tag = `${open}/>`;
  const match = SELF_CLOSING.exec(tag);
  out[before] = match?.[1] !== undefined && !VOID.has(match[1]) ? `${open}></${name}>` : tag;
}

function one(node: Nodes, state: State, out: string[]): void {
  switch (node.type) {
    case 'element':
      element(node, state, out);
      return;
    case 'text':
      out.push(escapeText(node.value || ''));
      return;
    case 'root':
      for (const child of node.children) one(child, state, out);
      return;
    case 'comment':
      out.push(`<!--${(node.value || '').replace(NONCHARACTER, '').replace(/-/g, hex)}-->`);
      return;
    case 'doctype':
      out.push('<!DOCTYPE html>');
      return;
    default:
      throw new Error(`Cannot transform node of type \`${(node as { type: string }).type}\``);
  }
}

/**
 * The markup of `tree` before `xmlSafeMarkup`. `inside` is the namespace the
 * tree sits in: `undefined` for a tree on its own (its first element then says
 * `xmlns`, as hast-util-to-xast has it), `HTML_NS` for a fragment that goes
 * inside an XHTML document's body, which must not repeat it.
 */
export function serialiseXhtml(tree: Root | Element | Nodes, inside?: typeof HTML_NS): string {
  const out: string[] = [];
  one(tree, { space: 'html', ns: inside }, out);
  return out.join('');
}
