import { findRepository, gitAt, verifyCommit } from '../util/git.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Node, Parent, RootContent } from 'mdast';
import remarkGfm from 'remark-gfm';
import { remarkMath } from '../util/math-syntax.ts';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { VFile } from 'vfile';
import type { Book, Chapter } from '../model/book/types.ts';
import { splitFrontmatter } from '../model/book/frontmatter.ts';
import { parseYaml } from '../model/config/load.ts';
import { FOOTER_START as FOOTER_PATTERN } from '../model/footer-line.ts';
import { report } from '../util/messages.ts';
import { appendixChapter } from '../passes/errata/checks.ts';
import type { Errata } from '../model/errata/load.ts';
import { resolveLocation } from '../model/errata/locate.ts';

export interface ChangeCheckOptions {
  /** The folder `changedFiles` paths are relative to (default: the book's boundary, i.e. the manuscript). */
  manuscript?: string;
  /** Overrides errata.yaml's `changes.exempt_formatting`. */
  exemptFormatting?: boolean;
}

/** One block of a chapter's text (a paragraph, a heading, a code block…), with the line it starts on. */
export interface TextBlock {
  text: string;
  line: number;
}

/** `git show REF:./name` from the file's folder; undefined when the file did not exist at REF. */
export function gitShow(ref: string, file: string): string | undefined {
  try {
    const repo = findRepository(path.dirname(file));
    if (!repo) return undefined;
    // `ref` is checked and turned into a commit id first: `-…:./x` must never reach git as an option.
    const commit = verifyCommit(repo, ref, path.dirname(file));
    return gitAt(
      path.dirname(file),
      ['show', '--no-textconv', '--end-of-options', `${commit}:./${path.basename(file)}`],
      {
        stderr: 'ignore',
      },
    );
  } catch {
    return undefined;
  }
}

/** Ids of the entries errata.yaml had at REF (none if it did not exist); tolerant of an old file that no longer validates. */
export function entryIdsAt(ref: string, errataPath: string): Set<string> {
  const text = gitShow(ref, errataPath);
  if (text === undefined) return new Set();
  const parsed = parseYaml(text, new VFile({ path: errataPath }));
  const entries = (parsed?.value as { entries?: unknown } | undefined)?.entries;
  if (Array.isArray(entries)) {
    return new Set(
      entries
        .map((e) => (e && typeof e === 'object' ? (e as { id?: unknown }).id : undefined))
        .filter((id): id is string => typeof id === 'string'),
    );
  }

  return new Set([...text.matchAll(/^\s*-?\s*id:\s*["']?([A-Z]+-\d+)/gm)].map(([, id = '']) => id));
}

const processor = unified().use(remarkParse).use(remarkGfm).use(remarkMath);

function inlineText(node: Node): string {
  const n = node as Node & { value?: string; url?: string; alt?: string; children?: Node[]; identifier?: string };
  if (n.type === 'link' || n.type === 'image')
    return `${n.type === 'image' ? (n.alt ?? '') : (n.children ?? []).map(inlineText).join('')} <${n.url ?? ''}>`;
  if (n.type === 'footnoteReference') return `[^${n.identifier ?? ''}]`;
  if (n.type === 'break') return ' ';
  if (typeof n.value === 'string') return n.value;
  return (n.children ?? []).map(inlineText).join('');
}

const LEAF_BLOCKS = new Set([
  'paragraph',
  'heading',
  'code',
  'math',
  'html',
  'tableRow',
  'definition',
  'thematicBreak',
]);

function collectBlocks(node: Parent | RootContent, out: TextBlock[]) {
  const n = node as Node & {
    depth?: number;
    url?: string;
    identifier?: string;
    lang?: string | null;
    children?: RootContent[];
  };
  if (LEAF_BLOCKS.has(n.type)) {
    let text: string;
    if (n.type === 'heading') text = `h${n.depth}: ${inlineText(n)}`;
    else if (n.type === 'definition') text = `[${n.identifier}]: <${n.url}>`;
    else if (n.type === 'tableRow') text = (n.children ?? []).map(inlineText).join(' | ');
    else if (n.type === 'code') text = `code ${n.lang ?? ''}: ${inlineText(n)}`;
    else if (n.type === 'thematicBreak') text = '---';
    else text = inlineText(n);
    // Code keeps its whitespace (it is what the reader copies); prose does not.
    const normal = n.type === 'code' ? text.replace(/[ \t]+$/gm, '') : text.replace(/\s+/g, ' ').trim();
    out.push({ text: normal, line: n.position?.start.line ?? 1 });
    return;
  }
  for (const child of n.children ?? []) collectBlocks(child, out);
}

/**
 * A chapter's text as blocks, formatting left out: wrapping, emphasis and
 * list markers, heading style, fence style and trailing spaces make no
 * difference; words, link targets, formulas, code, heading levels do. The
 * front matter and the copyright footer line are not part of the text.
 */
export function textBlocks(markdown: string): TextBlock[] {
  const { body } = splitFrontmatter(markdown.replace(/\r\n?/g, '\n'), new VFile());
  const tree = processor.parse(body);
  const blocks: TextBlock[] = [];
  collectBlocks(tree, blocks);
  const last = blocks.at(-1);
  if (last && FOOTER_PATTERN.test(last.text)) blocks.pop();
  return blocks;
}

/** The source lines, without the front matter's and the footer line's influence on "did it change". */
function sourceLines(markdown: string): string[] {
  const lines = markdown.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n');
  // The footer is the book's business (copyright-footer, --fix), not an erratum.
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i]!.trim()) continue;
    if (FOOTER_PATTERN.test(lines[i]!)) lines.splice(i);
    break;
  }
  return lines;
}

/**
 * Where a chapter's text differs between two versions: the 1-based line in
 * the new text of the first difference, or undefined when the text is the
 * same (with `exemptFormatting`, the same once formatting is left out).
 */
export function firstTextChange(before: string, after: string, exemptFormatting: boolean): number | undefined {
  if (exemptFormatting) {
    const a = textBlocks(before);
    const b = textBlocks(after);
    for (let i = 0; i < Math.max(a.length, b.length); i++)
      if (a[i]?.text !== b[i]?.text) return b[i]?.line ?? b.at(-1)?.line ?? 1;

    return undefined;
  }
  const a = sourceLines(before);
  const b = sourceLines(after);
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if (a[i] !== b[i]) return Math.min(i + 1, Math.max(b.length, 1));

  return undefined;
}

function entryChapter(book: Pick<Book, 'chapters'>, location: string): Chapter | undefined {
  const resolved = resolveLocation(book, location);
  if (resolved.ok) return resolved.location.chapter;
  // An entry whose anchor has gone still names its chapter.
  const file = location.split('#')[0]!.replace(/^\.\//, '');
  return book.chapters.find((c) => c.source === file);
}

/**
 * `errata-missing`: every chapter whose text changed since `ref` needs an
 * errata entry that is new since `ref` (an id errata.yaml did not have then,
 * read with `git show REF:errata.yaml`) and whose location is in that
 * chapter. Typo fixes count. With `changes.exempt_formatting: true` in
 * errata.yaml, a change that leaves the text as it was (see textBlocks) needs
 * none. The footer line and the appendix chapter itself are never counted.
 * Messages land on the chapter at its first changed line. Returns the number
 * of chapters reported. A book without errata.yaml is not held to this.
 *
 * `changed` is what check.ts's `changedFiles(manuscript, ref)` returns: paths
 * relative to the manuscript.
 */
export function checkErrataForChanges(
  book: Pick<Book, 'chapters' | 'root' | 'boundary'>,
  errata: Errata | undefined,
  changed: Set<string>,
  ref: string,
  options: ChangeCheckOptions = {},
): number {
  // A book without errata.yaml has no errata channel to hold changes to.
  if (!errata) return 0;
  const manuscript = path.resolve(options.manuscript ?? book.boundary);
  const exempt = options.exemptFormatting ?? errata.data.changes.exempt_formatting;
  const oldIds = entryIdsAt(ref, errata.path);
  const fresh = errata.data.entries.filter((e) => !oldIds.has(e.id));
  const covered = new Set(fresh.map((e) => entryChapter(book, e.location)).filter(Boolean));
  const appendix = appendixChapter(book, errata);
  let reported = 0;
  for (const chapter of book.chapters) {
    if (chapter === appendix || covered.has(chapter)) continue;
    const absolute = path.join(book.root, chapter.source);
    const relative = path.relative(manuscript, absolute).split(path.sep).join('/');
    if (!changed.has(relative)) continue;
    let now: string;
    try {
      now = readFileSync(absolute, 'utf8');
    } catch {
      continue;
    }
    const before = gitShow(ref, absolute) ?? '';
    const line = firstTextChange(before, now, exempt);
    if (line === undefined) continue;
    const what = before ? 'The text of this chapter changed' : 'This chapter is new';
    const hint = `galley errata add --location ${chapter.source}#… --kind typo|error|clarification|update --text "…"`;
    const where = 'errata.yaml has no new entry for it';
    report(
      chapter.file,
      'error',
      `${what} since ${ref}, but ${where}: record the change with \`${hint}\`${exempt ? '' : ' (or set `changes.exempt_formatting: true` in errata.yaml if it only changed formatting)'}`,
      { line, column: 1 },
      'errata-missing',
    );
    reported++;
  }
  return reported;
}
