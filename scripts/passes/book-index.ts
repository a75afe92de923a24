import type { Element, ElementContent } from 'hast';
import { h } from 'hastscript';
import type { LoadedBook } from '../model/book/load.ts';
import type { Chapter } from '../model/book/types.ts';
import { PAGE_REF_CLASS, BARE_PAGE_REF_CLASS } from './errata/appendix.ts';

/** A chapter whose front matter says `generate: index` shows the book's index. */
export const isBookIndex = (chapter: Chapter) => chapter.frontmatter.generate === 'index';

/** Class of the list the pass appends; its presence makes the pass a no-op the second time. */
export const BOOK_INDEX_CLASS = 'book-index';

interface IndexWords {
  see: string;
  seeAlso: string;
}

const WORDS: Record<string, IndexWords> = {
  en: { see: 'see', seeAlso: 'see also' },
  fa: { see: 'نگاه کنید به', seeAlso: 'همچنین نگاه کنید به' },
};
const wordsOf = (language: string): IndexWords => WORDS[language.toLowerCase().slice(0, 2)] ?? WORDS.en!;

interface Place {
  chapter: Chapter;
  id: string;
}

interface Entry {
  term: string;
  places: Place[];
  see: Set<string>;
  also: Set<string>;
  subs: Map<string, Entry>;
}

const newEntry = (term: string): Entry => ({ term, places: [], see: new Set(), also: new Set(), subs: new Map() });

/** Every chapter's terms, grouped by term and sub-term, in reading order of their places. */
export function gatherIndex(chapters: Chapter[]): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const chapter of chapters) {
    for (const term of chapter.file.data.indexTerms ?? []) {
      let entry = entries.get(term.term);
      if (!entry) entries.set(term.term, (entry = newEntry(term.term)));
      if (term.sub) {
        let sub = entry.subs.get(term.sub);
        if (!sub) entry.subs.set(term.sub, (sub = newEntry(term.sub)));
        entry = sub;
      }
      // A "see" marks a name readers may look up, not a place: it lists no page (Chicago 16.15).
      if (term.see) entry.see.add(term.see);
      else entry.places.push({ chapter, id: term.id });
      if (term.also) entry.also.add(term.also);
    }
  }
  return entries;
}

/**
 * Book pass: the chapter whose front matter says `generate: index` gets the
 * book's index, terms sorted as the edition's language sorts
 * (`Intl.Collator`), each place a link to its marker. In the PDF each link
 * also holds a page-reference slot, filled with the true page by the same
 * two-print measurement as the contents' page numbers; the ebook and the web
 * edition show the chapter's title instead.
 */
export function buildBookIndex(book: LoadedBook, chapters: Chapter[] = book.chapters): void {
  const targets = chapters.filter((c) => isBookIndex(c) && c.tree);
  if (targets.length === 0) return;
  const collator = new Intl.Collator(book.config.language, { sensitivity: 'base', numeric: true });
  const words = wordsOf(book.config.language);
  const entries = gatherIndex(book.chapters);
  const sorted = (map: Map<string, Entry>) => [...map.values()].sort((a, b) => collator.compare(a.term, b.term));
  const ids = new Map<string, string>();
  sorted(entries).forEach((e, i) => ids.set(e.term, `index-entry-${i + 1}`));

  for (const index of targets) {
    const tree = index.tree!;
    if (tree.children.some((c) => c.type === 'element' && hasClass(c, BOOK_INDEX_CLASS))) continue;
    const href = (place: Place) => (place.chapter === index ? `#${place.id}` : `${place.chapter.outName}#${place.id}`);
    const locators = (places: Place[]): ElementContent[] => {
      const perChapter = new Map<Chapter, number>();
      return places.map((place) => {
        const n = (perChapter.get(place.chapter) ?? 0) + 1;
        perChapter.set(place.chapter, n);
        const label = n === 1 ? place.chapter.title : `${place.chapter.title} (${n})`;
        return h('span', { className: ['index-locator'] }, [
          h('a', { href: href(place) }, [
            h('span', { className: ['index-place'] }, label),
            h('span', { className: [PAGE_REF_CLASS, BARE_PAGE_REF_CLASS] }),
          ]),
        ]);
      });
    };
    const crossRefs = (entry: Entry): ElementContent[] => {
      const out: ElementContent[] = [];
      for (const [kind, names] of [
        [words.see, entry.see],
        [words.seeAlso, entry.also],
      ] as const) {
        if (names.size === 0) continue;
        const links = [...names].sort(collator.compare).flatMap((name, i): ElementContent[] => {
          const target = ids.get(name);
          const link = target ? h('a', { href: `#${target}` }, name) : h('span', name);
          return i === 0 ? [link] : [{ type: 'text', value: '; ' }, link];
        });
        out.push(h('span', { className: ['index-see'] }, [h('em', kind), { type: 'text', value: ' ' }, ...links]));
      }
      return out;
    };
    const item = (entry: Entry, id?: string): Element => {
      const subs = sorted(entry.subs);
      return h('li', id ? { id } : {}, [
        h('span', { className: ['index-heading'] }, entry.term),
        h('span', { className: ['index-locators'] }, locators(entry.places)),
        ...crossRefs(entry),
        ...(subs.length > 0
          ? [
              h(
                'ul',
                subs.map((s) => item(s)),
              ),
            ]
          : []),
      ]);
    };
    const list = h(
      'ul',
      { className: ['book-index-entries'] },
      sorted(entries).map((e) => item(e, ids.get(e.term))),
    );
    for (const id of ids.values()) index.ids.add(id);
    // Marked as the book's index for reading systems and assistive technology (EPUB Structural Semantics, DPUB-ARIA).
    tree.children.push({
      type: 'element',
      tagName: 'section',
      properties: { className: [BOOK_INDEX_CLASS], 'epub:type': 'index', role: 'doc-index', ariaLabel: index.title },
      children: [list],
    });
  }
}

const hasClass = (node: Element, name: string) =>
  Array.isArray(node.properties.className) && node.properties.className.map(String).includes(name);

/** The index terms of a chapter, to know in `galley dev` whether a change touches the index. */
export const indexTermsOf = (chapter: Chapter) =>
  JSON.stringify((chapter.file.data.indexTerms ?? []).map((t) => [t.id, t.term, t.sub, t.see, t.also]));

/**
 * In the PDF's print document, once page-reference slots hold their pages:
 * within each index entry, a page already listed is hidden and runs of
 * consecutive pages become one range (`12–14`). Self-contained (it runs in
 * the browser); every change is marked `data-galley-merged` so the layout can
 * be taken out again. Returns how many locators it hid.
 */
export function mergeIndexPagesInPage(): number {
  const ascii = (s: string) => s.replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0));
  let hidden = 0;
  for (const group of Array.from(document.querySelectorAll('.book-index .index-locators'))) {
    const slots = Array.from(group.querySelectorAll<HTMLElement>(':scope > .index-locator > a > span.page-ref'));
    let run: { slot: HTMLElement; first: string; last: number } | undefined;
    const seen = new Set<string>();
    const hide = (slot: HTMLElement) => {
      const locator = slot.parentElement!.parentElement as HTMLElement;
      locator.setAttribute('data-galley-merged', 'hidden');
      locator.style.display = 'none';
      hidden++;
    };
    const close = () => {
      if (!run) return;
      const text = run.slot.textContent ?? '';
      const end = text.replace(/[0-9\u06f0-\u06f9]+$/, '');
      if (String(run.last) !== ascii(run.first)) {
        const lastText = /[\u06f0-\u06f9]/.test(run.first)
          ? String(run.last).replace(/[0-9]/g, (d) => String.fromCharCode(0x06f0 + Number(d)))
          : String(run.last);
        run.slot.setAttribute('data-galley-merged', 'range');
        run.slot.textContent = `${end}${run.first}–${lastText}`;
      }
      run = undefined;
    };
    for (const slot of slots) {
      const label = slot.textContent ?? '';
      if (seen.has(label)) {
        hide(slot);
        continue;
      }
      seen.add(label);
      const n = Number(ascii(label));
      if (run && Number.isInteger(n) && n === run.last + 1) {
        run.last = n;
        hide(slot);
        continue;
      }
      close();
      if (Number.isInteger(n) && label !== '') run = { slot, first: label, last: n };
    }
    close();
  }
  return hidden;
}
