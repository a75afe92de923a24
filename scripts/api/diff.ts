import { findRepository, gitAt, verifyCommit } from '../util/git.ts';
import { realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from './build.ts';
import type { LoadedBook } from '../model/book/load.ts';
import { listEditions } from '../model/book/editions.ts';
import type { Chapter, TocEntry } from '../model/book/types.ts';
import { readDestinations } from '../render/pdf/post/finish.ts';
import { assertNoLink, replaceDirectory } from '../util/atomic.ts';
import { diffImages } from '../util/imagediff.ts';
import { hunksOnPage } from './diff-hunks.ts';
import type { ChapterDiff, Hunk, SectionDiff } from './diff-types.ts';
import { matchPages, rasterize, renderPage, type PageChange } from './diff-pages.ts';
import {
  chapterSections,
  diffSequences,
  inlineDiff,
  similarity,
  type Section,
  type TextBlockOut,
} from '../util/textdiff.ts';
import { withEnv } from '../util/env.ts';
import { stopwatch } from '../util/stopwatch.ts';

// ---------------------------------------------------------------------------
// Git: revisions checked out into temporary worktrees, always removed.

function git(cwd: string, args: string[]): string {
  // The repository holding cwd's real path, never one the manuscript pretends to be (util/git.ts).
  return gitAt(cwd, args).trim();
}

export interface Revision {
  ref: string;
  /** The full commit id; undefined for the working tree. */
  commit?: string;
  subject: string;
  /** Commit time (seconds since the epoch); now for the working tree. */
  time: number;
}

function revision(cwd: string, ref: string): Revision {
  const repo = findRepository(cwd);
  if (!repo) throw new Error(`${cwd} is not inside a git repository (no .git folder above it)`);
  const commit = verifyCommit(repo, ref, cwd);
  const [time, ...subject] = git(cwd, [
    'log',
    '-1',
    '--no-show-signature',
    '--format=%ct%x09%s',
    '--end-of-options',
    commit,
  ]).split('\t');
  return { ref, commit, subject: subject.join('\t'), time: Number(time) };
}

/**
 * Checks out commits into temporary worktrees (`git worktree add --detach`)
 * and removes them afterwards, on error too, and on Ctrl-C.
 */
export class Worktrees {
  readonly dirs: string[] = [];
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.removeSync();
    process.kill(process.pid, signal);
  };

  constructor(
    private readonly repo: string,
    readonly tmp: string,
  ) {
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  add(name: string, commit: string): string {
    const dir = path.join(this.tmp, name);
    git(this.repo, ['worktree', 'add', '--detach', '--quiet', dir, '--end-of-options', commit]);
    this.dirs.push(dir);
    return dir;
  }

  removeSync() {
    for (const dir of this.dirs.splice(0)) {
      try {
        git(this.repo, ['worktree', 'remove', '--force', dir]);
      } catch {
        // Already gone; prune below forgets it.
      }
    }
    try {
      git(this.repo, ['worktree', 'prune']);
    } catch {
      // Nothing to prune.
    }
  }

  async dispose() {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    this.removeSync();
    await rm(this.tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// Building a revision with the current toolchain.

/** The PDF renderer's fixed front pages (scripts/render/pdf/compose.ts), by their ids. */
const FRONT_PAGES: [string, string][] = [
  ['galley--half-title', 'Half title'],
  ['galley--title', 'Title page'],
  ['galley--copyright', 'Copyright page'],
  ['galley--toc', 'Contents'],
];

export interface BuiltRevision {
  book: LoadedBook;
  htmlDir: string;
  pdf?: string;
  /** Where each chapter, part and front page starts in the PDF (0-based page), in page order. */
  starts: { title: string; page: number }[];
}

/**
 * Builds the main edition of a manuscript with the toolchain that is running
 * (not the revision's own scripts) with `build()`, errata appendix included.
 */
export async function buildRevision(
  manuscript: string,
  out: string,
  options: { pdf: boolean; label: string },
): Promise<BuiltRevision> {
  const [main] = await listEditions(manuscript);
  const result = await build({
    manuscript,
    out,
    formats: options.pdf ? ['html', 'pdf'] : ['html'],
    quiet: true,
    edition: main!.code,
  });
  if (!result.ok) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    const shown = errors.slice(0, 5).map((d) => `  ${d.file}:${d.line}:${d.column} ${d.message} [${d.ruleId}]`);
    throw new Error(
      `${options.label} does not build (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${shown.join('\n')}`,
    );
  }
  const htmlDir = result.artifacts.find((a) => a.format === 'html')?.path ?? path.join(out, 'html');
  const book = result.book;
  const pdf = result.artifacts.find((a) => a.format === 'pdf')?.path;
  if (options.pdf && !pdf) throw new Error(`${options.label} built no PDF`);
  const starts: { title: string; page: number }[] = [];
  if (pdf) {
    const { dests } = await readDestinations(await readFile(pdf));
    const named: [string, string][] = [...FRONT_PAGES];
    for (const chapter of book.chapters)
      named.push([chapter.key, chapter.number ? `${chapter.number} ${chapter.title}` : chapter.title]);
    const parts = (entries: TocEntry[]) => {
      for (const entry of entries) {
        if (entry.kind === 'part' && entry.pageKey) named.push([entry.pageKey, entry.title]);
        parts(entry.children);
      }
    };
    parts(book.toc);
    for (const [id, title] of named) {
      const at = dests.get(id);
      if (at) starts.push({ title, page: at.page });
    }
    starts.sort((a, b) => a.page - b.page);
  }
  return { book, htmlDir, pdf, starts };
}

// ---------------------------------------------------------------------------
// Text: chapters, sections, paragraphs.

export type { ChapterDiff, Hunk, SectionDiff } from './diff-types.ts';

/** Pairs a run of removed and added paragraphs: alike ones as changed, in order; the rest removed or added. */
function pairRun(removed: TextBlockOut[], added: TextBlockOut[]): Hunk[] {
  const hunks: Hunk[] = [];
  let next = 0;
  for (const block of removed) {
    let match = -1;
    for (let j = next; j < added.length; j++) {
      if (similarity(block.text, added[j]!.text) >= 0.4) {
        match = j;
        break;
      }
    }
    if (match < 0) {
      hunks.push({ kind: 'removed', before: block.text, question: block.question });
      continue;
    }
    for (let j = next; j < match; j++)
      hunks.push({ kind: 'added', after: added[j]!.text, question: added[j]!.question });
    const after = added[match]!;
    hunks.push({
      kind: 'changed',
      before: block.text,
      after: after.text,
      parts: inlineDiff(block.text, after.text),
      question: after.question ?? block.question,
    });
    next = match + 1;
  }
  for (let j = next; j < added.length; j++)
    hunks.push({ kind: 'added', after: added[j]!.text, question: added[j]!.question });
  return hunks;
}

function diffBlocks(before: TextBlockOut[], after: TextBlockOut[]): Hunk[] {
  const hunks: Hunk[] = [];
  let removed: TextBlockOut[] = [];
  let added: TextBlockOut[] = [];
  for (const op of diffSequences(before, after, (x, y) => x.text === y.text)) {
    if (op.op === 'delete') {
      removed.push(op.a);
    } else if (op.op === 'insert') {
      added.push(op.b);
    } else {
      hunks.push(...pairRun(removed, added));
      removed = [];
      added = [];
    }
  }
  hunks.push(...pairRun(removed, added));
  return hunks;
}

function questionNumbers(hunks: Hunk[], ...chapters: (Chapter | undefined)[]): string[] {
  const ids = [...new Set(hunks.map((h) => h.question).filter((q): q is string => Boolean(q)))];
  return ids.map((id) => {
    for (const chapter of chapters) {
      const q = chapter?.questions.find((x) => x.id === id);
      if (q) return q.number;
    }
    return id;
  });
}

/** What changed in the text, chapter by chapter (matched by source file) and section by section (by heading id). */
export function diffBooks(before: LoadedBook, after: LoadedBook): ChapterDiff[] {
  const out: ChapterDiff[] = [];
  const bySource = new Map(before.chapters.map((c) => [c.source, c]));
  const seen = new Set<string>();
  const sectionsOf = (c: Chapter) => (c.tree ? chapterSections(c.tree) : []);
  const whole = (c: Chapter, kind: 'added' | 'removed'): SectionDiff[] =>
    sectionsOf(c).map((s) => {
      const hunks: Hunk[] = s.blocks.map((b) =>
        kind === 'added'
          ? { kind, after: b.text, question: b.question }
          : { kind, before: b.text, question: b.question },
      );
      return { id: s.id, title: s.title, status: kind, hunks, questions: questionNumbers(hunks, c) };
    });
  for (const chapter of after.chapters) {
    const old = bySource.get(chapter.source);
    seen.add(chapter.source);
    if (!old) {
      out.push({
        source: chapter.source,
        title: chapter.title,
        number: chapter.number,
        status: 'added',
        sections: whole(chapter, 'added'),
      });
      continue;
    }
    const sections: SectionDiff[] = [];
    const ops = diffSequences(sectionsOf(old), sectionsOf(chapter), (x: Section, y: Section) =>
      x.id && y.id ? x.id === y.id : x.title === y.title,
    );
    let pendingRemoved: Section[] = [];
    const flushRemoved = () => {
      for (const s of pendingRemoved) {
        const hunks: Hunk[] = s.blocks.map((b) => ({ kind: 'removed', before: b.text, question: b.question }));
        sections.push({ id: s.id, title: s.title, status: 'removed', hunks, questions: questionNumbers(hunks, old) });
      }
      pendingRemoved = [];
    };
    for (const op of ops) {
      if (op.op === 'delete') {
        pendingRemoved.push(op.a);
      } else if (op.op === 'insert') {
        // A heading that was renamed: the section with the most text in common takes its place.
        const index = pendingRemoved.findIndex(
          (s) => similarity(s.blocks.map((b) => b.text).join(' '), op.b.blocks.map((b) => b.text).join(' ')) >= 0.5,
        );
        if (index >= 0) {
          const [renamed] = pendingRemoved.splice(index, 1);
          const hunks = diffBlocks(renamed!.blocks, op.b.blocks);
          const titleHunk: Hunk = {
            kind: 'changed',
            before: renamed!.title,
            after: op.b.title,
            parts: inlineDiff(renamed!.title, op.b.title),
          };
          sections.push({
            id: op.b.id,
            title: op.b.title,
            status: 'changed',
            hunks: [titleHunk, ...hunks],
            questions: questionNumbers(hunks, chapter, old),
          });
        } else {
          const hunks: Hunk[] = op.b.blocks.map((b) => ({ kind: 'added', after: b.text, question: b.question }));
          sections.push({
            id: op.b.id,
            title: op.b.title,
            status: 'added',
            hunks,
            questions: questionNumbers(hunks, chapter),
          });
        }
      } else {
        flushRemoved();
        const hunks = diffBlocks(op.a.blocks, op.b.blocks);
        if (op.a.title !== op.b.title) {
          hunks.unshift({
            kind: 'changed',
            before: op.a.title,
            after: op.b.title,
            parts: inlineDiff(op.a.title, op.b.title),
          });
        }
        if (hunks.length > 0) {
          sections.push({
            id: op.b.id,
            title: op.b.title || chapter.title,
            status: 'changed',
            hunks,
            questions: questionNumbers(hunks, chapter, old),
          });
        }
      }
    }
    flushRemoved();
    if (sections.length > 0)
      out.push({ source: chapter.source, title: chapter.title, number: chapter.number, status: 'changed', sections });
  }
  for (const chapter of before.chapters) {
    if (!seen.has(chapter.source)) {
      out.push({
        source: chapter.source,
        title: chapter.title,
        number: chapter.number,
        status: 'removed',
        sections: whole(chapter, 'removed'),
      });
    }
  }

  return out;
}

// ---------------------------------------------------------------------------
// The report.

export interface PageReport {
  status: PageChange['status'];
  before?: number;
  after?: number;
  /** The chapter the page belongs to (in the newer rendering, else the older). */
  chapter?: string;
  /** Report-relative image paths, for changed, added and removed pages. */
  images?: { before?: string; after?: string; diff?: string };
  /** Regions that changed, in pixels of the diff image. */
  boxes?: { x: number; y: number; width: number; height: number }[];
  /** Pixel size of the page images (the boxes are in it). */
  size?: { width: number; height: number };
  /** The text changes this page shows (hunks of `chapters` found in its text before or after). */
  hunks?: Hunk[];
}

export interface DiffReport {
  before: Revision;
  after: Revision;
  chapters: ChapterDiff[];
  pages?: { before: number; after: number; list: PageReport[] };
  pdfSkipped?: string;
  seconds: number;
  timings: Record<string, number>;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function hunkHtml(h: Hunk): string {
  const q = h.question ? ' class="question"' : '';
  if (h.kind === 'added') return `<li${q}><span class="tag add">added</span> <ins>${esc(h.after)}</ins></li>`;
  if (h.kind === 'removed') return `<li${q}><span class="tag del">removed</span> <del>${esc(h.before)}</del></li>`;
  const body = h.parts
    .map((p) =>
      p.kind === 'same'
        ? esc(p.text)
        : p.kind === 'removed'
          ? `<del>${esc(p.text)}</del>`
          : `<ins>${esc(p.text)}</ins>`,
    )
    .join('');
  return `<li${q}><span class="tag chg">changed</span> ${body}</li>`;
}

function revisionLabel(r: Revision): string {
  return r.commit
    ? `<code>${esc(r.ref)}</code> (${esc(r.commit.slice(0, 10))}: ${esc(r.subject)})`
    : `<code>${esc(r.ref)}</code>`;
}

const pct = (value: number, total: number) => `${((100 * value) / (total || 1)).toFixed(3)}%`;

export function reportHtml(report: DiffReport): string {
  const changedPages =
    report.pages?.list.filter((p) => p.status === 'changed' || p.status === 'added' || p.status === 'removed') ?? [];
  const moved = report.pages?.list.filter((p) => p.status === 'moved') ?? [];
  const parts: string[] = [];
  parts.push(`<h1>Changes between ${revisionLabel(report.before)} and ${revisionLabel(report.after)}</h1>`);
  const questionCount = report.chapters.reduce((n, c) => n + c.sections.reduce((m, s) => m + s.questions.length, 0), 0);
  parts.push('<ul class="summary">');
  parts.push(
    `<li>${report.chapters.length} chapter${report.chapters.length === 1 ? '' : 's'} with changes, ${report.chapters.reduce((n, c) => n + c.sections.length, 0)} section(s), ${questionCount} question(s)</li>`,
  );
  if (report.pages) {
    parts.push(
      `<li>PDF: ${report.pages.before} → ${report.pages.after} pages; ${changedPages.length} changed, added or removed; ${moved.length} moved without change</li>`,
    );
  } else {
    parts.push(`<li>PDF: not compared (${esc(report.pdfSkipped ?? 'skipped')})</li>`);
  }
  parts.push(
    `<li>Made in ${report.seconds.toFixed(1)} s (${Object.entries(report.timings)
      .map(([k, v]) => `${esc(k)} ${v.toFixed(1)} s`)
      .join(', ')})</li>`,
  );
  parts.push('</ul>');

  parts.push('<h2 id="text">Text</h2>');
  if (report.chapters.length === 0) parts.push('<p>No chapter text changed.</p>');
  for (const chapter of report.chapters) {
    parts.push(
      `<section class="chapter ${chapter.status}"><h3>${chapter.number ? `${esc(chapter.number)} ` : ''}${esc(chapter.title)} <small>${esc(chapter.source)} · ${chapter.status}</small></h3>`,
    );
    for (const section of chapter.sections) {
      const qs = section.questions.length
        ? `<p class="questions">Questions: ${section.questions.map(esc).join(', ')}</p>`
        : '';
      parts.push(
        `<div class="section"><h4>${esc(section.title || '(before the first heading)')} <small>${section.id ? `#${esc(section.id)} · ` : ''}${section.status}</small></h4>${qs}<ul class="hunks">${section.hunks.map(hunkHtml).join('')}</ul></div>`,
      );
    }
    parts.push('</section>');
  }

  parts.push('<h2 id="pages">PDF pages</h2>');
  if (!report.pages) {
    parts.push(`<p>Not compared: ${esc(report.pdfSkipped ?? '')}</p>`);
  } else {
    if (changedPages.length === 0) parts.push('<p>No page changed.</p>');
    for (const page of changedPages) {
      const title =
        page.status === 'changed'
          ? `Page ${page.before} → ${page.after}`
          : page.status === 'added'
            ? `New page ${page.after}`
            : `Page ${page.before} removed`;
      // Each image links to itself at full size; the changed regions are outlined over both pages (boxes in image pixels).
      const marks = (page.boxes ?? [])
        .map((b) =>
          page.size
            ? `<span class="box" style="left:${pct(b.x, page.size.width)};top:${pct(b.y, page.size.height)};width:${pct(b.width, page.size.width)};height:${pct(b.height, page.size.height)}"></span>`
            : '',
        )
        .join('');
      const figure = (src: string | undefined, caption: string, outlined: boolean) =>
        src
          ? `<figure><a class="full" href="${esc(src)}" target="_blank" title="Open full size"><img src="${esc(src)}" alt="${esc(caption)}" loading="lazy"/>${outlined ? marks : ''}</a><figcaption>${esc(caption)} · <a href="${esc(src)}" target="_blank">full size</a></figcaption></figure>`
          : '';
      const hunks = page.hunks ?? [];
      const text = hunks.length
        ? `<h4>Text changes on this page</h4><ul class="hunks">${hunks.map(hunkHtml).join('')}</ul>`
        : `<h4>Text changes on this page</h4><p class="note">None found in this page's text: ${page.status === 'changed' ? 'the page changed because text moved onto or off it.' : `the page was ${page.status}.`}</p>`;
      parts.push(
        `<section class="page ${page.status}"><h3>${esc(title)}${page.chapter ? ` <small>${esc(page.chapter)}</small>` : ''}</h3><div class="compare">`,
      );
      parts.push(figure(page.images?.before, `Before (${report.before.ref}, page ${page.before ?? '–'})`, true));
      parts.push(figure(page.images?.after, `After (${report.after.ref}, page ${page.after ?? '–'})`, true));
      parts.push(
        `<div class="changes">${text}${page.images?.diff ? `<figure class="pixels"><a class="full" href="${esc(page.images.diff)}" target="_blank" title="Open full size"><img src="${esc(page.images.diff)}" alt="Changed pixels in red" loading="lazy"/></a><figcaption>Changed pixels${page.boxes?.length ? ` (${page.boxes.length} area${page.boxes.length === 1 ? '' : 's'})` : ''}</figcaption></figure>` : ''}</div>`,
      );
      parts.push('</div></section>');
    }
    if (moved.length > 0) {
      parts.push(
        `<h3>Moved without change (${moved.length})</h3><p class="moved">${moved.map((p) => `${p.before} → ${p.after}`).join(', ')}</p>`,
      );
    }
  }
  const css = `body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:75rem;padding:0 1rem;color:#222}
h1{font-size:1.4rem}h3 small,h4 small{color:#777;font-weight:normal;font-size:.8em}
del{background:#fdd;text-decoration:line-through;color:#900}ins{background:#dfd;text-decoration:none;color:#060}
.hunks{list-style:none;padding-left:0}.hunks li{margin:.4rem 0;padding:.3rem .5rem;border-left:3px solid #ccc}
.tag{font-size:.75em;text-transform:uppercase;color:#555;margin-right:.3rem}.questions{color:#555}
figure{margin:0}figcaption{font-size:.8em;color:#555}section.page{border-top:1px solid #ddd;margin-top:1rem}
section.page{width:calc(100vw - 2rem);position:relative;left:50%;transform:translateX(-50%)}
.compare{display:grid;grid-template-columns:auto auto;justify-content:start;gap:1rem;align-items:start;overflow-x:auto}
.changes{grid-column:1/-1;order:-1;max-width:60rem}
@media (min-width:1760px){.compare{grid-template-columns:auto auto minmax(16rem,28rem)}.changes{grid-column:auto;order:0}}
.compare a.full{display:block;position:relative;line-height:0}
.compare figure img{display:block;height:1000px;width:auto;border:1px solid #bbb;cursor:zoom-in}
.compare .box{position:absolute;outline:3px solid #f80;background:rgba(255,136,0,.12);pointer-events:none}
.changes .pixels img{height:auto;width:16rem}.note{color:#555}`;
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/><title>galley diff ${esc(report.before.ref)}..${esc(report.after.ref)}</title><style>${css}</style></head><body>\n${parts.join('\n')}\n</body></html>\n`;
}

// ---------------------------------------------------------------------------
// The command.

export interface DiffOptions {
  manuscript?: string;
  /** Report folder (default dist/diff): index.html, report.json, pages/. */
  out?: string;
  /** Compare the PDFs too (default true). */
  pdf?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface DiffResult {
  report: DiffReport;
  /** The report folder. */
  out: string;
  /** Its index.html. */
  index: string;
}

/**
 * `galley diff REF_A [REF_B]`: checks both revisions out into temporary git
 * worktrees (REF_B left out: the working tree as it is), builds each with the
 * current toolchain and the same SOURCE_DATE_EPOCH (REF_B's commit time), and
 * writes a report: which chapters, sections and questions changed, with a
 * paragraph-level text diff; which PDF pages changed (pdftoppm at 50 dpi,
 * pages matched by their text so pages that only moved are "moved"), with
 * before and after images side by side (1200 px high), changed regions
 * outlined, each opening full size, the text changes found on the page beside them, and a
 * pixel diff.
 */
export async function diffRevisions(
  refA: string,
  refB: string | undefined,
  options: DiffOptions = {},
): Promise<DiffResult> {
  const started = performance.now();
  const { timings, lap } = stopwatch();
  const log = options.log ?? (() => {});
  const manuscript = path.resolve(options.manuscript ?? 'manuscript');
  const out = path.resolve(options.out ?? 'dist/diff');
  // The report folder is replaced at the end: refuse a link before an hour of work, not after.
  assertNoLink(out, 'The report folder');
  const wantPdf = options.pdf ?? true;
  const top = git(manuscript, ['rev-parse', '--show-toplevel']);
  // git answers with symlinks resolved.
  const prefix = path.relative(top, realpathSync(manuscript));
  const before = revision(manuscript, refA);
  const after: Revision = refB
    ? revision(manuscript, refB)
    : { ref: 'working tree', subject: 'uncommitted changes included', time: Math.floor(Date.now() / 1000) };

  const tmp = await mkdtemp(path.join(os.tmpdir(), 'galley-diff-'));
  const trees = new Worktrees(top, tmp);
  try {
    const dirA = path.join(trees.add('a', before.commit!), prefix);
    const dirB = after.commit ? path.join(trees.add('b', after.commit), prefix) : manuscript;
    lap('worktrees');
    const epoch = process.env.SOURCE_DATE_EPOCH ?? String(after.time);
    const [builtA, builtB] = await withEnv({ SOURCE_DATE_EPOCH: epoch }, async () => {
      log(`Building ${refA}…`);
      const a = await buildRevision(dirA, path.join(tmp, 'out-a'), {
        pdf: wantPdf,
        label: `${refA} (${before.commit!.slice(0, 10)})`,
      });
      lap(`build ${refA}`);
      log(`Building ${after.ref}…`);
      const b = await buildRevision(dirB, path.join(tmp, 'out-b'), { pdf: wantPdf, label: after.ref });
      lap(`build ${after.ref}`);
      return [a, b] as const;
    });

    const chapters = diffBooks(builtA.book, builtB.book);
    lap('text');

    const report: DiffReport = { before, after, chapters, seconds: 0, timings };
    const images: { from: string; to: string }[] = [];
    const diffs: { name: string; png: Buffer }[] = [];
    if (wantPdf && builtA.pdf && builtB.pdf) {
      log('Comparing pages…');
      const heads = (book: LoadedBook) => [
        book.config.title,
        ...book.chapters.flatMap((c) => [
          c.title,
          typeof c.frontmatter.running_head === 'string' ? c.frontmatter.running_head : '',
        ]),
      ];
      const rasterDir = path.join(tmp, 'pages');
      await mkdir(rasterDir, { recursive: true });
      const [pagesA, pagesB] = await Promise.all([
        rasterize(builtA.pdf, rasterDir, 'a', heads(builtA.book)),
        rasterize(builtB.pdf, rasterDir, 'b', heads(builtB.book)),
      ]);
      lap('pdftoppm');
      const matched = await matchPages(pagesA, pagesB);
      const chapterAt = (built: BuiltRevision, page: number | undefined) =>
        page === undefined || built.starts.length === 0
          ? undefined
          : (built.starts.filter((s) => s.page <= page - 1).at(-1)?.title ?? 'Front matter');
      const list: PageReport[] = [];
      for (const change of matched) {
        const b = 'before' in change ? change.before : undefined;
        const a = 'after' in change ? change.after : undefined;
        const item: PageReport = {
          status: change.status,
          before: b?.index,
          after: a?.index,
          chapter: chapterAt(builtB, a?.index) ?? chapterAt(builtA, b?.index),
        };
        if (change.status === 'changed' || change.status === 'added' || change.status === 'removed') {
          item.images = {};
          // Pages were matched on small renderings; the ones shown are rendered again, large enough to read.
          const large = {
            before: b && (await renderPage(builtA.pdf, b.index, path.join(rasterDir, `large-a-${b.index}.png`))),
            after: a && (await renderPage(builtB.pdf, a.index, path.join(rasterDir, `large-b-${a.index}.png`))),
          };
          if (b) {
            item.images.before = `pages/before-${String(b.index).padStart(4, '0')}.png`;
            images.push({ from: large.before!, to: item.images.before });
          }
          if (a) {
            item.images.after = `pages/after-${String(a.index).padStart(4, '0')}.png`;
            images.push({ from: large.after!, to: item.images.after });
          }
          if (change.status === 'changed') {
            const result = diffImages(await readFile(large.before!), await readFile(large.after!));
            item.images.diff = `pages/diff-${String(change.before.index).padStart(4, '0')}-${String(change.after.index).padStart(4, '0')}.png`;
            item.boxes = result.boxes;
            item.size = { width: result.width, height: result.height };
            diffs.push({ name: item.images.diff, png: result.png });
          }
          item.hunks = hunksOnPage(chapters, { before: b?.text, after: a?.text });
        }
        if (change.status !== 'unchanged') list.push(item);
      }
      report.pages = { before: pagesA.length, after: pagesB.length, list };
      lap('page diff');
    } else if (wantPdf) {
      report.pdfSkipped = 'no PDF was made';
    } else {
      report.pdfSkipped = '--no-pdf';
    }

    report.seconds = (performance.now() - started) / 1000;
    await replaceDirectory(out, async (dir) => {
      await mkdir(path.join(dir, 'pages'), { recursive: true });
      for (const image of images) await copyFile(image.from, path.join(dir, image.to));
      for (const image of diffs) await writeFile(path.join(dir, image.name), image.png);
      await writeFile(path.join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
      await writeFile(path.join(dir, 'index.html'), reportHtml(report));
    });
    lap('report');
    report.seconds = (performance.now() - started) / 1000;
    return { report, out, index: path.join(out, 'index.html') };
  } finally {
    await trees.dispose();
  }
}

/** `galley diff REF_A [REF_B] [--out DIR]`. `setExitCode` gets 1 when a revision does not build. */
