/**
 * The one callout model every dialect maps to (GitHub alerts, mdBook-admonish fences, HonKit hints, a leading
 * `> Note:`): a kind, which picks the icon and the default title, and the title the reader sees.
 */
export type CalloutKind = 'note' | 'tip' | 'important' | 'warning' | 'caution';

/** Icons from the bundled symbol fonts, so they print in greyscale; the label beside each carries the meaning. */
export const CALLOUT_ICONS: Record<CalloutKind, string> = {
  note: '\u{1F6C8}',
  tip: '\u2605',
  important: '\u2757',
  warning: '\u26A0',
  caution: '\u26D4',
};

export const CALLOUT_TITLES: Record<CalloutKind, string> = {
  note: 'Note',
  tip: 'Tip',
  important: 'Important',
  warning: 'Warning',
  caution: 'Caution',
};

/** Every dialect's word for a kind (admonish's and HonKit's styles, GitHub's alert names) to one of the five. */
const ALIASES: Record<string, CalloutKind> = {
  note: 'note',
  info: 'note',
  abstract: 'note',
  summary: 'note',
  tldr: 'note',
  example: 'note',
  quote: 'note',
  question: 'note',
  faq: 'note',
  help: 'note',
  tip: 'tip',
  hint: 'tip',
  success: 'tip',
  check: 'tip',
  done: 'tip',
  important: 'important',
  todo: 'important',
  warning: 'warning',
  attention: 'warning',
  caution: 'caution',
  danger: 'caution',
  error: 'caution',
  failure: 'caution',
  fail: 'caution',
  missing: 'caution',
  bug: 'caution',
};

export function calloutKind(word: string | undefined): CalloutKind | undefined {
  return word ? ALIASES[word.toLowerCase()] : undefined;
}
