/**
 * Where every printed page starts, for the EPUB's page-list. Chromium says
 * nothing about its print pagination to the document, but it writes a PDF
 * destination for every element a link points to, on the page the element
 * prints on. So one more print of the final document has every word in a
 * marker element of its own (and an empty one before every image, diagram
 * and formula), each the target of a link in a hidden list: the first
 * marker, in reading order, on each page is where that page starts. The
 * markers have no style, so the lines break as in the kept print (checked:
 * the page count must match; an empty marker between words was tried first,
 * and moved line breaks in Persian text). Each place is given as characters into its
 * book page's text, which the EPUB's copy of the page has too.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SandboxedPage } from '../browser.ts';
import { readDestinations } from './post/finish.ts';
import type { PageStart, PrintPageMap } from '../print-page-map.ts';
import { PRINT_ONLY_CLASS, UNCOUNTED, WHOLE_ELEMENTS } from '../print-page-map.ts';

/** A marker: its book page, counted characters before it, the text that follows (or `tag:n` for an element). */
type Mark = [key: string, offset: number, probe: string, element: string | null];

const PROBE = 24;
const run = promisify(execFile);

/** Runs in the print document: puts the markers in and returns them in reading order. */
function markWords(
  keys: string[],
  whole: string[],
  printOnly: string,
  uncounted: string,
  probe: number,
): { marks: Mark[]; texts: [string, string][] } {
  const skip = new RegExp(uncounted, 'gu');
  const counted = (text: string) => text.replace(skip, '').length;
  const wholeTags = new Set(whole);
  const marks: Mark[] = [];
  const texts: [string, string][] = [];
  const links = document.createElement('div');
  links.setAttribute('style', 'display: none');
  links.setAttribute('data-galley-inserted', '');
  /** A marker around `inside` (a word) or, without it, before `before` (an image, a formula). */
  const mark = (inside: Node | null, key: string, offset: number, element: string | null, before?: Node): Node => {
    const marker = document.createElement('galley-pw');
    marker.id = `galley-pw-${marks.length}`;
    if (inside) marker.appendChild(inside);
    else before!.parentNode!.insertBefore(marker, before!);
    const link = document.createElement('a');
    link.setAttribute('href', `#${marker.id}`);
    links.appendChild(link);
    marks.push([key, offset, '', element]);
    return marker;
  };
  for (const key of keys) {
    const root = document.getElementById(key);
    if (!root) continue;
    const first = marks.length;
    let offset = 0;
    let text = '';
    const ordinals = new Map<string, number>();
    const walk = (node: Node) => {
      for (const child of Array.from(node.childNodes)) {
        if (child.nodeType === Node.TEXT_NODE) {
          // Each word and the spaces after it go into a marker of their own. An empty marker between a space and a
          // word, or a space left alone between two markers, moved line breaks in Persian text: the lone space is
          // shaped apart from the words around it, in another font's width.
          const value = (child as Text).data;
          const words = value.match(/^\s+|\S+\s*/gu) ?? [];
          if (words.some((w) => counted(w) > 0)) {
            let at = 0;
            const parts: Node[] = [];
            for (const word of words) {
              const node = document.createTextNode(word);
              parts.push(counted(word) === 0 ? node : mark(node, key, offset + counted(value.slice(0, at)), null));
              at += word.length;
            }
            (child as Text).replaceWith(...parts);
          }
          offset += counted(value);
          text += value.replace(skip, '');
        } else if (child.nodeType === Node.ELEMENT_NODE) {
          const element = child as globalThis.Element;
          if (element.classList.contains(printOnly)) continue;
          const tag = element.localName;
          if (wholeTags.has(tag)) {
            const n = ordinals.get(tag) ?? 0;
            ordinals.set(tag, n + 1);
            mark(null, key, offset, `${tag}:${n}`, element);
            const inside = element.textContent ?? '';
            offset += counted(inside);
            text += inside.replace(skip, '');
          } else {
            walk(element);
          }
        }
      }
    };
    walk(root);
    for (let i = first; i < marks.length; i++) {
      const m = marks[i]!;
      if (m[3] === null) m[2] = text.slice(m[1], m[1] + probe);
    }
    texts.push([key, text]);
  }
  document.body.appendChild(links);
  return { marks, texts };
}

/**
 * Marks the loaded final document, prints it once more and reads where each
 * page starts. `label` gives a page's printed folio. The document is left
 * marked: call it last, before the page is closed.
 */
export async function measurePageStarts(
  sandbox: SandboxedPage,
  keys: string[],
  pages: { printed: number; total: number },
  label: (index: number) => string,
  print: () => Promise<Uint8Array>,
  final: Uint8Array,
): Promise<PrintPageMap | undefined> {
  const { marks, texts } = await sandbox.page.evaluate(
    markWords,
    keys,
    WHOLE_ELEMENTS,
    PRINT_ONLY_CLASS,
    UNCOUNTED.source,
    PROBE,
  );
  const measured = await readDestinations(await print());
  // Markers that moved whole pages would move every start after them: then no page-list rather than a wrong one.
  if (measured.pages !== pages.printed) return undefined;
  const starts = pageStarts(marks, (i) => measured.dests.get(`galley-pw-${i}`)?.page, pages.total, label);
  const wordStarts = new Map<string, number[]>();
  for (const [key, offset, , element] of marks)
    if (element === null) wordStarts.set(key, [...(wordStarts.get(key) ?? []), offset]);
  await snapToPrintedText(starts, new Map(texts), wordStarts, final);
  return { starts, pages: pages.total };
}

/** Bidi controls pdftotext writes around right-to-left lines, and combining marks it may put on another letter. */
const PDF_NOISE = /[\u200e\u200f\u202a-\u202e\u2066-\u2069\p{M}]/gu;
/** How far (counted characters) from the measured place the printed text is looked for: a few lines. */
const WINDOW = 900;

/**
 * The markers moved some line breaks (seen in Persian text: a few words more
 * or less on a line), so a measured start can be a line or two away from the
 * kept print's. Each text start is moved to where the kept PDF's page really
 * begins: the start of its first line (or second, after a running head)
 * found in the page's text near the measured place, moved on to the next
 * word start. Without poppler, or when no line is found, the measured place
 * stands.
 */
async function snapToPrintedText(
  starts: PageStart[],
  texts: Map<string, string>,
  wordStarts: Map<string, number[]>,
  final: Uint8Array,
) {
  const printed = await pageTexts(final);
  if (!printed) return;
  const firstLines = new Map<string, number>();
  for (const lines of printed) if (lines[0]) firstLines.set(lines[0], (firstLines.get(lines[0]) ?? 0) + 1);
  for (const start of starts) {
    const text = texts.get(start.key);
    const lines = printed[start.index];
    if (start.element || start.atEnd || !text || !lines) continue;
    // The text without combining marks, and where each of its characters was.
    const where: number[] = [];
    let plain = '';
    for (let i = 0; i < text.length; i++) {
      if (/\p{M}/u.test(text[i]!)) continue;
      where.push(i);
      plain += fold(text[i]!);
    }
    const near = where.findIndex((i) => i >= start.offset);
    const from = Math.max(0, (near < 0 ? plain.length : near) - WINDOW);
    const to = Math.min(plain.length, (near < 0 ? plain.length : near) + WINDOW);
    const found = findLine(lines, plain, from, to, near, firstLines);
    if (found === undefined) continue;
    // A page that begins with the end of a hyphenated word starts, in the EPUB, at the next whole word.
    const words = wordStarts.get(start.key) ?? [];
    start.offset = words.find((w) => w >= where[found]!) ?? where[found]!;
    start.probe = text.slice(start.offset, start.offset + PROBE);
  }
}

/** Case left out (print.css sets some headings in capitals), one character for one. */
function fold(char: string): string {
  const lower = char.toLowerCase();
  return lower.length === char.length ? lower : char;
}

function findLine(
  lines: string[],
  plain: string,
  from: number,
  to: number,
  near: number,
  firstLines: Map<string, number>,
): number | undefined {
  // From each of the first lines (or after its first word: the end of a word hyphenated on the page before), the
  // text that follows, as far as 16 characters.
  const probes: string[] = [];
  for (let n = 0; n < Math.min(3, lines.length); n++) {
    // A running head repeats on other pages' first lines: it is not where the text begins.
    if (n === 0 && (firstLines.get(lines[0]!) ?? 0) > 1) continue;
    const words = lines.slice(n).join(' ').split(/\s+/u).filter(Boolean);
    for (const skip of [0, 1]) {
      const probe = [...words.slice(skip).join('').replace(UNCOUNTED, '').replace(PDF_NOISE, '')]
        .map(fold)
        .join('')
        .slice(0, 16);
      if (probe.length >= 8) probes.push(probe);
    }
  }
  // In line order: a later line's text can begin at the measured place when the markers moved a break.
  for (const probe of probes) {
    let best: number | undefined;
    for (let at = plain.indexOf(probe, from); at >= 0 && at < to; at = plain.indexOf(probe, at + 1))
      if (best === undefined || Math.abs(at - near) < Math.abs(best - near)) best = at;
    if (best !== undefined) return best;
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

/**
 * The first marker of each page in reading order. A page whose markers all
 * come earlier in reading order than a later page's (a figure the print
 * floated) or that has none (a blank verso) starts where the next page starts,
 * or, when that is another book page, at the end of the previous one.
 */
export function pageStarts(
  marks: Mark[],
  pageOf: (index: number) => number | undefined,
  pages: number,
  label: (index: number) => string,
): PageStart[] {
  const starts: PageStart[] = [];
  let reached = -1;
  let previous: Mark | undefined;
  const from = (index: number, mark: Mark, atEnd = false): PageStart => ({
    index,
    label: label(index),
    key: mark[0],
    offset: mark[1],
    probe: mark[2],
    ...(mark[3] === null ? {} : { element: mark[3] }),
    ...(atEnd ? { atEnd } : {}),
  });
  marks.forEach((mark, i) => {
    const page = pageOf(i);
    if (page === undefined || page <= reached) return;
    // Pages before the first marker are the print's own front pages (half-title, title, copyright, contents).
    if (previous) {
      for (let skipped = reached + 1; skipped < page; skipped++) {
        const endOfPrevious = previous[0] !== mark[0];
        starts.push(from(skipped, endOfPrevious ? previous : mark, endOfPrevious));
      }
    }
    starts.push(from(page, mark));
    reached = page;
    previous = mark;
  });
  // A blank last page (a press that asks for one) belongs to the end of the book.
  if (previous) for (let skipped = reached + 1; skipped < pages; skipped++) starts.push(from(skipped, previous, true));
  return starts;
}
