/**
 * Every output format, in the order a build makes them: the HTML intermediate
 * first, the PDF before the EPUB (whose page-list gives the PDF's pages) and
 * the cover (whose spine is set by the page count), the web edition last (it
 * offers the EPUB and PDF). Each is loaded when it runs, so
 * an HTML build never loads the EPUB writer or Puppeteer. A new format is one
 * module exporting `renderer` (copy render/html.ts) and one line here.
 */
import type { Artifact, Format, RenderContext, Renderer } from './renderer.ts';

interface Registered {
  format: Format;
  /** The progress line's name for it. */
  label: string;
  load: () => Promise<{ renderer: Renderer }>;
}

export const RENDERERS: readonly Registered[] = [
  { format: 'html', label: 'HTML', load: () => import('./html.ts') },
  { format: 'pdf', label: 'PDF', load: () => import('./pdf/pdf.ts') },
  { format: 'epub', label: 'EPUB', load: () => import('./epub/epub.ts') },
  { format: 'cover', label: 'Cover', load: () => import('./cover.ts') },
  { format: 'web', label: 'Web', load: () => import('./web/site.ts') },
];

const SHOWN: readonly Format[] = ['html', 'epub', 'pdf', 'cover', 'web'];

/** The one driver: each registered format `formats` names, in the list's order; the artifacts join `ctx.artifacts`. */
export async function renderEdition(ctx: RenderContext, formats: readonly Format[]): Promise<Artifact[]> {
  const made: Artifact[] = [];
  ctx = { ...ctx, formats };
  try {
    for (const entry of RENDERERS) {
      if (!formats.includes(entry.format)) continue;
      ctx.progress.phase(entry.label, 1);
      const { renderer } = await entry.load();
      const artifacts = await renderer.render(ctx);
      ctx.artifacts.push(...artifacts);
      made.push(...artifacts);
      ctx.progress.tick();
    }
  } finally {
    ctx.progress.done();
  }
  // Reported in the usual order (the summary lists the EPUB before the PDF), whatever order they were made in.
  const order = (a: Artifact, b: Artifact) => SHOWN.indexOf(a.format) - SHOWN.indexOf(b.format);
  ctx.artifacts.sort(order);
  return made.sort(order);
}
