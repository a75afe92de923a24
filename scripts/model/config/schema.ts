import { z } from 'zod';

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

export const pdfSchema = z.strictObject({
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
  css: z.array(z.string().min(1)).default([]),
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
  formats: z.array(z.enum(['html', 'epub', 'pdf', 'web'])).default(['html', 'epub', 'pdf', 'web']),
  /** Contents depth in every edition (PDF, EPUB nav, web sidebar): 1 chapters, 2 with their sections, … Parts are not a level. */
  toc_depth: z.number().int().min(1).max(6).default(2),
  /** Read `$…$` as inline math too; off by default because `$50K` is money. */
  single_dollar_math: z.boolean().default(false),
  pdf: pdfSchema.default(pdfSchema.parse({})),
  web: webSchema.default(webSchema.parse({})),
  epub: epubSchema.default(epubSchema.parse({})),
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
  language: z.string().optional(),
  direction: z.enum(['ltr', 'rtl']).optional(),
});

/** A BCP 47 language tag as book.yaml may give it (`en`, `fa-IR`). */
export const LANGUAGE_TAG = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export const bookSchema = z.strictObject({
  title: z.string().min(1),
  subtitle: z.string().optional(),
  /** No author is printed rather than an invented one. */
  authors: z.array(z.string().min(1)).default([]),
  language: z.string().regex(LANGUAGE_TAG, 'expected a BCP 47 tag such as en or fa-IR').default('en'),
  direction: z.enum(['ltr', 'rtl']).optional(),
  identifier: z.string().min(1).optional(),
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
  editions: z.record(z.string().regex(/^[a-z]{2,3}(-[a-z0-9]+)*$/), editionSchema).default({}),
});

export type BookConfig = z.infer<typeof bookSchema>;
export type PdfConfig = z.infer<typeof pdfSchema>;
export type ExternalLinksConfig = z.infer<typeof externalLinksSchema>;
export type Severity = z.infer<typeof severity>;
