/**
 * The EPUB's printed pages (EPUB Accessibility 1.1, "page navigation"): a
 * page-break marker where each page of the PDF made in the same run starts,
 * and a `page-list` nav that lists them. The places come from the PDF
 * (render/pdf/page-starts.ts) as counted characters into a book page's text;
 * the print's copy of the text can differ a little from the EPUB's (a figure
 * the print moved past a paragraph), so each place is checked against the
 * text that follows it in print, and found again nearby when it moved.
 */
import type { Element, ElementContent, Text } from 'hast';
import type { PageStart } from '../print-page-map.ts';
import { PRINT_ONLY_CLASS, UNCOUNTED, WHOLE_ELEMENTS } from '../print-page-map.ts';
import { el, text } from './content.ts';

const WHOLE = new Set(WHOLE_ELEMENTS);

/** The marker's id: the folio when it is a plain ASCII name and unique, else the page's place in the PDF. */
export function markerIds(starts: PageStart[]): Map<PageStart, string> {
  const counts = new Map<string, number>();
  for (const start of starts) counts.set(start.label, (counts.get(start.label) ?? 0) + 1);
  const ids = new Map<PageStart, string>();
  for (const start of starts) {
    const plain = /^[A-Za-z0-9]+$/.test(start.label) && counts.get(start.label) === 1;
    ids.set(start, plain ? `page-${start.label}` : `page-n${start.index + 1}`);
  }
  return ids;
}

/** `<span epub:type="pagebreak" role="doc-pagebreak" id="page-N" aria-label="N"/>`, as EPUB A11y Techniques give it. */
function marker(id: string, label: string): Element {
  return el('span', { 'epub:type': 'pagebreak', role: 'doc-pagebreak', id, ariaLabel: label });
}

interface Place {
  /** The text node the character is in, and the character's index in it. */
  node: Text;
  at: number;
  /** The outermost element around it hidden from assistive technology (a chapter label), and that one's parent. */
  hidden?: { element: Element; parent: Element };
}

interface Survey {
  /** The counted text of the body. */
  counted: string;
  /** For each counted character, where it is. */
  places: Place[];
  /** Whole elements in reading order with their parent and counted offset. */
  wholes: { tag: string; n: number; element: Element; parent: Element; offset: number }[];
}

function survey(body: Element): Survey {
  const out: Survey = { counted: '', places: [], wholes: [] };
  const uncounted = new RegExp(UNCOUNTED.source, 'u');
  const ordinals = new Map<string, number>();
  const parts: string[] = [];
  const countText = (value: string): string => value.replace(UNCOUNTED, '');
  const walk = (node: Element, hidden?: Place['hidden']) => {
    for (const child of node.children) {
      if (child.type === 'text') {
        for (let i = 0; i < child.value.length; i++) {
          const char = child.value[i]!;
          if (uncounted.test(char)) continue;
          out.places.push({ node: child, at: i, ...(hidden ? { hidden } : {}) });
          parts.push(char);
        }
      } else if (child.type === 'element') {
        const classes = Array.isArray(child.properties.className) ? child.properties.className : [];
        if (classes.includes(PRINT_ONLY_CLASS)) continue;
        if (WHOLE.has(child.tagName)) {
          const n = ordinals.get(child.tagName) ?? 0;
          ordinals.set(child.tagName, n + 1);
          out.wholes.push({ tag: child.tagName, n, element: child, parent: node, offset: out.places.length });
          // Its text counts, but no marker goes inside: the offsets run on past it.
          const inside = countText(textOf(child));
          // One place per UTF-16 unit, as the print counts (a math letter such as 𝐱 is two).
          for (let i = 0; i < inside.length; i++) out.places.push({ node: { type: 'text', value: '' }, at: -1 });
          parts.push(inside);
        } else {
          const hides = String(child.properties.ariaHidden) === 'true';
          walk(child, hidden ?? (hides ? { element: child, parent: node } : undefined));
        }
      }
    }
  };
  walk(body);
  out.counted = parts.join('');
  return out;
}

function textOf(node: ElementContent): string {
  if (node.type === 'text') return node.value;
  if (node.type === 'element') return node.children.map(textOf).join('');
  return '';
}

/** The offset nearest `offset` where the counted text continues with `probe` (shortened until it is found). */
function findAgain(counted: string, offset: number, probe: string): number | undefined {
  for (let length = probe.length; length > 0 && length >= Math.min(6, probe.length); length = Math.floor(length / 2)) {
    const wanted = probe.slice(0, length);
    if (counted.startsWith(wanted, offset)) return offset;
    let best: number | undefined;
    for (let at = counted.indexOf(wanted); at >= 0; at = counted.indexOf(wanted, at + 1))
      if (best === undefined || Math.abs(at - offset) < Math.abs(best - offset)) best = at;
    if (best !== undefined) return best;
  }
  return probe.length === 0 ? offset : undefined;
}

/**
 * A copy of `body` with a marker before each page start that falls in it.
 * Returns the body unchanged when none does. `ids` names each marker.
 */
export function withPageBreaks(
  body: Element,
  starts: PageStart[],
  ids: Map<PageStart, string>,
): { body: Element; placed: PageStart[] } {
  if (starts.length === 0) return { body, placed: [] };
  const copy = structuredClone(body);
  const found = survey(copy);
  type Insert = { start: PageStart; order: number; apply: () => void };
  const inserts: Insert[] = [];
  const placed: PageStart[] = [];
  const atEnd: [number, Element][] = [];
  for (const start of starts) {
    const span = marker(ids.get(start)!, start.label);
    if (start.atEnd) {
      // Appended after the others, in page order (below).
      inserts.push({ start, order: Number.MAX_SAFE_INTEGER, apply: () => atEnd.push([start.index, span]) });
      placed.push(start);
      continue;
    }
    if (start.element) {
      const [tag, n] = start.element.split(':') as [string, string];
      const same = found.wholes.filter((w) => w.tag === tag);
      const whole = same.find((w) => w.offset === start.offset) ?? same.find((w) => w.n === Number(n));
      if (!whole) continue;
      inserts.push({
        start,
        order: whole.offset,
        apply: () => whole.parent.children.splice(whole.parent.children.indexOf(whole.element), 0, span),
      });
      placed.push(start);
      continue;
    }
    const offset = findAgain(found.counted, start.offset, start.probe);
    const place = offset === undefined ? undefined : found.places[offset];
    if (!place || place.at < 0) continue;
    inserts.push({
      start,
      order: offset!,
      apply: () => {
        // A marker inside an element hidden from screen readers would be hidden too: it goes before that element.
        if (place.hidden) {
          const { element, parent } = place.hidden;
          parent.children.splice(parent.children.indexOf(element), 0, span);
          return;
        }
        // The text node keeps what comes before the page start; the marker and the rest follow it.
        const parent = parentOf(copy, place.node);
        if (!parent) return;
        const rest = place.node.value.slice(place.at);
        place.node.value = place.node.value.slice(0, place.at);
        const index = parent.children.indexOf(place.node);
        parent.children.splice(index + 1, 0, span, ...(rest ? [text(rest)] : []));
      },
    });
    placed.push(start);
  }
  // The page-list must follow reading order (EPUBCheck NAV-011): a page found before the page ahead of it (the print's
  // copy of a generated page can differ from the EPUB's) is left out rather than listed out of order.
  let reached = -1;
  const kept = new Set<PageStart>();
  for (const insert of [...inserts].sort((a, b) => a.start.index - b.start.index)) {
    if (insert.order < reached) continue;
    reached = insert.order;
    kept.add(insert.start);
  }
  inserts.splice(0, inserts.length, ...inserts.filter((i) => kept.has(i.start)));
  placed.splice(0, placed.length, ...placed.filter((p) => kept.has(p)));
  // From the last place to the first, so a split leaves the places before it where they were; of two markers at one
  // place, the later page's goes in first and the earlier one's before it.
  inserts.sort((a, b) => b.order - a.order || b.start.index - a.start.index);
  for (const insert of inserts) insert.apply();
  for (const [, span] of atEnd.sort((a, b) => a[0] - b[0])) copy.children.push(span);
  placed.sort((a, b) => a.index - b.index);
  return { body: copy, placed };
}

function parentOf(root: Element, target: Text): Element | undefined {
  for (const child of root.children) {
    if (child === target) return root;
    if (child.type === 'element') {
      const found = parentOf(child, target);
      if (found) return found;
    }
  }
  return undefined;
}

/** The `page-list` nav: one link per marker placed, in page order. */
export function pageListNav(placed: { start: PageStart; href: string }[], heading: string): Element {
  return el('nav', { 'epub:type': 'page-list', role: 'doc-pagelist', id: 'page-list', hidden: true }, [
    el('h2', {}, [text(heading)]),
    el(
      'ol',
      {},
      placed.map(({ start, href }) => el('li', {}, [el('a', { href }, [text(start.label)])])),
    ),
  ]);
}
