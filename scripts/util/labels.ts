/** Words the toolchain itself prints inside a book, per language. */
export interface Labels {
  notes: string;
  backToReference: string;
  contents: string;
  questionsByDifficulty: string;
  difficulty: Record<'E' | 'M' | 'H', string>;
  chapter: string;
  part: string;
  cover: string;
  titlePage: string;
  copyrightPage: string;
  version: string;
  printing: string;
  licence: string;
  start: string;
  /** Accessible name of a difficulty badge. */
  difficultyLabel: string;
  pages: string;
  previous: string;
  next: string;
  /** The web edition's own words. */
  web: WebLabels;
}

export interface WebLabels {
  skip: string;
  search: string;
  searchPlaceholder: string;
  /** `{n}` is the number of results. */
  results: string;
  noResults: string;
  onThisPage: string;
  downloads: string;
  languages: string;
  menu: string;
  home: string;
  question: string;
}

const en: Labels = {
  notes: 'Notes',
  backToReference: 'Back to reference',
  contents: 'Contents',
  questionsByDifficulty: 'Questions by difficulty',
  difficulty: { E: 'Easy', M: 'Medium', H: 'Hard' },
  chapter: 'Chapter',
  part: 'Part',
  cover: 'Cover',
  titlePage: 'Title page',
  copyrightPage: 'Copyright',
  version: 'Version',
  printing: 'Printing',
  licence: 'Licence',
  start: 'Start of content',
  difficultyLabel: 'Difficulty',
  pages: 'Pages',
  previous: 'Previous',
  next: 'Next',
  web: {
    skip: 'Skip to content',
    search: 'Search the book',
    searchPlaceholder: 'Search',
    results: '{n} results',
    noResults: 'Nothing found',
    onThisPage: 'On this page',
    downloads: 'Download',
    languages: 'Other languages',
    menu: 'Contents',
    home: 'Title page and contents',
    question: 'Question',
  },
};

const fa: Labels = {
  notes: 'یادداشت‌ها',
  backToReference: 'بازگشت به متن',
  contents: 'فهرست مطالب',
  questionsByDifficulty: 'پرسش‌ها بر پایهٔ دشواری',
  difficulty: { E: 'آسان', M: 'متوسط', H: 'دشوار' },
  chapter: 'فصل',
  part: 'بخش',
  cover: 'جلد',
  titlePage: 'صفحهٔ عنوان',
  copyrightPage: 'حق نشر',
  version: 'نسخه',
  printing: 'چاپ',
  licence: 'مجوز',
  start: 'آغاز متن',
  difficultyLabel: 'دشواری',
  pages: 'صفحه‌ها',
  previous: 'قبلی',
  next: 'بعدی',
  web: {
    skip: 'رفتن به متن',
    search: 'جست‌وجو در کتاب',
    searchPlaceholder: 'جست‌وجو',
    results: '{n} نتیجه',
    noResults: 'چیزی پیدا نشد',
    onThisPage: 'در این صفحه',
    downloads: 'دریافت',
    languages: 'زبان‌های دیگر',
    menu: 'فهرست',
    home: 'صفحهٔ عنوان و فهرست',
    question: 'پرسش',
  },
};

export function labels(language: string): Labels {
  return language.toLowerCase().startsWith('fa') ? fa : en;
}
