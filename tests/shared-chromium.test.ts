/**
 * Builds in a shared Chromium (started here as tests/setup/shared-chromium.ts starts it for a harness): each
 * gets a context of its own whose proxy keeps the network out as the launched
 * browser's flags do, shares nothing with the others, leaves the browser up
 * when it closes, and leaves nothing behind when its process is killed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, SHARED_BROWSER_VARIABLE, type GalleyBrowser } from '../scripts/render/browser.ts';
import { ROOT } from './light-helpers.ts';
import startSharedChromium from './setup/shared-chromium.ts';

let endpoint: string | undefined;
let stopSharedChromium: (() => Promise<void>) | undefined;
let server: Server;
let origin: string;
const requests: string[] = [];

beforeAll(async () => {
  stopSharedChromium = await startSharedChromium();
  endpoint = process.env[SHARED_BROWSER_VARIABLE];
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    response.setHeader('Content-Type', 'text/html');
    response.end('<!doctype html><title>here</title><p>reached</p>');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await stopSharedChromium?.();
});

/** Opens `url` in a build's page: the text on success, the network error otherwise. */
async function visit(galley: GalleyBrowser, url: string): Promise<string> {
  const page = await galley.newPage();
  try {
    await page.goto(url, { timeout: 20_000 });
    return await page.evaluate(() => document.body.textContent ?? '');
  } catch (error) {
    return (error as Error).message;
  } finally {
    await page.close();
  }
}

/** The contexts the shared browser has now, as a fresh client sees them. */
async function sharedContextIds(): Promise<string[]> {
  const observer = await puppeteer.connect({ browserWSEndpoint: endpoint!, targetFilter: () => false });
  try {
    return observer
      .browserContexts()
      .map((context) => context.id)
      .filter((id): id is string => Boolean(id));
  } finally {
    await observer.disconnect();
  }
}

describe('a build in the shared Chromium', () => {
  it('is connected to it, not launched', async () => {
    expect(endpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\//);
    const galley = await launchBrowser();
    try {
      expect(galley.endpoint).toBe(endpoint);
      expect(galley.profileDir).toBe('');
      expect(galley.browser.process()).toBeNull();
    } finally {
      await galley.close();
    }
  });

  it('cannot reach a server on 127.0.0.1, nor anything else: its context goes to the dead proxy', async () => {
    const galley = await launchBrowser();
    try {
      const before = requests.length;
      expect(await visit(galley, `${origin}/walled`)).toMatch(/ERR_PROXY_CONNECTION_FAILED/);
      expect(await visit(galley, 'http://192.0.2.1/elsewhere')).toMatch(/ERR_PROXY_CONNECTION_FAILED/);
      expect(requests.slice(before)).toEqual([]);
      // A context of its own (isolated pages) has the same walls.
      const context = await galley.newContext();
      const page = await context.newPage();
      await expect(page.goto(`${origin}/isolated`, { timeout: 20_000 })).rejects.toThrow(/ERR_PROXY_CONNECTION_FAILED/);
      await context.close();
      expect(requests.slice(before)).toEqual([]);
    } finally {
      await galley.close();
    }
  });

  it('reaches 127.0.0.1 with allowLoopback, and still nothing else', async () => {
    const galley = await launchBrowser({ allowLoopback: true });
    try {
      expect(galley.endpoint).toBe(endpoint);
      expect(await visit(galley, `${origin}/loopback`)).toBe('reached');
      expect(requests).toContain('/loopback');
      expect(await visit(galley, 'http://192.0.2.1/elsewhere')).toMatch(/ERR_PROXY_CONNECTION_FAILED/);
    } finally {
      await galley.close();
    }
  });

  it('shares no cookies or storage with another build, and closing it leaves the browser up', async () => {
    const first = await launchBrowser({ allowLoopback: true });
    const second = await launchBrowser({ allowLoopback: true });
    try {
      const page = await first.newPage();
      await page.goto(`${origin}/first`);
      await page.evaluate(() => {
        document.cookie = 'kept=1';
        localStorage.setItem('kept', '1');
      });
      const other = await second.newPage();
      await other.goto(`${origin}/second`);
      expect(await other.evaluate(() => [document.cookie, localStorage.getItem('kept')])).toEqual(['', null]);
      expect(await page.evaluate(() => document.cookie)).toBe('kept=1');
    } finally {
      await first.close();
      await second.close();
    }
    expect(first.browser.connected).toBe(false);
    // The shared browser is still there for the next build.
    const next = await launchBrowser({ allowLoopback: true });
    try {
      expect(next.endpoint).toBe(endpoint);
      expect(await visit(next, `${origin}/next`)).toBe('reached');
    } finally {
      await next.close();
    }
  });

  it('loses its context with its process: a killed build leaves no page running in the shared browser', async () => {
    // A build that opens a page stuck in a script, says which context it is in, and is then killed.
    const script = `
      const { launchBrowser } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'lib/render/browser.js')).href)});
      const galley = await launchBrowser();
      const page = await galley.newPage();
      await page.setContent('<p>busy</p>');
      void page.evaluate('for (;;) {}').catch(() => {});
      console.log(page.browserContext().id);
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const id = line.toString().trim();
    expect(await sharedContextIds()).toContain(id);
    child.kill('SIGKILL');
    await once(child, 'exit');
    let ids = await sharedContextIds();
    for (let tries = 0; ids.includes(id) && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ids = await sharedContextIds();
    }
    expect(ids).not.toContain(id);
  });
});

describe('closing a connected build', () => {
  it('leaves nothing that keeps its process alive', () => {
    // The process ends by itself once the build is closed: a timer or socket left behind would hold it (a launched
    // browser's close once kept every `galley build` idle for five seconds; a WebSocket's closing handshake has 30).
    const script = `
      const { launchBrowser } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'lib/render/browser.js')).href)});
      const galley = await launchBrowser();
      await (await galley.newPage()).setContent('<p>x</p>');
      await galley.close();
      console.log(JSON.stringify({ connected: Boolean(galley.endpoint), closedAt: Date.now() }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    const exitedAt = Date.now();
    const { connected, closedAt } = JSON.parse(out.trim().split('\n').pop()!) as {
      connected: boolean;
      closedAt: number;
    };
    expect(connected).toBe(true);
    // Puppeteer waits 100 ms for a page that might come back; seconds would be something left running.
    expect(exitedAt - closedAt).toBeLessThan(2000);
  });
});

describe('a build whose shared Chromium is not there', () => {
  it('launches its own instead of failing', async () => {
    // A port nothing listens on (the server's, closed for this test, would race); 9 is the dead proxy's.
    process.env[SHARED_BROWSER_VARIABLE] = 'ws://127.0.0.1:9/devtools/browser/gone';
    let galley: GalleyBrowser | undefined;
    try {
      galley = await launchBrowser();
      expect(galley.endpoint).toBeUndefined();
      expect(galley.profileDir).toMatch(/galley-chromium-/);
      expect(galley.browser.process()?.pid).toBeGreaterThan(0);
    } finally {
      process.env[SHARED_BROWSER_VARIABLE] = endpoint;
      await galley?.close();
    }
  });

  it('launches its own when the endpoint is not on this machine, and says so', async () => {
    process.env[SHARED_BROWSER_VARIABLE] = 'ws://192.0.2.1:9222/devtools/browser/remote';
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    let galley: GalleyBrowser | undefined;
    try {
      galley = await launchBrowser();
      expect(galley.endpoint).toBeUndefined();
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.join('\n')).toMatch(/GALLEY_BROWSER_WS_ENDPOINT is not a browser on this machine/);
    } finally {
      process.off('warning', onWarning);
      process.env[SHARED_BROWSER_VARIABLE] = endpoint;
      await galley?.close();
    }
  });
});
