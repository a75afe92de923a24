/**
 * A PDF content stream as a list of operations, each with its operands' source
 * text and its place in the stream, so a post-pass can insert, drop or replace
 * operations and leave every other byte as it was. Strings, arrays and
 * dictionaries are read whole (a `)` or `>>` inside them does not end an
 * operand). Inline images (`BI … ID … EI`) hold raw bytes this reader cannot
 * delimit: a stream with one is not parsed.
 */
export interface ContentOp {
  operator: string;
  /** Each operand's source text: `12`, `/F10`, `<0029>`, `(a\)b)`, `[<01> -20 <02>]`, `<< /MCID 3 >>`. */
  operands: string[];
  /** Where the operation (its first operand, or the operator) starts, and where its operator ends. */
  start: number;
  end: number;
}

/** Character classes by code: 1 white space, 2 delimiter, 0 regular. */
const CLASS = new Uint8Array(256);
for (const c of ' \t\n\r\f\0') CLASS[c.charCodeAt(0)] = 1;
for (const c of '()<>[]{}/%') CLASS[c.charCodeAt(0)] = 2;
const isWhite = (text: string, i: number) => CLASS[text.charCodeAt(i) & 0xff] === 1;

function regularEnd(text: string, i: number): number {
  while (i < text.length && CLASS[text.charCodeAt(i) & 0xff] === 0) i++;
  return i;
}

function literalEnd(text: string, i: number): number {
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  throw new Error('unterminated string');
}

/** The end of the object that starts at `i` (which is not whitespace). */
function objectEnd(text: string, i: number): number {
  const c = text[i]!;
  if (c === '(') return literalEnd(text, i);
  if (c === '<' && text[i + 1] === '<') return compositeEnd(text, i + 2, '>>');
  if (c === '<') {
    const close = text.indexOf('>', i);
    if (close < 0) throw new Error('unterminated hex string');
    return close + 1;
  }
  if (c === '[') return compositeEnd(text, i + 1, ']');
  if (c === '/') return regularEnd(text, i + 1);
  return Math.max(regularEnd(text, i), i + 1);
}

function skipWhite(text: string, i: number): number {
  for (;;) {
    while (i < text.length && isWhite(text, i)) i++;
    if (text[i] !== '%') return i;
    while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  }
}

function compositeEnd(text: string, i: number, close: string): number {
  for (;;) {
    i = skipWhite(text, i);
    if (i >= text.length) throw new Error(`unterminated ${close === ']' ? 'array' : 'dictionary'}`);
    if (text.startsWith(close, i)) return i + close.length;
    i = objectEnd(text, i);
  }
}

const OPERAND_START = new Set('-+.0123456789/(<['.split(''));
const KEYWORD_OPERANDS = new Set(['true', 'false', 'null']);

/** The stream's operations, or undefined when it cannot be read safely (an inline image, a broken string). */
export function parseContent(text: string): ContentOp[] | undefined {
  const ops: ContentOp[] = [];
  let operands: string[] = [];
  let start = -1;
  try {
    for (let i = skipWhite(text, 0); i < text.length; i = skipWhite(text, i)) {
      const end = objectEnd(text, i);
      const token = text.slice(i, end);
      if (start < 0) start = i;
      if (OPERAND_START.has(token[0]!) || KEYWORD_OPERANDS.has(token)) {
        operands.push(token);
      } else {
        if (token === 'BI') return undefined;
        ops.push({ operator: token, operands, start, end });
        operands = [];
        start = -1;
      }
      i = end;
    }
  } catch {
    return undefined;
  }
  return operands.length > 0 ? undefined : ops;
}

/** A PDF text string (`<FEFF…>`, `(…)`) as JavaScript text. */
export function decodeTextString(operand: string): string {
  let bytes: number[] = [];
  if (operand.startsWith('<')) {
    const hex = operand.slice(1, -1).replace(/\s+/g, '');
    for (let i = 0; i < hex.length; i += 2) bytes.push(parseInt(hex.slice(i, i + 2).padEnd(2, '0'), 16));
  } else {
    bytes = literalBytes(operand);
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    let out = '';
    for (let i = 2; i + 1 < bytes.length; i += 2) out += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
    return out;
  }
  return String.fromCharCode(...bytes);
}

const ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, f: 12 };

/** The bytes of a literal string `(…)`. */
export function literalBytes(operand: string): number[] {
  const body = operand.slice(1, -1);
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      bytes.push(c.charCodeAt(0) & 0xff);
      continue;
    }
    const next = body[++i];
    if (next === undefined) break;
    const octal = /^[0-7]{1,3}/.exec(body.slice(i, i + 3));
    if (octal) {
      bytes.push(parseInt(octal[0], 8) & 0xff);
      i += octal[0].length - 1;
    } else if (next === '\r' || next === '\n') {
      if (next === '\r' && body[i + 1] === '\n') i++;
    } else {
      bytes.push(ESCAPES[next] ?? next.charCodeAt(0));
    }
  }
  return bytes;
}

/** The bytes a string operand (`<…>` or `(…)`) shows. */
export function stringBytes(operand: string): number[] {
  if (!operand.startsWith('<')) return literalBytes(operand);
  const hex = operand.slice(1, -1).replace(/\s+/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < hex.length; i += 2) bytes.push(parseInt(hex.slice(i, i + 2).padEnd(2, '0'), 16));
  return bytes;
}

/** Bytes as a hex string operand. */
export function hexString(bytes: number[]): string {
  return `<${bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('')}>`;
}

/** Text as a UTF-16BE text string operand, `<FEFF…>` (`<FEFF>` for none). */
export function textString(text: string): string {
  let hex = 'FEFF';
  for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0');
  return `<${hex}>`;
}

/** An edit: replace the source from `start` to `end` with `text` (an insertion when they are equal). */
export interface ContentEdit {
  start: number;
  end: number;
  text: string;
}

/** Applies edits that do not overlap; insertions at one point keep their order. */
export function applyEdits(text: string, edits: ContentEdit[]): string {
  const sorted = edits.map((e, i) => ({ ...e, i })).sort((a, b) => a.start - b.start || a.end - b.end || a.i - b.i);
  let out = '';
  let at = 0;
  for (const edit of sorted) {
    if (edit.start < at) throw new Error('overlapping content edits');
    out += text.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + text.slice(at);
}
