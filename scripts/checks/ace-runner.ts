import { readFile } from 'node:fs/promises';
import type { HTTPRequest } from 'puppeteer-core';
import { launchBrowser, type GalleyBrowser } from '../render/browser.ts';

/**
 * Ace's browser runner (the interface of @daisy/ace-axe-runner-puppeteer:
 * launch, run, close), on Galley's own Chromium launch. That package depends
 * on the full `puppeteer`, whose install script downloads a browser into
 * every project that installs Galley; this one uses puppeteer-core, the
 * system's Chromium and the dead-proxy flags of every other Galley browser.
 */
export interface AceRunner {
  concurrency: number;
  setTimeout(ms: number | string): void;
  launch(): Promise<void>;
  close(): Promise<void>;
  run(url: string, scripts: string[], scriptContents: string[], basedir?: string): Promise<unknown>;
}

/**
 * What runs in the page, as text: a function passed to `evaluate` would be
 * serialised from its compiled form, and a transpiler's helpers (esbuild's
 * `__name` under vitest and tsx) do not exist in the page.
 */
const RUN_ACE = `new Promise((resolve, reject) => {
  let tries = 0;
  const attempt = () => {
    const ace = window.daisy && window.daisy.ace;
    if (!ace || !ace.run || !ace.createReport || !window.axe) {
      tries++;
      if (tries < 15) setTimeout(attempt, 400);
      else reject(new Error("Ace's scripts did not load after " + tries + ' tries'));
      return;
    }
    ace.run((error, result) => (error ? reject(error) : resolve(result)));
  };
  attempt();
})`;

/** Answers a file: XHTML document as XHTML (Chromium would parse a `.html` file as HTML), aborts every http(s) request. */
function interceptRequest(request: HTTPRequest): void {
  const url = request.url();
  if (/^https?:\/\//i.test(url)) {
    void request.abort();
    return;
  }
  if (request.resourceType() === 'document' && /^file:\//.test(url) && /\.html?$/.test(url)) {
    readFile(new URL(url), 'utf8').then(
      (body) => request.respond({ status: 200, contentType: 'application/xhtml+xml', body }),
      () => request.continue(),
    );
    return;
  }
  void request.continue();
}

export function createAceRunner(executablePath: string): AceRunner {
  let browser: GalleyBrowser | undefined;
  return {
    concurrency: 4,
    setTimeout() {
      // Galley's launch has its own protocol timeout.
    },
    async launch() {
      browser = await launchBrowser({ executablePath });
    },
    async close() {
      await browser?.close();
      browser = undefined;
    },
    async run(url, scripts, scriptContents) {
      if (!browser) throw new Error('Ace runner: the browser is not running');
      const page = await browser.newPage();
      try {
        await page.setRequestInterception(true);
        page.on('request', interceptRequest);
        await page.goto(url);
        for (const content of scriptContents) {
          const element = await page.addScriptTag({ content });
          await element.evaluate((node) => node.setAttribute('data-ace', ''));
        }
        for (const file of scripts) {
          const element = await page.addScriptTag({ path: file });
          await element.evaluate((node) => node.setAttribute('data-ace', ''));
        }
        // Ace's scripts register themselves asynchronously: wait for them as Ace's own runner does (15 × 400 ms).
        return await page.evaluate(RUN_ACE);
      } finally {
        await page.close().catch(() => undefined);
      }
    },
  };
}
