// Puppeteer must never download a browser: Galley drives the system's Chromium
// (Debian's `chromium`), found by scripts/render/browser.ts.
module.exports = { skipDownload: true };
