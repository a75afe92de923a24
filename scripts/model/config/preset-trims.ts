/** Each preset's trim when book.yaml names none (the schema reads this; presets.ts holds the rest). */
export const PRESET_TRIMS = {
  kdp: '6x9in',
  ingramspark: '6x9in',
  lulu: '6x9in',
  'a4-office': 'A4',
} as const;
