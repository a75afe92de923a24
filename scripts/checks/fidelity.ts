import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import type { Root as HastRoot } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import type { Nodes as MdastNodes } from 'mdast';
import { visit, SKIP } from 'unist-util-visit';
import { toString as mdToString } from 'mdast-util-to-string';
import { diagramOptions } from '../markdown/plugins/remark-mermaid.ts';
import { indexTermWords } from '../markdown/plugins/remark-index-terms.ts';
import { VFile } from 'vfile';
import type { LoadedBook } from '../model/book/load.ts';
import type { Diagnostic } from '../model/report.ts';
import { bookSlug } from '../model/book-slug.ts';
import { createChapterProcessor } from '../markdown/processor.ts';

const run = promisify(execFile);

export type FidelityFormat = 'web' | 'epub' | 'pdf';

/** A run of the author's words at its place in the source, and whether print can be expected to show it. */
export interface SourceText {
  file: string;
  line: number;
  column: number;
  words: string[];
  /** Alt text: in the web edition and the EPUB, not on paper. */
  screenOnly?: boolean;
}

const ARABIC_DIGITS = /[\u0660-\u0669\u06f0-\u06f9]/g;

/**
 * Words as the comparison sees them: compatibility-normalised (ligatures `ﬁ`, Arabic presentation forms,
 * full-width forms), lower-cased, Persian and Arabic digits as ASCII, soft hyphens removed, and everything that
 * is not a letter, mark or digit a separator, so quotes, dashes and smart punctuation never count.
 */
export function words(text: string): string[] {
  return text
    .normalize('NFKC')
    .replace(/\u00ad/g, '')
    .replace(ARABIC_DIGITS, (d) => String((d.charCodeAt(0) - (d.charCodeAt(0) >= 0x06f0 ? 0x06f0 : 0x0660)) % 10))
    .toLowerCase()
    .split(/[^\p{L}\p{M}\p{N}]+/u)
    .filter(Boolean);
}

const ATTRIBUTE_TEXT = /\b(caption|title|alt|label|file-name)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi;
/**
 * What the source has that is markup, not words: alert markers, heading attributes, template tags, comments (and
 * index terms' directive syntax, `indexTermWords`).
 */
const MARKUP = [/\[![A-Za-z]+\]/g, /\{[#.][^}]*\}/g, /\{%[\s\S]*?%\}/g, /<!--[\s\S]*?-->/g, /\{\{[\s\S]*?\}\}/g];
/**
 * A cross-reference or citation key (`@fig-loop`, `[-@fig-talk]`, `[see @knuth84, p. 3]`): the outputs print its
 * number or its author and year instead. Not after a word character, so an e-mail address stays words.
 */
const REFERENCE_KEY = /(?<![\p{L}\p{N}_.])-?@[\w:.-]*\w/gu;
const stripMarkup = (text: string) =>
  [...MARKUP, REFERENCE_KEY].reduce((t, pattern) => t.replace(pattern, ' '), indexTermWords(text));

/** Inline text between `<video>` and `</video>` in a paragraph or table cell: a browser's fallback only. */
function insideMedia(siblings: MdastNodes[] | undefined, index: number | undefined): boolean {
  if (!siblings || index === undefined) return false;
  for (let i = index - 1; i >= 0; i--) {
    const node = siblings[i]!;
    if (node.type !== 'html') continue;
    if (/<\/(video|audio)\s*>/i.test(node.value)) return false;
    if (/<(video|audio)\b/i.test(node.value)) return true;
  }
  return false;
}

/** Rust lines mdBook hides (`# use std::io;`): the book never shows them, so they are not the reader's text. */
const hiddenRust = (code: string) =>
  code
    .split('\n')
    .filter((line) => !/^\s*#(\s|$)/.test(line) || /^\s*#\[/.test(line))
    .join('\n');

/**
 * The author's text, read from the parsed source of every chapter: each text node, inline and block code,
 * image alt text and the text of raw HTML (its element text and its caption, title, alt and label attributes).
 * TeX math is left out: the outputs hold MathML or glyphs, not the TeX.
 */
export function sourceTexts(book: LoadedBook): SourceText[] {
  const processor = createChapterProcessor(book.config);
  const out: SourceText[] = [];
  for (const chapter of book.chapters) {
    const file = path.relative(book.boundary, chapter.file.path).split(path.sep).join('/');
    const tree = processor.parse(new VFile({ path: chapter.file.path, value: String(chapter.file.value ?? '') }));
    const add = (node: MdastNodes, text: string, screenOnly = false) => {
      const list = words(stripMarkup(text));
      const start = node.position?.start ?? { line: 1, column: 1 };
      if (list.length) out.push({ file, line: start.line, column: start.column, words: list, screenOnly });
    };
    visit(tree, (node: MdastNodes, index, parent) => {
      switch (node.type) {
        case 'text': {
          if (insideMedia(parent?.children, index)) break;
          // A word glued to a formula (`$$1.9$$ms`) prints inside the formula's text run: it is not compared.
          let value = node.value;
          const before = index !== undefined ? parent?.children[index - 1] : undefined;
          const after = index !== undefined ? parent?.children[index + 1] : undefined;
          if (before?.type === 'inlineMath') value = value.replace(/^[\p{L}\p{N}]+/u, '');
          if (after?.type === 'inlineMath') value = value.replace(/[\p{L}\p{N}]+$/u, '');
          add(node, value);
          break;
        }
        case 'link':
          // `[import:3-9, lang:"julia"](file)`: HonKit's import syntax, which the imported code replaces.
          if (/^import\b/.test(mdToString(node))) return SKIP;
          break;
        case 'inlineCode':
          add(node, node.value);
          break;
        case 'code': {
          // A diagram prints its drawing and caption, not its source: the drawn labels are text in every format
          // (tests/diagrams.test.ts), and a diagram that cannot be drawn is an error at its fence.
          const diagram = diagramOptions(node);
          if (diagram) {
            if (diagram.caption) add(node, diagram.caption);
            return SKIP;
          }
          // An mdBook include stands for a file's text, a hidden line for nothing.
          if (!node.value.includes('{{#')) add(node, node.lang === 'rust' ? hiddenRust(node.value) : node.value);
          // An admonish body is Markdown whose words the callout shows.
          return SKIP;
        }
        case 'image':
          if (node.alt) add(node, node.alt, true);
          break;
        case 'html': {
          for (const m of node.value.matchAll(ATTRIBUTE_TEXT))
            add(node, m[2] ?? m[3] ?? '', m[1]?.toLowerCase() === 'alt');
          const text = node.value
            .replace(/<!--[\s\S]*?-->/g, ' ')
            // A browser's fallback ("Your browser does not support the video tag"): media print as a caption.
            .replace(/<(video|audio)\b[\s\S]*?<\/\1\s*>/gi, ' ')
            .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
            .replace(/<[^>]*>/g, ' ')
            .replace(/&[#\w]+;/g, ' ');
          add(node, text);
          break;
        }
        case 'math':
        case 'inlineMath':
        case 'yaml':
        case 'definition':
          return SKIP;
      }
      return undefined;
    });
  }
  return out;
}

/**
 * The words of a built text, with the joins line ends may have split: a hyphenated word (`exam-` / `ple`) and
 * a wrapped code line (`abc↪` / `def`) also count as the word they make together.
 */
export function wordSet(text: string): Set<string> {
  const set = new Set<string>();
  const lines = text.split('\n');
  // The ends a word broken over one-word lines may have reached: a chain may start on any of those lines (a 150-digit
  // key after `it:` is the key, not `it` and the key). Few: one-word lines in a row are rare.
  let chains: string[] = [];
  // A word hyphenated at a page's foot continues after the folio and running head: kept for a few lines.
  let hyphenated: { word: string; lines: number } | undefined;
  for (const line of lines) {
    const list = words(line);
    for (const w of list) set.add(w);
    // A word broken over lines with no hyphen (a long number, a wrapped code line) may take several lines.
    if (list.length) for (const chain of chains) set.add(chain + list[0]!);
    if (list.length === 1) chains = [list[0]!, ...chains.map((chain) => chain + list[0]!)].slice(0, 8);
    else if (list.length) chains = [list[list.length - 1]!];
    if (hyphenated && list.length) {
      if (/^\s*\p{Ll}/u.test(line)) {
        set.add(hyphenated.word + list[0]!);
        hyphenated = undefined;
      } else if (++hyphenated.lines > 6) {
        hyphenated = undefined;
      }
    }
    if (list.length && /[\p{L}][-\u00ad\u2010]\s*$/u.test(line))
      hyphenated = { word: list[list.length - 1]!, lines: 0 };
  }
  return set;
}

/** Text of an HTML or XHTML document, block elements on lines of their own, with alt and title text. */
function htmlText(source: string): string {
  const tree: HastRoot = fromHtml(source);
  const parts: string[] = [];
  visit(tree, (node) => {
    if (node.type === 'text') parts.push(node.value);
    if (node.type === 'element') {
      const el = node;
      if (['script', 'style'].includes(el.tagName)) return SKIP;
      for (const key of ['alt', 'title', 'ariaLabel'])
        if (el.properties[key]) parts.push(`\n${String(el.properties[key])}\n`);
      if (/^(p|div|li|h\d|pre|figcaption|dt|dd|td|th|br|tr)$/.test(el.tagName)) parts.push('\n');
    }
    return undefined;
  });
  return parts.join('');
}

async function htmlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      // Other editions live in their own folders: each is checked with its own sources.
      if (!/^[a-z]{2,3}(-[A-Za-z0-9]+)?$/.test(entry.name)) out.push(...(await htmlFiles(full)));
    } else if (/\.x?html$/.test(entry.name)) {
      out.push(full);
    }
  }
  return out;
}

/** Each built format's words: the web edition's pages, the EPUB's XHTML, the PDF's text layer (pdftotext). */
export async function formatWords(
  book: LoadedBook,
  outDir: string,
  webDir: string,
): Promise<Map<FidelityFormat, Set<string> | string>> {
  const found = new Map<FidelityFormat, Set<string> | string>();
  if (existsSync(webDir)) {
    const texts = await Promise.all((await htmlFiles(webDir)).map(async (f) => htmlText(await readFile(f, 'utf8'))));
    found.set('web', wordSet(texts.join('\n')));
  } else {
    found.set('web', `No web edition at ${webDir}`);
  }
  const epub = path.join(outDir, `${bookSlug(book)}.epub`);
  if (existsSync(epub)) {
    const zip = await JSZip.loadAsync(await readFile(epub));
    const names = Object.keys(zip.files)
      .filter((n) => /\.xhtml$/.test(n))
      .sort();
    const texts = await Promise.all(names.map(async (n) => htmlText(await zip.file(n)!.async('string'))));
    found.set('epub', wordSet(texts.join('\n')));
  } else {
    found.set('epub', `No EPUB at ${epub}`);
  }
  const pdf = path.join(outDir, `${bookSlug(book)}.pdf`);
  if (existsSync(pdf)) {
    const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', pdf, '-'], { maxBuffer: 512 * 1024 * 1024 });
    found.set('pdf', new Set([...wordSet(stdout)].map(pdfReadingKey)));
  } else {
    found.set('pdf', `No PDF at ${pdf}`);
  }
  return found;
}

const NAMES: Record<FidelityFormat, string> = { web: 'the web edition', epub: 'the EPUB', pdf: 'the PDF' };

/** Arabic-script combining marks: harakat, tanwin, hamza above and below, superscript alef, Quranic marks. */
const ARABIC_MARKS = /[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed]/g;

/**
 * How a word is matched against the PDF's text. poppler reads a right-to-left line by reversing it, and with it
 * what one glyph stands for: the lam-alef ligature comes out alef-lam, and a mark (tanwin, hamza above, kasra)
 * before the letter that carries it (`نسخٔه` for `نسخهٔ`). So both sides drop Arabic-script marks and write
 * lam-alef one way. A mark printed without a glyph is still caught: that is the glyph check's (checks/glyphs.ts).
 */
export function pdfReadingKey(word: string): string {
  return word.replace(ARABIC_MARKS, '').replace(/\u0644\u0627/g, '\u0627\u0644');
}

const FORMAT_KEYS: Partial<Record<FidelityFormat, (word: string) => string>> = { pdf: pdfReadingKey };

/** Runs of consecutive words of one source text that a format lacks, words compared by `key`. */
export function missingRuns(text: SourceText, have: Set<string>, key: (word: string) => string = (w) => w): string[][] {
  const runs: string[][] = [];
  let current: string[] = [];
  for (const w of text.words) {
    if (have.has(key(w))) {
      if (current.length) runs.push(current);
      current = [];
    } else {
      current.push(w);
    }
  }
  if (current.length) runs.push(current);
  return runs;
}

export interface FidelityResult {
  diagnostics: Diagnostic[];
  /** Lost runs per format (formats that were not built are absent). */
  lost: Partial<Record<FidelityFormat, number>>;
}

/**
 * `galley check --fidelity`: every run of the author's words that a built format does not contain anywhere is
 * a `fidelity-lost` error at its source line, naming the format. A word counts as present when the format has
 * it anywhere (a set, not a sequence): cheap over a whole book, and blind to a word lost in one place that is
 * kept in another (docs/decisions/0011-fidelity.md).
 */
export async function checkFidelity(book: LoadedBook, outDir: string, webDir: string): Promise<FidelityResult> {
  const setting = book.config.checks?.['fidelity-lost'] ?? 'error';
  const sources = sourceTexts(book);
  const formats = await formatWords(book, outDir, webDir);
  const diagnostics: Diagnostic[] = [];
  const lost: FidelityResult['lost'] = {};
  for (const [format, have] of formats) {
    if (typeof have === 'string') {
      diagnostics.push({
        file: path.relative(book.boundary, outDir).split(path.sep).join('/') || '.',
        line: 1,
        column: 1,
        ruleId: 'fidelity-missing-format',
        severity: 'info',
        message: `${have}: its text is not compared (run \`galley build\` first)`,
      });
      continue;
    }
    lost[format] = 0;
    for (const text of sources) {
      if (format === 'pdf' && text.screenOnly) continue;
      for (const run of missingRuns(text, have, FORMAT_KEYS[format])) {
        lost[format]++;
        if (setting === 'off') continue;
        const shown = run.length > 12 ? `${run.slice(0, 12).join(' ')} …` : run.join(' ');
        diagnostics.push({
          file: text.file,
          line: text.line,
          column: text.column,
          ruleId: 'fidelity-lost',
          severity: setting === 'warn' ? 'warning' : 'error',
          message: `${run.length} word${run.length > 1 ? 's' : ''} missing from ${NAMES[format]}: “${shown}”`,
        });
      }
    }
  }
  return { diagnostics, lost };
}
