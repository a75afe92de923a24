/**
 * Figure 4 of the benchmark: `galley check --external` over 1,000 unique URLs
 * on a local server that answers every request after 20 ms, against
 * markdown-link-check (two links at a time) on the same Markdown.
 *
 *   npx tsx tools/bench/external-links.ts
 *
 * Times are medians; nothing here fails on timing.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { prepare } from '../../scripts/api/build.ts';
import { checkExternalLinks, type ExternalStats } from '../../scripts/checks/external-links.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MLC = path.join(ROOT, 'node_modules/.bin/markdown-link-check');

export interface ExternalBenchOptions {
  urls?: number;
  delayMs?: number;
  runs?: number;
  /** Overrides `links.external.per_host` (default 8). */
  perHost?: number;
  /** Only galley's time. */
  skipMlc?: boolean;
  log?: (line: string) => void;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Runs markdown-link-check on one file; resolves with its exit code and output. */
function runMlc(file: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    // Asynchronous on purpose: the server answering it lives in this process.
    execFile(
      MLC,
      ['--quiet', file],
      { cwd: path.dirname(file), maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error
          ? typeof (error as { code?: unknown }).code === 'number'
            ? (error as { code: number }).code
            : 1
          : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

export async function benchExternalLinks(
  options: ExternalBenchOptions = {},
): Promise<{ galleySeconds: number; mlcSeconds?: number }> {
  const urls = options.urls ?? 1000;
  const delayMs = options.delayMs ?? 20;
  const runs = options.runs ?? 3;
  const log = options.log ?? ((line: string) => console.log(line));

  let served = 0;
  const server = http.createServer((_req, res) => {
    served++;
    // As real servers do, with a length, so HEAD and GET answers can keep the connection alive.
    const body = '<p>ok</p>';
    const timer = setTimeout(
      () => res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(body) }).end(body),
      delayMs,
    );
    res.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'galley-bench-links-'));
  try {
    // One chapter holding every link, so markdown-link-check reads exactly the same Markdown.
    const lines = Array.from(
      { length: urls },
      (_, i) => `- [Reference ${i + 1}](http://127.0.0.1:${port}/ref/${i + 1}) on page ${i + 1}.`,
    );
    const chapter = path.join(dir, 'links.md');
    await writeFile(path.join(dir, 'book.yaml'), 'title: Link benchmark\n');
    await writeFile(path.join(dir, 'SUMMARY.md'), '# Summary\n\n- [Links](links.md)\n');
    await writeFile(chapter, `# Links\n\n${lines.join('\n')}\n`);

    const galley: number[] = [];
    let last: ExternalStats | undefined;
    for (let run = 0; run < runs; run++) {
      const { book } = await prepare(dir);
      served = 0;
      last = await checkExternalLinks(book, { noCache: true, perHost: options.perHost, privateNetworks: true });
      galley.push(last.seconds);
      if (last.broken || last.checked !== urls || served !== urls)
        log(`  warning: galley checked ${last.checked} of ${urls} URLs with ${served} requests, ${last.broken} broken`);
    }
    const galleySeconds = median(galley);
    const setting = options.perHost ? `, per_host ${options.perHost}` : '';
    log(
      `External links, ${urls.toLocaleString('en')} unique URLs, server answering after ${delayMs} ms${setting}: galley ${galleySeconds.toFixed(2)} s (median of ${runs}: ${galley.map((s) => s.toFixed(2)).join(', ')}; ${last?.requests} requests)`,
    );

    if (options.skipMlc) return { galleySeconds };
    if (!existsSync(MLC)) {
      log(
        '  markdown-link-check: not installed (node_modules/.bin/markdown-link-check missing); add it as a devDependency for the side-by-side ratio (target: galley ≥ 5× faster)',
      );
      return { galleySeconds };
    }
    const mlc: number[] = [];
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const result = await runMlc(chapter);
      mlc.push((performance.now() - started) / 1000);
      if (result.code !== 0)
        log(`  warning: markdown-link-check exited ${result.code}: ${result.output.split('\n').slice(-5).join(' | ')}`);
    }
    const mlcSeconds = median(mlc);
    const ratio = mlcSeconds / galleySeconds;
    log(
      `  markdown-link-check ${mlcSeconds.toFixed(2)} s (median of ${runs}: ${mlc.map((s) => s.toFixed(2)).join(', ')}): galley is ${ratio.toFixed(1)}× faster (target ≥ 5×: ${ratio >= 5 ? 'met' : 'not met'})`,
    );
    return { galleySeconds, mlcSeconds };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await benchExternalLinks();
  // For comparison: the floor at 8 per host is 1,000 / 8 × 20 ms = 2.5 s.
  await benchExternalLinks({ perHost: 16, skipMlc: true });
}
