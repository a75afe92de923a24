import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Stats } from 'node:fs';
import { lstat, readFile, stat } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';
import { template } from '../assets.ts';
import { isInside } from '../../util/paths.ts';

export interface ServeOptions {
  /** 0 (the default) takes any free port. */
  port?: number;
  /** Serve the site under this path (`/books/ml/`), as a static host's sub-folder would. */
  base?: string;
  /** Live preview: pages get the reload script, and `__galley/events` streams rebuilds. */
  live?: boolean;
  /** What a page that connects is told first (the current build's problems). */
  initial?: () => { event: string; data: unknown }[];
}

/** Which pages a rebuild rewrote, by their path below the site's root; `all` when every page shows the change. */
export interface Reload {
  all: boolean;
  pages: string[];
}

export interface SiteServer {
  url: string;
  port: number;
  /** Sends an event to every open page. */
  broadcast(event: string, data: unknown): void;
  /**
   * Tells every open page which pages were rebuilt. A page that was loading at that moment (not yet listening)
   * is told when it connects, since it says which build it was served from.
   */
  reload(pages: Reload): void;
  close(): Promise<void>;
}

const LIVE = '__galley/';

/** What sirv (dev mode, default extensions) tries for a path, in its order. */
const SIRV_CANDIDATES = ['', '.html', '.htm', '/index.html', '/index.htm'];

/** Whether `file`'s real path has a hidden segment below `root`'s (a link to the site's own dot-folder). */
function hiddenBelow(root: string, file: string): boolean {
  try {
    const relative = path.relative(realpathSync(root), realpathSync(file));
    return relative.split(path.sep).some((segment) => segment.startsWith('.'));
  } catch {
    return false;
  }
}

/**
 * A static server for the web edition, on 127.0.0.1 only. In live mode it
 * adds one script to each page it serves, so what it serves is otherwise
 * exactly what was built.
 */
export async function serveSite(root: string, options: ServeOptions = {}): Promise<SiteServer> {
  const base = `/${(options.base ?? '').replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/');
  const files = sirv(root, { dev: true, dotfiles: false, etag: false });
  const streams = new Set<ServerResponse>();
  const liveScript = options.live ? await template('web/live.js') : undefined;
  // Each reload is a new build generation. A page is served with the generation current before its file is read,
  // so its HTML is never older than the stamp says; on connecting it names that stamp and hears of every reload
  // since (a reload broadcast while it was loading reached no stream of its own).
  const reloads: (Reload & { generation: number })[] = [];
  let generation = 0;
  const KEPT = 500;
  const liveTag = (stamp: number) => `<script src="${base}${LIVE}live.js" data-generation="${stamp}" defer></script>`;
  const missed = (since: number): Reload | undefined => {
    if (!Number.isInteger(since) || since < 0 || since >= generation) return undefined;
    // Older than what is kept: every page.
    if (since < generation - reloads.length) return { all: true, pages: [] };
    const later = reloads.filter((r) => r.generation > since);
    return { all: later.some((r) => r.all), pages: [...new Set(later.flatMap((r) => r.pages))] };
  };

  const send = (res: ServerResponse, event: string, data: unknown) =>
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

  const notFound = (res: ServerResponse) => {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('Not found\n');
  };

  /**
   * A missing page: the site's `404.html` (the edition's, for an address in
   * an edition's folder) with status 404, as a static host serves it; a
   * `<base>` to the folder it came from makes its relative links work at any depth.
   */
  async function missing(pathname: string, res: ServerResponse) {
    const folders = pathname.split('/').slice(0, -1);
    for (let depth = folders.length; depth >= 0; depth--) {
      const folder = folders.slice(0, depth).join('/');
      const file = path.join(root, folder, '404.html');
      const stamp = generation;
      if (!isInside(root, file) || folder.split('/').some((segment) => segment.startsWith('.'))) continue;
      const html = await readFile(file, 'utf8').catch(() => undefined);
      if (html === undefined) continue;
      const prefix = `${base}${folder ? `${folder.split('/').map(encodeURIComponent).join('/')}/` : ''}`;
      let tags = `<base href="${prefix}">`;
      if (options.live) tags += liveTag(stamp);
      res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      // The page's own <base> names where site.url puts it, not where this server does: this one replaces it.
      const page = html.replace(/<base [^>]*>/, '');
      // Right after `<head>`, before anything that resolves an address.
      res.end(/<head>/.test(page) ? page.replace(/<head>/, `<head>${tags}`) : tags + page);
      return;
    }
    notFound(res);
  }

  /** A page (or a folder's index page) with the live script added; `file` was checked by the caller. */
  async function page(file: string, info: Stats | undefined, res: ServerResponse): Promise<boolean> {
    if (info?.isDirectory()) file = path.join(file, 'index.html');
    else if (!file.endsWith('.html')) return false;
    const stamp = generation;
    const html = await readFile(file, 'utf8').catch(() => undefined);
    if (html === undefined) return false;
    // Right after `<head>`, which comes before any of the book's text (a `</head>` in a description is text).
    const tag = liveTag(stamp);
    const body = /<head>/.test(html) ? html.replace(/<head>/, `<head>${tag}`) : tag + html;
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(body);
    return true;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    // Only a page opened on this machine by its address: another Host is a rebinding of some name to 127.0.0.1.
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (!['127.0.0.1', 'localhost'].includes(host)) {
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' });
      return res.end('Forbidden: open the preview at its 127.0.0.1 address\n');
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!url.pathname.startsWith(base)) return notFound(res);
    const rest = url.pathname.slice(base.length);
    if (options.live && rest === `${LIVE}live.js`) {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
      return res.end(liveScript);
    }
    if (options.live && rest === `${LIVE}events`) {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
      });
      res.flushHeaders();
      streams.add(res);
      req.on('close', () => streams.delete(res));
      const since = url.searchParams.get('since');
      const reload = since === null ? undefined : missed(Number(since));
      if (reload) send(res, 'reload', reload);
      for (const { event, data } of options.initial?.() ?? []) send(res, event, data);
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(rest);
    } catch {
      return notFound(res);
    }
    // Nothing hidden, nothing through a symlink out of the site, no `//` (a redirect must not name another host).
    const file = path.join(root, pathname);
    if (
      pathname.includes('//') ||
      pathname.startsWith('/') ||
      pathname.split(/[/\\]/).some((segment) => segment.startsWith('.')) ||
      !isInside(root, file)
    )
      return notFound(res);
    // sirv answers `/page` with `page.html` (or `page/index.html`): each name it may send is checked by its real
    // path, not only the one asked for, so a linked `page.html` cannot be reached without its extension.
    for (const candidate of SIRV_CANDIDATES.map((suffix) => file + suffix)) {
      const found = await lstat(candidate).catch(() => undefined);
      if (found && (!isInside(root, candidate) || hiddenBelow(root, candidate))) return notFound(res);
    }
    const info = await stat(file).catch(() => undefined);
    // A folder without its slash: relative links on its index page would resolve one level up.
    if (pathname !== '' && !pathname.endsWith('/') && info?.isDirectory()) {
      res.writeHead(301, { Location: `${base}${rest}/${url.search}` });
      return res.end();
    }
    if (options.live && (await page(file, info, res))) return;
    req.url = `/${rest}${url.search}`;
    files(req, res, () => {
      missing(pathname, res).catch(() => notFound(res));
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `Port ${options.port} on 127.0.0.1 is in use: pass --port with another number, or --port 0 for any free port`,
            )
          : error,
      ),
    );
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${base}`,
    port,
    broadcast(event, data) {
      for (const res of streams) send(res, event, data);
    },
    reload(pages) {
      generation += 1;
      reloads.push({ ...pages, generation });
      if (reloads.length > KEPT) reloads.shift();
      for (const res of streams) send(res, 'reload', pages);
    },
    async close() {
      for (const res of streams) res.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
