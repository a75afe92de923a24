import { PDFName, PDFRawStream, type PDFDocument } from '@cantoo/pdf-lib';
import { decodeContent } from '../read/streams.ts';
import {
  applyEdits,
  decodeTextString,
  hexString,
  parseContent,
  stringBytes,
  textString,
  type ContentEdit,
  type ContentOp,
} from '../read/content.ts';
import { pageFonts, type FontText } from '../read/fonts.ts';
import { pageContentStreams, replaceStream } from '../read/streams.ts';

/**
 * Makes a word broken across two lines extract whole. Poppler joins a word
 * over a line-end hyphen only inside one text block (and then eats a real
 * hyphen too: "cross-entropy" came out "crossentropy"); across blocks, in
 * `-layout` mode, and in other readers, the text layer had "ques-" and "tions".
 *
 * Chromium draws the hyphen of a break it made at a soft hyphen as a text
 * object of its own (one hyphen glyph at the line end), right after the line,
 * whose last glyph is the soft hyphen's invisible glyph in
 * `/Span <</ActualText <FEFF00AD>>>`. That pair marks an automatic break. Here
 * the word's first part, hyphen included, is wrapped in
 * `/Span <</ActualText <FEFF…whole word…>>> BDC … EMC` and the hyphen and the
 * word's rest on the next line each in an empty ActualText, so every reader
 * that honours ActualText (poppler, PDFium, Acrobat) gets the word once, on the
 * first line. A real hyphen at a line end (a compound the source text has,
 * "sub-question") is treated the same way and keeps its hyphen. The glyphs are
 * untouched (a text-showing operator split in two continues at the advanced
 * position), so the page renders as before. A word broken across a page, or
 * whose parts are drawn in different coordinate systems, is left as it was.
 */

const LETTERS = /^[\p{L}\p{M}\p{N}]+$/u;
const HYPHENS = new Set(['-', '\u2010']);
const SHY = '\u00ad';

interface Unit {
  /** The text this glyph, or ActualText span, reads as (soft hyphens taken out). */
  text: string;
  /** A soft hyphen's span: an invisible glyph that reads as U+00AD. */
  shy: boolean;
  /** The text-showing op and the glyph's index in it (a plain glyph), or the span's BDC and EMC ops. */
  op: number;
  glyph: number;
  glyphs: number;
  span?: { begin: number; end: number; shows: number[] };
  x: number;
  y: number;
  size: number;
}

interface Block {
  units: Unit[];
  /** False where the block is drawn in ways this does not follow (T*, ', ", a font without ToUnicode, nesting). */
  plain: boolean;
}

function shownCodes(op: ContentOp, font: FontText | undefined): { codes: number[] } | undefined {
  if (!font) return undefined;
  const strings = op.operator === 'Tj' ? [op.operands[0] ?? ''] : op.operator === 'TJ' ? arrayStrings(op) : [];
  const codes: number[] = [];
  for (const s of strings) {
    const bytes = stringBytes(s);
    for (let i = 0; i + font.codeBytes - 1 < bytes.length; i += font.codeBytes)
      codes.push(font.codeBytes === 2 ? (bytes[i]! << 8) | bytes[i + 1]! : bytes[i]!);
  }
  return { codes };
}

function arrayStrings(op: ContentOp): string[] {
  const array = op.operands[0] ?? '';
  return [...array.matchAll(/<[0-9A-Fa-f\s]*>|\((?:\\[\s\S]|[^\\)])*\)/g)].map((m) => m[0]);
}

/** The text blocks (BT … ET) that show something, in stream order, with their glyphs. */
function readBlocks(ops: ContentOp[], fonts: Map<string, FontText>): Block[] {
  const blocks: Block[] = [];
  let block: Block | undefined;
  let font: FontText | undefined;
  let size = 0;
  let matrix = [1, 0, 0, 1, 0, 0];
  let line = [1, 0, 0, 1, 0, 0];
  const marks: { begin: number; text?: string; unit?: Unit }[] = [];
  ops.forEach((op, index) => {
    const n = (i: number) => Number(op.operands[i] ?? 0);
    switch (op.operator) {
      case 'BT':
        block = { units: [], plain: true };
        matrix = [1, 0, 0, 1, 0, 0];
        line = [...matrix];
        break;
      case 'ET':
        if (block) blocks.push(block);
        block = undefined;
        break;
      case 'Tf':
        font = fonts.get(op.operands[0] ?? '');
        size = n(1);
        break;
      case 'Tm':
        matrix = [n(0), n(1), n(2), n(3), n(4), n(5)];
        line = [...matrix];
        break;
      case 'Td':
      case 'TD': {
        const tx = n(0);
        const ty = n(1);
        line = [
          line[0]!,
          line[1]!,
          line[2]!,
          line[3]!,
          line[4]! + tx * line[0]! + ty * line[2]!,
          line[5]! + tx * line[1]! + ty * line[3]!,
        ];
        matrix = [...line];
        break;
      }
      case 'T*':
      case "'":
      case '"':
        if (block) block.plain = false;
        break;
      case 'BDC':
      case 'BMC': {
        const actual = /\/ActualText\s*(<[^>]*>|\((?:\\[\s\S]|[^\\)])*\))/.exec(op.operands[1] ?? '');
        const mark: { begin: number; text?: string; unit?: Unit } = { begin: index };
        if (op.operator === 'BDC' && actual) mark.text = decodeTextString(actual[1]!);
        marks.push(mark);
        break;
      }
      case 'EMC': {
        const mark = marks.pop();
        if (mark?.unit?.span) mark.unit.span.end = index;
        break;
      }
      case 'Tj':
      case 'TJ': {
        if (!block) break;
        const shown = shownCodes(op, font);
        if (!shown) {
          block.plain = false;
          break;
        }
        const x = matrix[4]!;
        const y = matrix[5]!;
        // Inside an ActualText span the span is one unit, whatever it shows.
        let span: (typeof marks)[number] | undefined;
        for (let m = marks.length - 1; m >= 0 && !span; m--) if (marks[m]!.text !== undefined) span = marks[m];
        if (span) {
          if (marks.indexOf(span) !== marks.length - 1) block.plain = false;
          if (span.unit) {
            span.unit.span!.shows.push(index);
          } else {
            const text = span.text!;
            span.unit = {
              text: text.replaceAll(SHY, ''),
              shy: text === SHY,
              op: index,
              glyph: 0,
              glyphs: shown.codes.length,
              span: { begin: span.begin, end: -1, shows: [index] },
              x,
              y,
              size,
            };
            block.units.push(span.unit);
          }
        } else {
          shown.codes.forEach((code, glyph) =>
            block!.units.push({
              text: font!.unicode.get(code) ?? '\ufffd',
              shy: false,
              op: index,
              glyph,
              glyphs: shown.codes.length,
              x,
              y,
              size,
            }),
          );
        }
        break;
      }
      default:
        break;
    }
  });
  for (const b of blocks) if (b.units.some((u) => u.span && u.span.end < 0)) b.plain = false;
  return blocks.filter((b) => b.units.length > 0);
}

const isLetters = (u: Unit) => u.shy || (u.text !== '' && LETTERS.test(u.text));

/** Wraps units in an ActualText span; spans inside lose their marks, soft hyphens their glyphs (not their advance). */
function wrap(content: string, ops: ContentOp[], units: Unit[], text: string, edits: ContentEdit[], splits: Splits) {
  const first = units[0]!;
  const last = units.at(-1)!;
  const open = `/Span <</ActualText ${textString(text)}>> BDC\n`;
  // A dropped op takes the spaces before it, and its line break when it had the line to itself.
  const dropStart = (i: number) => {
    let start = ops[i]!.start;
    while (start > 0 && content[start - 1] === ' ') start--;
    return start;
  };
  const dropEnd = (i: number) => {
    const start = dropStart(i);
    const alone = start === 0 || content[start - 1] === '\n';
    return ops[i]!.end + (alone && content[ops[i]!.end] === '\n' ? 1 : 0);
  };
  const drop = (i: number) => edits.push({ start: dropStart(i), end: dropEnd(i), text: '' });
  if (first.span) edits.push({ start: ops[first.span.begin]!.start, end: ops[first.span.begin]!.start, text: open });
  else if (first.glyph === 0) edits.push({ start: ops[first.op]!.start, end: ops[first.op]!.start, text: open });
  else splitAt(splits, first.op, first.glyph, open);
  for (const u of units) {
    if (!u.span) continue;
    drop(u.span.begin);
    drop(u.span.end);
    if (u.shy) u.span.shows.forEach(drop);
  }
  if (last.span) {
    const at = dropEnd(last.span.end);
    edits.push({ start: at, end: at, text: content[at - 1] === '\n' ? 'EMC\n' : '\nEMC' });
  } else if (last.glyph === last.glyphs - 1) {
    edits.push({ start: ops[last.op]!.end, end: ops[last.op]!.end, text: '\nEMC' });
  } else {
    splitAt(splits, last.op, last.glyph + 1, '\nEMC');
  }
}

/** Text to insert inside text-showing ops: op index → glyph index → what goes before that glyph. */
type Splits = Map<number, Map<number, string[]>>;

function splitAt(splits: Splits, op: number, glyph: number, text: string) {
  let at = splits.get(op);
  if (!at) splits.set(op, (at = new Map<number, string[]>()));
  at.set(glyph, [...(at.get(glyph) ?? []), text]);
}

/** Rewrites a text-showing op as pieces with text between them, at the given glyph indices. */
function splitShow(op: ContentOp, codeBytes: 1 | 2, cuts: Map<number, string[]>): string {
  const bytesOf = (s: string) => stringBytes(s);
  const elements: (string | number[])[] =
    op.operator === 'Tj'
      ? [bytesOf(op.operands[0]!)]
      : [...op.operands[0]!.matchAll(/<[0-9A-Fa-f\s]*>|\((?:\\[\s\S]|[^\\)])*\)|[-+.\d]+/g)].map((m) =>
          /^[-+.\d]/.test(m[0]) ? m[0] : bytesOf(m[0]),
        );
  const pieces: string[] = [];
  let current: string[] = [];
  let glyph = 0;
  const flush = () => {
    if (current.length > 0) pieces.push(op.operator === 'Tj' ? `${current.join('')} Tj` : `[${current.join(' ')}] TJ`);
    current = [];
  };
  for (const element of elements) {
    if (typeof element === 'string') {
      current.push(element);
      continue;
    }
    let chunk: number[] = [];
    for (let i = 0; i < element.length; i += codeBytes) {
      const inserted = cuts.get(glyph);
      if (inserted && glyph > 0) {
        if (chunk.length > 0) current.push(hexString(chunk));
        chunk = [];
        flush();
        pieces.push(...inserted.map((t) => t.trim()));
      }
      chunk.push(...element.slice(i, i + codeBytes));
      glyph++;
    }
    if (chunk.length > 0) current.push(hexString(chunk));
  }
  flush();
  return pieces.join('\n');
}

/** The units that end a block's last word, back to (not including) the first unit that is not part of it. */
function wordEnd(units: Unit[], allowHyphens: boolean): Unit[] {
  let i = units.length;
  while (i > 0) {
    const u = units[i - 1]!;
    if (isLetters(u) || (allowHyphens && HYPHENS.has(u.text) && i > 1 && isLetters(units[i - 2]!))) i--;
    else break;
  }
  return units.slice(i);
}

/** The units that start a block's first word: letters, then what sticks to them up to a space ("tions)," ). */
function wordStart(units: Unit[]): Unit[] {
  let i = 0;
  while (i < units.length && isLetters(units[i]!)) i++;
  if (i === 0) return [];
  while (i < units.length && !units[i]!.shy && units[i]!.text !== '' && !/\s/u.test(units[i]!.text)) i++;
  return units.slice(0, i);
}

const textOf = (units: Unit[]) => units.map((u) => u.text).join('');

/** Does anything between two ops change the coordinate system (a `cm`, or a `q`/`Q` that may undo one)? */
function moves(ops: ContentOp[], from: number, to: number): boolean {
  for (let i = from + 1; i < to; i++) if (['cm', 'q', 'Q'].includes(ops[i]!.operator)) return true;
  return false;
}

export interface JoinResult {
  text: string;
  /** Words broken at an automatic hyphen, and compounds broken at their own hyphen, now extracting whole. */
  hyphenated: string[];
  compounds: string[];
}

/** Joins the hyphenated words of one content stream. `isCompound` says whether the source has a hyphenated word. */
export function joinHyphenatedWordsInContent(
  content: string,
  fonts: Map<string, FontText>,
  isCompound: (word: string) => boolean,
): JoinResult {
  const none = { text: content, hyphenated: [], compounds: [] };
  const ops = parseContent(content);
  if (!ops) return none;
  const blocks = readBlocks(ops, fonts);
  const edits: ContentEdit[] = [];
  const splits: Splits = new Map();
  const hyphenated: string[] = [];
  const compounds: string[] = [];
  const sameLine = (a: Unit, b: Unit) => Math.abs(a.y - b.y) < Math.max(1, a.size * 0.2);
  const nextLine = (a: Unit, b: Unit) =>
    Math.abs(b.y - a.y) > a.size * 0.5 && Math.abs(b.y - a.y) < a.size * 4 && b.x <= a.x;
  // A block can hold the end of one broken word and the start of the next: its units are wrapped once.
  const used = new Set<Unit>();
  const free = (units: Unit[]) => units.every((u) => !used.has(u));
  const take = (...groups: Unit[][]) => groups.forEach((g) => g.forEach((u) => used.add(u)));
  for (let i = 0; i + 1 < blocks.length; i++) {
    const line = blocks[i]!;
    if (!line.plain) continue;
    const last = line.units.at(-1)!;
    const hyphenBlock = blocks[i + 1]!;
    const lone =
      hyphenBlock.plain && hyphenBlock.units.length === 1 && !hyphenBlock.units[0]!.span
        ? hyphenBlock.units[0]!
        : undefined;
    if (last.shy && lone && HYPHENS.has(lone.text) && sameLine(last, lone) && lone.x >= last.x) {
      // An automatic break: the soft hyphen's glyph, then the hyphen Chromium drew.
      const next = blocks[i + 2];
      const head = wordEnd(line.units, false);
      const tail = next ? wordStart(next.units) : [];
      if (!next?.plain || tail.length === 0 || head.every((u) => u.shy)) continue;
      if (!nextLine(lone, tail[0]!) || moves(ops, last.op, tail[0]!.op) || !free(head)) continue;
      const word = textOf(head) + textOf(tail);
      wrap(content, ops, head, word, edits, splits);
      wrap(content, ops, [lone], '', edits, splits);
      wrap(content, ops, tail, '', edits, splits);
      hyphenated.push(word.trim());
      take(head, tail);
      continue;
    }
    if (!last.span && HYPHENS.has(last.text)) {
      // A real hyphen at the line end: join only a compound the source has.
      const next = blocks[i + 1]!;
      if (!next.plain) continue;
      const head = wordEnd(line.units, true);
      const tail = wordStart(next.units);
      if (head.length < 2 || tail.length === 0 || !nextLine(last, tail[0]!) || moves(ops, last.op, tail[0]!.op))
        continue;
      const word = textOf(head) + textOf(tail);
      const letters = tail.findIndex((u) => !isLetters(u));
      if (!isCompound(textOf(head) + textOf(letters < 0 ? tail : tail.slice(0, letters))) || !free(head)) continue;
      wrap(content, ops, head, word, edits, splits);
      wrap(content, ops, tail, '', edits, splits);
      compounds.push(word);
      take(head, tail);
    }
  }
  if (edits.length === 0 && splits.size === 0) return none;
  for (const [opIndex, cuts] of splits) {
    const op = ops[opIndex]!;
    const font = fontAt(ops, opIndex, fonts);
    if (!font) return none;
    edits.push({ start: op.start, end: op.end, text: splitShow(op, font.codeBytes, cuts) });
  }
  try {
    return { text: applyEdits(content, edits), hyphenated, compounds };
  } catch {
    return none;
  }
}

function fontAt(ops: ContentOp[], index: number, fonts: Map<string, FontText>): FontText | undefined {
  for (let i = index; i >= 0; i--) if (ops[i]!.operator === 'Tf') return fonts.get(ops[i]!.operands[0] ?? '');
  return undefined;
}

/** The hyphenated compounds of an HTML text ("sub-question", "cross-entropy"), soft hyphens taken out. */
export function compoundWords(html: string): Set<string> {
  const plain = html.replace(/<[^>]*>/g, '').replace(/\u00ad|&shy;|&#xad;|&#173;/gi, '');
  const compounds = new Set<string>();
  // A compound (letters or digits joined by single hyphens) lies within one run of letters and hyphens: only runs
  // with a hyphen are searched (a search of the whole text took a tenth of a second on a 250-page book).
  for (const run of plain.match(/[\p{L}\p{M}\p{N}\-\u2010]+/gu) ?? []) {
    if (!run.includes('-') && !run.includes('\u2010')) continue;
    for (const word of compoundsInRun(run)) compounds.add(word);
  }
  return compounds;
}

/**
 * The compounds of one run of letters and hyphens, in one pass: the longest stretches of non-empty parts
 * joined by single hyphens. A pattern retried from each letter is quadratic in a run's length (a manuscript's
 * 200,000-letter "word" ending in a hyphen would take minutes).
 */
export function compoundsInRun(run: string): string[] {
  const found: string[] = [];
  // Parts at even indexes, the hyphen after each at odd ones.
  const pieces = run.split(/([-\u2010])/u);
  let start = -1;
  let count = 0;
  const close = (end: number) => {
    if (count >= 2) found.push(pieces.slice(start, end + 1).join(''));
    start = -1;
    count = 0;
  };
  for (let i = 0; i < pieces.length; i += 2) {
    if (pieces[i] === '') {
      if (start >= 0) close(i - 2);
      continue;
    }
    if (start < 0) start = i;
    count++;
  }
  if (start >= 0) close(pieces.length - 1);
  return found;
}

/** Joins every page's hyphenated words; returns what it joined. */
export function joinHyphenatedWords(
  doc: PDFDocument,
  isCompound: (word: string) => boolean,
): { hyphenated: string[]; compounds: string[] } {
  const hyphenated: string[] = [];
  const compounds: string[] = [];
  for (const page of doc.getPages()) {
    const fonts = pageFonts(doc, page);
    if (fonts.size === 0) continue;
    for (const { ref, stream } of pageContentStreams(doc, page.node.get(PDFName.of('Contents')))) {
      if (!(stream instanceof PDFRawStream)) continue;
      const bytes = decodeContent(stream);
      // Over the decoding bound: left as Chromium wrote it.
      if (!bytes) continue;
      const before = Buffer.from(bytes).toString('latin1');
      const result = joinHyphenatedWordsInContent(before, fonts, isCompound);
      if (result.text === before) continue;
      hyphenated.push(...result.hyphenated);
      compounds.push(...result.compounds);
      replaceStream(doc, ref, stream, result.text);
    }
  }
  return { hyphenated, compounds };
}
