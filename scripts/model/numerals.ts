import type { Element, ElementContent, Root } from 'hast';
import type { BookConfig } from './config/schema.ts';

/** What decides how Galley writes the numbers and dates it prints itself. */
export type NumeralConfig = Pick<BookConfig, 'language' | 'calendar'> & {
  output: { pdf: { persian_digits: boolean } };
};

export const persianDigitsOn = (config: NumeralConfig) => config.output.pdf.persian_digits;

/** Lower-case roman numerals, as front-matter folios print them: `4` → `iv`. */
export function roman(n: number): string {
  const table: [number, string][] = [
    [1000, 'm'],
    [900, 'cm'],
    [500, 'd'],
    [400, 'cd'],
    [100, 'c'],
    [90, 'xc'],
    [50, 'l'],
    [40, 'xl'],
    [10, 'x'],
    [9, 'ix'],
    [5, 'v'],
    [4, 'iv'],
    [1, 'i'],
  ];
  let out = '';
  for (const [value, letters] of table) {
    while (n >= value) {
      out += letters;
      n -= value;
    }
  }
  return out;
}

/** `12.3` → `۱۲.۳` when the book asks for Persian digits; else unchanged. */
export function localDigits(value: string | number, config: NumeralConfig | boolean): string {
  const on = typeof config === 'boolean' ? config : persianDigitsOn(config);
  const text = String(value);
  return on ? text.replace(/[0-9]/g, (d) => String.fromCharCode(0x06f0 + Number(d))) : text;
}

/**
 * A date as readers of the edition write it, with `Intl` in the book's
 * language and calendar (`calendar: persian` gives `۱۰ آبان ۱۴۰۵`), digits
 * as `persian_digits` says. `iso` is `YYYY-MM-DD`; it is read as a UTC day
 * so the machine's time zone never moves it.
 */
export function formatDate(iso: string, config: NumeralConfig): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!match) return localDigits(iso, config);
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  const persian = persianDigitsOn(config);
  try {
    const format = new Intl.DateTimeFormat(config.language, {
      dateStyle: 'long',
      timeZone: 'UTC',
      ...(config.calendar ? { calendar: config.calendar } : {}),
      numberingSystem: persian ? 'arabext' : 'latn',
    });
    return format.format(date);
  } catch {
    return localDigits(iso.slice(0, 10), config);
  }
}

/** Galley's own number-bearing elements, by class: text inside them is Galley's, not the author's. */
export const GALLEY_NUMBER_CLASSES = [
  'q-number',
  'chapter-label',
  'toc-number',
  'toc-page',
  'q-count',
  'page-ref',
  'galley-number',
  'noteref',
];

function classesOf(node: Element): string[] {
  const value = node.properties.className;
  return Array.isArray(value) ? value.map(String) : [];
}

function convertText(nodes: ElementContent[], on: boolean) {
  for (const node of nodes) {
    if (node.type === 'text') node.value = localDigits(node.value, on);
    else if (node.type === 'element' && node.tagName !== 'math' && node.tagName !== 'code')
      convertText(node.children, on);
  }
}

/**
 * Puts Persian digits into the numbers Galley added to a tree (question and
 * chapter numbers, counts, page slots), leaving the author's text as written.
 */
export function localizeGalleyNumbers(tree: Root | Element, config: NumeralConfig) {
  if (!persianDigitsOn(config)) return;
  const walk = (nodes: (Root | Element)['children']) => {
    for (const node of nodes) {
      if (node.type !== 'element') continue;
      if (classesOf(node).some((c) => GALLEY_NUMBER_CLASSES.includes(c))) convertText(node.children, true);
      else if (node.tagName !== 'math') walk(node.children);
    }
  };
  walk(tree.children);
}

/** A bidi-isolated run (`<bdi>`) so a date or version keeps its order inside right-to-left text. */
export function isolate(value: string, className?: string): Element {
  return {
    type: 'element',
    tagName: 'bdi',
    properties: className ? { className: [className] } : {},
    children: [{ type: 'text', value }],
  };
}
