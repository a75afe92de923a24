/**
 * `npx tsx tools/figures/make-cover.ts`: the sample book's cover, `manuscript/images/cover.png` (and the Persian
 * edition's, `manuscript/fa/images/cover.png`): the pattern make-figures.ts draws (tools/figures/cover-art.png) with
 * the title, subtitle and authors from each edition's book.yaml set on it in the book's own typefaces. A cover image
 * is what a reading app shows in its library, so it carries the title the way a printed jacket does.
 *
 * Chromium sets the text (Persian needs shaping, right to left); the page loads nothing but data: URLs.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { launchBrowser } from '../../scripts/render/browser.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const fonts = join(root, 'node_modules', '@fontsource');
const dataUrl = (file: string, type: string) => `data:${type};base64,${readFileSync(file).toString('base64')}`;
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Edition {
  /** book.yaml's folder, relative to the repository. */
  dir: string;
  family: string;
  faces: [weight: number, file: string][];
}

const EDITIONS: Edition[] = [
  {
    dir: 'manuscript',
    family: 'Source Serif 4',
    faces: [
      [400, 'source-serif-4/files/source-serif-4-latin-400-normal.woff2'],
      [700, 'source-serif-4/files/source-serif-4-latin-700-normal.woff2'],
    ],
  },
  {
    dir: 'manuscript/fa',
    family: 'Vazirmatn',
    faces: [
      [400, 'vazirmatn/files/vazirmatn-arabic-400-normal.woff2'],
      [700, 'vazirmatn/files/vazirmatn-arabic-700-normal.woff2'],
    ],
  },
];

function coverHtml(edition: Edition, art: string): string {
  const config = parse(readFileSync(join(root, edition.dir, 'book.yaml'), 'utf8')) as {
    title: string;
    subtitle?: string;
    authors?: string[];
    language: string;
    direction?: string;
  };
  const faces = edition.faces
    .map(
      ([weight, file]) =>
        `@font-face { font-family: '${edition.family}'; font-weight: ${weight}; src: url(${dataUrl(join(fonts, file), 'font/woff2')}); }`,
    )
    .join('\n');
  return `<!doctype html><html lang="${config.language}" dir="${config.direction ?? 'ltr'}"><head><style>
${faces}
html, body { margin: 0; width: 800px; height: 1200px; }
body { background: url(${art}); font-family: '${edition.family}'; color: #f6f1e7; position: relative; }
/* A panel behind the text: the rings cross the title's place, and the title must read at thumbnail size. */
.panel { position: absolute; inset-inline: 56px; top: 392px; padding: 28px 24px 30px;
  background: rgb(22 32 50 / 0.88); border-radius: 4px; }
h1 { margin: 0; font-size: 64px; line-height: 1.08; font-weight: 700; letter-spacing: -0.01em; }
.rules { margin: 22px 0 20px; }
.rules div { height: 6px; background: #f0c478; }
.rules div + div { margin-top: 14px; width: 66%; }
p { margin: 0; font-size: 27px; line-height: 1.35; color: #e7dcc8; }
.authors { position: absolute; inset-inline: 80px; bottom: 64px; font-size: 30px; font-weight: 700; color: #f6f1e7; }
</style></head><body>
<div class="panel"><h1>${escape(config.title)}</h1><div class="rules"><div></div><div></div></div>${
    config.subtitle ? `<p>${escape(config.subtitle)}</p>` : ''
  }</div>
<div class="authors">${escape((config.authors ?? []).join(', '))}</div>
</body></html>`;
}

const art = dataUrl(join(here, 'cover-art.png'), 'image/png');
const browser = await launchBrowser();
try {
  for (const edition of EDITIONS) {
    const page = await browser.newPage();
    await page.setViewport({ width: 800, height: 1200 });
    await page.setContent(coverHtml(edition, art), { waitUntil: 'load' });
    await page.evaluate(() => document.fonts.ready);
    const file = join(root, edition.dir, 'images', 'cover.png');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, await page.screenshot({ type: 'png' }));
    process.stdout.write(`wrote ${file.slice(root.length + 1)}\n`);
    await page.close();
  }
} finally {
  await browser.close();
}
