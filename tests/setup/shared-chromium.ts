/**
 * One Chromium for many builds, as a harness starts it (usable as a vitest
 * global setup; tests/shared-chromium.test.ts starts it for its own tests).
 * Its endpoint goes in GALLEY_BROWSER_WS_ENDPOINT, which workers and every
 * `galley` they spawn inherit, so each build opens its own context there
 * (scripts/render/browser.ts). Not the test run's global setup: measured, a
 * context compiles scripts without the code cache a launched browser keeps,
 * and the suite cost more CPU with it (decision 0025, round five).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { TargetType } from 'puppeteer-core';
import { CHROMIUM_ARGS, findChromium, SHARED_BROWSER_VARIABLE } from '../../scripts/render/browser.ts';

export default async function setup() {
  const profileDir = mkdtempSync(path.join(os.tmpdir(), 'galley-shared-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: findChromium(),
    headless: true,
    // A DevTools port on 127.0.0.1 (port 0: any free one) instead of a pipe, so other processes can connect.
    pipe: false,
    userDataDir: profileDir,
    // Each build's context carries the dead proxy itself, with or without loopback (contextWalls()): a connected
    // build never opens a page outside its own contexts.
    args: CHROMIUM_ARGS.filter((arg) => !arg.startsWith('--proxy-')),
    timeout: 60_000,
    // This client only starts and stops the browser: attached to every build's pages, it would have Chromium report
    // their every event to it.
    targetFilter: (target) => target.type() === TargetType.BROWSER,
    waitForInitialPage: false,
  });
  const previous = process.env[SHARED_BROWSER_VARIABLE];
  process.env[SHARED_BROWSER_VARIABLE] = browser.wsEndpoint();
  return async () => {
    if (previous === undefined) delete process.env[SHARED_BROWSER_VARIABLE];
    else process.env[SHARED_BROWSER_VARIABLE] = previous;
    await browser.close().catch(() => undefined);
    const child = browser.process();
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(profileDir, { recursive: true, force: true });
  };
}
