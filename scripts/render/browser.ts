import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type HTTPRequest,
  type Page,
  TargetType,
} from 'puppeteer-core';
import { withinDeadline } from '../util/deadline.ts';
import { connectDisposingTransport } from './disposing-transport.ts';
import { findChromium, isLoopbackEndpoint, SHARED_BROWSER_VARIABLE } from './chromium-path.ts';

export { BrowserNotFoundError, CHROMIUM_CANDIDATES, findChromium, SHARED_BROWSER_VARIABLE } from './chromium-path.ts';

/** A closed port on this machine: where requests that escaped interception go instead of the network. */
const DEAD_PROXY = 'http://127.0.0.1:9';

/**
 * Flags measured to work as root on Debian (findings.md). The proxy flags are
 * a second wall behind request interception: anything that escaped it would
 * go to a closed port on this machine instead of the network, loopback
 * included (`<-loopback>` removes Chromium's implicit loopback bypass).
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-default-apps',
  '--disable-extensions',
  '--mute-audio',
  `--proxy-server=${DEAD_PROXY}`,
  '--proxy-bypass-list=<-loopback>',
  '--font-render-hinting=none',
];

export interface GalleyBrowser {
  /** The launched browser, or the shared one when connected (open pages with `newPage()`, not on this). */
  browser: Browser;
  /** The throwaway profile folder, removed on close (tests look for processes using it); empty when connected. */
  profileDir: string;
  /** The binary launched; empty when connected. */
  executablePath: string;
  /** The shared browser's endpoint when connected (`GALLEY_BROWSER_WS_ENDPOINT`), otherwise undefined. */
  endpoint?: string;
  /** A tab in this build's own browser context: its network walls, no cookies or cache shared with other builds. */
  newPage(): Promise<Page>;
  /** A further context with the same walls; its pages get a renderer process of their own. */
  newContext(): Promise<BrowserContext>;
  close(): Promise<void>;
}

export interface LaunchOptions {
  executablePath?: string;
  /** Milliseconds to wait for Chromium to start. */
  timeout?: number;
  /**
   * Let pages reach servers on 127.0.0.1 (the web edition's tests and
   * previews); everything else still goes to the dead proxy.
   */
  allowLoopback?: boolean;
}

/** The browsers this process has open, for the signal handlers to close on exit: a registry, not cache state. */
const open = new Set<GalleyBrowser>();
let signalsInstalled = false;
const launchListeners = new Set<(browser: GalleyBrowser) => void>();

/** Calls `listener` with every browser launched from now on (tests use it to check that each one is gone afterwards). */
export function onBrowserLaunch(listener: (browser: GalleyBrowser) => void): () => void {
  launchListeners.add(listener);
  return () => launchListeners.delete(listener);
}

function killAllNow() {
  for (const entry of open) {
    try {
      entry.browser.process()?.kill('SIGKILL');
    } catch {
      // Already gone.
    }
    rmSync(entry.profileDir, { recursive: true, force: true });
  }
  open.clear();
}

function onSignal(signal: NodeJS.Signals) {
  killAllNow();
  removeSignalHandlers();
  // Let the default action (exit with 128+n) happen, as if we had not been listening.
  process.kill(process.pid, signal);
}

const handlers = {
  SIGINT: () => onSignal('SIGINT'),
  SIGTERM: () => onSignal('SIGTERM'),
  SIGHUP: () => onSignal('SIGHUP'),
};

function installSignalHandlers() {
  if (signalsInstalled) return;
  signalsInstalled = true;
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  process.on('exit', killAllNow);
}

function removeSignalHandlers() {
  if (!signalsInstalled) return;
  signalsInstalled = false;
  for (const [signal, handler] of Object.entries(handlers)) process.off(signal, handler);
  process.off('exit', killAllNow);
}

/** Profiles left by builds that were killed (SIGKILL gives no chance to clean up): their process is gone. */
function sweepStaleProfiles() {
  for (const name of readdirSync(tmpdir())) {
    const pid = /^galley-chromium-(\d+)-/.exec(name)?.[1];
    if (!pid || Number(pid) === process.pid) continue;
    try {
      process.kill(Number(pid), 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') removeStaleProfile(path.join(tmpdir(), name));
    }
  }
}

/**
 * Best effort: the killed build's Chromium may still be writing in its profile, or another build sweeping the
 * same folder (ENOTEMPTY, seen in the test run): what is left is swept by the next launch, and a launch never
 * fails for it.
 */
function removeStaleProfile(dir: string) {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
  } catch {
    // Left for the next sweep.
  }
}

/**
 * The same walls as CHROMIUM_ARGS' proxy flags, for one context of a shared
 * browser: Chromium applies a context's proxy to that context's requests only.
 */
export function contextWalls(allowLoopback = false): BrowserContextOptions {
  return { proxyServer: DEAD_PROXY, proxyBypassList: allowLoopback ? [] : ['<-loopback>'] };
}

/**
 * A build's own context in a Chromium that is already running, for harnesses
 * that run many builds (a test run, a CI farm): a launch costs 1.2-1.5 CPU-s
 * and most of a second, a context tens of milliseconds (decision 0025, round
 * five). The context's proxy (the dead port, `<-loopback>` unless loopback is
 * allowed) and Galley's request interception on every page keep the untrusted
 * manuscript off the network as with a launched browser, and the context
 * shares no cookies, storage or cache with other builds. Closing it closes the
 * context and disconnects; the shared browser stays up for the next build.
 */
async function connectBrowser(endpoint: string, options: LaunchOptions): Promise<GalleyBrowser> {
  const contexts = new Set<BrowserContext>();
  const connecting = connectDisposingTransport(endpoint).then((transport) =>
    puppeteer.connect({
      transport,
      protocolTimeout: 300_000,
      // Only this build's pages: attaching to other builds' would cost time, and one stuck in a script would hang here.
      targetFilter: (target) => target.type() === TargetType.BROWSER || contexts.has(target.browserContext()),
    }),
  );
  const browser = await withinDeadline(connecting, options.timeout ?? 30_000);
  if (!browser) {
    // A late connection must not keep this process alive.
    connecting
      .then(
        (late) => late.disconnect(),
        () => undefined,
      )
      .catch(() => undefined);
    throw new Error(`No answer from the shared Chromium at ${endpoint}`);
  }
  const walls = contextWalls(options.allowLoopback);
  const newContext = async () => {
    const context = await browser.createBrowserContext(walls);
    contexts.add(context);
    return context;
  };
  let own: BrowserContext;
  try {
    own = await newContext();
  } catch (error) {
    await browser.disconnect().catch(() => undefined);
    throw error;
  }
  let closed = false;
  return {
    browser,
    profileDir: '',
    executablePath: '',
    endpoint,
    newPage: () => own.newPage(),
    newContext,
    async close() {
      if (closed) return;
      closed = true;
      await withinDeadline(Promise.all([...contexts].map((context) => context.close().catch(() => undefined))), 5000);
      await browser.disconnect().catch(() => undefined);
    },
  };
}

/**
 * The Chromium a build uses: its own context in the shared browser named by
 * GALLEY_BROWSER_WS_ENDPOINT when that answers (a shared browser that crashed
 * costs a launch, never the build), otherwise a browser of its own.
 */
export async function launchBrowser(options: LaunchOptions = {}): Promise<GalleyBrowser> {
  const endpoint = process.env[SHARED_BROWSER_VARIABLE];
  if (endpoint && !isLoopbackEndpoint(endpoint)) {
    process.emitWarning(`${SHARED_BROWSER_VARIABLE} is not a browser on this machine (${endpoint}): launching one.`);
  } else if (endpoint) {
    try {
      return await connectBrowser(endpoint, options);
    } catch {
      // Launch instead, below.
    }
  }
  return launchOwnBrowser(options);
}

/**
 * Starts the one Chromium a build uses, with a fresh profile in a temporary
 * folder. The browser dies with the build: on close, on error (callers use
 * try/finally), on Ctrl-C/SIGTERM and on process exit.
 * `pipe: true` talks to it over a pipe, so no debugging port is opened.
 */
async function launchOwnBrowser(options: LaunchOptions): Promise<GalleyBrowser> {
  const executablePath = findChromium(options.executablePath);
  sweepStaleProfiles();
  const profileDir = mkdtempSync(path.join(tmpdir(), `galley-chromium-${process.pid}-`));
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      pipe: true,
      userDataDir: profileDir,
      args: options.allowLoopback
        ? CHROMIUM_ARGS.filter((arg) => arg !== '--proxy-bypass-list=<-loopback>')
        : CHROMIUM_ARGS,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      timeout: options.timeout ?? 30_000,
      protocolTimeout: 300_000,
    });
  } catch (error) {
    rmSync(profileDir, { recursive: true, force: true });
    throw new Error(`Chromium (${executablePath}) did not start: ${(error as Error).message}`, { cause: error });
  }
  let closed = false;
  const entry: GalleyBrowser = {
    browser,
    profileDir,
    executablePath,
    newPage: () => browser.newPage(),
    // The browser's proxy flags apply to every context it makes.
    newContext: () => browser.createBrowserContext(),
    async close() {
      if (closed) return;
      closed = true;
      open.delete(entry);
      if (open.size === 0) removeSignalHandlers();
      try {
        await withinDeadline(browser.close(), 5000);
      } catch {
        // Fall through to the kill below.
      }
      const child = browser.process();
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
  open.add(entry);
  installSignalHandlers();
  for (const listener of launchListeners) listener(entry);
  return entry;
}

/** The private origin book content is served from; `.invalid` can never resolve (RFC 2606). */
export const BOOK_ORIGIN = 'https://book.galley.invalid';

export interface ServedFile {
  mediaType: string;
  data: Buffer | string;
}

export interface BlockedRequest {
  url: string;
  resourceType: string;
}

export interface SandboxedPage {
  page: Page;
  /** Requests refused so far, in the order they came (favicon probes left out). */
  blocked: BlockedRequest[];
  /** Console errors the page reported (CSP violations, failed loads). */
  consoleErrors: string[];
  /** Loads `/<name>` from the served files; only URLs on the private origin are ever navigated to. */
  load(name: string): Promise<void>;
  close(): Promise<void>;
}

/** The URL and kind of a load the Content-Security-Policy (or Chromium's file:// rule) refused, from its console message. */
export function cspRefusal(message: string): BlockedRequest | undefined {
  const csp =
    /^(?:Loading (?:the )?(\w+)(?: data)?(?: from)? '([^']+)'|(Framing) '([^']+)'|Loading plugin data from '([^']+)'|Refused to (?:load|connect to|frame) (?:the )?(\w*) ?'([^']+)')/.exec(
      message,
    );
  if (csp) {
    const url = csp[2] ?? csp[4] ?? csp[5] ?? csp[7]!;
    const kind = csp[1] ?? (csp[3] ? 'frame' : csp[5] ? 'object' : csp[6] || 'resource');
    return { url, resourceType: `${kind} (refused by the Content-Security-Policy)` };
  }
  const local = /^Not allowed to load local resource: (\S+)/.exec(message);
  if (local) return { url: local[1]!, resourceType: 'local file' };
  return undefined;
}

/**
 * A tab that can see only the files it is given: JavaScript off, every request
 * intercepted, files answered from memory on a private origin, everything else
 * aborted and recorded. Book content never touches `file://` or the network.
 */
export async function openSandboxedPage(
  galley: GalleyBrowser,
  files: Map<string, ServedFile>,
  csp?: string,
  options: { isolated?: boolean } = {},
): Promise<SandboxedPage> {
  // A page in a context of its own gets a renderer process of its own: pages printed at once use several cores.
  const context = options.isolated ? await galley.newContext() : undefined;
  const page = await (context ? context.newPage() : galley.newPage());
  const blocked: BlockedRequest[] = [];
  const consoleErrors: string[] = [];
  await page.setJavaScriptEnabled(false);
  await page.setRequestInterception(true);
  page.on('request', (request: HTTPRequest) => {
    const url = request.url();
    let served: ServedFile | undefined;
    if (url.startsWith(`${BOOK_ORIGIN}/`) && request.method() === 'GET') {
      const name = decodeURIComponent(new URL(url).pathname.slice(1));
      served = files.get(name);
    }
    if (served) {
      const headers: Record<string, string> = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
      if (csp && /html/.test(served.mediaType)) headers['Content-Security-Policy'] = csp;
      void request.respond({ status: 200, contentType: served.mediaType, headers, body: served.data });
      return;
    }
    if (url.startsWith('data:')) {
      // Chromium's own controls (a <video>'s buttons) come as data: images; they never leave the process,
      // and book content cannot use data: URLs (the CSP allows images only from the book's origin).
      void request.continue();
      return;
    }
    if (!/\/favicon\.ico$/.test(url) || !url.startsWith(BOOK_ORIGIN))
      blocked.push({ url, resourceType: request.resourceType() });
    void request.abort('blockedbyclient');
  });
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    consoleErrors.push(text);
    // Requests the CSP or Chromium refused before interception saw them are refused requests too.
    const refused = cspRefusal(text);
    if (refused && !blocked.some((b) => b.url === refused.url)) blocked.push(refused);
  });
  return {
    page,
    blocked,
    consoleErrors,
    async load(name: string) {
      const url = `${BOOK_ORIGIN}/${name}`;
      if (!files.has(name)) throw new Error(`Nothing to load at ${url}`);
      const response = await page.goto(url, { waitUntil: 'load', timeout: 120_000 });
      if (!response?.ok()) throw new Error(`Loading the composed book failed (${response?.status() ?? 'no response'})`);
      // Web fonts may still be loading at the load event; the PDF must not be printed with fallbacks.
      await page.evaluate(() => document.fonts.ready.then(() => undefined));
    },
    async close() {
      await page.close().catch(() => undefined);
      await context?.close().catch(() => undefined);
    },
  };
}
