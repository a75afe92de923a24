import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prepare } from '../scripts/api/build.ts';
import {
  CACHE_FILE,
  checkExternalLinks,
  compilePattern,
  retryAfterMs,
  type ExternalOptions,
  isPrivateAddress,
} from '../scripts/checks/external-links.ts';
import { bookSchema } from '../scripts/model/config/schema.ts';
import { levelOf } from '../scripts/util/messages.ts';
import { chaptersOnThisThread, tempDir } from './helpers.ts';

/** A local server, 127.0.0.1 only, counting every request by `METHOD /path`. */
async function startServer(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const hits = new Map<string, number>();
  const times = new Map<string, number[]>();
  const server = http.createServer((req, res) => {
    const key = `${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`;
    hits.set(key, (hits.get(key) ?? 0) + 1);
    times.set(key, [...(times.get(key) ?? []), performance.now()]);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    hits,
    times,
    onConnection: (listener: () => void) => server.on('connection', listener),
    total: () => [...hits.values()].reduce((a, b) => a + b, 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound, read, closed. */
async function refusedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

chaptersOnThisThread();

const ROUTES: Record<string, (req: http.IncomingMessage, res: http.ServerResponse, hit: number) => void> = {
  '/ok': (_q, res) => res.writeHead(200).end('ok'),
  '/moved': (_q, res) => res.writeHead(301, { location: '/new-home' }).end(),
  '/new-home': (_q, res) => res.writeHead(200).end('new home'),
  '/missing': (_q, res) => res.writeHead(404).end('not here'),
  '/gone': (_q, res) => res.writeHead(410).end('gone'),
  '/busy': (_q, res, hit) =>
    hit === 1 ? res.writeHead(429, { 'retry-after': '1' }).end() : res.writeHead(200).end('ok'),
  '/always-busy': (_q, res) => res.writeHead(429, { 'retry-after': '0' }).end(),
  '/unavailable': (_q, res) => res.writeHead(503, { 'retry-after': '0' }).end(),
  '/no-head': (req, res) =>
    req.method === 'HEAD' ? res.writeHead(405, { allow: 'GET' }).end() : res.writeHead(200).end('ok'),
  '/loop-a': (_q, res) => res.writeHead(302, { location: '/loop-b' }).end(),
  '/loop-b': (_q, res) => res.writeHead(302, { location: '/loop-a' }).end(),
  '/slow': (_q, res) => {
    const timer = setTimeout(() => res.writeHead(200).end('late'), 10_000);
    res.on('close', () => clearTimeout(timer));
  },
};

describe('checkExternalLinks', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let book: { dir: string; cleanup: () => Promise<void> };
  let refused: number;
  /** Hits per path since the last reset, so `/busy` answers 429 once per round. */
  let round = new Map<string, number>();
  const sources: Record<string, string[]> = {};
  /** `line:column` of the link labelled `[label]` on `line` of `file`, however long the port number is. */
  const at = (file: string, line: number, label: string) =>
    `${file}:${line}:${sources[file]![line - 1]!.indexOf(`[${label}]`) + 1}`;

  beforeAll(async () => {
    server = await startServer((req, res) => {
      const pathname = new URL(req.url ?? '/', 'http://x').pathname;
      const hit = (round.get(pathname) ?? 0) + 1;
      round.set(pathname, hit);
      const route = ROUTES[pathname];
      if (route) route(req, res, hit);
      else res.writeHead(404).end();
    });
    refused = await refusedPort();
    book = await tempDir('galley-external-');
    const b = server.base;
    await writeFile(
      path.join(book.dir, 'book.yaml'),
      [
        'title: External links',
        'links:',
        '  external:',
        '    ignore:',
        '      - "127.0.0.1:*/private/*"',
        '      - "/skip-me/"',
        '',
      ].join('\n'),
    );
    await writeFile(path.join(book.dir, 'SUMMARY.md'), '# Summary\n\n- [One](one.md)\n- [Two](two.md)\n');
    sources['one.md'] = [
      '# One', //                                         1
      '',
      `- [ok](${b}/ok) and [missing](${b}/missing)`, //   3
      `- [moved](${b}/moved)`, //                          4
      `- [gone](${b}/gone)`, //                            5
      `- [busy](${b}/busy)`, //                            6
      `- [slow](${b}/slow)`, //                            7
      `- [no head](${b}/no-head)`, //                      8
      `- [refused](http://127.0.0.1:${refused}/x)`, //     9
      `- [private](${b}/private/secret)`, //               10
      `- [skipped](${b}/skip-me)`, //                      11
      `- [unavailable](${b}/unavailable)`, //              12
      `- [loop](${b}/loop-a)`, //                          13
      `- [tls](${b.replace('http:', 'https:')}/ok)`, //   14: TLS to a plain HTTP port
      `- [always busy](${b}/always-busy)`, //              15
      '',
    ];
    sources['two.md'] = [
      '# Two', //                                               1
      '',
      `Again, [missing](${b}/missing#section), [gone](${b}/gone).`, // 3
      '',
      `Moved [twice](${b}/moved#part) and ok: ${b}/ok`, //      5
      '',
    ];
    for (const [name, lines] of Object.entries(sources)) await writeFile(path.join(book.dir, name), lines.join('\n'));
  });

  afterAll(async () => {
    await server?.close();
    await book?.cleanup();
  });

  beforeEach(() => {
    server.hits.clear();
    server.times.clear();
    round = new Map();
  });

  /** book.yaml's ignore list plus the slow route, for the cache tests, which need no second timeout. */
  const quick = { ignore: ['127.0.0.1:*/private/*', '/skip-me/', '*/slow', '*/always-busy'] };

  async function run(options: Partial<ExternalOptions> = {}) {
    const { book: loaded } = await prepare(book.dir);
    // Retry waits capped at 50 ms except in the first test, which shows Retry-After is honoured.
    const stats = await checkExternalLinks(loaded, {
      cacheDir: path.join(book.dir, '.cache'),
      timeoutMs: 1000,
      backoffMs: 10,
      maxRetryWaitMs: 50,
      privateNetworks: true,
      ...options,
    });
    const messages = loaded.chapters.flatMap((c) =>
      c.file.messages
        .filter((m) => /external-link|redirected-link/.test(m.ruleId ?? ''))
        .map((m) => `${c.source}:${m.line}:${m.column} ${levelOf(m.fatal)} ${m.ruleId} ${m.reason}`),
    );
    return { stats, messages };
  }

  it('checks each URL once and reports each broken one where it is used', async () => {
    const { stats, messages } = await run({ noCache: true, maxRetryWaitMs: 30_000 });
    const b = server.base;
    expect(messages.sort()).toEqual(
      [
        `${at('one.md', 3, 'missing')} error broken-external-link Link to \`${b}/missing\` is broken: 404 Not Found`,
        `one.md:4:3 warning redirected-link Link to \`${b}/moved\` permanently redirects (301) to \`${b}/new-home\`: link the final URL`,
        `one.md:5:3 error broken-external-link Link to \`${b}/gone\` is broken: 410 Gone`,
        `one.md:7:3 error broken-external-link Link to \`${b}/slow\` is broken: timed out after 1 s`,
        `one.md:9:3 error broken-external-link Link to \`http://127.0.0.1:${refused}/x\` is broken: connection refused`,
        `one.md:12:3 error broken-external-link Link to \`${b}/unavailable\` is broken: 503 Service Unavailable after 2 retries`,
        `one.md:13:3 error broken-external-link Link to \`${b}/loop-a\` is broken: redirect loop at \`${b}/loop-a\``,
        `one.md:14:3 error broken-external-link Link to \`${b.replace('http:', 'https:')}/ok\` is broken: TLS handshake failed`,
        `two.md:3:8 error broken-external-link Link to \`${b}/missing#section\` is broken: 404 Not Found`,
        `${at('two.md', 3, 'gone')} error broken-external-link Link to \`${b}/gone\` is broken: 410 Gone`,
        `two.md:5:7 warning redirected-link Link to \`${b}/moved#part\` permanently redirects (301) to \`${b}/new-home#part\`: link the final URL`,
        `one.md:15:3 warning external-link-unchecked Link to \`${b}/always-busy\` could not be checked: rate limited (429 Too Many Requests) after 2 retries`,
      ].sort(),
    );
    expect(Object.fromEntries([...server.hits].sort())).toEqual({
      'HEAD /ok': 1,
      'HEAD /missing': 1,
      'HEAD /moved': 1,
      'HEAD /new-home': 1,
      'HEAD /gone': 1,
      'HEAD /busy': 2, // 429, then 200 after Retry-After: 1
      'HEAD /slow': 1, // timed out,
      'GET /slow': 1, // and so did GET
      'HEAD /no-head': 1, // 405,
      'GET /no-head': 1, // then GET: 200
      'HEAD /unavailable': 3, // 503 and two retries
      'HEAD /always-busy': 3, // 429 and two retries
      'HEAD /loop-a': 1,
      'HEAD /loop-b': 1,
    });
    expect(stats).toMatchObject({
      unique: 14,
      ignored: 2,
      checked: 12,
      cached: 0,
      broken: 7,
      redirected: 1,
      unchecked: 1,
    });
    // Retry-After: 1 was honoured (a lower bound, not a performance figure).
    const [first, second] = server.times.get('HEAD /busy')!;
    expect(second! - first!).toBeGreaterThanOrEqual(950);
  });

  it('answers a second run from the cache, and noCache requests again', async () => {
    await run(quick); // fills the cache
    server.hits.clear();
    round = new Map();
    const second = await run(quick);
    expect(server.total()).toBe(0);
    expect(second.stats).toMatchObject({ checked: 0, cached: 10, broken: 6, redirected: 1 });
    expect(second.messages).toHaveLength(10);

    const third = await run({ ...quick, noCache: true });
    expect(third.stats).toMatchObject({ checked: 10, cached: 0, broken: 6 });
    expect(server.hits.get('HEAD /ok')).toBe(1);
    expect(third.messages.sort()).toEqual(second.messages.sort());
  });

  it('expires failures after their time to live, good results after theirs', async () => {
    const cacheDir = path.join(book.dir, '.cache-ttl');
    const start = Date.now();
    await run({ ...quick, cacheDir, now: () => start });
    server.hits.clear();
    round = new Map();
    // Two hours later: failures (1 h) are checked again, good results (24 h) are not.
    const later = await run({ ...quick, cacheDir, now: () => start + 2 * 3_600_000 });
    expect(later.stats).toMatchObject({ checked: 6, cached: 4 });
    expect(server.hits.get('HEAD /missing')).toBe(1);
    expect(server.hits.get('HEAD /ok')).toBeUndefined();
  });

  it('ignores a corrupt cache file and replaces it', async () => {
    const cacheDir = path.join(book.dir, '.cache-corrupt');
    await mkdir(cacheDir, { recursive: true });
    for (const junk of [
      '{"version":1,"entries":{"',
      'null',
      '{"version":1,"entries":{"x":{"at":"soon","outcome":7}}}',
    ]) {
      await writeFile(path.join(cacheDir, CACHE_FILE), junk);
      server.hits.clear();
      round = new Map();
      const { stats } = await run({ ...quick, cacheDir });
      expect(stats).toMatchObject({ checked: 10, cached: 0, broken: 6 });
      const written = JSON.parse(await readFile(path.join(cacheDir, CACHE_FILE), 'utf8')) as { entries: object };
      expect(Object.keys(written.entries)).toHaveLength(10);
    }
    // An entry of the wrong shape (an "ok" without a status) is dropped, not trusted as good.
    const url = `${server.base}/missing`;
    await writeFile(
      path.join(cacheDir, CACHE_FILE),
      JSON.stringify({ version: 1, entries: { [url]: { at: Date.now(), outcome: { kind: 'ok' } } } }),
    );
    const { messages } = await run({ ...quick, cacheDir });
    expect(messages.filter((m) => m.includes('/missing'))).toHaveLength(2);
  });

  it('refuses loopback and private addresses unless the caller allows them: 0 requests, reported as unchecked', async () => {
    const { stats, messages } = await run({ noCache: true, privateNetworks: false, ignore: [] });
    expect(server.total()).toBe(0);
    expect(stats.broken).toBe(0);
    expect(stats.unchecked).toBe(stats.checked);
    expect(messages.length).toBeGreaterThan(0);
    expect(
      messages.every((m) => / warning external-link-unchecked .*private or local address \(127\.0\.0\.1\)/.test(m)),
    ).toBe(true);
  });

  it('checks only allowed hosts when allow is set', async () => {
    const { stats, messages } = await run({ noCache: true, allow: ['localhost'] });
    expect(stats).toMatchObject({ unique: 14, ignored: 14, checked: 0 });
    expect(messages).toEqual([]);
    expect(server.total()).toBe(0);
  });
});

describe('links.external in book.yaml', () => {
  it('has defaults and rejects an invalid regular expression', () => {
    expect(bookSchema.parse({ title: 'T' }).links.external).toEqual({
      enabled: false,
      allow: [],
      ignore: [],
      timeout_ms: 10_000,
      per_host: 12,
      concurrency: 64,
      retries: 2,
      cache_ttl_hours: 24,
      failure_ttl_hours: 1,
    });
    const bad = bookSchema.safeParse({ title: 'T', links: { external: { ignore: ['/(unclosed/'] } } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['links', 'external', 'ignore', 0]);
    expect(bookSchema.safeParse({ title: 'T', links: { external: { ignroe: [] } } }).success).toBe(false);
  });
});

describe('private addresses', () => {
  it('knows loopback, private, link-local and unique-local ranges', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
    ])
      expect(isPrivateAddress(address), address).toBe(true);
    for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111'])
      expect(isPrivateAddress(address), address).toBe(false);
  });
});

describe('patterns and Retry-After', () => {
  const url = (href: string) => new URL(href);
  it('matches hosts with subdomains, host paths, URL globs and regexes', () => {
    expect(compilePattern('example.com')(url('https://www.example.com/a'))).toBe(true);
    expect(compilePattern('example.com')(url('https://notexample.com/a'))).toBe(false);
    expect(compilePattern('*.example.org')(url('https://example.org/'))).toBe(false);
    expect(compilePattern('*.example.org')(url('https://a.b.example.org/'))).toBe(true);
    expect(compilePattern('localhost:8080')(url('http://localhost:8080/x'))).toBe(true);
    expect(compilePattern('localhost:8080')(url('http://localhost:9090/x'))).toBe(false);
    expect(compilePattern('example.com/docs/*')(url('https://Example.com/docs/a?b#c'))).toBe(true);
    expect(compilePattern('example.com/docs/*')(url('https://example.com/blog/'))).toBe(false);
    expect(compilePattern('https://example.com/*.pdf')(url('https://example.com/a/b.pdf#page=2'))).toBe(true);
    expect(compilePattern('https://example.com/*.pdf')(url('http://example.com/a/b.pdf'))).toBe(false);
    expect(compilePattern('/\\.(zip|tar\\.gz)$/')(url('https://x.org/file.tar.gz'))).toBe(true);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});

describe('1,000 unique links against a server answering after 20 ms', () => {
  it('finds them all good, one request each, 12 at a time (the default per host)', async () => {
    let inFlight = 0;
    let most = 0;
    let connections = 0;
    const server = await startServer((_req, res) => {
      most = Math.max(most, ++inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { 'content-length': 2 }).end('ok');
      }, 20);
    });
    server.onConnection(() => connections++);
    const dir = await tempDir('galley-external-1000-');
    try {
      await writeFile(path.join(dir.dir, 'book.yaml'), 'title: A thousand links\n');
      await writeFile(
        path.join(dir.dir, 'SUMMARY.md'),
        `# Summary\n\n${Array.from({ length: 10 }, (_, i) => `- [Part ${i}](part-${i}.md)\n`).join('')}`,
      );
      for (let i = 0; i < 10; i++) {
        const lines = Array.from(
          { length: 100 },
          (_, j) => `- [link ${i * 100 + j}](${server.base}/page/${i * 100 + j})`,
        );
        await writeFile(path.join(dir.dir, `part-${i}.md`), `# Part ${i}\n\n${lines.join('\n')}\n`);
      }
      const { book } = await prepare(dir.dir);
      const stats = await checkExternalLinks(book, { noCache: true, privateNetworks: true });
      expect(stats).toMatchObject({
        unique: 1000,
        checked: 1000,
        broken: 0,
        redirected: 0,
        unchecked: 0,
        requests: 1000,
      });
      expect(server.total()).toBe(1000);
      // At most 12 requests at a time to the one host, over kept-alive connections.
      expect(most).toBeLessThanOrEqual(12);
      expect(connections).toBeLessThanOrEqual(12);
      expect(
        book.chapters.flatMap((c) => c.file.messages.filter((m) => /external|redirect/.test(m.ruleId ?? ''))),
      ).toEqual([]);
    } finally {
      await server.close();
      await dir.cleanup();
    }
  }, 60_000);
});
