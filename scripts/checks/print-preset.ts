import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PDFArray, PDFDocument, PDFName, PDFNumber } from '@cantoo/pdf-lib';
import type { LoadedBook } from '../model/book/load.ts';
import { bookSlug } from '../model/book-slug.ts';
import { presetOf, type PrintPreset } from '../model/config/presets.ts';
import type { Severity } from '../model/config/schema.ts';
import type { Diagnostic } from '../model/report.ts';
import { normalise, readLayout, type Layout } from '../render/pdf/analysis/index.ts';
import { composeBook, type Composition } from '../render/pdf/compose.ts';
import type { Page } from '../model/pages.ts';
import { buildDate } from '../util/build-date.ts';
import type { Element } from 'hast';
import { toString } from 'hast-util-to-string';
import { visit } from 'unist-util-visit';
import { pageGeometry } from '../render/pdf/pages-css.ts';
import { keyPlace } from '../render/pdf/press.ts';

/**
 * `galley check --print` with `output.pdf.preset`: what the service would refuse in the built interior. Errors by
 * default, since the service rejects the upload; book.yaml's `checks:` can lower them.
 */
export const PRESET_SEVERITIES: Record<string, Severity> = {
  'print-preset-pages': 'error',
  'print-preset-image-dpi': 'error',
  'print-preset-safe-area': 'error',
  'print-preset-gutter': 'error',
  'print-preset-blank-last-page': 'error',
};

interface Problem {
  rule: keyof typeof PRESET_SEVERITIES;
  message: string;
  /** 0-based PDF page, when the problem is on one. */
  page?: number;
  /** A book.yaml key, when the problem is a setting. */
  key?: string;
  /** The printed word, to find its Markdown line. */
  word?: string;
  /** An image problem: the page's first image is looked for in the chapter. */
  image?: boolean;
}

/** The trim box of each page, top-left origin (poppler's), in points. */
function trimBoxes(doc: PDFDocument): { xMin: number; yMin: number; xMax: number; yMax: number }[] {
  return doc.getPages().map((page) => {
    const media = page.node
      .MediaBox()
      .asArray()
      .map((v) => (v as PDFNumber).asNumber());
    const trim = page.node.lookupMaybe(PDFName.of('TrimBox'), PDFArray);
    const [x0, y0, x1, y1] = trim ? trim.asArray().map((v) => (doc.context.lookup(v) as PDFNumber).asNumber()) : media;
    const height = media[3]!;
    return { xMin: x0!, yMin: height - y1!, xMax: x1!, yMax: height - y0! };
  });
}

/** The problems, from the PDF's layout (poppler) and its page boxes. */
export function presetProblems(
  preset: PrintPreset,
  layout: Layout,
  trims: ReturnType<typeof trimBoxes>,
  innerMm: number,
): Problem[] {
  const problems: Problem[] = [];
  const count = layout.pages.length;
  const service = preset.service;
  if (count < preset.pages.min || count > preset.pages.max) {
    problems.push({
      rule: 'print-preset-pages',
      key: 'preset',
      message: `${count} pages: ${service} prints ${preset.pages.min} to ${preset.pages.max}`,
    });
  }
  const gutter = preset.gutter(count);
  if (innerMm < gutter * 25.4 - 0.05) {
    problems.push({
      rule: 'print-preset-gutter',
      key: 'inner',
      message: `the inside margin is ${(innerMm / 25.4).toFixed(3)} in; ${service} asks ${gutter} in for ${count} pages`,
    });
  }
  for (const image of layout.images) {
    const dpi = Math.min(image.xPpi, image.yPpi);
    if (dpi > 0 && dpi < preset.minDpi) {
      problems.push({
        rule: 'print-preset-image-dpi',
        page: image.page,
        image: true,
        message: `prints a ${image.width}×${image.height} image at ${dpi} dpi; ${service} asks ${preset.minDpi} dpi at its printed size`,
      });
    }
  }
  const safe = preset.safe * 72;
  layout.pages.forEach((page, index) => {
    const trim = trims[index];
    if (!trim) return;
    const outside = page.blocks
      .flatMap((block) => block.lines.flatMap((line) => line.words))
      .find(
        (word) =>
          word.xMin < trim.xMin + safe - 0.5 ||
          word.xMax > trim.xMax - safe + 0.5 ||
          word.yMin < trim.yMin + safe - 0.5 ||
          word.yMax > trim.yMax - safe + 0.5,
      );
    if (outside) {
      problems.push({
        rule: 'print-preset-safe-area',
        page: index,
        word: outside.text,
        message: `prints “${outside.text.slice(0, 40)}” outside the safe area (${preset.safe} in inside the trim, as ${service} asks)`,
      });
    }
  });
  const last = layout.pages.at(-1);
  if (preset.blankLastPage && last && last.blocks.some((b) => b.lines.some((l) => l.text.trim()))) {
    problems.push({
      rule: 'print-preset-blank-last-page',
      page: count - 1,
      message: `the last page is not blank; ${service} asks for a blank last page`,
    });
  }
  return problems;
}

type Block = Composition['blocks'][number];

/** The chapter a PDF page belongs to, and the element on it a problem names, for a Markdown line. */
function placeOnPage(composition: Composition, layout: Layout, problem: Problem) {
  let block: Block | undefined;
  let at = -1;
  for (const candidate of composition.blocks) {
    const start = layout.starts.get(candidate.id);
    if (start !== undefined && start <= problem.page! && start >= at) {
      block = candidate;
      at = start;
    }
  }
  const file = block?.page?.chapter?.file;
  if (!block || !file?.path) return undefined;
  let found: Element | undefined;
  const word = problem.word ? normalise(problem.word) : '';
  visit(block.element, 'element', (node: Element) => {
    if (found || !node.position) return;
    if (problem.image && node.tagName === 'img') found = node;
    if (word.length >= 3 && /^(p|li|h[1-6]|td|th|figcaption|pre|dt|dd)$/.test(node.tagName))
      if (normalise(toString(node)).includes(word)) found = node;
  });
  return { path: file.path, line: found?.position?.start.line ?? 1, column: found?.position?.start.column ?? 1 };
}

/** `galley check --print`: the built PDF of this edition against its preset. */
export async function checkPrintPreset(book: LoadedBook, pages: Page[], outDir: string): Promise<Diagnostic[]> {
  const preset = presetOf(book.config.output.pdf);
  const pdfFile = path.join(outDir, `${bookSlug(book)}.pdf`);
  if (!preset || !existsSync(pdfFile)) return [];
  const [layout, doc] = await Promise.all([
    readLayout(pdfFile),
    readFile(pdfFile).then((bytes) => PDFDocument.load(bytes, { updateMetadata: false })),
  ]);
  const geometry = pageGeometry(book.config.output.pdf, false, layout.pages.length);
  const problems = presetProblems(preset, layout, trimBoxes(doc), geometry.margins.inner);
  const composition = composeBook(book, pages, { date: buildDate(book.root) });
  const settings = { ...PRESET_SEVERITIES, ...book.config.checks };
  const relative = (file: string) => path.relative(book.boundary, file).split(path.sep).join('/');
  const out: Diagnostic[] = [];
  for (const problem of problems) {
    const setting = settings[problem.rule] ?? 'error';
    if (setting === 'off') continue;
    const onPage = problem.page === undefined ? undefined : placeOnPage(composition, layout, problem);
    const place = problem.key ? keyPlace(book, problem.key) : (onPage ?? { line: 1, column: 1 });
    const file = problem.key ? book.configFile.path : (onPage?.path ?? pdfFile);
    out.push({
      file: relative(file),
      line: place.line,
      column: place.column,
      ruleId: problem.rule,
      severity: setting === 'error' ? 'error' : 'warning',
      message: `${problem.page === undefined ? '' : `PDF sheet ${problem.page + 1} `}${problem.message} (output.pdf.preset: ${preset.name})`,
    });
  }
  return out;
}
