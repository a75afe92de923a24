/**
 * Which Chromium a build uses, found without starting it or loading
 * puppeteer-core: where the binary is, a shared browser's endpoint, and an
 * identity of the browser for keys of what it draws (render/diagrams). The
 * launch itself is render/browser.ts.
 */
import { realpathSync, statSync } from 'node:fs';

/**
 * Where Chromium usually lives. Galley drives it through puppeteer-core,
 * which has no browser of its own to download: the system's Chromium or
 * Chrome is the engine.
 */
export const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
];

export class BrowserNotFoundError extends Error {
  constructor(tried: string[]) {
    super(
      `No Chromium found for the PDF (tried ${tried.join(', ')}). ` +
        'Install it with `sudo apt-get install chromium` (Debian/Ubuntu) or install Google Chrome, ' +
        'or point PUPPETEER_EXECUTABLE_PATH at a Chromium or Chrome binary.',
    );
    this.name = 'BrowserNotFoundError';
  }
}

function isExecutableFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The browser binary: an explicit path, then PUPPETEER_EXECUTABLE_PATH, then the usual places. */
export function findChromium(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const tried: string[] = [];
  for (const candidate of [explicit, env.PUPPETEER_EXECUTABLE_PATH, ...CHROMIUM_CANDIDATES]) {
    if (!candidate) continue;
    tried.push(candidate);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new BrowserNotFoundError(tried);
}

/** The variable naming a running Chromium's DevTools endpoint (`ws://127.0.0.1:…`) for builds to share. */
export const SHARED_BROWSER_VARIABLE = 'GALLEY_BROWSER_WS_ENDPOINT';

/** Only a browser on this machine: the dead proxy is a closed port here, and book content stays on this machine. */
export function isLoopbackEndpoint(endpoint: string): boolean {
  try {
    const url = new URL(endpoint);
    return /^wss?:$/.test(url.protocol) && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}

/**
 * The browser a build would draw with, as a key part, found without starting
 * it (a warm build of an HTML book starts no browser): the shared browser's
 * endpoint, else the binary's path and the real file's size and modification
 * time, which a browser upgrade or another binary changes. `none` when there
 * is no browser. Chromium measures a diagram's labels, so another browser can
 * draw the same source differently.
 */
export function browserIdentity(env: NodeJS.ProcessEnv = process.env): string {
  const endpoint = env[SHARED_BROWSER_VARIABLE];
  if (endpoint && isLoopbackEndpoint(endpoint)) return `shared ${endpoint}`;
  let file: string;
  try {
    file = findChromium(undefined, env);
  } catch {
    return 'none';
  }
  try {
    const real = realpathSync(file);
    const stat = statSync(real);
    return JSON.stringify([file, real, stat.size, stat.mtimeMs]);
  } catch {
    return file;
  }
}
