import type { BookConfig } from './config/schema.ts';

/** How a copyright notice starts: `©`, `(c)` or the word, as authors write them. */
export const FOOTER_START = /^\s*(copyright\s*)?(©|\(c\)|copyright)\s*/i;

const normalize = (s: string) => s.replace(/\s+/g, ' ').replace(/[–—]/g, '-').trim().toLowerCase();
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const YEARS = String.raw`\d{4}(?:\s*[-–—,]\s*\d{4})*`;

/**
 * Whether `line` is the chapter's copyright footer, and not merely text that
 * starts like one. A paragraph such as "Copyright law differs by country…"
 * or "(c) The third case…" is the author's, and the build and `--fix` would
 * destroy it if it were taken for the footer. A footer is one short line
 * that is the configured notice, or its template with another year or holder
 * ("Copyright ©2025 Somebody Else"), or the years right after the notice's
 * start and then the configured holder or a short name ("(c) 2026 Acme Inc.").
 */
export function isFooterLine(line: string, copyright: BookConfig['copyright']): boolean {
  if (!copyright) return false;
  const text = line.trim();
  if (!text || text.includes('\n') || !FOOTER_START.test(text)) return false;
  const year = String(copyright.year);
  const expected = copyright.footer.replaceAll('{year}', year).replaceAll('{holder}', copyright.holder);
  if (normalize(text) === normalize(expected)) return true;
  // A notice is short: a line much longer than the configured one is a sentence.
  if (text.length > Math.max(2 * expected.length, expected.length + 40)) return false;
  const template = escape(copyright.footer.trim())
    .replace(/\s+/g, String.raw`\s*`)
    .replaceAll(escape('{year}'), YEARS)
    .replaceAll(escape('{holder}'), String.raw`[^.!?;:]{1,80}`);
  if (new RegExp(`^${template}\\.?$`, 'i').test(text)) return true;
  // Another wording: the notice's start, then the years, then the holder or a name of at most three words.
  const notice = new RegExp(
    `^(?:copyright\\s*)?(?:©|\\(c\\)|copyright)\\s*(?:${YEARS})\\b,?\\s*(?:by\\s+)?(.*)$`,
    'i',
  ).exec(text);
  if (!notice) return false;
  const rest = notice[1]!.trim();
  if (rest.toLowerCase().includes(copyright.holder.toLowerCase())) return true;
  return rest !== '' && rest.split(/\s+/).length <= 3 && !/[!?;:]|\.\s/.test(rest);
}

/** The configured footer text, `{year}` and `{holder}` filled in. */
export function expectedFooter(copyright: BookConfig['copyright']): string | undefined {
  return copyright?.footer.replaceAll('{year}', String(copyright.year)).replaceAll('{holder}', copyright.holder);
}
