/**
 * `npm run bench`: the figures of issues 9, 20 and 31, measured side by side in one run
 * on deterministic synthetic books (tools/bench/generate.ts). Every figure
 * is the median of several runs and is printed with its ratio to the baseline
 * measured in the same run, each baseline run right beside a Galley run (the
 * machine is shared: both see the same load), with the load average at the
 * figure and the child's CPU seconds. It never fails on timing: it is a
 * measurement, not a test. Options:
 *
 *   --runs N      runs per measurement (default 3)
 *   --quick       smaller books and one run each (a smoke run; not the targets' figures)
 *   --only 1,3    some figures only (6: start-up of the compiled package; 7–10: the 700-page book,
 *                 tools/bench/long-book.ts)
 *   --profile     also write a CPU profile of one cold 200k build and print its top frames
 *   --keep        keep the generated books and outputs (printed at the end)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BOOK_1M, BOOK_200K, BOOK_PDF, writeBook, type GenerateOptions, type GeneratedBook } from './generate.ts';
import { formatSummary, summarise, type CpuProfile } from './profile.ts';
import { measureStartup, startupLines } from './startup.ts';
import { benchLongBook } from './long-book.ts';
import { CHILD, ROOT, failure, galleyBuild, list, median, s, timed, verdict, type Timed } from './run.ts';

interface Args {
  runs: number;
  quick: boolean;
  only?: Set<number>;
  keep: boolean;
  profile: boolean;
}

function parseArgs(argv: string[]): Args {
  const value = (name: string) => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const runs = Number(value('--runs') ?? (quick ? 1 : 3));
  const only = value('--only');
  return {
    runs: Number.isFinite(runs) && runs >= 1 ? Math.floor(runs) : 3,
    quick,
    only: only ? new Set(only.split(',').map(Number)) : undefined,
    keep: argv.includes('--keep'),
    profile: argv.includes('--profile'),
  };
}

export { median };
const ms = (milliseconds: number) => `${milliseconds.toFixed(0)} ms`;
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

interface Pandoc {
  version?: string;
}

function findPandoc(): Pandoc {
  const result = spawnSync('pandoc', ['--version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return {};
  return { version: result.stdout.split('\n')[0]!.trim() };
}

/** Pandoc's EPUB of the same Markdown: the chapters in TOC order, footnotes scoped per file, MathML. */
function pandocEpub(book: GeneratedBook, root: string, out: string): Promise<Timed> {
  // Chapters sit one folder deep and name images `../images/…`: resolve them from a chapter folder.
  const chapterDir = path.join(
    root,
    path.dirname(book.chapters.find((c) => c.startsWith('part-')) ?? book.chapters[0]!),
  );
  const args = [
    '--mathml',
    '--file-scope',
    `--resource-path=${chapterDir}${path.delimiter}${root}`,
    '-f',
    'markdown',
    '-t',
    'epub3',
    '--metadata',
    'title=Benchmark',
    '--metadata',
    'lang=en',
    '-o',
    out,
    ...book.chapters,
  ];
  return timed('pandoc', args, { cwd: root });
}

const loadNow = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

class Report {
  readonly lines: string[] = [];
  /** A figure, with the load average as it was when its last run ended: the machine is shared. */
  figure(line: string) {
    const withLoad = `${line} [load ${loadNow()}]`;
    this.lines.push(withLoad);
    console.log(withLoad);
  }
  detail(line: string) {
    console.log(`     ${line}`);
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const want = (n: number) => !args.only || args.only.has(n);
  const work = await mkdtemp(path.join(os.tmpdir(), 'galley-bench-'));
  // Every cache this run uses lives in the work folder, never in the checkout.
  process.env.GALLEY_CACHE_DIR = path.join(work, 'cache-in-process');
  const report = new Report();
  const load = loadNow;
  const pandoc = findPandoc();
  const scale = (options: GenerateOptions, factor: number): GenerateOptions =>
    args.quick
      ? {
          ...options,
          chapters: Math.max(4, Math.round(options.chapters! * factor)),
          words: Math.round(options.words! * factor),
          parts: Math.max(1, Math.round(options.parts! * factor)),
        }
      : options;
  const books = { b200k: scale(BOOK_200K, 0.25), b1m: scale(BOOK_1M, 0.25), pdf: scale(BOOK_PDF, 0.34) };
  const name200 = args.quick ? '50k-word' : '200k-word';
  const name1m = args.quick ? '250k-word' : '1M-word';

  console.log(
    `Galley benchmark: ${args.runs} run${args.runs === 1 ? '' : 's'} per figure, medians${args.quick ? ' (quick: books a quarter the size; not the targets’ figures)' : ''}`,
  );
  console.log(
    `  Node ${process.version}, ${os.availableParallelism()} cores (${os.cpus()[0]?.model.trim() ?? 'cpu'}), load average ${load()} at start`,
  );
  console.log(`  pandoc: ${pandoc.version ?? 'not installed'}`);
  const help = spawnSync(process.execPath, [CHILD, 'cli', 'build', '--help'], { cwd: ROOT, encoding: 'utf8' });
  const noCacheFlag = `${help.stdout}${help.stderr}`.includes('--no-cache');
  if (!noCacheFlag)
    console.log('  galley build has no --no-cache yet: "cold" runs get a fresh, empty cache folder each');
  console.log(`  books and outputs in ${work}`);
  console.log('');

  const started = performance.now();
  try {
    let book200: GeneratedBook | undefined;
    const dir200 = path.join(work, 'book-200k');
    const ensure200 = async () => (book200 ??= await writeBook(dir200, books.b200k));
    let cold = 0;
    /** Cold build: no cache (flag, or a fresh folder per run). */
    const coldBuild = (manuscript: string, out: string) => {
      cold++;
      const env = { ...process.env, GALLEY_CACHE_DIR: path.join(work, `cache-cold-${cold}`) };
      return galleyBuild(manuscript, out, noCacheFlag ? ['--no-cache'] : [], env);
    };

    /**
     * One Pandoc run, taken right beside a Galley run so both see the same
     * load (the machine is shared): undefined without Pandoc or when it fails.
     */
    let pandocBroken = false;
    /** The last Pandoc run's CPU seconds (/proc cutime + cstime): on a loaded machine CPU moves less than wall time. */
    let pandocCpu: number | undefined;
    const pandocOnce = async (): Promise<number | undefined> => {
      pandocCpu = undefined;
      if (!pandoc.version || pandocBroken) return undefined;
      const book = await ensure200();
      const result = await pandocEpub(book, dir200, path.join(work, 'pandoc.epub'));
      if (failure(result)) {
        report.detail(`pandoc failed: ${failure(result)}`);
        pandocBroken = true;
        return undefined;
      }
      pandocCpu = result.treeCpuSeconds;
      return result.seconds;
    };
    let pandocTimes: number[] | undefined;
    const pandocCpus: number[] = [];
    /** Galley's CPU against Pandoc's, both whole processes: the ratio the load moves least. */
    const cpuRatio = (galley: number[], pandocs: number[]) =>
      galley.length && pandocs.length
        ? `CPU time: galley ${s(median(galley))} vs pandoc ${s(median(pandocs))} = ${(median(galley) / median(pandocs)).toFixed(2)}×`
        : undefined;
    let cpu200: number[] = [];
    const pandocMedian = (): number | undefined => (pandocTimes?.length ? median(pandocTimes) : undefined);

    // Figure 1: cold HTML + EPUB of the 200k-word book against Pandoc's EPUB.
    let galley200: number | undefined;
    let rss200: number | undefined;
    const measure200 = async () => {
      if (galley200 !== undefined) return galley200;
      await ensure200();
      const times: number[] = [];
      const rss: number[] = [];
      const cpu: number[] = [];
      let loop: Timed['chapters'];
      for (let run = 0; run < args.runs; run++) {
        const result = await coldBuild(dir200, path.join(work, 'out-200k'));
        const failed = failure(result);
        if (failed) {
          report.detail(`galley build failed: ${failed}`);
          return undefined;
        }
        // Its baseline beside it, in the same minute of load.
        const base = await pandocOnce();
        if (base !== undefined) (pandocTimes ??= []).push(base);
        if (pandocCpu !== undefined) pandocCpus.push(pandocCpu);
        times.push(result.seconds);
        if (result.maxRssKb) rss.push(result.maxRssKb);
        if (result.cpuSeconds !== undefined) cpu.push(result.cpuSeconds);
        cpu200 = cpu;
        loop = result.chapters;
      }
      rss200 = median(rss);
      if (cpu.length) report.detail(`galley CPU (user + system, all threads): ${list(cpu)}, median ${s(median(cpu))}`);
      galley200 = median(times);
      const threads = loop
        ? loop.workers
          ? `main thread + ${loop.workers} worker (${loop.onWorkers} of ${loop.chapters} chapters on it)`
          : 'one thread'
        : 'threads unknown';
      report.detail(`galley runs: ${list(times)}; peak memory ${mb(rss200)}; chapters on ${threads}`);
      return galley200;
    };
    if (want(1)) {
      const book = await ensure200();
      const galley = await measure200();
      const base = pandocMedian();
      if (pandocTimes)
        report.detail(`pandoc runs: ${list(pandocTimes)} (${pandoc.version}, --mathml, ${book.chapters.length} files)`);
      const byCpu = cpuRatio(cpu200, pandocCpus);
      if (byCpu) report.detail(byCpu);
      if (galley === undefined) {
        report.figure(`1. Cold HTML+EPUB, ${name200} book: galley build failed`);
      } else if (base === undefined) {
        report.figure(
          `1. Cold HTML+EPUB, ${name200} book (${book.chapters.length} chapters), whole process: galley ${s(galley)}; pandoc: not installed, no ratio (target ≤ 0.5×)`,
        );
      } else {
        report.figure(
          `1. Cold HTML+EPUB, ${name200} book (${book.chapters.length} chapters), whole process: galley ${s(galley)} vs pandoc --mathml EPUB ${s(base)} = ${(galley / base).toFixed(2)}× (target ≤ 0.5×: ${verdict(galley / base <= 0.5)})`,
        );
      }
      // Worker threads: the chapter loop alone, serial against main thread + one worker, in fresh processes.
      const serial: number[] = [];
      const parallel: number[] = [];
      let onWorker = 0;
      for (let run = 0; run < args.runs; run++) {
        for (const workers of [0, 1]) {
          const result = await timed(process.execPath, [CHILD, 'process', dir200, String(workers)]);
          const line = /GALLEY_BENCH (\{.*\})\s*$/.exec(result.stderr);
          if (!line) continue;
          const measured = JSON.parse(line[1]!) as { seconds: number; stats: { onWorkers: number } };
          (workers ? parallel : serial).push(measured.seconds);
          if (workers) onWorker = measured.stats.onWorkers;
        }
      }
      if (serial.length && parallel.length) {
        const ratio = median(serial) / median(parallel);
        report.detail(
          `chapter loop alone: serial ${s(median(serial))} (${list(serial)}), main thread + 1 worker ${s(median(parallel))} (${list(parallel)}): ${ratio.toFixed(2)}× (${onWorker} of ${book.chapters.length} chapters on the worker)`,
        );
      }
    }

    // Figure 2: a rebuild after editing one chapter, with the cache warm.
    if (want(2)) {
      const book = await ensure200();
      const edited = path.join(dir200, book.chapters[Math.floor(book.chapters.length / 2)]!);
      const original = await readFile(edited, 'utf8');
      const env = { ...process.env, GALLEY_CACHE_DIR: path.join(work, 'cache-warm') };
      const out = path.join(work, 'out-rebuild');
      const warmup = await galleyBuild(dir200, out, [], env);
      const times: number[] = [];
      const hits: string[] = [];
      const beside: number[] = [];
      const besideCpu: number[] = [];
      const cpu: number[] = [];
      try {
        if (failure(warmup)) {
          report.detail(`warm-up build failed: ${failure(warmup)}`);
        } else {
          for (let run = 0; run < args.runs; run++) {
            await writeFile(edited, `${original}\nA sentence added in rebuild ${run + 1}, as an author would.\n`);
            const result = await galleyBuild(dir200, out, [], env);
            if (failure(result)) {
              report.detail(`rebuild failed: ${failure(result)}`);
              break;
            }
            times.push(result.seconds);
            if (result.cpuSeconds !== undefined) cpu.push(result.cpuSeconds);
            if (result.chapters) hits.push(`${result.chapters.hits}/${result.chapters.chapters}`);
            await writeFile(edited, original);
            const base = await pandocOnce();
            if (base !== undefined) beside.push(base);
            if (pandocCpu !== undefined) besideCpu.push(pandocCpu);
          }
        }
      } finally {
        await writeFile(edited, original);
      }
      const base = beside.length ? median(beside) : undefined;
      if (times.length === 0) {
        report.figure(`2. Rebuild after editing one chapter: failed`);
      } else {
        report.detail(
          `rebuild runs: ${list(times)}; chapters from the cache: ${hits.join(', ') || 'unknown'} (cold build: ${galley200 !== undefined ? s(galley200) : 'not measured'})`,
        );
        if (beside.length) report.detail(`pandoc runs beside them: ${list(beside)}`);
        if (cpu.length)
          report.detail(`rebuild CPU (user + system, all threads): ${list(cpu)}, median ${s(median(cpu))}`);
        const byCpu = cpuRatio(cpu, besideCpu);
        if (byCpu) report.detail(byCpu);
        const rebuild = median(times);
        report.figure(
          base === undefined
            ? `2. Rebuild after editing one chapter (warm cache), whole process: galley ${s(rebuild)}; pandoc: not installed, no ratio (target ≤ 0.1×)`
            : `2. Rebuild after editing one chapter (warm cache), whole process: galley ${s(rebuild)} vs pandoc ${s(base)} = ${(rebuild / base).toFixed(2)}× (target ≤ 0.1×: ${verdict(rebuild / base <= 0.1)})`,
        );
      }
      // The same edit in galley dev's warm process: save to updated web page.
      try {
        const { startDev } = await import('../../scripts/api/dev.ts');
        const session = await startDev({ manuscript: dir200, out: path.join(work, 'out-dev') });
        const warm: number[] = [];
        try {
          const rounds = Math.max(args.runs, 5);
          for (let run = 0; run < rounds; run++) {
            await writeFile(edited, `${original}\nA sentence added while galley dev runs (${run + 1}).\n`);
            const event = await session.rebuild([edited]);
            warm.push(event.milliseconds);
            // The search index follows each page; an author's next save comes later than that.
            await session.settled();
          }
        } finally {
          await session.close();
          await writeFile(edited, original);
        }
        const m = median(warm);
        report.detail(`galley dev rebuilds: ${list(warm, ms)}`);
        report.figure(
          `2b. galley dev, warm process, save to updated web page: ${ms(m)} (target ≤ 100 ms: ${verdict(m <= 100)})`,
        );
      } catch (error) {
        report.figure(`2b. galley dev, warm process: not measured (${(error as Error).message})`);
      }
    }

    // Figure 3: the PDF against one plain page.pdf (the floor) and against Paged.js.
    if (want(3)) {
      const dir = path.join(work, 'book-pdf');
      await writeBook(dir, books.pdf);
      const { prepare } = await import('../../scripts/api/build.ts');
      const { book, pages } = await prepare(dir);
      let browserModule: typeof import('../../scripts/render/browser.ts') | undefined;
      let pdfModule: typeof import('../../scripts/render/pdf/pdf.ts') | undefined;
      try {
        browserModule = await import('../../scripts/render/browser.ts');
        pdfModule = await import('../../scripts/render/pdf/pdf.ts');
      } catch (error) {
        report.figure(`3. PDF: pending (${(error as Error).message})`);
      }
      if (browserModule && pdfModule) {
        const { pagedPolyfill, runPagedJs } = await import('./pagedjs.ts');
        const polyfill = pagedPolyfill();
        let galley: GalleyBrowserLike | undefined;
        try {
          galley = await browserModule.launchBrowser();
        } catch (error) {
          report.figure(`3. PDF: not measured, no browser (${(error as Error).message})`);
        }
        if (galley) {
          const floor: number[] = [];
          const printOnly: number[] = [];
          const ours: number[] = [];
          const paged: number[] = [];
          let pageCount = 0;
          let pagedPages = 0;
          let pending: string | undefined;
          let pagedFailed: string | undefined;
          const stages = new Map<string, number[]>();
          try {
            for (let run = 0; run < args.runs; run++) {
              const t = performance.now();
              const single = await pdfModule.printFloor(book, pages, galley);
              floor.push((performance.now() - t) / 1000);
              printOnly.push(single.seconds);
              if (!pending) {
                try {
                  const result = await pdfModule.renderPdf(book, pages, path.join(work, 'out-pdf'), {
                    browser: galley,
                  });
                  ours.push(result.seconds);
                  pageCount = result.pages;
                  for (const [stage, seconds] of Object.entries(result.timings))
                    stages.set(stage, [...(stages.get(stage) ?? []), seconds]);
                } catch (error) {
                  pending = (error as Error).message;
                }
              }
              if (polyfill && existsSync(polyfill) && !pagedFailed) {
                // Paged.js may time out on a loaded machine: the figure keeps Galley's and the floor's times.
                try {
                  const result = await runPagedJs(book, pages, galley);
                  paged.push(result.seconds);
                  pagedPages = result.pages;
                } catch (error) {
                  pagedFailed = (error as Error).message;
                  report.detail(`Paged.js failed: ${pagedFailed}`);
                }
              }
            }
          } finally {
            await galley.close();
          }
          report.detail(
            `floor, one plain print of the composed HTML: ${list(floor)} from composing to bytes (of which page.pdf alone ${list(printOnly)})`,
          );
          if (ours.length) {
            report.detail(
              `galley renderPdf (two prints, TOC page numbers, running heads, pdf-lib finish): ${list(ours)}; ${pageCount} pages`,
            );
            report.detail(
              `its stages, medians: ${[...stages].map(([stage, values]) => `${stage} ${s(median(values))}`).join(', ')}`,
            );
          }
          if (paged.length) {
            report.detail(
              `Paged.js polyfill in the same Chromium, target-counter TOC: ${list(paged)}; ${pagedPages} pages`,
            );
          }
          if (pending || ours.length === 0) {
            report.figure(
              `3. PDF of ~300 pages: pending (renderPdf: ${pending ?? 'not run'}); floor ${s(median(floor))}`,
            );
          } else {
            const g = median(ours);
            const f = median(floor);
            const vsFloor = `${s(g)} vs floor ${s(f)} = ${(g / f).toFixed(2)}× (target ≤ 1.2×, issue 20: ${verdict(g / f <= 1.2)})`;
            const vsPaged = paged.length
              ? `; Paged.js ${s(median(paged))} = ${(median(paged) / g).toFixed(2)}× slower (target ≥ 3×: ${verdict(median(paged) / g >= 3)})`
              : pagedFailed
                ? '; Paged.js: failed'
                : '; Paged.js: not installed';
            report.figure(
              `3. PDF, ${pageCount} pages with TOC page numbers and running heads: galley ${vsFloor}${vsPaged}`,
            );
          }
        }
      }
    }

    // Figure 4: external links.
    if (want(4)) {
      const { benchExternalLinks } = await import('./external-links.ts');
      const urls = args.quick ? 200 : 1000;
      const result = await benchExternalLinks({ runs: args.runs, urls, log: (line) => report.detail(line.trim()) });
      if (result.mlcSeconds === undefined) {
        report.figure(
          `4. galley check --external, ${urls.toLocaleString('en')} URLs: galley ${s(result.galleySeconds)}; markdown-link-check: not installed (target ≥ 5× faster)`,
        );
      } else {
        const ratio = result.mlcSeconds / result.galleySeconds;
        report.figure(
          `4. galley check --external, ${urls.toLocaleString('en')} URLs (server answering after 20 ms): galley ${s(result.galleySeconds)} vs markdown-link-check ${s(result.mlcSeconds)} = ${ratio.toFixed(1)}× faster (target ≥ 5×: ${verdict(ratio >= 5)})`,
        );
      }
    }

    // Figure 5: the 1M-word book, peak memory and time against the 200k book's.
    if (want(5)) {
      const dir = path.join(work, 'book-1m');
      const book = await writeBook(dir, books.b1m);
      await ensure200();
      const times: number[] = [];
      const rss: number[] = [];
      const smallTimes: number[] = [];
      let loop: Timed['chapters'];
      for (let run = 0; run < args.runs; run++) {
        const result = await coldBuild(dir, path.join(work, 'out-1m'));
        const failed = failure(result);
        if (failed) {
          report.detail(`1M build failed: ${failed}`);
          break;
        }
        // The 200k book's cold build beside it: the ratio compares runs under the same load.
        const beside = await coldBuild(dir200, path.join(work, 'out-200k-beside'));
        if (!failure(beside)) smallTimes.push(beside.seconds);
        times.push(result.seconds);
        if (result.maxRssKb) rss.push(result.maxRssKb);
        loop = result.chapters;
      }
      if (times.length === 0) {
        report.figure(`5. ${name1m} book: build failed`);
      } else {
        const t = median(times);
        const peak = Math.max(...rss);
        const threads = loop
          ? loop.workers
            ? `main thread + ${loop.workers} worker (${loop.onWorkers} of ${loop.chapters} chapters on it)`
            : 'one thread'
          : 'threads unknown';
        report.detail(`runs: ${list(times)}; peak memory per run ${rss.map(mb).join(', ')}; chapters on ${threads}`);
        if (smallTimes.length) report.detail(`${name200} book's cold builds beside them: ${list(smallTimes)}`);
        const small = smallTimes.length ? median(smallTimes) : undefined;
        const memory = `peak memory ${mb(peak)} (target ≤ 1,024 MB: ${verdict(peak <= 1024 * 1024)})`;
        const time =
          small === undefined
            ? 'no 200k time to compare with'
            : `${s(t)} = ${(t / small).toFixed(2)}× the ${name200} book's ${s(small)} (target ≤ 5.5×: ${verdict(t / small <= 5.5)})`;
        report.figure(
          `5. Cold HTML+EPUB, ${name1m} book (${book.chapters.length} chapters), whole process: ${memory}; ${time}`,
        );
      }
    }

    // Figure 6: start-up of the compiled package against a bare `node -e 0`.
    if (want(6)) {
      const { figure, details } = startupLines(await measureStartup(ROOT, work, Math.max(args.runs, 5)));
      for (const line of details) report.detail(line);
      report.figure(figure);
    }

    // Figures 7–10 (issue 31): the ~700-page print book's PDF cold and after an edit, every format, CPU per wall.
    if ([7, 8, 9, 10].some(want)) {
      try {
        await benchLongBook({ work, runs: args.runs, quick: args.quick, report, want });
      } catch (error) {
        report.figure(`7–10. The 700-page book: not measured (${(error as Error).message})`);
      }
    }

    if (args.profile) {
      await ensure200();
      const dir = path.join(work, 'profile');
      await mkdir(dir, { recursive: true });
      // One thread, so the profile shows the whole pipeline in one place.
      const env = { ...process.env, GALLEY_CACHE_DIR: path.join(work, 'cache-profile'), GALLEY_WORKERS: '0' };
      const profiled = await galleyBuild(
        dir200,
        path.join(work, 'out-profile'),
        noCacheFlag ? ['--no-cache'] : [],
        env,
        ['--cpu-prof', `--cpu-prof-dir=${dir}`],
      );
      if (failure(profiled)) report.detail(`profiled build failed: ${failure(profiled)}`);
      const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
      let biggest: { file: string; size: number } | undefined;
      for (const file of files) {
        const size = (await readFile(path.join(dir, file))).length;
        if (!biggest || size > biggest.size) biggest = { file, size };
      }
      if (biggest) {
        console.log('');
        console.log(`CPU profile of one cold ${name200} build (main thread, ${path.join(dir, biggest.file)}):`);
        console.log(
          formatSummary(
            summarise(JSON.parse(await readFile(path.join(dir, biggest.file), 'utf8')) as CpuProfile, 15),
          ).replace(/^/gm, '  '),
        );
      }
    }
  } finally {
    console.log('');
    console.log(
      `Summary (${((performance.now() - started) / 1000).toFixed(0)} s; load average ${load()} at the end; this machine is shared, so figures move with its load):`,
    );
    for (const line of report.lines) console.log(`  ${line}`);
    if (args.keep) console.log(`Kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

type GalleyBrowserLike = import('../../scripts/render/browser.ts').GalleyBrowser;

await main();
