/**
 * The render step that draws the book's diagrams, after every chapter is
 * processed (chapters run in workers without a browser): it finds the
 * placeholders remark-mermaid left (`figure.diagram > pre.diagram-source`,
 * matched against `file.data.diagrams`, which only that stage writes), takes
 * each drawing from the diagram cache or draws every missing one in one
 * diagram page, sanitizes it with the author-SVG rules and puts it in the
 * placeholder's place. A diagram Mermaid cannot draw is an error at its fence.
 */
import { createHash } from 'node:crypto';
import type { Element, Root } from 'hast';
import { toString } from 'hast-util-to-string';
import { visit } from 'unist-util-visit';
import type { LoadedBook } from '../../model/book/load.ts';
import type { Chapter } from '../../model/book/types.ts';
import type { BuildCache, DiagramStats } from '../../model/build-cache.ts';
import { sanitizeSvgElement } from '../../model/book/svg.ts';
import { report } from '../../util/messages.ts';
import { DIAGRAM_CLASS, DIAGRAM_SOURCE_CLASS, type DiagramFence } from '../../markdown/plugins/remark-mermaid.ts';
import type { GalleyBrowser } from '../browser.ts';
import { fontBytes, fontsFor, type FontFile } from '../fonts.ts';
import { BrowserNotFoundError, browserIdentity } from '../chromium-path.ts';
import { toolchainVersion } from '../../util/toolchain-version.ts';
import { diagramKey, readDiagram, writeDiagram } from './diagram-cache.ts';
import { DRAW_ID, mermaidConfig, mermaidVersion, openDiagramPage, type PageFont } from './mermaid-page.ts';

export interface DiagramOptions {
  /** The build's browser, launched only when a diagram is not in the cache. */
  browser: () => Promise<GalleyBrowser>;
  /** Longest a diagram may take to draw; `GALLEY_DIAGRAM_SECONDS`, else 20 s. */
  timeoutMs?: number;
  /**
   * With no Chromium installed, each diagram to draw is the build's error at its fence; with this rule id, a warning
   * under it instead (`galley check`: the diagram went unchecked, which says nothing against the manuscript).
   */
  noBrowserRule?: string;
}

interface Placeholder {
  chapter: Chapter;
  fence: DiagramFence;
  figure: Element;
  pre: Element;
  /** `diagram-<chapter>-<n>`: the drawing's ids in the book, the same whichever chapters a build reprocesses. */
  prefix: string;
  key: string;
}

const classes = (node: Element) =>
  Array.isArray(node.properties.className) ? node.properties.className.map(String) : [];

// Later stages may re-indent a `<pre>` or read `%` as template syntax (the drawing is made from the fence's own
// text): compared without either.
const squeeze = (text: string) => text.replace(/[\s%]+/g, '');

/** The placeholders of one chapter tree, paired in order with the fences remark-mermaid recorded. */
function placeholders(chapter: Chapter, tree: Root, chapterIndex: number): Omit<Placeholder, 'key'>[] {
  const fences = chapter.file.data.diagrams ?? [];
  const found: Omit<Placeholder, 'key'>[] = [];
  if (fences.length === 0) return found;
  let next = 0;
  visit(tree, 'element', (figure: Element) => {
    if (figure.tagName !== 'figure' || !classes(figure).includes(DIAGRAM_CLASS)) return;
    const pre = figure.children.find(
      (c): c is Element => c.type === 'element' && c.tagName === 'pre' && classes(c).includes(DIAGRAM_SOURCE_CLASS),
    );
    if (!pre) return;
    // The next fence with this text: a drawing already in place (`galley dev` redraws what a change left) is passed
    // over, and markup that only looks like a placeholder (the author's raw HTML) is no fence and stays as written.
    const text = squeeze(toString(pre));
    let at = next;
    while (at < fences.length && squeeze(fences[at]!.source) !== text) at++;
    const fence = fences[at];
    if (!fence) return;
    next = at + 1;
    found.push({ chapter, fence, figure, pre, prefix: `diagram-${chapterIndex + 1}-${next}` });
  });
  return found;
}

/** The font stack diagrams are drawn and printed with: the edition's text font. */
export function diagramFontFamily(language: string): string {
  return /^(fa|ar)/i.test(language)
    ? '"Galley Persian", "Galley Serif", "Galley Symbols", sans-serif'
    : '"Galley Serif", "Galley Symbols", serif';
}

/** Mermaid's settings and the fonts that draw `text` in this book: the edition's text font and the ranged faces. */
function drawingSetup(book: LoadedBook, text: string) {
  const fontFamily = diagramFontFamily(book.config.language);
  const families = fontFamily.match(/"[^"]+"/g)!.map((f) => f.slice(1, -1));
  const fonts = fontsFor(book.config.language, text).filter((f) => families.includes(f.family));
  return { config: mermaidConfig(fontFamily), fonts };
}

/**
 * The diagram cache's key of each fence of this book: its source with
 * everything else that shapes its drawing (Galley's code, Mermaid's version and settings,
 * the bytes of the fonts its text needs, the browser that draws). The page
 * cache puts these keys into the key of each page with diagrams
 * (api/build.ts), since a cached page keeps its drawings. A fence's fonts are
 * the ones its own text needs, so its key does not move when another
 * chapter's diagram needs another face.
 */
export function diagramKeys(book: LoadedBook): (fence: DiagramFence) => string {
  // Galley's own code draws too (the diagram page, Chromium's flags): a change there is a new drawing.
  const toolchain = toolchainVersion();
  const version = mermaidVersion();
  const browser = browserIdentity();
  // Font files hashed once per call: most fences need the same faces.
  const hashed = new Map<FontFile, string>();
  const fontHash = (font: FontFile) => {
    let hash = hashed.get(font);
    if (!hash) {
      hash = createHash('sha256')
        .update(JSON.stringify([font.family, font.weight, font.style, font.unicodeRange]))
        .update(fontBytes(font))
        .digest('hex');
      hashed.set(font, hash);
    }
    return hash;
  };
  return (fence) => {
    const { config, fonts } = drawingSetup(book, fence.source);
    return diagramKey(fence.source, JSON.stringify([toolchain, version, config, browser, fonts.map(fontHash)]));
  };
}

/** Draws, caches and places every diagram of the chapters that have trees; errors go to the fences' files. */
export async function drawDiagrams(
  book: LoadedBook,
  cache: BuildCache,
  options: DiagramOptions,
): Promise<DiagramStats> {
  // One cache serves every edition of a build: its stats add up what each edition drew.
  const stats: DiagramStats = (cache.diagrams.stats ??= { diagrams: 0, hits: 0, drawn: 0, pages: 0 });
  const found = book.chapters.flatMap((chapter, i) => (chapter.tree ? placeholders(chapter, chapter.tree, i) : []));
  if (found.length === 0) return stats;
  stats.diagrams += found.length;

  const keyOf = diagramKeys(book);
  const items: Placeholder[] = found.map((p) => ({ ...p, key: keyOf(p.fence) }));
  const drawings = new Map<string, string>();
  const failed = new Map<string, string>();
  const dir = cache.diagrams.dir;
  const missing: Placeholder[] = [];
  for (const item of items) {
    if (drawings.has(item.key) || failed.has(item.key) || missing.some((m) => m.key === item.key)) continue;
    const cached = dir ? await readDiagram(dir, item.key) : undefined;
    if (!cached) missing.push(item);
    else if ('svg' in cached) drawings.set(item.key, cached.svg);
    else failed.set(item.key, cached.error);
  }
  stats.hits += items.filter((i) => !missing.some((m) => m.key === i.key)).length;

  const unchecked = new Set<string>();
  if (missing.length > 0) {
    let galley: GalleyBrowser | undefined;
    try {
      galley = await options.browser();
    } catch (error) {
      const notFound = error instanceof BrowserNotFoundError;
      for (const item of missing) {
        failed.set(item.key, `Diagrams are drawn by Chromium: ${(error as Error).message}`);
        if (notFound) unchecked.add(item.key);
      }
    }
    if (galley) {
      const { config, fonts } = drawingSetup(book, missing.map((p) => p.fence.source).join('\n'));
      const pageFonts: PageFont[] = fonts.map((f) => ({
        family: f.family,
        weight: f.weight,
        style: f.style,
        unicodeRange: f.unicodeRange,
        data: fontBytes(f).toString('base64'),
      }));
      const timeoutMs = options.timeoutMs ?? Number(process.env.GALLEY_DIAGRAM_SECONDS ?? 20) * 1000;
      const page = await openDiagramPage(galley, pageFonts, config, timeoutMs);
      stats.pages++;
      try {
        for (const item of missing) {
          const drawn = await page.draw(item.fence.source);
          if (dir) writeDiagram(dir, item.key, drawn);
          if ('error' in drawn) {
            failed.set(item.key, drawn.error);
            continue;
          }
          stats.drawn++;
          drawings.set(item.key, drawn.svg);
        }
      } finally {
        await page.close();
      }
    }
  }

  for (const item of items) {
    const place = { line: item.fence.line ?? 1, column: item.fence.column ?? 1 };
    const error = failed.get(item.key);
    if (error) {
      const rule = unchecked.has(item.key) ? options.noBrowserRule : undefined;
      report(item.chapter.file, rule ? 'warning' : 'error', `Diagram: ${error}`, place, rule ?? 'diagram');
      continue;
    }
    const svg = sanitizeSvgElement(drawings.get(item.key)!);
    if (!svg) {
      report(item.chapter.file, 'error', 'Diagram: Mermaid drew no SVG', place, 'diagram');
      continue;
    }
    fitSvg11(svg);
    renameIds(svg, item.prefix);
    const caption = item.figure.children.find((c): c is Element => c.type === 'element' && c.tagName === 'figcaption');
    // The drawing is one image to assistive technology, named by its caption or else its words.
    const words = caption ? toString(caption) : textOf(svg);
    Object.assign(svg.properties, { role: 'img', ariaLabel: words.trim().slice(0, 500) || 'Diagram' });
    const at = item.figure.children.indexOf(item.pre);
    item.figure.children[at] = svg;
  }
  return stats;
}

const SIZED = new Set(['svg', 'rect', 'pattern']);
const BOXED = new Set(['svg', 'symbol', 'marker', 'pattern']);

/**
 * What EPUB 3.2 validates inline SVG against is SVG 1.1: Mermaid's drawings
 * carry sizes where 1.1 has none (`width` on a `symbol`, `viewBox` on a
 * `path`), empty attributes and empty `<rect>` placeholders. None of them
 * draws anything, so they go.
 */
function fitSvg11(svg: Element) {
  const clean = (node: Element) => {
    for (const [name, value] of Object.entries(node.properties)) {
      const empty = value === '' || value === null || (Array.isArray(value) && value.length === 0);
      if (empty || ((name === 'width' || name === 'height') && !SIZED.has(node.tagName))) delete node.properties[name];
      else if (name === 'viewBox' && !BOXED.has(node.tagName)) delete node.properties[name];
    }
    node.children = node.children.filter(
      (c) =>
        !(
          c.type === 'element' &&
          c.tagName === 'rect' &&
          (c.properties.width === undefined || c.properties.height === undefined)
        ),
    );
    for (const child of node.children) if (child.type === 'element') clean(child);
  };
  clean(svg);
}

/** The labels of a drawing, one space between each. */
function textOf(svg: Element): string {
  const parts: string[] = [];
  visit(svg, 'element', (node: Element) => {
    if (node.tagName === 'text') parts.push(toString(node).replace(/\s+/g, ' ').trim());
  });
  return parts.filter(Boolean).join(', ');
}

/**
 * Every id of the drawing becomes `<prefix>-<n>` in document order, and every
 * reference to one (`url(#…)`, `#…`) follows: Mermaid reuses ids between
 * drawings, and the PDF prints all chapters as one document.
 */
function renameIds(svg: Element, prefix: string) {
  const names = new Map<string, string>();
  visit(svg, 'element', (node: Element) => {
    const id = node.properties.id;
    if (typeof id === 'string' && !names.has(id)) names.set(id, node === svg ? prefix : `${prefix}-${names.size}`);
  });
  if (!names.has(DRAW_ID)) names.set(DRAW_ID, prefix);
  const rename = (value: string) =>
    value
      .replace(/url\(\s*(["']?)#([^"')]+)\1\s*\)/g, (whole, _q, id: string) =>
        names.has(id) ? `url(#${names.get(id)})` : whole,
      )
      .replace(/^#(.+)$/, (whole, id: string) => (names.has(id) ? `#${names.get(id)}` : whole));
  visit(svg, 'element', (node: Element) => {
    for (const [name, value] of Object.entries(node.properties)) {
      if (name === 'id' && typeof value === 'string') node.properties.id = names.get(value) ?? value;
      else if (typeof value === 'string' && value.includes('#')) node.properties[name] = rename(value);
    }
  });
}
