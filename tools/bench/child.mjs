// Child processes of `npm run bench`, so every figure is a whole, fresh process:
//   node tools/bench/child.mjs cli <galley arguments…>   the `galley` command, compiled (lib/), as the package runs it
//   node tools/bench/child.mjs process <manuscript> <workers> [cache dir]   processChapters alone
// Each prints one last line to stderr, `GALLEY_BENCH {json}`, with the process's peak memory
// (process.resourceUsage().maxRSS, the kernel's ru_maxrss that /usr/bin/time -v reports, in kB).
const [mode, ...args] = process.argv.slice(2);
// CPU seconds (user + system, every thread) beside wall time: on a loaded machine they move less.
const report = (extra) => {
  const usage = process.resourceUsage();
  process.stderr.write(
    `\nGALLEY_BENCH ${JSON.stringify({ maxRssKb: usage.maxRSS, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, ...extra })}\n`,
  );
};
if (mode === 'cli') {
  // As lib/galley.js starts: the compile cache (Node 22.1+) before the CLI's modules load.
  const { enableCompileCache } = await import('../../lib/util/compile-cache.js');
  enableCompileCache();
  const { main } = await import('../../lib/cli.js');
  const code = await main(args);
  // The chapter loop's stats live on each build's cache now (model/build-cache.ts), which the CLI does not hand
  // out: the `process` mode measures the loop alone.
  report({ code });
  process.exitCode = code;
} else if (mode === 'process') {
  // measure.ts is a development script: TypeScript through tsx.
  const { register } = await import('tsx/esm/api');
  register();
  const { processMeasure } = await import('./measure.ts');
  report(await processMeasure(args[0], Number(args[1]), args[2]));
} else {
  process.stderr.write('usage: child.mjs cli|process …\n');
  process.exitCode = 2;
}
