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
  /** What an EPUB's page numbers come from when the printed book has no ISBN. */
  printEdition: string;
  previous: string;
  next: string;
  /** Names of numbered things cross-references print ("Figure 2.3"), and the bibliography's heading. */
  crossref: { fig: string; tbl: string; eq: string; sec: string; lst: string; and: string };
  references: string;
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
  /** The 404 page's heading and text. */
  notFound: string;
  notFoundText: string;
  /** Reader controls: the group's name, its three sizes, the theme menu and its choices. */
  textSize: string;
  sizes: { small: string; medium: string; large: string };
  theme: string;
  themes: { system: string; light: string; dark: string; sepia: string };
  /** Announced when a control changes: `{value}` is the new choice. */
  textSizeNow: string;
  themeNow: string;
  /** The version menu: `{version}`; the newest one's mark; the banner on an older version (`{version}`, `{newest}`). */
  versions: string;
  version: string;
  newest: string;
  olderVersion: string;
  readNewest: string;
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
  printEdition: 'print edition',
  previous: 'Previous',
  next: 'Next',
  crossref: { fig: 'Figure', tbl: 'Table', eq: 'Equation', sec: 'Section', lst: 'Listing', and: 'and' },
  references: 'References',
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
    notFound: 'Page not found',
    notFoundText: 'There is no page at this address. Search the book, or start from the contents.',
    textSize: 'Text size',
    sizes: { small: 'Small', medium: 'Medium', large: 'Large' },
    theme: 'Theme',
    themes: { system: 'System', light: 'Light', dark: 'Dark', sepia: 'Sepia' },
    textSizeNow: 'Text size: {value}',
    themeNow: 'Theme: {value}',
    versions: 'Versions',
    version: 'Version {version}',
    newest: 'newest',
    olderVersion: 'You are reading version {version}; the newest is {newest}.',
    readNewest: 'Read this page in version {newest}',
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
  printEdition: 'نسخهٔ چاپی',
  previous: 'قبلی',
  next: 'بعدی',
  crossref: { fig: 'شکل', tbl: 'جدول', eq: 'معادله', sec: 'بخش', lst: 'فهرست برنامه', and: 'و' },
  references: 'منابع',
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
    notFound: 'صفحه پیدا نشد',
    notFoundText: 'در این نشانی صفحه‌ای نیست. در کتاب جست‌وجو کنید یا از فهرست آغاز کنید.',
    textSize: 'اندازهٔ متن',
    sizes: { small: 'کوچک', medium: 'متوسط', large: 'بزرگ' },
    theme: 'پوسته',
    themes: { system: 'سیستم', light: 'روشن', dark: 'تیره', sepia: 'کاغذی' },
    textSizeNow: 'اندازهٔ متن: {value}',
    themeNow: 'پوسته: {value}',
    versions: 'ویرایش‌ها',
    version: 'ویرایش {version}',
    newest: 'تازه‌ترین',
    olderVersion: 'شما ویرایش {version} را می‌خوانید؛ تازه‌ترین ویرایش {newest} است.',
    readNewest: 'خواندن این صفحه در ویرایش {newest}',
  },
};

export function labels(language: string): Labels {
  return language.toLowerCase().startsWith('fa') ? fa : en;
}
