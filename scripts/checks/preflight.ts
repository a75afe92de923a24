import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LoadedBook } from '../model/book/load.ts';
import type { Severity } from '../model/config/schema.ts';
import type { Diagnostic } from '../model/report.ts';
import { buildDate } from '../util/build-date.ts';
import type { Page } from '../model/pages.ts';
import { composeBook, type Composition } from '../render/pdf/compose.ts';
import { pageLabel } from '../render/pdf/pdf.ts';
import { bookSlug } from '../model/book-slug.ts';
import { checkGlyphs } from './glyphs.ts';
import {
  NEAR_EMPTY,
  MIN_DPI,
  normalise,
  readLayout,
  analyse,
  type Finding,
  type Layout,
} from '../render/pdf/analysis/index.ts';

export { NEAR_EMPTY, MIN_DPI, normalise, readLayout, analyse, type Finding, type Layout };

/**
 * Print preflight (`galley check --print`): reads the PDF's pages back (poppler)
 * and reports what a typesetter would fix, each at its page and, where it can,
 * its Markdown line. The same analysis drives the renderer's adjust pass.
 */

export const PREFLIGHT_SEVERITIES: Record<string, Severity> = {
  'print-near-empty': 'warn',
  'print-keep-with-next': 'warn',
  'print-repeated-heading': 'warn',
  'print-overfull': 'warn',
  'print-image-resolution': 'warn',
  'print-widow': 'warn',
  'print-orphan': 'warn',
};

/** The preflight's findings as check messages, with book.yaml's severities. */
export function findingsToDiagnostics(
  book: LoadedBook,
  composition: Composition,
  layout: Layout,
  findings: Finding[],
  pdfFile: string,
): Diagnostic[] {
  const settings = { ...PREFLIGHT_SEVERITIES, ...book.config.checks };
  const bodyStart = (() => {
    const first = composition.blocks.find((b) => b.matter !== 'front' && (b.kind === 'part' || b.kind === 'chapter'));
    return first ? layout.starts.get(first.id) : undefined;
  })();
  const out: Diagnostic[] = [];
  for (const f of findings) {
    if (!(f.rule in PREFLIGHT_SEVERITIES)) continue;
    const setting = settings[f.rule] ?? 'warn';
    if (setting === 'off') continue;
    const vfile = f.block?.page?.chapter?.file;
    const position = f.element?.position?.start ?? (f.block?.page?.chapter ? { line: 1, column: 1 } : undefined);
    const file = vfile?.path ? path.relative(book.boundary, vfile.path) : path.relative(book.boundary, pdfFile);
    out.push({
      file: file.split(path.sep).join('/'),
      line: position?.line ?? 1,
      column: position?.column ?? 1,
      ruleId: f.rule,
      severity: setting === 'error' ? 'error' : 'warning',
      message: `PDF page ${pageLabel(f.page, bodyStart, composition.persianDigits)} (sheet ${f.page + 1}) ${f.message}`,
    });
  }
  return out;
}

/** `galley check --print`: the built PDF of this edition, read back and checked. */
export async function checkPrint(book: LoadedBook, pages: Page[], outDir: string): Promise<Diagnostic[]> {
  const pdfFile = path.join(outDir, `${bookSlug(book)}.pdf`);
  if (!existsSync(pdfFile)) {
    return [
      {
        file: path.relative(book.boundary, pdfFile) || pdfFile,
        line: 1,
        column: 1,
        ruleId: 'print-preflight',
        severity: 'error',
        message: `No PDF at ${pdfFile}: run \`galley build --format pdf\` first`,
      },
    ];
  }

  const composition = composeBook(book, pages, { date: buildDate(book.root) });
  const layout = await readLayout(pdfFile);
  return [
    ...findingsToDiagnostics(book, composition, layout, analyse(composition, layout), pdfFile),
    ...(await checkGlyphs(book, pdfFile)),
  ];
}
