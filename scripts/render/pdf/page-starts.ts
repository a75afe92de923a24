/**
 * Where every printed page starts, for the EPUB's page-list. Chromium says
 * nothing about its print pagination to the document, but it writes a PDF
 * destination for every element a link points to, on the page the element
 * prints on. So one more print of the final document carries an empty marker
 * element before every word (and before every image, diagram and formula),
 * each the target of a link in a hidden list: the first marker, in reading
 * order, on each page is where that page starts. The markers add no width
 * and sit at word starts, so the lines break as in the kept print (checked:
 * the page count must match). Each place is given as characters into its
 * book page's text, which the EPUB's copy of the page has too.
 */
import type { SandboxedPage } from '../browser.ts';
import { readDestinations } from './post/finish.ts';
import type { PageStart, PrintPageMap } from '../print-page-map.ts';
import { PRINT_ONLY_CLASS, UNCOUNTED, WHOLE_ELEMENTS } from '../print-page-map.ts';

/** A marker: its book page, counted characters before it, the text that follows (or `tag:n` for an element). */
type Mark = [key: string, offset: number, probe: string, element: string | null];

const PROBE = 24;

/** Runs in the print document: puts the markers in and returns them in reading order. */
function markWords(keys: string[], whole: string[], printOnly: string, uncounted: string, probe: number): Mark[] {
  const skip = new RegExp(uncounted, 'gu');
  const counted = (text: string) => text.replace(skip, '').length;
  const wholeTags = new Set(whole);
  const marks: Mark[] = [];
  const links = document.createElement('div');
  links.setAttribute('style', 'display: none');
  links.setAttribute('data-galley-inserted', '');
  const mark = (before: Node, key: string, offset: number, element: string | null) => {
    const marker = document.createElement('galley-pw');
    marker.id = `galley-pw-${marks.length}`;
    before.parentNode!.insertBefore(marker, before);
    const link = document.createElement('a');
    link.setAttribute('href', `#${marker.id}`);
    links.appendChild(link);
    marks.push([key, offset, '', element]);
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
          let rest = child as Text;
          const value = rest.data;
          let consumed = 0;
          for (let i = 0; i < value.length; i++) {
            const starts = !/[\s\u00ad]/u.test(value[i]!) && (i === 0 || /\s/u.test(value[i - 1]!));
            if (!starts) continue;
            if (i > consumed) rest = rest.splitText(i - consumed);
            consumed = i;
            mark(rest, key, offset + counted(value.slice(0, i)), null);
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
            mark(element, key, offset, `${tag}:${n}`);
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
  }
  document.body.appendChild(links);
  return marks;
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
): Promise<PrintPageMap | undefined> {
  const marks = await sandbox.page.evaluate(markWords, keys, WHOLE_ELEMENTS, PRINT_ONLY_CLASS, UNCOUNTED.source, PROBE);
  const measured = await readDestinations(await print());
  // A marker that moved a line would move the page starts after it: then there is no page-list rather than a wrong one.
  if (measured.pages !== pages.printed) return undefined;
  const pageOf = (i: number) => measured.dests.get(`galley-pw-${i}`)?.page;
  return { starts: pageStarts(marks, pageOf, pages.total, label), pages: pages.total };
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
