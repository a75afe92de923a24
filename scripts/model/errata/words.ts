import type { ErratumKind } from './schema.ts';

/** The words the errata appendix prints, per language (English where a language has none). */
export interface ErrataWords {
  version: string;
  unreleased: string;
  printing: (n: number) => string;
  kinds: Record<ErratumKind, string>;
  was: string;
  now: string;
  credit: string;
  question: string;
  in: string;
  page: string;
  noEntries: string;
  changes: string;
}

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];

const en: ErrataWords = {
  version: 'Version',
  unreleased: 'Unreleased',
  printing: (n) => (n <= ORDINALS.length ? `${ORDINALS[n - 1]} printing` : `printing ${n}`),
  kinds: { typo: 'Typo', error: 'Error', clarification: 'Clarification', update: 'Update' },
  was: 'Was',
  now: 'Now',
  credit: 'Reported by',
  question: 'Question',
  in: 'in',
  page: 'p.',
  noEntries: 'No corrections in this release.',
  changes: 'changes',
};

const fa: ErrataWords = {
  version: 'نسخهٔ',
  unreleased: 'منتشرنشده',
  printing: (n) => `چاپ ${n}`,
  kinds: { typo: 'غلط تایپی', error: 'خطا', clarification: 'توضیح', update: 'به‌روزرسانی' },
  was: 'پیش‌تر',
  now: 'اکنون',
  credit: 'گزارش از',
  question: 'پرسش',
  in: 'در',
  page: 'ص',
  noEntries: 'در این نسخه اصلاحی نیست.',
  changes: 'تغییر',
};

export function errataWords(language: string): ErrataWords {
  return language.toLowerCase().startsWith('fa') ? fa : en;
}
