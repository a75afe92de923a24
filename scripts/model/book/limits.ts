import type { VFile } from 'vfile';
import { report } from '../../util/messages.ts';

/**
 * Limits that keep a hostile or broken chapter from hanging or crashing the
 * parser (cmark's pathological inputs): real books stay far below each one.
 */
/** The largest chapter (or included file) a build reads. */
export const MAX_CHAPTER_BYTES = 8 * 1024 * 1024;

export const LIMITS = {
  blockquoteDepth: 32,
  indentColumns: 240,
  bracketRun: 200,
  delimitersPerBlock: 5000,
  htmlDepth: 200,
  /** Elements nested in a chapter's tree once its raw HTML is parsed, across blocks (plugins/rehype-raw-bounded.ts). */
  treeDepth: 400,
  footnoteReferences: 20000,
  /**
   * Counts that make a chapter's tree, and so its work, large (issue 24): parsing alone costs about 70 µs a
   * heading, list item or table cell, so 300,000 headings ran past half a minute. Far above any real chapter.
   */
  headings: 20000,
  listItems: 20000,
  tableCells: 100000,
  /** List and quote markers opening one line (`- - - > - …`): each is a level of nesting, on one line. */
  markersPerLine: 64,
};

/** How many list or quote markers open a line (`> - 1. > …`), counted by a forward scan. */
export function lineMarkers(line: string): number {
  let i = 0;
  let count = 0;
  for (;;) {
    let spaces = 0;
    while (spaces < 4 && (line[i] === ' ' || line[i] === '\t')) {
      i++;
      spaces++;
    }
    const c = line[i];
    if (c === '>') {
      i++;
    } else if ((c === '-' || c === '+' || c === '*') && (line[i + 1] === ' ' || line[i + 1] === '\t')) {
      i += 2;
    } else {
      let j = i;
      while (j - i < 9 && line[j]! >= '0' && line[j]! <= '9') j++;
      if (j === i || (line[j] !== '.' && line[j] !== ')') || (line[j + 1] !== ' ' && line[j + 1] !== '\t'))
        return count;
      i = j + 2;
    }
    count++;
  }
}

/** Checks a chapter's text against LIMITS; false (with an error at the line) when it must not be parsed. */
export function withinLimits(text: string, file: VFile): boolean {
  const fail = (reason: string, line: number, column = 1) => {
    report(file, 'error', reason, { line, column }, 'limit');
    return false;
  };
  const lines = text.split('\n');
  let blockStart = 0;
  let fence: string | undefined;
  let headings = 0;
  let listItems = 0;
  let cells = 0;
  let delimiters = 0;
  let htmlDepth = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') {
      blockStart = i + 1;
      delimiters = 0;
      htmlDepth = 0;
      cells = 0;
      continue;
    }
    // Code is text, however many `#` or `|` it holds: only lines outside fences count as headings, items, cells.
    const fenceMark = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== undefined) {
      if (fenceMark && fenceMark[0] === fence[0] && fenceMark.length >= fence.length && line.trim() === fenceMark)
        fence = undefined;
      continue;
    }
    if (fenceMark) {
      fence = fenceMark;
      continue;
    }
    if (/^ {0,3}#{1,6}(?:[ \t]|$)/.test(line) && ++headings > LIMITS.headings)
      return fail(`More than ${LIMITS.headings} headings in one chapter: split the chapter`, i + 1);
    if (/^[ \t]*(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)/.test(line) && ++listItems > LIMITS.listItems)
      return fail(`More than ${LIMITS.listItems} list items in one chapter: split the chapter`, i + 1);
    cells += line.match(/\|/g)?.length ?? 0;
    if (cells > LIMITS.tableCells)
      return fail(`More than ${LIMITS.tableCells} table cells in one table: split the table`, blockStart + 1);
    const quote = /^(\s{0,3}>)+/.exec(line);
    if (quote && (quote[0].match(/>/g)?.length ?? 0) > LIMITS.blockquoteDepth)
      return fail(`Blockquotes nested more than ${LIMITS.blockquoteDepth} deep: flatten them`, i + 1);
    const markers = lineMarkers(line);
    if (markers > LIMITS.markersPerLine) {
      return fail(
        `${markers} list or quote markers open one line, over the limit of ${LIMITS.markersPerLine} (lists or quotes nested too deep on one line): flatten the nesting`,
        i + 1,
      );
    }
    const indent = /^[ \t]*/.exec(line)![0].replace(/\t/g, '    ').length;
    if (indent > LIMITS.indentColumns) {
      return fail(
        `Line indented ${indent} columns (lists nested too deep, limit ${LIMITS.indentColumns}): flatten the nesting`,
        i + 1,
      );
    }
    const run = new RegExp(`[\\[\\]]{${LIMITS.bracketRun + 1},}`).exec(line);
    if (run) {
      return fail(
        `More than ${LIMITS.bracketRun} brackets in a row: this cannot be meant as text`,
        i + 1,
        run.index + 1,
      );
    }
    delimiters += line.match(/[*_]+/g)?.length ?? 0;
    if (delimiters > LIMITS.delimitersPerBlock) {
      return fail(
        `More than ${LIMITS.delimitersPerBlock} emphasis markers in one paragraph: split it or escape them`,
        blockStart + 1,
      );
    }
    const opened =
      line.match(/<(?!(?:br|img|hr|input|meta|link|wbr|col|area|source|track|embed|param)\b)[A-Za-z][^<>]*(?<!\/)>/gi)
        ?.length ?? 0;
    const closed = line.match(/<\/[A-Za-z][^<>]*>/g)?.length ?? 0;
    htmlDepth += opened - closed;
    if (htmlDepth > LIMITS.htmlDepth)
      return fail(`HTML nested more than ${LIMITS.htmlDepth} deep in one block: close the elements`, i + 1);
  }
  // References only: a definition (`[^x]: …`) is not one, and counting both halved the limit (a false alarm).
  const notes = text.match(/\[\^[^\]\s]+\](?!:)/g)?.length ?? 0;
  if (notes > LIMITS.footnoteReferences)
    return fail(`${notes} footnote references, over the limit of ${LIMITS.footnoteReferences}: split the chapter`, 1);
  return true;
}
