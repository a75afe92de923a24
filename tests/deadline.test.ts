import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { withinDeadline } from '../scripts/util/deadline.ts';
import { ROOT } from './helpers.ts';
import { ownChromiumEnv } from './light-helpers.ts';

/** Pending timers: one left behind keeps a finished `galley` process alive until it fires. */
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('waiting with a deadline', () => {
  it('gives the work’s value and leaves no timer behind', async () => {
    const before = timers();
    expect(await withinDeadline(Promise.resolve(7), 60_000)).toBe(7);
    expect(timers()).toBe(before);
  });

  it('gives undefined when the deadline passes first', async () => {
    expect(await withinDeadline(new Promise<number>(() => undefined), 10)).toBeUndefined();
  });

  it('closing Chromium leaves no timer that would keep the process alive', () => {
    // A fresh process has no timer of its own: whatever is pending after the close was left by it.
    const script = `
      const { launchBrowser } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'lib/render/browser.js')).href)});
      const browser = await launchBrowser();
      await browser.close();
      console.log(JSON.stringify(process.getActiveResourcesInfo()));
      process.exit(0);`;
    // A launched Chromium (tests/shared-chromium.test.ts checks the same of a connected one).
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: ownChromiumEnv(process.env),
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).not.toContain('Timeout');
  });
});
