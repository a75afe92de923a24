import { z } from 'zod';

/** `1.2.0`, `1.2` or `1.2.0-rc.1`: the same shape book.yaml's `version` takes. */
export const VERSION_PATTERN = /^\d+\.\d+(\.\d+)?(-[\w.]+)?$/;
const version = z.string().regex(VERSION_PATTERN, 'expected a version such as 1.2.0');

/** YAML's core schema reads `2026-11-01` as a string, which is what we want. */
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((value) => {
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
  }, 'not a calendar date');

export const ERRATA_KINDS = ['typo', 'error', 'clarification', 'update'] as const;
export type ErratumKind = (typeof ERRATA_KINDS)[number];

/** `E-0001`: a prefix of capitals, a dash, digits. Never reused, never renumbered. */
export const ID_PATTERN = /^[A-Z]+-\d+$/;

export const releaseSchema = z.strictObject({
  version,
  date: isoDate,
  /** The print run this release went to press as (1 for the first printing); none for an ebook-only release. */
  printing: z.number().int().min(1).optional(),
  summary: z.string().min(1).optional(),
});

export const entrySchema = z
  .strictObject({
    id: z.string().regex(ID_PATTERN, 'expected an id such as E-0001'),
    /**
     * Where the fix is, in the current text: `part-2/ml-fundamentals.md#metrics`
     * (chapter file, relative to the book, and an anchor), `part-2/ml-fundamentals.md`
     * (the whole chapter) or a question id on its own (`q-…`).
     */
    location: z.string().min(1),
    kind: z.enum(ERRATA_KINDS),
    /** What the book said. */
    was: z.string().min(1).optional(),
    /** What it says now. */
    now: z.string().min(1).optional(),
    /** A description, for changes that `was`/`now` cannot show (a rewritten figure, a new question). */
    text: z.string().min(1).optional(),
    credit: z.string().min(1).optional(),
    reported: isoDate.optional(),
    /** The release that carries the fix; left out while the fix is unreleased. */
    fixed_in: version.optional(),
  })
  .refine((entry) => entry.now !== undefined || entry.text !== undefined, {
    message: 'an entry needs `now` (with `was`) or `text` saying what changed',
  })
  .refine((entry) => entry.was === undefined || entry.now !== undefined, {
    message: '`was` needs a `now` beside it',
    path: ['now'],
  });

export const errataSchema = z.strictObject({
  /**
   * The chapter (file relative to the book) that gets the "Errata and changes"
   * appendix. Without it, the chapter whose front matter says `generate: errata`.
   */
  appendix: z.string().min(1).optional(),
  changes: z
    .strictObject({
      /**
       * `galley check --changed-since` asks for an entry for every changed
       * chapter; with this on, a change that leaves the chapter's text as it
       * was (line wrapping, emphasis or list markers, heading style) needs none.
       */
      exempt_formatting: z.boolean().default(false),
    })
    .default({ exempt_formatting: false }),
  /** Oldest first; the last is the current release, whose version book.yaml must carry. */
  releases: z.array(releaseSchema).default([]),
  /** Oldest first; `galley errata add` appends. */
  entries: z.array(entrySchema).default([]),
});

export type Release = z.infer<typeof releaseSchema>;
export type Entry = z.infer<typeof entrySchema>;
export type ErrataData = z.infer<typeof errataSchema>;

/** Compares two versions: numbers part by part, then a pre-release sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const split = (v: string) => {
    const [core, pre] = v.split(/-(.*)/s) as [string, string | undefined];
    return { nums: core.split('.').map(Number), pre };
  };
  const x = split(a);
  const y = split(b);
  for (let i = 0; i < 3; i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d !== 0) return d;
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre.localeCompare(y.pre, 'en', { numeric: true });
}
