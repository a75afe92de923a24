/**
 * `npm run screenshots [-- PAGE]`: pictures of the built web edition (dist/web) in light and dark, at desktop and
 * phone widths, into dist/screenshots/, for a reviewer to look at. The site is served on 127.0.0.1 under a
 * sub-path, as a host would; nothing else is reached.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { launchBrowser } from '../scripts/render/browser.ts';
import { serveSite } from '../scripts/render/web/server.ts';

const site = path.resolve(process.argv[3] ?? 'dist/web');
const pageName = process.argv[2] ?? 'part-2-math-foundations.html';
const out = path.resolve('dist/screenshots');
await mkdir(out, { recursive: true });
const server = await serveSite(site, { base: '/book/' });
const browser = await launchBrowser({ allowLoopback: true });
try {
  for (const [device, width, height] of [
    ['desktop', 1400, 900],
    ['phone', 390, 844],
  ] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      const page = await browser.newPage();
      await page.setViewport({ width, height, deviceScaleFactor: device === 'phone' ? 2 : 1 });
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
      await page.goto(server.url + pageName, { waitUntil: 'networkidle0' });
      const file = path.join(out, `${path.basename(pageName, '.html')}-${device}-${scheme}.png`);
      await page.screenshot({ path: file });
      process.stdout.write(`${path.relative(process.cwd(), file)}\n`);
      await page.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
}
