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
};

export function labels(language: string): Labels {
  return language.toLowerCase().startsWith('fa') ? fa : en;
}
