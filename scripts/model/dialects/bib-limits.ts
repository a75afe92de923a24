/**
 * Bounds for a `.bib` file, which a pull request can write: its size, and
 * how much `@string` macros expand to. A chain of `@string{b = a # a # a}`
 * doubles or triples at each step; the parser would build the string and die
 * with `Invalid string length`. This forward scan adds up expanded lengths
 * without building anything, and says where a limit is crossed.
 */

export const MAX_BIB_BYTES = 4 * 1024 * 1024;
/** Characters one field or @string may expand to. */
export const MAX_BIB_VALUE_CHARS = 256 * 1024;
/** Characters every field of the file together may expand to. */
export const MAX_BIB_TOTAL_CHARS = 16 * 1024 * 1024;

export interface BibProblem {
  line: number;
  reason: string;
}

/** 1-based line of offset `i`. */
export function lineAt(text: string, i: number): number {
  let line = 1;
  for (let at = text.indexOf('\n'); at !== -1 && at < i; at = text.indexOf('\n', at + 1)) line++;
  return line;
}

/** End (exclusive) of the brace group opening at `i`, or -1. */
function skipBraces(text: string, i: number): number {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return j + 1;
  }
  return -1;
}

/** End (exclusive) of the quoted value opening at `i` (a `"` inside braces does not close it), or -1. */
function skipQuote(text: string, i: number): number {
  let depth = 0;
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === '"' && depth <= 0) return j + 1;
  }
  return -1;
}

const WORD = /[^\s,=#{}()"]+/y;

/** The first limit the file crosses, or undefined. */
export function bibLimits(text: string): BibProblem | undefined {
  if (text.length > MAX_BIB_BYTES) {
    return {
      line: 1,
      reason: `The bibliography is ${(text.length / 1024 / 1024).toFixed(1)} MB, over the ${MAX_BIB_BYTES / 1024 / 1024} MB limit`,
    };
  }
  const macros = new Map<string, number>();
  let total = 0;
  let i = 0;
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  while ((i = text.indexOf('@', i)) !== -1) {
    WORD.lastIndex = i + 1;
    const type = (WORD.exec(text)?.[0] ?? '').toLowerCase();
    i = WORD.lastIndex > i + 1 ? WORD.lastIndex : i + 1;
    while (/\s/.test(text[i] ?? '')) i++;
    const open = text[i];
    if (open !== '{' && open !== '(') continue;
    if (type === 'comment') {
      const end = skipBraces(text, i);
      if (end === -1) return undefined;
      i = end;
      continue;
    }
    const close = open === '{' ? '}' : ')';
    i++;
    let name = '';
    let value = 0;
    let inValue = false;
    const finish = () => {
      if (type === 'string' && inValue && name) macros.set(name.toLowerCase(), value);
      inValue = false;
      value = 0;
    };
    for (;;) {
      while (/\s/.test(text[i] ?? '')) i++;
      const c = text[i];
      if (c === undefined) return undefined;
      const at = i;
      if (c === close) {
        finish();
        i++;
        break;
      }
      if (c === ',') {
        finish();
        i++;
        continue;
      }
      if (c === '=' || c === '#') {
        inValue = true;
        i++;
        continue;
      }
      let added = 0;
      if (c === '"' || c === '{') {
        const end = c === '"' ? skipQuote(text, i) : skipBraces(text, i);
        if (end === -1) return undefined; // unterminated: the parser reports it
        added = end - i;
        i = end;
      } else {
        WORD.lastIndex = i;
        const word = WORD.exec(text)?.[0];
        if (!word) {
          i++;
          continue;
        }
        i += word.length;
        if (inValue) added = macros.get(word.toLowerCase()) ?? word.length;
        else name = word;
      }
      if (!inValue) continue;
      value += added;
      total += added;
      if (value > MAX_BIB_VALUE_CHARS) {
        return {
          line: lineAt(text, at),
          reason: `A ${type === 'string' ? '@string' : 'field'} here expands to ${mb(value)} or more, over the ${MAX_BIB_VALUE_CHARS / 1024} KB limit for one value (macros expanding macros?)`,
        };
      }
      if (total > MAX_BIB_TOTAL_CHARS) {
        return {
          line: lineAt(text, at),
          reason: `Fields expand to ${mb(total)} by here, over the ${mb(MAX_BIB_TOTAL_CHARS)} limit for a bibliography`,
        };
      }
    }
  }
  return undefined;
}
