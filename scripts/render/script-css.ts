/**
 * Styles that depend on the book's script rather than on the output. Persian
 * and Arabic type has no italic: a browser asked for one slants the letters
 * itself, which Persian typography never does. Emphasis takes weight, and
 * what Latin books set in italic (subtitle, captions, half-title) takes
 * colour instead. Rules name the language (`:lang(fa)`), so a Latin quotation
 * marked `lang="en"` inside a Persian book keeps its italic.
 */
const NO_ITALIC_LANGUAGES = ['fa', 'ar', 'ur', 'ps', 'ckb'];

export function hasNoItalic(language: string): boolean {
  const primary = language.toLowerCase().split('-')[0]!;
  return NO_ITALIC_LANGUAGES.includes(primary);
}

export function scriptCss(language: string): string {
  if (!hasNoItalic(language)) return '';
  const langs = NO_ITALIC_LANGUAGES.map((l) => `:lang(${l})`);
  const any = (selector: string) => langs.map((l) => `html${l} ${selector}`).join(', ');
  const own = (selector: string) => langs.map((l) => `${selector}${l}`).join(', ');
  return [
    '/* Right-to-left scripts without italic: weight and colour instead of slanted letters. */',
    `${own('*')} { font-synthesis: none; }`,
    // The print stylesheet names the Latin face for its body; these scripts have their own.
    `${any('body')}, ${any('body.galley-print')} { font-family: "Galley Persian", "Vazirmatn", "Galley Serif", "Galley Math", sans-serif; }`,
    `${own('em')}, ${own('i')}, ${own('cite')}, ${own('dfn')}, ${own('var')} { font-style: normal; font-weight: 700; }`,
    `${own('strong')} ${own('em')}, ${own('em')} ${own('strong')} { font-weight: 700; color: var(--muted, #555); }`,
    `${any('figcaption')}, ${any('.book-subtitle')}, ${any('.subtitle')}, ${any('.half-title-text')}, ${any('.copyright-title')}, ${any('blockquote')}, ${any('.toc-draft > .toc-entry')} { font-style: normal; }`,
    `${any('figcaption')}, ${any('.book-subtitle')}, ${any('.subtitle')}, ${any('.copyright-title')} { color: var(--muted, #555); }`,
    `${any('.half-title-text')} { font-weight: 700; }`,
    '',
  ].join('\n');
}
