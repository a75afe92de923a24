import { z } from 'zod';
import { isbnProblem } from './isbn.ts';
import { PRESET_TRIMS } from './preset-trims.ts';

/** `2025` or `2024-2026` (hyphen or en dash). */
const yearOrRange = z.union([
  z.number().int().min(1000).max(9999),
  z.string().regex(/^\d{4}(\s*[-–]\s*\d{4})?$/, 'expected a year like 2026 or a range like 2024-2026'),
]);

const severity = z.enum(['off', 'warn', 'error']);

const length = z.string().regex(/^\d+(\.\d+)?(mm|cm|in|pt|px)$/, 'expected a CSS length such as 18mm or 0.75in');

const trim = z.union([
  z.enum(['6x9in', 'A4', 'A5', 'Letter', '5.5x8.5in', '7x10in']),
  z.strictObject({ width: length, height: length }),
]);

const pdfObject = z.strictObject({
  trim: trim.default('6x9in'),
  margins: z.strictObject({ top: length, bottom: length, inner: length, outer: length }).partial().default({}),
  bleed: length.optional(),
  crop_marks: z.boolean().default(false),
  footnotes: z.enum(['chapter-end', 'page-foot']).default('chapter-end'),
  /** Overrides output.toc_depth for the printed contents only. */
  toc_depth: z.number().int().min(1).max(6).optional(),
  /** A table wider than the text block: `shrink` sets it a type step smaller; `rotate` turns it sideways on its own page. */
  wide_tables: z.enum(['shrink', 'rotate']).default('shrink'),
  persian_digits: z.boolean().default(false),
  /** What opens a new page: parts only, parts and top-level chapters (the rest flows on), or every TOC entry. */
  new_page: z.enum(['part', 'chapter', 'section']).default('chapter'),
  /** The book's own font files (inside the manuscript) for scripts Galley does not bundle, used after its fonts. */
  fonts: z
    .array(z.string().regex(/\.(ttf|otf|woff2?)$/i, 'expected a font file path ending in .ttf, .otf, .woff or .woff2'))
    .optional(),
  /** A print-on-demand service's rules (presets.ts): trim, margins, bleed, marks, page range, preflight. */
  preset: z.enum(['kdp', 'ingramspark', 'lulu', 'a4-office']).optional(),
  /** `pdf/x-4`: the interior and the cover as PDF/X-4 (render/pdf/post/pdf-x.ts). */
  standard: z.enum(['pdf/x-4']).optional(),
  /** An ICC profile in the manuscript for the PDF/X output intent; Galley's own sRGB profile when left out. */
  output_intent: z.string().min(1).optional(),
  /** The interior paper: its thickness per page sets the cover's spine width. */
  paper: z.enum(['white', 'cream', 'colour']).default('white'),
  /** The author's stylesheets for the PDF, after Galley's, from inside the manuscript (model/author-css.ts). */
  css: z.array(z.string().min(1)).default([]),
  /** Cross-references print ", p. 57" after their number in the PDF (the page the target lands on). */
  page_references: z.boolean().default(false),
});

/** A preset's trim (a4-office: A4) when book.yaml names none; 6x9in otherwise. */
export const pdfSchema = z.preprocess((value) => {
  if (!value || typeof value !== 'object' || 'trim' in value) return value;
  const preset = (value as { preset?: unknown }).preset;
  return typeof preset === 'string' && preset in PRESET_TRIMS
    ? { ...value, trim: PRESET_TRIMS[preset as keyof typeof PRESET_TRIMS] }
    : value;
}, pdfObject);

const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'expected a colour such as #1d3557');

/** `galley build --format cover` (render/cover.ts). */
export const coverSchema = z.strictObject({
  /** Text on the back cover (blank lines separate paragraphs). */
  back_text: z.string().optional(),
  /** Spine text; the title and the first author when left out. */
  spine_text: z.string().optional(),
  background: colour.default('#1d3557'),
  foreground: colour.default('#f1faee'),
  /** Colour of the spine band. */
  spine: colour.optional(),
});

export const webSchema = z.strictObject({
  /**
   * Page file names of the web edition. `source`: a HonKit/GitBook or mdBook book's pages keep the source tool's
   * paths, folders included (`contents/1.1-x.html`, README as `index.html`), so links into an existing site still
   * work; `galley`: Galley's flat names (`contents-1-1-x.html`). A Galley book always has Galley's names.
   */
  paths: z.enum(['source', 'galley']).default('source'),
  /** The author's stylesheets, after Galley's, from inside the manuscript (model/author-css.ts). */
  css: z.array(z.string().min(1)).default([]),
});

export const epubSchema = z.strictObject({
  css: z.array(z.string().min(1)).default([]),
});

export const outputSchema = z.strictObject({
  /** Base name of the artifacts: dist/<slug>.epub, dist/<slug>.pdf. */
  slug: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lowercase letters, digits, dots, dashes')
    .optional(),
  formats: z.array(z.enum(['html', 'epub', 'pdf', 'web', 'cover'])).default(['html', 'epub', 'pdf', 'web']),
  /** Contents depth in every edition (PDF, EPUB nav, web sidebar): 1 chapters, 2 with their sections, … Parts are not a level. */
  toc_depth: z.number().int().min(1).max(6).default(2),
  /** Read `$…$` as inline math too; off by default because `$50K` is money. */
  single_dollar_math: z.boolean().default(false),
  /** Curly quotes, dashes and ellipses from straight ASCII (SmartyPants); mdBook books default to on, as mdBook 0.5 does. */
  smart_punctuation: z.boolean().default(false),
  pdf: pdfSchema.default(pdfSchema.parse({})),
  cover: coverSchema.default(coverSchema.parse({})),
  web: webSchema.default(webSchema.parse({})),
  epub: epubSchema.default(epubSchema.parse({})),
});

/** An ISBN-10 or ISBN-13, hyphens and spaces allowed; a wrong check digit is an error at its line. */
const isbn = z.string().superRefine((value, context) => {
  const problem = isbnProblem(value);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});

/**
 * A link pattern for `links.external.allow` / `ignore`, matched against the
 * link's URL without its `#fragment`, case-insensitively:
 * - `example.com` (no `/`): that host and its subdomains; `*` matches any run
 *   of characters (`*.example.com`, `docs.*.org`); a port may follow (`localhost:8080`);
 * - `example.com/private/*` (a `/` but no scheme): host and path, `*` as above;
 * - `https://example.com/a/*` (with `://`): the whole URL, `*` as above;
 * - `/regular expression/`: tested against the whole URL (unanchored), with a time limit
 *   (scripts/checks/link-patterns.ts): a pattern that backtracks is an error, not a hang.
 */
const linkPattern = z
  .string()
  .min(1)
  .refine((pattern) => {
    const regex = /^\/(.+)\/$/.exec(pattern);
    if (!regex) return true;
    try {
      new RegExp(regex[1]!);
      return true;
    } catch {
      return false;
    }
  }, 'expected a host (example.com), a URL glob (https://example.com/docs/*) or a valid /regular expression/');

/** `galley check --external` (scripts/checks/external-links.ts). */
export const externalLinksSchema = z.strictObject({
  /**
   * Check remote links on `galley check` where the environment allows network (`GALLEY_EXTERNAL_LINKS=1`);
   * book.yaml alone never turns network access on (a pull request could), `--external` does.
   */
  enabled: z.boolean().default(false),
  /** When not empty, only links matching one of these are checked. */
  allow: z.array(linkPattern).default([]),
  /** Links matching any of these are never requested nor reported. */
  ignore: z.array(linkPattern).default([]),
  /** Per request (each redirect hop, each retry). */
  timeout_ms: z.number().int().min(100).max(300_000).default(10_000),
  /** Requests in flight to one host at a time. */
  per_host: z.number().int().min(1).max(256).default(12),
  /** Requests in flight overall. */
  concurrency: z.number().int().min(1).max(1024).default(64),
  /** Retries after 429 and 503, honouring Retry-After. */
  retries: z.number().int().min(0).max(10).default(2),
  /** How long a good result (2xx, redirect) is reused from the cache. */
  cache_ttl_hours: z.number().min(0).default(24),
  /** How long a failure is reused from the cache. */
  failure_ttl_hours: z.number().min(0).default(1),
});

/** Citations (`[@key]`): how they print and where the list of works goes. */
export const bibliographySchema = z.strictObject({
  /** `author-date`: (Knuth 1984), the list sorted by author; `numeric`: [1], numbered in order of first citation. */
  style: z.enum(['author-date', 'numeric']).default('author-date'),
  /** `book`: one list at the book's end (or in the chapter whose front matter says `generate: bibliography`); `chapter`: each chapter's own. */
  placement: z.enum(['book', 'chapter']).default('book'),
  /** The bibliography file (`.bib` BibTeX or `.json` CSL-JSON), relative to book.yaml; default the first `.bib` there. */
  file: z
    .string()
    .regex(/^(?![/\\])(?!.*\.\.)[^\\]*\.(bib|json)$/, 'expected a relative path to a .bib or .json file')
    .optional(),
});

export const linksSchema = z.strictObject({
  external: externalLinksSchema.default(externalLinksSchema.parse({})),
});

/** Another language edition inside the manuscript; its own book.yaml, if any, says the rest. */
export const editionSchema = z.strictObject({
  /** Folder of the edition, relative to the manuscript. */
  root: z
    .string()
    .regex(/^(?!\.{1,2}(\/|$))[\w.-]+(\/(?!\.{1,2}(\/|$))[\w.-]+)*$/, 'a folder inside the manuscript, such as fa'),
  title: z.string().optional(),
  subtitle: z.string().optional(),
  language: z.string().refine(usableLanguageTag, 'not a valid BCP 47 language tag (such as en or fa-IR)').optional(),
  direction: z.enum(['ltr', 'rtl']).optional(),
});

/** Where the web edition is published: absolute links for search engines and link previews only (pages link relatively). */
export const siteSchema = z.strictObject({
  /** The site's public address (`https://example.org/my-book/`): sitemap.xml, canonical links, card images. */
  url: z
    .string()
    .regex(
      /^https?:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[^\s?#"'<>\\]*)?$/,
      'expected the address the site is published at, such as https://example.org/book/',
    )
    .refine((url) => URL.canParse(url), 'expected an address a browser can open')
    .transform((url) => (url.endsWith('/') ? url : `${url}/`))
    .optional(),
});

/** A BCP 47 language tag as book.yaml may give it (`en`, `fa-IR`). */
export const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/**
 * Whether a tag is one the renderers can use: well formed by BCP 47 (`en-12`
 * passes the pattern but is not) and accepted by Intl.NumberFormat, which
 * numbers the book's chapters and pages.
 */
export function usableLanguageTag(tag: string): boolean {
  try {
    Intl.getCanonicalLocales(tag);
    new Intl.NumberFormat(tag);
    return true;
  } catch {
    return false;
  }
}

const languageTag = z
  .string()
  .regex(LANGUAGE_TAG, 'expected a BCP 47 tag such as en or fa-IR')
  .refine(usableLanguageTag, 'not a valid BCP 47 language tag (such as en or fa-IR)');

/** Editions in one book.yaml at most: each is a whole build of its own. */
export const MAX_EDITIONS = 64;

export const bookSchema = z.strictObject({
  title: z.string().min(1),
  subtitle: z.string().optional(),
  /** No author is printed rather than an invented one. */
  authors: z.array(z.string().min(1)).default([]),
  language: languageTag.default('en'),
  direction: z.enum(['ltr', 'rtl']).optional(),
  identifier: z.string().min(1).optional(),
  /** The print edition's ISBN (PDF, cover, copyright page) and the ebook's (the EPUB's dc:identifier). */
  isbn: z.strictObject({ print: isbn.optional(), ebook: isbn.optional() }).optional(),
  version: z
    .string()
    .regex(/^\d+\.\d+(\.\d+)?(-[\w.]+)?$/, 'expected a version such as 1.2.0')
    .default('0.1.0'),
  printing: z.number().int().min(1).optional(),
  date: z.union([z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD'), z.date()]).optional(),
  /** Calendar of the dates Galley prints (copyright page, downloads): the language's own when left out. */
  calendar: z.enum(['persian', 'gregory']).optional(),
  description: z.string().optional(),
  keywords: z.array(z.string()).default([]),
  publisher: z.string().optional(),
  copyright: z
    .strictObject({
      year: yearOrRange,
      holder: z.string().min(1),
      /** Template with {year} and {holder}. */
      footer: z.string().default('Copyright ©{year} {holder}'),
      /** Chapters carry the footer as their last paragraph (checked, and not printed twice). */
      in_source: z.boolean().default(false),
    })
    .optional(),
  licence: z.string().optional(),
  /** Where readers report errors (a web address), printed on the ebook's copyright page. */
  errata_url: z
    .string()
    .regex(/^(https?:\/\/|mailto:)\S+$/, 'expected an http(s):// or mailto: address')
    .optional(),
  cover: z.string().optional(),
  /** `auto`: the author's numbers when the titles carry them ("Chapter 1.", "5.1.3"), else Galley's; `galley`; `none`. */
  numbering: z.enum(['auto', 'galley', 'none']).default('auto'),
  output: outputSchema.default(outputSchema.parse({})),
  site: siteSchema.default({}),
  checks: z.record(z.string(), severity).default({}),
  /**
   * Web pages that moved: `old/path.html: new/path.html#anchor`. Each old path gets a page that sends the reader on
   * (a meta refresh and a canonical link); the target is relative to the old page's folder, or to the site's root
   * with a leading `/`, as mdBook's `[output.html.redirect]` (read from book.toml too).
   */
  redirects: z
    .record(z.string().regex(/^\/?[^?#]+\.html?$/, 'expected a page path such as old/intro.html'), z.string().min(1))
    .default({}),
  links: linksSchema.default(linksSchema.parse({})),
  bibliography: bibliographySchema.default(bibliographySchema.parse({})),
  editions: z
    .record(z.string().regex(/^[a-z]{2,3}(-[a-z0-9]+)*$/), editionSchema)
    .superRefine((editions, ctx) => {
      const codes = Object.keys(editions);
      if (codes.length > MAX_EDITIONS) {
        ctx.addIssue({
          code: 'custom',
          path: [codes[MAX_EDITIONS]!],
          message: `${codes.length} editions, over the limit of ${MAX_EDITIONS}: each is a whole build`,
        });
      }
      // Two editions in one folder would build the same book twice (a 64 KB book.yaml could ask for 3,000 builds).
      const byRoot = new Map<string, string>();
      for (const [code, edition] of Object.entries(editions)) {
        const first = byRoot.get(edition.root);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [code, 'root'],
            message: `the folder ${edition.root} is already edition \`${first}\`'s: each edition needs a folder of its own`,
          });
        } else {
          byRoot.set(edition.root, code);
        }
      }
    })
    .default({}),
});

export type BookConfig = z.infer<typeof bookSchema>;
export type PdfConfig = z.infer<typeof pdfSchema>;
export type CoverConfig = z.infer<typeof coverSchema>;
export type ExternalLinksConfig = z.infer<typeof externalLinksSchema>;
export type Severity = z.infer<typeof severity>;
