/**
 * Figures 7–10 of `npm run bench` (issue 31): the ~700-page print book (generate.ts `BOOK_PDF_700`), each
 * figure against its baseline in the same run.
 *
 *   7. its PDF, cold, as a whole `galley build --format pdf`, against the Chromium floor (one `page.pdf` of the
 *      whole composed book, `printFloor`, timed from composing to bytes);
 *   8. its PDF after a one-word edit of one chapter that keeps the page count, against the cold PDF build;
 *   9. every format of it, cold, against the same floor;
 *  10. CPU time / wall time of that cold every-format build: Galley's threads and Chromium's processes.
 *
 * The builds go through the public `galley build` path, so they measure whatever the renderer does; "cold" is
 * a fresh, empty cache folder (and `--no-cache`).
 */
import { spawnSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BOOK_PDF_700, writeBook, type GenerateOptions, type GeneratedBook } from './generate.ts';
import { failure, galleyBuild, list, median, s, verdict, type Timed } from './run.ts';

export interface Reporter {
  figure(line: string): void;
  detail(line: string): void;
}

export interface LongBookOptions {
  work: string;
  runs: number;
  quick: boolean;
  report: Reporter;
  /** Which of figures 7–10 to print. */
  want: (figure: number) => boolean;
}

/** Issue 31's goals. */
export const GOALS = { coldPdf: 0.75, editedPdf: 0.15, everyFormat: 1.0, cpuPerWall: 1.6 } as const;

/** Every format a generated book builds without a cover design. */
const EVERY_FORMAT = 'html,epub,pdf,web';

/** `--quick`: a third of the book (about 240 pages), one run. */
export function longBookOptions(quick: boolean): GenerateOptions {
  return quick ? { ...BOOK_PDF_700, chapters: 24, words: 53_000, parts: 4 } : BOOK_PDF_700;
}

/**
 * A one-word edit that keeps the page count: a word of prose reversed in place (same letters, same
 * length), in the middle chapter's first paragraph. Returns the edited source, or undefined.
 */
export function sameLengthEdit(source: string): string | undefined {
  const lines = source.split('\n');
  const at = lines.findIndex((line) => /^[A-Z][a-z]+ [a-z]/.test(line));
  if (at < 0) return undefined;
  const line = lines[at]!;
  const word = /\b([a-z]{6,})\b/.exec(line);
  if (!word) return undefined;
  const reversed = [...word[1]!].reverse().join('');
  if (reversed === word[1]) return undefined;
  lines[at] = line.slice(0, word.index) + reversed + line.slice(word.index + word[1]!.length);
  return lines.join('\n');
}

/** Pages of the PDF in `out` (poppler's pdfinfo), or undefined. */
async function pdfPages(out: string): Promise<number | undefined> {
  const pdf = (await readdir(out).catch(() => [] as string[])).find((name) => name.endsWith('.pdf'));
  if (!pdf) return undefined;
  const info = spawnSync('pdfinfo', [path.join(out, pdf)], { encoding: 'utf8' });
  const pages = /^Pages:\s+(\d+)/m.exec(info.stdout ?? '');
  return pages ? Number(pages[1]) : undefined;
}

const loadNow = () => os.loadavg()[0]!.toFixed(1);

const cpuOf = (result: Timed) => result.groupCpuSeconds ?? result.treeCpuSeconds ?? result.cpuSeconds;

export async function benchLongBook(options: LongBookOptions): Promise<void> {
  const { work, runs, report, want } = options;
  const dir = path.join(work, 'book-700');
  const book: GeneratedBook = await writeBook(dir, longBookOptions(options.quick));
  const edited = path.join(dir, book.chapters[Math.floor(book.chapters.length / 2)]!);
  const original = await readFile(edited, 'utf8');
  const edit = sameLengthEdit(original);
  const name = options.quick ? 'quick long book' : '700-page book';

  const { prepare } = await import('../../scripts/api/build.ts');
  const { launchBrowser } = await import('../../scripts/render/browser.ts');
  const { printFloor } = await import('../../scripts/render/pdf/pdf.ts');
  const browser = await launchBrowser();

  const floor: number[] = [];
  const printOnly: number[] = [];
  const coldPdf: Timed[] = [];
  const warmPdf: Timed[] = [];
  const every: Timed[] = [];
  const pageCounts: { cold?: number; warm?: number }[] = [];
  /** The one-minute load average as each measurement ended: the figures are printed together at the end. */
  const loads: string[] = [];
  let failed: string | undefined;
  let run = 0;
  const fresh = (what: string) => {
    const cache = path.join(work, `cache-700-${what}-${run}`);
    return { env: { ...process.env, GALLEY_CACHE_DIR: cache }, out: path.join(work, `out-700-${what}-${run}`) };
  };
  try {
    for (run = 0; run < runs && !failed; run++) {
      // The floor, right beside the builds it is the baseline of.
      const { book: loaded, pages } = await prepare(dir);
      const t = performance.now();
      const single = await printFloor(loaded, pages, browser);
      floor.push((performance.now() - t) / 1000);
      loads.push(`floor ${loadNow()}`);
      printOnly.push(single.seconds);

      if (want(7) || want(8)) {
        const { env, out } = fresh('pdf');
        const cold = await galleyBuild(dir, out, ['--no-cache'], env, [], 'pdf');
        if ((failed = failure(cold))) break;
        coldPdf.push(cold);
        loads.push(`cold PDF ${loadNow()}`);
        const counts: { cold?: number; warm?: number } = { cold: await pdfPages(out) };
        if (want(8) && edit) {
          // Warm the cache the edited build reads (the cold run ignored it), then edit one word.
          const warmup = await galleyBuild(dir, out, [], env, [], 'pdf');
          if ((failed = failure(warmup))) break;
          try {
            await writeFile(edited, edit);
            const warm = await galleyBuild(dir, out, [], env, [], 'pdf');
            if ((failed = failure(warm))) break;
            warmPdf.push(warm);
            loads.push(`edited PDF ${loadNow()}`);
            counts.warm = await pdfPages(out);
          } finally {
            await writeFile(edited, original);
          }
        }
        pageCounts.push(counts);
      }
      if (want(9) || want(10)) {
        const { env, out } = fresh('all');
        const all = await galleyBuild(dir, out, ['--no-cache'], env, [], EVERY_FORMAT);
        if ((failed = failure(all))) break;
        every.push(all);
        loads.push(`every format ${loadNow()}`);
      }
    }
  } finally {
    await browser.close();
    await writeFile(edited, original);
  }
  if (failed) report.detail(`${name}: a build failed: ${failed}`);
  report.detail(`load average (1 min) as each measurement ended: ${loads.join(', ')}`);
  const f = median(floor);
  const pages = pageCounts[0]?.cold;
  report.detail(
    `${name} (${book.chapters.length} chapters, ${book.words.toLocaleString('en')} words, ${pages ?? '?'} pages): floor, one page.pdf of the composed book: ${list(floor)} from composing to bytes (page.pdf alone ${list(printOnly)})`,
  );

  if (want(7)) {
    if (coldPdf.length === 0) {
      report.figure(`7. PDF of the ${name}, cold: not measured`);
    } else {
      const g = median(coldPdf.map((r) => r.seconds));
      report.detail(
        `cold PDF builds (whole process, fresh cache, --no-cache): ${list(coldPdf.map((r) => r.seconds))}; CPU with Chromium's ${list(coldPdf.map((r) => cpuOf(r) ?? NaN))}, of which galley's own process ${list(coldPdf.map((r) => r.cpuSeconds ?? NaN))}`,
      );
      report.figure(
        `7. PDF of the ${name} (${pages ?? '?'} pages), cold, whole process: galley ${s(g)} vs floor ${s(f)} = ${(g / f).toFixed(2)}× (goal ≤ ${GOALS.coldPdf}×: ${verdict(g / f <= GOALS.coldPdf)})`,
      );
    }
  }
  if (want(8)) {
    if (!edit) {
      report.figure(`8. PDF after a one-chapter edit: not measured (no word to edit)`);
    } else if (warmPdf.length === 0 || coldPdf.length === 0) {
      report.figure(`8. PDF after a one-chapter edit: not measured`);
    } else {
      const w = median(warmPdf.map((r) => r.seconds));
      const c = median(coldPdf.map((r) => r.seconds));
      const kept = pageCounts.every((p) => p.cold !== undefined && p.cold === p.warm);
      report.detail(
        `PDF builds after a one-word edit of ${path.relative(dir, edited)} (warm cache): ${list(warmPdf.map((r) => r.seconds))}, CPU ${list(warmPdf.map((r) => cpuOf(r) ?? NaN))}; page count ${kept ? 'kept' : `changed (${pageCounts.map((p) => `${p.cold}→${p.warm}`).join(', ')})`}`,
      );
      report.figure(
        `8. PDF of the ${name} after a one-chapter edit keeping its page count, whole process: ${s(w)} vs cold PDF build ${s(c)} = ${(w / c).toFixed(2)}× (goal ≤ ${GOALS.editedPdf}×: ${verdict(w / c <= GOALS.editedPdf)})`,
      );
    }
  }
  if (want(9)) {
    if (every.length === 0) {
      report.figure(`9. Every format of the ${name}, cold: not measured`);
    } else {
      const a = median(every.map((r) => r.seconds));
      report.detail(`cold ${EVERY_FORMAT} builds: ${list(every.map((r) => r.seconds))}`);
      report.figure(
        `9. Every format (${EVERY_FORMAT}) of the ${name}, cold, whole process: ${s(a)} vs its PDF's floor ${s(f)} = ${(a / f).toFixed(2)}× (goal ≤ ${GOALS.everyFormat}×: ${verdict(a / f <= GOALS.everyFormat)})`,
      );
    }
  }
  if (want(10)) {
    const ratios = every
      .map((r) => ({ cpu: cpuOf(r), wall: r.seconds }))
      .filter((r): r is { cpu: number; wall: number } => r.cpu !== undefined);
    const pdfRatios = coldPdf.map((r) => (cpuOf(r) ?? NaN) / r.seconds).filter(Number.isFinite);
    if (ratios.length === 0) {
      report.figure(`10. CPU time / wall time: not measured`);
    } else {
      const ratio = median(ratios.map((r) => r.cpu / r.wall));
      report.detail(
        `CPU (${every.some((r) => r.groupCpuSeconds !== undefined) ? 'every process the build started, Chromium’s renderers included: a cpuacct cgroup' : 'galley and the Chromium processes it waited for, /proc cutime + cstime'}) / wall: ${ratios.map((r) => `${s(r.cpu)} / ${s(r.wall)}`).join(', ')}${pdfRatios.length ? `; the PDF-only builds ${pdfRatios.map((r) => r.toFixed(2)).join(', ')}` : ''}`,
      );
      report.figure(
        `10. CPU time / wall time over a cold every-format build of the ${name}: ${ratio.toFixed(2)} (goal ≥ ${GOALS.cpuPerWall}: ${verdict(ratio >= GOALS.cpuPerWall)})`,
      );
    }
  }
}
