import { readFile } from 'node:fs/promises';
import dns from 'node:dns';
import http, { STATUS_CODES } from 'node:http';
import { isIP as netIsIP, type LookupFunction } from 'node:net';
import https from 'node:https';
import path from 'node:path';
import type { Element } from 'hast';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import type { LoadedBook } from '../model/book/load.ts';
import type { Progress } from '../util/progress.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { isPrivateAddress } from './private-address.ts';
import { compilePattern, PatternTimeout, RegexBudget } from './link-patterns.ts';
import { cacheRoot } from '../util/cache-location.ts';
import { report } from '../util/messages.ts';

/**
 * `galley check --external`: every http(s) link of the book, each unique URL
 * requested once (HEAD, falling back to GET), redirects followed by hand so the
 * final URL can be reported, with limits per host and overall, timeouts,
 * retries on 429/503 honouring Retry-After, and a small on-disk cache.
 *
 * Rules: `broken-external-link` (error), `redirected-link` (warning),
 * `external-link-unchecked` (warning: still rate-limited after every retry,
 * which says nothing about the link itself, so it is neither an error nor cached).
 */

export const EXTERNAL_RULES = {
  broken: 'broken-external-link',
  redirected: 'redirected-link',
  unchecked: 'external-link-unchecked',
} as const;

/** Every option overrides book.yaml's `links.external`; unset ones come from there. */
export interface ExternalOptions {
  /** Neither read nor write the cache (`--no-cache`). */
  noCache?: boolean;
  /**
   * Folder of the cache file `external-links.json`. Default: the cache root
   * (`GALLEY_CACHE_DIR`, else `$XDG_CACHE_HOME/galley` or `~/.cache/galley`;
   * scripts/util/cache-location.ts), never the working tree.
   */
  cacheDir?: string;
  timeoutMs?: number;
  perHost?: number;
  concurrency?: number;
  /** Retries after 429 and 503. */
  retries?: number;
  /** First backoff when a 429/503 carries no Retry-After; doubles on each retry. Default 1000. */
  backoffMs?: number;
  /** Longest wait before a retry, whatever Retry-After says. Default 30 000. */
  maxRetryWaitMs?: number;
  /** Time to live of good results (2xx, redirects). */
  cacheTtlHours?: number;
  /** Time to live of failures. */
  failureTtlHours?: number;
  allow?: string[];
  ignore?: string[];
  /**
   * Allow hosts that resolve to loopback, private or link-local addresses.
   * Off by default: the book (and its book.yaml) is untrusted, and a pull
   * request must not make CI probe its own network. Only the API (tests,
   * benchmarks against a local server) turns it on.
   */
  privateNetworks?: boolean;
  progress?: Progress;
  /** Clock for the cache (tests). */
  now?: () => number;
}

export interface ExternalStats {
  /** Unique http(s) URLs in the book (fragment dropped). */
  unique: number;
  /** Skipped by `ignore` / `allow`. */
  ignored: number;
  /** Requested over the network this run. */
  checked: number;
  /** Answered from the cache. */
  cached: number;
  broken: number;
  redirected: number;
  /** Still rate-limited after every retry. */
  unchecked: number;
  /** HTTP requests sent (HEAD, GET, each hop and retry). */
  requests: number;
  seconds: number;
}

export type Outcome =
  | { kind: 'ok'; status: number }
  | { kind: 'redirect'; status: number; final: string; redirectStatus: number }
  | { kind: 'broken'; reason: string; status?: number; final?: string }
  | { kind: 'unchecked'; reason: string };

interface Use {
  file: VFile;
  node: Element;
  href: string;
}

export const CACHE_FILE = 'external-links.json';
const CACHE_VERSION = 1;
const MAX_REDIRECTS = 10;
const HOUR = 3_600_000;
const USER_AGENT = 'Mozilla/5.0 (compatible; galley-link-check/1.0)';

// ---------------------------------------------------------------- patterns

// Patterns: globs by a linear scan, regular expressions with a time limit (scripts/checks/link-patterns.ts).
export { compilePattern };

function withoutHash(url: URL): string {
  const copy = new URL(url.href);
  copy.hash = '';
  return copy.href;
}

/** `https://…`, `http://…` or protocol-relative `//…` (read as https), parsed; undefined for anything else. */
function parseRemote(href: string): URL | 'invalid' | undefined {
  const trimmed = href.trim();
  if (!/^(https?:|\/\/)/i.test(trimmed)) return undefined;
  try {
    const url = new URL(trimmed.startsWith('//') ? `https:${trimmed}` : trimmed);
    return url.hostname ? url : 'invalid';
  } catch {
    return 'invalid';
  }
}

// ---------------------------------------------------------------- limits

class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire() {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release() {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/** A slot on the request's host first, then one overall, so a busy host never holds overall slots while it waits. */
class Limiter {
  private hosts = new Map<string, Semaphore>();
  private all: Semaphore;
  constructor(
    private perHost: number,
    concurrency: number,
  ) {
    this.all = new Semaphore(concurrency);
  }
  async run<T>(host: string, task: () => Promise<T>): Promise<T> {
    let sem = this.hosts.get(host);
    if (!sem) this.hosts.set(host, (sem = new Semaphore(this.perHost)));
    await sem.acquire();
    await this.all.acquire();
    try {
      return await task();
    } finally {
      this.all.release();
      sem.release();
    }
  }
}

// ---------------------------------------------------------------- cache

interface CacheEntry {
  at: number;
  outcome: Outcome;
}

function validOutcome(value: unknown): value is Outcome {
  if (!value || typeof value !== 'object') return false;
  const o = value as Record<string, unknown>;
  if (o.kind === 'ok') return typeof o.status === 'number';
  if (o.kind === 'redirect')
    return typeof o.status === 'number' && typeof o.final === 'string' && typeof o.redirectStatus === 'number';
  if (o.kind === 'broken') return typeof o.reason === 'string';
  return false;
}

/** The cache's entries; a missing, unreadable or corrupt file (or entry) is simply not there. */
export async function readCache(file: string): Promise<Map<string, CacheEntry>> {
  const entries = new Map<string, CacheEntry>();
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return entries;
  }
  const root = data as { version?: unknown; entries?: unknown } | null;
  if (
    !root ||
    typeof root !== 'object' ||
    root.version !== CACHE_VERSION ||
    !root.entries ||
    typeof root.entries !== 'object'
  )
    return entries;
  for (const [url, entry] of Object.entries(root.entries as Record<string, unknown>)) {
    const e = entry as { at?: unknown; outcome?: unknown } | null;
    if (e && typeof e.at === 'number' && Number.isFinite(e.at) && validOutcome(e.outcome))
      entries.set(url, { at: e.at, outcome: e.outcome });
  }
  return entries;
}

// ---------------------------------------------------------------- requests

interface Answer {
  status: number;
  statusText: string;
  location: string | null;
  retryAfter: string | null;
}

type Attempt = Answer | { error: string };

function describeError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; code?: string };
  if (error instanceof RequestTimeout) return `timed out after ${formatMs(timeoutMs)}`;
  const code = e?.code;
  switch (code) {
    case 'EPRIVATE':
      return e.message ?? 'refused: a private or local address';
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
      return 'host not found (DNS)';
    case 'EAI_AGAIN':
      return 'host name lookup failed (DNS, temporary)';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'EPROTO':
      return 'TLS handshake failed';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
  }
  if (code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/i.test(code)) return `TLS error (${code})`;
  if (code?.startsWith('HPE_')) return `invalid HTTP response (${code})`;
  const detail = e?.message ?? String(error);
  return code ? `network error (${code}: ${detail})` : `network error (${detail})`;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${ms} ms`;
}

/** Milliseconds a Retry-After header asks for (delta-seconds or an HTTP date), if it is readable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function statusLine(answer: { status: number; statusText?: string }): string {
  const text = answer.statusText || STATUS_CODES[answer.status] || '';
  return text ? `${answer.status} ${text}` : String(answer.status);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Settings {
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  maxRetryWaitMs: number;
}

/** Marks our own per-request timeout, so it is told apart from the server closing the connection. */
class RequestTimeout extends Error {
  override name = 'TimeoutError';
}

// One address test for every notation (IPv4-mapped, NAT64, 6to4…): scripts/checks/private-address.ts.
export { isPrivateAddress };

/** A DNS lookup that refuses private addresses, so a link cannot make the checker probe the local network. */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 4);
    const list = addresses;
    const bad = list.find((entry) => isPrivateAddress(entry.address));
    if (bad) {
      const refused = Object.assign(new Error(`refused: ${hostname} is a private or local address (${bad.address})`), {
        code: 'EPRIVATE',
      });
      return callback(refused, '', 4);
    }
    if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
};

/**
 * HTTP/1.1 over node:http(s) with keep-alive agents. Not fetch: Node's fetch
 * (undici) sends `Connection: close` with every HEAD, so each HEAD would cost a
 * new TCP connection and, on real hosts, a TLS handshake.
 */
class Transport {
  private agents: { http: http.Agent; https: https.Agent };

  constructor(private privateNetworks = false) {
    const lookup = privateNetworks ? undefined : publicOnlyLookup;
    this.agents = {
      http: new http.Agent({ keepAlive: true, lookup }),
      https: new https.Agent({ keepAlive: true, lookup }),
    };
  }

  request(url: URL, method: 'HEAD' | 'GET', timeoutMs: number): Promise<Answer> {
    // An IP literal never reaches the lookup: check it here.
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (!this.privateNetworks && netIsIP(literal) && isPrivateAddress(literal)) {
      return Promise.reject(
        Object.assign(new Error(`refused: ${url.hostname} is a private or local address (${literal})`), {
          code: 'EPRIVATE',
        }),
      );
    }

    return new Promise((resolve, reject) => {
      const secure = url.protocol === 'https:';
      const request = (secure ? https : http).request(
        url,
        {
          method,
          agent: secure ? this.agents.https : this.agents.http,
          headers: {
            'user-agent': USER_AGENT,
            accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
            'accept-language': 'en;q=0.9,*;q=0.5',
          },
          maxHeaderSize: 64 * 1024,
        },
        (response) => {
          clearTimeout(timer);
          const header = (name: string) => {
            const value = response.headers[name];
            return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
          };
          resolve({
            status: response.statusCode ?? 0,
            statusText: response.statusMessage ?? '',
            location: header('location'),
            retryAfter: header('retry-after'),
          });
          // Only the status matters: a HEAD has no body to drain; a GET's is never downloaded.
          if (method === 'HEAD') response.resume();
          else response.destroy();
        },
      );
      const timer = setTimeout(() => request.destroy(new RequestTimeout()), timeoutMs);
      request.on('error', (error: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
        clearTimeout(timer);
        error.reusedSocket = request.reusedSocket;
        reject(error);
      });
      request.end();
    });
  }

  close() {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

class Checker {
  requests = 0;
  constructor(
    private limiter: Limiter,
    private transport: Transport,
    private settings: Settings,
  ) {}

  private async send(url: URL, method: 'HEAD' | 'GET'): Promise<Attempt> {
    return this.limiter.run(url.host, async () => {
      for (let fresh = false; ; fresh = true) {
        this.requests++;
        try {
          return await this.transport.request(url, method, this.settings.timeoutMs);
        } catch (error) {
          const e = error as NodeJS.ErrnoException & { reusedSocket?: boolean };
          // A kept-alive connection the server closed meanwhile: once more on a new one (as Node's docs advise).
          if (!fresh && e.reusedSocket && (e.code === 'ECONNRESET' || e.code?.startsWith('HPE_'))) continue;
          return { error: describeError(error, this.settings.timeoutMs) };
        }
      }
    });
  }

  /** One URL, one hop: HEAD, GET where HEAD is refused or fails, and retries on 429/503. */
  private async hop(url: URL): Promise<Attempt> {
    let method: 'HEAD' | 'GET' = 'HEAD';
    for (let attempt = 0; ; attempt++) {
      let answer = await this.send(url, method);
      if (method === 'HEAD' && ('error' in answer || [403, 405, 501].includes(answer.status))) {
        method = 'GET';
        answer = await this.send(url, method);
      }
      if ('error' in answer || (answer.status !== 429 && answer.status !== 503) || attempt >= this.settings.retries)
        return answer;
      const asked = retryAfterMs(answer.retryAfter);
      await sleep(Math.min(asked ?? this.settings.backoffMs * 2 ** attempt, this.settings.maxRetryWaitMs));
    }
  }

  /** Follows redirects by hand (at most 10) so the final URL can be reported. */
  async check(start: URL): Promise<Outcome> {
    let current = start;
    let firstRedirect: number | undefined;
    const seen = new Set([withoutHash(start)]);
    const after = () => (firstRedirect === undefined ? '' : ` (after redirects, at \`${current.href}\`)`);
    for (let hops = 0; ; hops++) {
      const answer = await this.hop(current);
      // A private address says nothing about the link (`http://localhost:8888` in a tutorial): not checked, not broken.
      if ('error' in answer && answer.error.startsWith('refused: '))
        return { kind: 'unchecked', reason: answer.error.slice('refused: '.length) + after() };
      if ('error' in answer) {
        return {
          kind: 'broken',
          reason: answer.error + after(),
          ...(firstRedirect === undefined ? {} : { final: current.href }),
        };
      }
      const { status } = answer;
      if (status >= 200 && status < 300) {
        return firstRedirect === undefined
          ? { kind: 'ok', status }
          : { kind: 'redirect', status, final: current.href, redirectStatus: firstRedirect };
      }

      if (status >= 300 && status < 400) {
        if (!answer.location)
          return { kind: 'broken', status, reason: `${statusLine(answer)} without a Location header${after()}` };
        let next: URL;
        try {
          next = new URL(answer.location, current);
        } catch {
          return { kind: 'broken', status, reason: `redirect to an invalid URL \`${answer.location}\`${after()}` };
        }
        if (!/^https?:$/.test(next.protocol))
          return { kind: 'broken', status, reason: `redirect to \`${next.href}\`, which is not http(s)` };
        if (hops + 1 > MAX_REDIRECTS)
          return { kind: 'broken', status, reason: `more than ${MAX_REDIRECTS} redirects${after()}` };
        const key = withoutHash(next);
        if (seen.has(key)) return { kind: 'broken', status, reason: `redirect loop at \`${next.href}\`` };
        seen.add(key);
        firstRedirect ??= status;
        current = next;
        continue;
      }
      const { retries } = this.settings;
      const retried = retries > 0 ? ` after ${retries} ${retries === 1 ? 'retry' : 'retries'}` : '';
      if (status === 429)
        return { kind: 'unchecked', reason: `rate limited (${statusLine(answer)})${retried}${after()}` };
      if (status === 503) {
        return {
          kind: 'broken',
          status,
          reason: `${statusLine(answer)}${retried}${after()}`,
          ...(firstRedirect === undefined ? {} : { final: current.href }),
        };
      }
      return {
        kind: 'broken',
        status,
        reason: `${statusLine(answer)}${after()}`,
        ...(firstRedirect === undefined ? {} : { final: current.href }),
      };
    }
  }
}

// ---------------------------------------------------------------- the check

/** Every http(s) link of every chapter, by URL without its fragment, with each place it is used. */
export function collectExternalLinks(book: LoadedBook): {
  links: Map<string, { url: URL; uses: Use[] }>;
  invalid: Use[];
} {
  const links = new Map<string, { url: URL; uses: Use[] }>();
  const invalid: Use[] = [];
  for (const chapter of book.chapters) {
    if (!chapter.tree) continue;
    visit(chapter.tree, 'element', (node: Element) => {
      if (node.tagName !== 'a' || node.properties.href === undefined || node.properties.href === null) return;
      const href = String(node.properties.href);
      const url = parseRemote(href);
      if (url === undefined) return;
      const use = { file: chapter.file, node, href };
      if (url === 'invalid') {
        invalid.push(use);
        return;
      }
      const key = withoutHash(url);
      const entry = links.get(key);
      if (entry) entry.uses.push(use);
      else links.set(key, { url, uses: [use] });
    });
  }
  return { links, invalid };
}

/**
 * Checks every remote link of the book and records the results as messages on
 * the chapter files, at each place a link is used. Call after `prepare` and
 * before severities are applied.
 */
export async function checkExternalLinks(book: LoadedBook, options: ExternalOptions = {}): Promise<ExternalStats> {
  const started = performance.now();
  const config = book.config.links?.external;
  const now = options.now ?? Date.now;
  const settings: Settings = {
    timeoutMs: options.timeoutMs ?? config?.timeout_ms ?? 10_000,
    retries: options.retries ?? config?.retries ?? 2,
    backoffMs: options.backoffMs ?? 1000,
    maxRetryWaitMs: options.maxRetryWaitMs ?? 30_000,
  };
  const ttl = (options.cacheTtlHours ?? config?.cache_ttl_hours ?? 24) * HOUR;
  const failureTtl = (options.failureTtlHours ?? config?.failure_ttl_hours ?? 1) * HOUR;
  const budget = new RegexBudget();
  const allow = (options.allow ?? config?.allow ?? []).map((pattern) => compilePattern(pattern, budget));
  const ignore = (options.ignore ?? config?.ignore ?? []).map((pattern) => compilePattern(pattern, budget));
  const limiter = new Limiter(
    options.perHost ?? config?.per_host ?? 12,
    options.concurrency ?? config?.concurrency ?? 64,
  );
  const transport = new Transport(options.privateNetworks);
  const checker = new Checker(limiter, transport, settings);
  const stats: ExternalStats = {
    unique: 0,
    ignored: 0,
    checked: 0,
    cached: 0,
    broken: 0,
    redirected: 0,
    unchecked: 0,
    requests: 0,
    seconds: 0,
  };

  const { links, invalid } = collectExternalLinks(book);
  for (const use of invalid)
    report(use.file, 'error', `Link \`${use.href}\` is not a valid URL`, use.node, EXTERNAL_RULES.broken);
  stats.unique = links.size;

  const cacheFile = path.join(path.resolve(options.cacheDir ?? cacheRoot()), CACHE_FILE);
  const cache = options.noCache ? new Map<string, CacheEntry>() : await readCache(cacheFile);
  const fresh = (entry: CacheEntry | undefined) => {
    if (!entry) return false;
    const age = now() - entry.at;
    return age >= 0 && age < (entry.outcome.kind === 'broken' ? failureTtl : ttl);
  };

  let todo: typeof links extends Map<infer K, infer V> ? [K, V][] : never;
  try {
    todo = [...links].filter(([, { url }]) => {
      const skip = ignore.some((match) => match(url)) || (allow.length > 0 && !allow.some((match) => match(url)));
      if (skip) stats.ignored++;
      return !skip;
    });
  } catch (error) {
    if (!(error instanceof PatternTimeout)) throw error;
    // A pattern that backtracks: an error at its line of book.yaml, and no link is checked.
    const line = String(book.configFile.value)
      .split('\n')
      .findIndex((text) => text.includes(error.pattern));
    report(book.configFile, 'error', error.message, { line: line + 1 || 1, column: 1 }, 'book-config');
    transport.close();
    stats.seconds = (performance.now() - started) / 1000;
    return stats;
  }
  options.progress?.phase('Links', todo.length);
  let outcomes: { uses: Use[]; outcome: Outcome }[];
  try {
    outcomes = await Promise.all(
      todo.map(async ([key, { url, uses }]) => {
        let outcome: Outcome;
        const hit = cache.get(key);
        if (fresh(hit)) {
          outcome = hit!.outcome;
          stats.cached++;
        } else {
          outcome = await checker.check(new URL(key));
          stats.checked++;
          if (outcome.kind !== 'unchecked') cache.set(key, { at: now(), outcome });
        }
        options.progress?.tick(url.host);
        return { uses, outcome };
      }),
    );
  } finally {
    transport.close();
    options.progress?.done();
  }

  for (const { uses, outcome } of outcomes) {
    if (outcome.kind === 'broken') stats.broken++;
    if (outcome.kind === 'redirect') stats.redirected++;
    if (outcome.kind === 'unchecked') stats.unchecked++;
    for (const use of uses) {
      const shown = use.href.trim();
      if (outcome.kind === 'broken') {
        report(use.file, 'error', `Link to \`${shown}\` is broken: ${outcome.reason}`, use.node, EXTERNAL_RULES.broken);
      } else if (outcome.kind === 'redirect') {
        // The link's own #fragment goes on to the final URL unless a redirect set one (RFC 9110 §10.2.2), as in browsers.
        const written = parseRemote(use.href);
        const final =
          !outcome.final.includes('#') && written instanceof URL && written.hash
            ? `${outcome.final}${written.hash}`
            : outcome.final;
        const kind =
          outcome.redirectStatus === 301 || outcome.redirectStatus === 308 ? 'permanently redirects' : 'redirects';
        report(
          use.file,
          'warning',
          `Link to \`${shown}\` ${kind} (${outcome.redirectStatus}) to \`${final}\`: link the final URL`,
          use.node,
          EXTERNAL_RULES.redirected,
        );
      } else if (outcome.kind === 'unchecked') {
        report(
          use.file,
          'warning',
          `Link to \`${shown}\` could not be checked: ${outcome.reason}`,
          use.node,
          EXTERNAL_RULES.unchecked,
        );
      }
    }
  }

  if (!options.noCache && stats.checked > 0) {
    const entries: Record<string, CacheEntry> = {};
    for (const [key, entry] of [...cache].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      if (fresh(entry)) entries[key] = entry;
    try {
      await writeFileAtomic(cacheFile, `${JSON.stringify({ version: CACHE_VERSION, entries }, null, 1)}\n`);
    } catch {
      // A cache that cannot be written costs time on the next run, never correctness.
    }
  }
  stats.requests = checker.requests;
  stats.seconds = (performance.now() - started) / 1000;
  return stats;
}
