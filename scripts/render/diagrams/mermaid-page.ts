/**
 * The diagram page: one blank Chromium tab whose only script is Mermaid's
 * bundle, read from node_modules and injected as text. Every request it
 * makes is refused (nothing is served: not the manuscript, not the network),
 * a Content-Security-Policy forbids loads as a second wall, and Mermaid runs
 * with `securityLevel: 'strict'` and HTML labels off, its dangerous settings
 * out of reach of `%%{init}%%` directives. The book's fonts are given as
 * bytes, so labels are measured with the faces that print them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import type { GalleyBrowser } from '../browser.ts';
import { MAX_DIAGRAM_SOURCE } from '../../markdown/plugins/remark-mermaid.ts';
import { withinDeadline } from '../../util/deadline.ts';

const require = createRequire(import.meta.url);
const mermaidDir = () => path.dirname(require.resolve('mermaid/package.json'));

export const mermaidVersion = (): string =>
  (JSON.parse(readFileSync(path.join(mermaidDir(), 'package.json'), 'utf8')) as { version: string }).version;

/** Mermaid's bundle, read on first use like an import (3 MB): the installed code, not cache state. */
let bundle: string | undefined;
const mermaidBundle = () => (bundle ??= readFileSync(path.join(mermaidDir(), 'dist', 'mermaid.min.js'), 'utf8'));

/** The id Mermaid draws every diagram with; the render step gives each one its own ids in the book. */
export const DRAW_ID = 'galley-diagram';

/** Mermaid's settings: part of every cache key. `secure` lists what a diagram's `%%{init}%%` may not change. */
export function mermaidConfig(fontFamily: string): Record<string, unknown> {
  return {
    startOnLoad: false,
    securityLevel: 'strict',
    theme: 'neutral',
    htmlLabels: false,
    flowchart: { htmlLabels: false },
    fontFamily,
    deterministicIds: true,
    deterministicIDSeed: 'galley',
    // rough.js, which draws class and state shapes, takes a random seed when this is 0 (Mermaid's default).
    handDrawnSeed: 1,
    maxTextSize: MAX_DIAGRAM_SOURCE,
    maxEdges: 500,
    secure: [
      'secure',
      'securityLevel',
      'startOnLoad',
      'maxTextSize',
      'maxEdges',
      'htmlLabels',
      'flowchart',
      'fontFamily',
      'altFontFamily',
      'themeCSS',
      'themeVariables',
      'deterministicIds',
      'deterministicIDSeed',
      'handDrawnSeed',
      'dompurifyConfig',
    ],
  };
}

export interface PageFont {
  family: string;
  weight: number;
  style: string;
  unicodeRange?: string;
  /** The font file, base64. */
  data: string;
}

/**
 * A drawing, or why there is none. `transient` marks a failure that says nothing lasting about the source (the
 * drawing ran out of time on a busy machine): it is not kept in the diagram cache, where Mermaid's own refusals are.
 */
export type Drawn = { svg: string } | { error: string; transient?: boolean };

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'"></head><body></body></html>`;

/** One open diagram page; `draw` renders one source, `close` ends the tab. */
export interface DiagramPage {
  draw(source: string): Promise<Drawn>;
  /** Requests the page tried to make, all refused. */
  blocked: string[];
  close(): Promise<void>;
}

export function openDiagramPage(
  galley: GalleyBrowser,
  fonts: PageFont[],
  config: Record<string, unknown>,
  timeoutMs: number,
): Promise<DiagramPage> {
  const blocked: string[] = [];
  let page: Page | undefined;
  const start = async () => {
    const fresh = await galley.newPage();
    await fresh.setRequestInterception(true);
    fresh.on('request', (request) => {
      blocked.push(request.url());
      void request.abort('blockedbyclient');
    });
    await fresh.setContent(PAGE, { waitUntil: 'load' });
    await fresh.addScriptTag({ content: mermaidBundle() });
    await fresh.evaluate(loadFonts, fonts);
    return fresh;
  };
  const close = async (target: Page | undefined) => {
    // A page stuck in a script may not answer: the close is not awaited for long.
    if (target) {
      await withinDeadline(
        target.close().catch(() => undefined),
        5000,
      );
    }
  };
  // The page opens with the first drawing: a build whose diagrams all come from the cache starts none.
  return Promise.resolve({
    blocked,
    async draw(source: string) {
      page ??= await start();
      const current = page;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<Drawn>((resolve) => {
        timer = setTimeout(
          () => resolve({ error: `Drawing took longer than ${Math.round(timeoutMs / 1000)} s`, transient: true }),
          timeoutMs,
        );
      });
      try {
        const result = await Promise.race([current.evaluate(drawInPage, DRAW_ID, source, config), timeout]);
        // The tab that timed out is left to die; the next diagram gets a fresh one.
        if ('transient' in result && result.transient) {
          page = undefined;
          void close(current);
        }
        return result;
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await close(page);
      page = undefined;
    },
  });
}

/** In the page: the book's fonts as FontFaces from bytes (no request). */
async function loadFonts(fonts: PageFont[]): Promise<void> {
  for (const font of fonts) {
    const bytes = Uint8Array.from(atob(font.data), (c) => c.charCodeAt(0));
    const face = new FontFace(font.family, bytes, {
      weight: String(font.weight),
      style: font.style,
      ...(font.unicodeRange ? { unicodeRange: font.unicodeRange } : {}),
    });
    await face.load();
    document.fonts.add(face);
  }
}

/**
 * In the page: parse, draw, then make the SVG stand alone: every style the
 * diagram's `<style>` gave becomes a presentation attribute (the book's
 * sanitizer allows no `<style>`, and the book's CSS must not restyle it),
 * classes, links and the drawing's `style` go, the size comes from the viewBox.
 * Self-contained: it is serialised into the page.
 */
async function drawInPage(id: string, source: string, config: Record<string, unknown>): Promise<Drawn> {
  type Mermaid = {
    initialize(c: unknown): void;
    parse(s: string): Promise<unknown>;
    render(id: string, s: string): Promise<{ svg: string }>;
  };
  const mermaid = (globalThis as unknown as { mermaid: Mermaid }).mermaid;
  const message = (error: unknown) =>
    String((error as { message?: unknown } | null)?.message ?? error)
      .replace(/\s+/g, ' ')
      .trim();
  // Whatever else in Mermaid asks for randomness gets the same numbers for every drawing, whatever the page drew
  // before: the same source gives the same bytes (a reproducible build, one cached drawing per fence).
  let state = 0x9e3779b9;
  Math.random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  mermaid.initialize(config);
  try {
    await mermaid.parse(source);
  } catch (error) {
    return { error: message(error) };
  }
  let svg: string;
  try {
    ({ svg } = await mermaid.render(id, source));
  } catch (error) {
    return { error: message(error) };
  }
  const host = document.createElement('div');
  host.innerHTML = svg;
  document.body.append(host);
  try {
    const root = host.querySelector('svg');
    if (!root) return { error: 'Mermaid drew nothing' };
    if (root.getAttribute('aria-roledescription') === 'error')
      return { error: root.textContent?.replace(/\s+/g, ' ').trim() || 'Mermaid could not draw it' };
    if (root.querySelector('foreignObject'))
      return { error: 'This kind of diagram draws its labels as HTML (foreignObject), which EPUB readers do not show' };
    const inherited = [
      'fill',
      'fill-opacity',
      'fill-rule',
      'stroke',
      'stroke-width',
      'stroke-dasharray',
      'stroke-opacity',
      'stroke-linecap',
      'stroke-linejoin',
      'font-family',
      'font-size',
      'font-weight',
      'font-style',
      'text-anchor',
      'dominant-baseline',
    ];
    const local = (url: string) => url.replace(/url\(\s*["']?[^#"')]*#([^"')]+)["']?\s*\)/g, 'url(#$1)');
    const inline = (element: Element, parent: CSSStyleDeclaration | undefined) => {
      const style = getComputedStyle(element);
      if (style.display === 'none' && element !== root) {
        element.remove();
        return;
      }
      for (const name of inherited) {
        const value = style.getPropertyValue(name);
        if (value && (!parent || parent.getPropertyValue(name) !== value)) element.setAttribute(name, local(value));
      }
      if (style.opacity !== '1') element.setAttribute('opacity', style.opacity);
      for (const child of [...element.children]) inline(child, style);
    };
    inline(root, undefined);
    for (const style of [...root.querySelectorAll('style')]) style.remove();
    // A link in a diagram would leave the book (and `click` callbacks are gone in strict mode): its text stays.
    for (const link of [...root.querySelectorAll('a')]) link.replaceWith(...link.childNodes);
    for (const element of [root, ...root.querySelectorAll('*')]) {
      element.removeAttribute('class');
      element.removeAttribute('style');
    }
    const box = root.viewBox.baseVal;
    if (box && box.width > 0) {
      root.setAttribute('width', String(Math.ceil(box.width)));
      root.setAttribute('height', String(Math.ceil(box.height)));
    }
    return { svg: new XMLSerializer().serializeToString(root) };
  } finally {
    host.remove();
  }
}
