/**
 * Where the PDF's time goes beyond the floor: the floor (one plain print of
 * the composed document) and `renderPdf`, alternately in one browser, with
 * the Markdown stage (`prepare`, without a cache and then from the cache a
 * first run left, after a one-word edit) and `renderPdf`'s own stage timings
 * (PdfResult.timings), medians of the runs. CPU: this process's (the Markdown
 * workers included) and Chromium's process tree, read from /proc.
 *
 *   npx tsx tools/bench/pdf-stages.ts [--runs 3] [--book quick|pdf|sample]
 *
 * The stages run from the compiled `lib/` (`npm run compile` first): tsx's
 * esbuild wraps named functions in a `__name` helper, and a function passed to
 * `page.evaluate` is sent to the page as its source text, where that helper
 * does not exist. tsc's output is what `galley` itself runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BOOK_PDF, writeBook, type GenerateOptions } from './generate.ts';
import { longBookOptions, sameLengthEdit } from './long-book.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const compiled = <T>(file: string) => import(pathToFileURL(path.join(ROOT, 'lib', file)).href) as Promise<T>;
const { prepare } = await compiled<typeof import('../../scripts/api/build.ts')>('api/build.js');
const { launchBrowser } = await compiled<typeof import('../../scripts/render/browser.ts')>('render/browser.js');
const { printFloor, renderPdf } = await compiled<typeof import('../../scripts/render/pdf/pdf.ts')>('render/pdf/pdf.js');
const { BuildCache } = await compiled<typeof import('../../scripts/model/build-cache.ts')>('model/build-cache.js');

const value = (name: string) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const runs = Number(value('--runs') ?? 3);
const only = value('--book');

/** CPU seconds of `pid` and every live descendant, plus what they reaped (/proc utime, stime, cutime, cstime). */
function treeCpu(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const parents = new Map<number, number[]>();
  const times = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which may hold spaces: state, ppid, … utime (14), stime, cutime, cstime.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
      times.set(Number(entry), fields.slice(11, 15).reduce((sum, t) => sum + Number(t), 0) / 100);
    } catch {
      // The process ended while the table was read.
    }
  }
  let total = 0;
  const queue = [pid];
  while (queue.length > 0) {
    const at = queue.pop()!;
    total += times.get(at) ?? 0;
    queue.push(...(parents.get(at) ?? []));
  }
  return total;
}
const ownCpu = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

const work = await mkdtemp(path.join(os.tmpdir(), 'galley-pdf-stages-'));
process.env.GALLEY_CACHE_DIR = path.join(work, 'cache');
const galley = await launchBrowser();
const chromium = galley.browser.process()?.pid;
try {
  const books: [string, string, string | undefined][] = [];
  const generated = async (name: string, options: GenerateOptions) => {
    const dir = path.join(work, name);
    const book = await writeBook(dir, options);
    books.push([name, dir, path.join(dir, book.chapters[Math.floor(book.chapters.length / 2)]!)]);
  };
  if (!only || only === 'quick') await generated('quick long book', longBookOptions(true));
  if (!only || only === 'pdf') await generated('BOOK_PDF', BOOK_PDF);
  if (!only || only === 'sample') books.push(['manuscript', path.join(ROOT, 'manuscript'), undefined]);
  for (const [name, dir, chapter] of books) {
    const floors: number[] = [];
    const stages = new Map<string, number[]>();
    const add = (key: string, seconds: number) => stages.set(key, [...(stages.get(key) ?? []), seconds]);
    let pages = 0;
    let prints = 0;
    for (let run = 0; run < runs; run++) {
      const a = await prepare(dir, undefined, { cache: false });
      const t = performance.now();
      await printFloor(a.book, a.pages, galley);
      floors.push((performance.now() - t) / 1000);
      for (const edited of [false, true]) {
        const original = chapter && edited ? await readFile(chapter, 'utf8') : undefined;
        const edit = original === undefined ? undefined : sameLengthEdit(original);
        if (edited && (!chapter || edit === undefined)) continue;
        const as = edited ? 'edit: ' : 'cold: ';
        try {
          // The edited run reads the cache an unedited run left, as a `galley build` after an edit does.
          if (edit !== undefined) await prepare(dir);
          if (edit !== undefined) await writeFile(chapter!, edit);
          const cpu = [ownCpu(), treeCpu(chromium)];
          let at = performance.now();
          const b = await prepare(dir, undefined, { cache: edited });
          add(`${as}markdown (prepare)`, (performance.now() - at) / 1000);
          at = performance.now();
          const result = await renderPdf(b.book, b.pages, path.join(work, 'out'), {
            browser: galley,
            errata: b.errata,
            // The text layer's cache only (render/pdf/text-layer-cache.ts): empty for the cold run, the cold run's
            // for the edited one, as in a `galley build` after an edit.
            cache: new BuildCache({ textLayer: path.join(work, `text-layer-${name}-${run}`) }),
          });
          add(`${as}renderPdf`, (performance.now() - at) / 1000);
          add(`${as}CPU galley`, ownCpu() - cpu[0]!);
          add(`${as}CPU Chromium`, treeCpu(chromium) - cpu[1]!);
          pages = result.pages;
          prints = result.prints;
          for (const [key, seconds] of Object.entries(result.timings)) add(`${as}  ${key}`, seconds);
          if (result.textLayer) {
            const { streams, reused, rewritten } = result.textLayer;
            console.log(`${name} ${as}text layer: ${streams} streams, ${reused} reused, ${rewritten} rewritten`);
          }
        } finally {
          if (original !== undefined) await writeFile(chapter!, original);
        }
      }
    }
    const f = median(floors);
    console.log(
      `${name}: ${pages} pages, ${prints} prints; floor ${f.toFixed(2)} s [load ${os.loadavg()[0]!.toFixed(2)}]`,
    );
    for (const [key, values] of stages) {
      console.log(
        `  ${key.padEnd(30)} ${median(values).toFixed(3)} s  (${values.map((v) => v.toFixed(3)).join(', ')})`,
      );
    }
  }
} finally {
  await galley.close();
  await rm(work, { recursive: true, force: true });
}
