/**
 * The renderer contract: every output format is a `Renderer` whose `render`
 * takes one `RenderContext` (the prepared book, its pages and errata, the
 * output folder, the browser, the build cache and the progress line) and
 * returns what it wrote. render/renderers.ts lists them; renderEdition() there
 * is the one driver that build, release and dev call.
 */
import type { LoadedBook } from '../model/book/load.ts';
import type { BuildCache } from '../model/build-cache.ts';
import type { Errata } from '../model/errata/load.ts';
import type { Page } from '../model/pages.ts';
import type { Progress } from '../util/progress.ts';
import type { GalleyBrowser } from './browser.ts';
import type { EditionStamp } from '../model/errata/stamp.ts';
import type { PrintPageMap } from './print-page-map.ts';

export interface WebEdition {
  code: string;
  book: LoadedBook;
  pages: Page[];
  stamp: EditionStamp;
  /** The edition's artifact folder (`dist/`, `dist/fa/`): where its EPUB and PDF are. */
  outDir: string;
  /** Its folder inside the site (`''` for the main edition, else its code). */
  subdir: string;
  /** The EPUB and PDF built in the same run, offered for download; none when unset. */
  artifacts?: string[];
  /** Set by `galley release`: pages load `versions.js` from the release folder, two levels above the site. */
  release?: { version: string };
}

/** Another edition of the same manuscript that was not built this time: the switcher still links to it. */
export interface OtherEdition {
  code: string;
  language: string;
  subdir: string;
}

export type Format = 'html' | 'epub' | 'pdf' | 'web' | 'cover';

export interface Artifact {
  format: Format;
  path: string;
  /** Printed pages, for PDFs. */
  pages?: number;
  /** For a PDF made with the EPUB of the same run: where each printed page starts (the EPUB's page-list). */
  pageMap?: PrintPageMap;
}

export interface RenderContext {
  book: LoadedBook;
  pages: Page[];
  errata?: Errata;
  /** The edition's artifact folder (`dist/`, `dist/fa/`). */
  outDir: string;
  /** The one browser of the run, launched by the first renderer that asks. */
  browser: () => Promise<GalleyBrowser>;
  cache: BuildCache;
  progress: Progress;
  /** What the renderers before this one wrote for the edition (the cover reads the PDF's page count). */
  artifacts: Artifact[];
  /** Every format this run makes for the edition (renderEdition sets it): the PDF measures page starts for an EPUB. */
  formats?: readonly Format[];
  /** PDF with bleed and crop marks (`--print-marks`). */
  printMarks?: boolean;
  /**
   * For the web edition, which is one site for every language edition: the
   * editions rendered in this run, the others it links to, and its folder.
   */
  site?: { editions: WebEdition[]; others: OtherEdition[]; dir: string };
}

export interface Renderer {
  format: Format;
  /** Writes the format; what it wrote, for the build's summary and the manifest. */
  render(ctx: RenderContext): Promise<Artifact[]>;
}
