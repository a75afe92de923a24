import { z } from 'zod';

/**
 * mdBook's RenderContext (the `mdbook-renderer` crate), what mdBook writes on
 * a backend's stdin. 0.4 keeps the chapters in `book.sections`, 0.5 renamed
 * the field to `book.items`; everything else Galley reads is the same. Both
 * are accepted; another major or minor series is refused, since its shape is
 * not known.
 */
export const SUPPORTED_MDBOOK = ['0.4', '0.5'] as const;

export interface MdbookChapter {
  kind: 'chapter';
  name: string;
  content: string;
  number: number[] | null;
  /** Relative to the book's `src` folder; null for a draft (listed, no page). */
  path: string | null;
  children: MdbookItem[];
}
export type MdbookItem = MdbookChapter | { kind: 'separator' } | { kind: 'part'; title: string };

export interface MdbookContext {
  version: string;
  root: string;
  destination: string;
  items: MdbookItem[];
  /** `[book]` of book.toml. */
  book: { title?: string; authors?: string[]; language?: string; 'text-direction'?: string; src?: string };
  /** The whole configuration, outputs included (`[output.galley]`, `[output.html]`). */
  config: Record<string, unknown>;
}

export class MdbookContextError extends Error {}

interface RawChapter {
  name: string;
  content: string;
  number?: number[] | null;
  sub_items?: RawItem[];
  path?: string | null;
}
type RawItem = 'Separator' | { Chapter: RawChapter } | { PartTitle: string };

const item: z.ZodType<RawItem> = z.lazy(() =>
  z.union([
    z.literal('Separator'),
    z.object({ PartTitle: z.string() }),
    z.object({
      Chapter: z.object({
        name: z.string(),
        content: z.string(),
        number: z.array(z.number().int().nonnegative()).nullish(),
        sub_items: z.array(item).optional(),
        path: z.string().nullish(),
      }),
    }),
  ]),
);

const context = z.object({
  version: z.string(),
  root: z.string().min(1),
  destination: z.string().min(1),
  book: z.object({ sections: z.array(item).optional(), items: z.array(item).optional() }),
  config: z.object({ book: z.record(z.string(), z.unknown()).optional() }).loose(),
});

function convert(raw: RawItem): MdbookItem {
  if (raw === 'Separator') return { kind: 'separator' };
  if ('PartTitle' in raw) return { kind: 'part', title: raw.PartTitle };
  const c = raw.Chapter;
  return {
    kind: 'chapter',
    name: c.name,
    content: c.content,
    number: c.number ?? null,
    path: c.path ?? null,
    children: (c.sub_items ?? []).map(convert),
  };
}

/** Where in the JSON a zod issue is, as mdBook's own field names (`book.items[3].Chapter.content`). */
function where(issue: z.core.$ZodIssue): string {
  return issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

/** Reads the JSON mdBook gives a backend; throws MdbookContextError with what is wrong. */
export function parseRenderContext(json: string): MdbookContext {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    throw new MdbookContextError(`the RenderContext on stdin is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const version = (data as { version?: unknown } | null)?.version;
  const series = typeof version === 'string' ? /^(\d+)\.(\d+)/.exec(version) : null;
  if (
    typeof version !== 'string' ||
    !series ||
    !(SUPPORTED_MDBOOK as readonly string[]).includes(`${series[1]}.${series[2]}`)
  ) {
    throw new MdbookContextError(
      `mdBook ${typeof version === 'string' ? version : '(no version)'} is not supported: ` +
        `Galley reads the RenderContext of mdBook ${SUPPORTED_MDBOOK.join(' and ')}`,
    );
  }
  const parsed = context.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MdbookContextError(`the RenderContext is not mdBook ${version}'s: ${where(issue)}: ${issue.message}`);
  }
  const raw = parsed.data.book.items ?? parsed.data.book.sections;
  if (!raw) {
    throw new MdbookContextError(
      `the RenderContext has neither book.items (mdBook 0.5) nor book.sections (mdBook 0.4): no chapters to build`,
    );
  }
  const book = parsed.data.config.book ?? {};
  const text = (key: string) => (typeof book[key] === 'string' ? book[key] : undefined);
  return {
    version,
    root: parsed.data.root,
    destination: parsed.data.destination,
    items: raw.map(convert),
    book: {
      title: text('title'),
      authors: Array.isArray(book.authors) ? book.authors.map(String) : undefined,
      language: text('language'),
      'text-direction': text('text-direction'),
      src: text('src'),
    },
    config: parsed.data.config,
  };
}

/** Every chapter, depth first, drafts included. */
export function mdbookChapters(items: MdbookItem[]): MdbookChapter[] {
  return items.flatMap((i) => (i.kind === 'chapter' ? [i, ...mdbookChapters(i.children)] : []));
}

/** A title as SUMMARY.md link text: brackets and backslashes escaped, one line. */
const linkText = (name: string) => name.replace(/\s+/g, ' ').replace(/([\\[\]])/g, '\\$1');
/** A path as a link destination: in angle brackets, so spaces and parentheses survive. */
const linkTarget = (p: string) => `<${p.replace(/[<>\n]/g, (c) => encodeURIComponent(c))}>`;

/**
 * The contents as a SUMMARY.md, which Galley's mdBook dialect reads: prefix
 * and suffix chapters (no number, outside the numbered list) as plain links,
 * numbered chapters as a nested list, drafts as `[Name]()`, part titles as
 * headings and separators as rules. It follows the context, not the book's
 * own SUMMARY.md, so what mdBook's preprocessors changed is what is built.
 */
export function summaryMarkdown(context: Pick<MdbookContext, 'items' | 'book'>): string {
  const lines = ['# Summary', ''];
  const numbered = (items: MdbookItem[], depth: number) => {
    for (const i of items) {
      if (i.kind !== 'chapter') continue;
      lines.push(`${'    '.repeat(depth)}- [${linkText(i.name)}](${i.path === null ? '' : linkTarget(i.path)})`);
      numbered(i.children, depth + 1);
    }
  };
  const top = context.items;
  let lastNumbered = -1;
  top.forEach((i, index) => {
    if (i.kind !== 'chapter' || i.number !== null) lastNumbered = index;
  });
  let inList = false;
  top.forEach((i, index) => {
    if (i.kind === 'part') {
      lines.push('', `# ${i.title.replace(/\s+/g, ' ')}`, '');
      inList = true;
    } else if (i.kind === 'separator') {
      lines.push('', '---', '');
    } else if (i.number === null && i.path !== null && (!inList || index > lastNumbered)) {
      lines.push('', `[${linkText(i.name)}](${linkTarget(i.path)})`, '');
    } else {
      inList = true;
      numbered([i], 0);
    }
  });
  return lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/\n*$/, '\n');
}
