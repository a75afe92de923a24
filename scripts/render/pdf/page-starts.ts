/**
 * Where every printed page starts, for the EPUB's page-list, read from the
 * kept PDF's own text. Chromium says nothing about its print pagination to
 * the document, so each page's first lines (poppler's pdftotext) are found in
 * the book's text, in reading order, each after the previous page's start.
 * A place is given as characters into its book page's text, which the EPUB's
 * copy of the page has too (render/print-page-map.ts). Measuring with marker
 * elements in one more print was tried first and dropped: the markers moved
 * line breaks (decision 0016).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SandboxedPage } from '../browser.ts';
import type { PageStart, PrintPageMap } from '../print-page-map.ts';
import { PRINT_ONLY_CLASS, UNCOUNTED, WHOLE_ELEMENTS } from '../print-page-map.ts';

/** A book page's counted text and where its words start. */
type BlockText = [key: string, text: string, wordStarts: number[]];

const PROBE = 24;
/** Probe lengths tried in turn: a long one is seldom repeated; a short one survives pdftotext's changes. */
const PROBES = [48, 16];
/** How far past the previous page's start (counted characters) a page's text is looked for. */
const AHEAD = 20_000;
const run = promisify(execFile);

/** Runs in the print document: each book page's counted text, in reading order. Changes nothing. */
function readTexts(keys: string[], whole: string[], printOnly: string, uncounted: string): BlockText[] {
  const skip = new RegExp(uncounted, 'gu');
  const wholeTags = new Set(whole);
  const out: BlockText[] = [];
  for (const key of keys) {
    const root = document.getElementById(key);
    if (!root) continue;
    let text = '';
    const starts: number[] = [];
    const walk = (node: Node) => {
      for (const child of Array.from(node.childNodes)) {
        if (child.nodeType === Node.TEXT_NODE) {
          for (const word of (child as Text).data.match(/\S+/gu) ?? []) {
            const counted = word.replace(skip, '');
            if (!counted) continue;
            starts.push(text.length);
            text += counted;
          }
        } else if (child.nodeType === Node.ELEMENT_NODE) {
          const element = child as globalThis.Element;
          if (element.classList.contains(printOnly)) continue;
          // An image, a diagram or a formula counts whole, as in the EPUB, and no page starts inside it.
          if (wholeTags.has(element.localName)) text += (element.textContent ?? '').replace(skip, '');
          else walk(element);
        }
      }
    };
    walk(root);
    out.push([key, text, starts]);
  }
  return out;
}

/**
 * Reads where each page of the kept PDF (`final`) starts. `keys` are the
 * print blocks that are book pages, in order; `label` gives a page's printed
 * folio; `opens` the page (0-based) each book page opens on, where the PDF
 * knows it (a link target's destination). Undefined without poppler.
 */
export async function measurePageStarts(
  sandbox: SandboxedPage,
  keys: string[],
  pages: number,
  label: (index: number) => string,
  final: Uint8Array,
  opens: Map<string, number>,
): Promise<PrintPageMap | undefined> {
  const printed = await pageTexts(final);
  if (!printed) return undefined;
  const blocks = await sandbox.page.evaluate(readTexts, keys, WHOLE_ELEMENTS, PRINT_ONLY_CLASS, UNCOUNTED.source);
  return { starts: pageStarts(blocks, printed, pages, label, opens), pages };
}

/**
 * Each page's first line found in the book's text after the previous page's
 * start. A page whose text is not found (a blank verso, a full-page image)
 * starts where the next page starts, or, when that is another book page, at
 * the end of the book page before. Pages before the first found are the
 * print's own front pages (half-title, title, copyright, contents).
 */
export function pageStarts(
  blocks: BlockText[],
  printed: string[][],
  pages: number,
  label: (index: number) => string,
  opens: Map<string, number> = new Map(),
): PageStart[] {
  // The book's text, folded for comparing, and for each character its book page and offset there.
  let plain = '';
  const where: [block: number, offset: number][] = [];
  const begins: number[] = [];
  blocks.forEach(([, text], b) => {
    begins.push(plain.length);
    for (let i = 0; i < text.length; i++) {
      if (/\p{M}/u.test(text[i]!)) continue;
      where.push([b, i]);
      plain += fold(text[i]!);
    }
  });
  const firstLines = new Map<string, number>();
  for (const lines of printed) if (lines[0]) firstLines.set(lines[0], (firstLines.get(lines[0]) ?? 0) + 1);
  const starts: PageStart[] = [];
  let pending: number[] = [];
  let previous: PageStart | undefined;
  let from = 0;
  for (let index = 0; index < pages; index++) {
    const lines = printed[index] ?? [];
    // A page's text lies before every book page that opens after it (the print's front pages before all of them).
    const next = blocks.findIndex(([key]) => (opens.get(key) ?? -1) > index);
    const until = next < 0 ? plain.length : begins[next]!;
    const found = lines.length > 0 ? findLine(lines, plain, from, until, firstLines) : undefined;
    if (found === undefined) {
      pending.push(index);
      continue;
    }
    const [b, at] = where[found]!;
    const [key, text, wordStarts] = blocks[b]!;
    // A page that begins with the end of a hyphenated word starts, in the EPUB, at the next whole word.
    const offset = wordStarts.find((w) => w >= at) ?? at;
    const start: PageStart = { index, label: label(index), key, offset, probe: text.slice(offset, offset + PROBE) };
    if (previous) {
      for (const skipped of pending) {
        const endOfPrevious = previous.key !== key;
        const base = endOfPrevious ? previous : start;
        starts.push({ ...base, index: skipped, label: label(skipped), ...(endOfPrevious ? { atEnd: true } : {}) });
      }
    }
    pending = [];
    starts.push(start);
    previous = start;
    from = found + 1;
  }
  // A blank last page (a press that asks for one) belongs to the end of the book.
  if (previous) {
    const last = previous;
    for (const skipped of pending) starts.push({ ...last, index: skipped, label: label(skipped), atEnd: true });
  }
  starts.sort((a, b) => a.index - b.index);
  return starts;
}

/** Bidi controls pdftotext writes around right-to-left lines, and combining marks it may put on another letter. */
const PDF_NOISE = /[\u200e\u200f\u202a-\u202e\u2066-\u2069\p{M}]/gu;

/** Case left out (print.css sets some headings in capitals), one character for one. */
function fold(char: string): string {
  const lower = char.toLowerCase();
  return lower.length === char.length ? lower : char;
}

/**
 * Where the page's text begins in `plain`, at or after `from`: the text from
 * each of its first lines on (a running head, the first line of other pages
 * too, is passed over), or after that line's first word (the end of a word
 * hyphenated on the page before), long probes before short ones.
 */
function findLine(
  lines: string[],
  plain: string,
  from: number,
  until: number,
  firstLines: Map<string, number>,
): number | undefined {
  const texts: string[] = [];
  for (let n = 0; n < Math.min(3, lines.length); n++) {
    if (n === 0 && (firstLines.get(lines[0]!) ?? 0) > 1) continue;
    const words = lines.slice(n).join(' ').split(/\s+/u).filter(Boolean);
    for (const skip of [0, 1])
      texts.push([...words.slice(skip).join('').replace(UNCOUNTED, '').replace(PDF_NOISE, '')].map(fold).join(''));
  }
  const to = Math.min(until, from + AHEAD);
  for (const length of PROBES) {
    for (const text of texts) {
      const probe = text.slice(0, length);
      // A short probe only when it is all the page has (a part's title page).
      if (probe.length < Math.min(length, 8) && !(probe === text && probe.length >= 3)) continue;
      const at = plain.indexOf(probe, from);
      if (at >= 0 && at < to) return at;
    }
  }
  return undefined;
}

/** Each page's non-empty lines, from poppler's pdftotext; undefined without it. */
async function pageTexts(pdf: Uint8Array): Promise<string[][] | undefined> {
  const dir = await mkdtemp(path.join(tmpdir(), 'galley-pages-'));
  try {
    const file = path.join(dir, 'print.pdf');
    await writeFile(file, pdf);
    const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', file, '-'], { maxBuffer: 256 * 1024 * 1024 });
    return stdout.split('\f').map((page) =>
      page
        .split('\n')
        .map((line) => line.replace(PDF_NOISE, '').trim())
        .filter(Boolean),
    );
  } catch {
    return undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
