/**
 * Linear scans over the start of an SVG file: the XML declaration, comments
 * and a DOCTYPE with its internal subset. These replace regular expressions
 * that backtracked on hostile files (`<!---->`×60 was exponential in
 * `sniffImage`, `<!DOCTYPE[`×N quadratic in `sanitizeSvg`): each scan moves
 * forward only, with `indexOf`.
 */

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';

function skipSpace(text: string, i: number): number {
  while (isSpace(text[i])) i++;
  return i;
}

const startsWithCi = (text: string, i: number, word: string) => text.slice(i, i + word.length).toLowerCase() === word;

/** End of the DOCTYPE that starts at `i` (just after its `>`), or -1 when it never closes. */
export function doctypeEnd(text: string, i: number): number {
  let j = i + '<!doctype'.length;
  while (j < text.length && text[j] !== '[' && text[j] !== '>') j++;
  if (j >= text.length) return -1;
  if (text[j] === '>') return j + 1;
  // An internal subset: up to the first `]` followed by optional space and `>`.
  for (let close = text.indexOf(']', j); close !== -1; close = text.indexOf(']', close + 1)) {
    const after = skipSpace(text, close + 1);
    if (text[after] === '>') return after + 1;
  }
  return -1;
}

/**
 * Whether `head` is an SVG document: an optional XML declaration, comments,
 * an optional `<!DOCTYPE svg …>` and comments, then `<svg` and a space or `>`.
 */
export function looksLikeSvg(head: string): boolean {
  let i = skipSpace(head, 0);
  if (head.startsWith('<?xml', i)) {
    const end = head.indexOf('>', i);
    if (end === -1) return false;
    i = skipSpace(head, end + 1);
  }
  let doctype = false;
  for (;;) {
    if (head.startsWith('<!--', i)) {
      const end = head.indexOf('-->', i + 4);
      if (end === -1) return false;
      i = skipSpace(head, end + 3);
    } else if (
      !doctype &&
      startsWithCi(head, i, '<!doctype') &&
      isSpace(head[i + 9]) &&
      startsWithCi(head, skipSpace(head, i + 9), 'svg')
    ) {
      const end = doctypeEnd(head, i);
      if (end === -1) return false;
      doctype = true;
      i = skipSpace(head, end);
    } else {
      break;
    }
  }
  return startsWithCi(head, i, '<svg') && (isSpace(head[i + 4]) || head[i + 4] === '>');
}

/** `text` without its first XML declaration and first DOCTYPE (with any internal subset: entities never expand). */
export function stripProlog(text: string): string {
  const xml = text.indexOf('<?xml');
  if (xml !== -1) {
    const end = text.indexOf('>', xml);
    text = end === -1 ? text.slice(0, xml) : text.slice(0, xml) + text.slice(end + 1);
  }
  const start = text.toLowerCase().indexOf('<!doctype');
  if (start !== -1) {
    const end = doctypeEnd(text, start);
    // A DOCTYPE that never closes takes the rest of the file with it.
    text = end === -1 ? text.slice(0, start) : text.slice(0, start) + text.slice(end);
  }
  return text;
}
