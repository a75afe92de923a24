import { execFile, type ExecFileException } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Element, ElementContent } from 'hast';
import JSZip from 'jszip';
import type { LoadedBook } from '../model/book/load.ts';
import type { TocEntry } from '../model/book/types.ts';
import type { Page } from '../model/pages.ts';
import { EPUB_ROOT, NAV_FILE, NCX_FILE, epubPageBody } from '../render/epub/epub.ts';
import type { Diagnostic } from '../model/report.ts';
import type { Level } from '../util/messages.ts';
import { must } from '../util/must.ts';

export const DEFAULT_EPUBCHECK = '/usr/share/java/epubcheck.jar';

export type EpubcheckSeverity = 'fatal' | 'error' | 'warning' | 'info' | 'usage';

export interface EpubcheckMessage {
  severity: EpubcheckSeverity;
  /** EPUBCheck's message id, `RSC-005`. */
  id: string;
  message: string;
  /** Path inside the EPUB (`OEBPS/ch.xhtml`); undefined for messages about the whole file. */
  path?: string;
  line?: number;
  column?: number;
}

export interface EpubcheckResult {
  /** Counted like EPUBCheck's own summary line: once per location. */
  fatals: number;
  errors: number;
  warnings: number;
  infos: number;
  usages: number;
  messages: EpubcheckMessage[];
  version: string;
  seconds: number;
}

export interface EpubcheckOptions {
  /**
   * The jar (`…/epubcheck.jar`, run with `java -jar`) or a command
   * (`epubcheck`, `java -jar /opt/epubcheck-5.1.0/epubcheck.jar`). Default:
   * the `EPUBCHECK` environment variable, else Debian's jar.
   */
  command?: string;
  /** Also report USAGE messages (EPUBCheck's `-u`): best-practice hints, many. */
  usage?: boolean;
  timeoutMs?: number;
}

/** Splits a command line on spaces, honouring double and single quotes (no shell is involved). */
function splitCommand(command: string): string[] {
  const parts: string[] = [];
  for (const match of command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g))
    parts.push(match[1] ?? match[2] ?? match[3] ?? '');
  return parts;
}

/** The argv that starts EPUBCheck, from the option, `EPUBCHECK`, or Debian's jar. */
export function epubcheckCommand(command = process.env.EPUBCHECK?.trim() || DEFAULT_EPUBCHECK): string[] {
  const trimmed = command.trim();
  // A path to a jar, even with spaces in it.
  if (/\.jar$/i.test(trimmed) && (existsSync(trimmed) || !/\s/.test(trimmed))) return ['java', '-jar', trimmed];
  const parts = splitCommand(trimmed);
  const [only] = parts;
  if (parts.length === 1 && only !== undefined && /\.jar$/i.test(only)) return ['java', '-jar', only];
  return parts;
}

/**
 * The JVM settings for a jar Galley starts itself. Up to a few megabytes of EPUB, a run is mostly start-up and
 * warm-up: the client compiler alone and the serial collector halve its CPU and cut its wall time by a third, and
 * the report is the same. Above that, the optimising compiler pays for itself (decision 0025, "EPUBCheck's JVM").
 */
export function jvmOptionsFor(epubBytes: number): string[] {
  return epubBytes <= QUICK_JVM_MAX_BYTES ? ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'] : [];
}
const QUICK_JVM_MAX_BYTES = 3 * 1024 * 1024;

interface JsonLocation {
  path?: string;
  line?: number;
  column?: number;
}

interface JsonMessage {
  ID: string;
  severity: string;
  message: string;
  additionalLocations?: number;
  locations?: JsonLocation[];
}

interface JsonReport {
  messages: JsonMessage[];
  checker?: { checkerVersion?: string };
}

const SEVERITIES: Record<string, EpubcheckSeverity> = {
  FATAL: 'fatal',
  ERROR: 'error',
  WARNING: 'warning',
  INFO: 'info',
  USAGE: 'usage',
};

/** EPUBCheck's JSON report as one message per location, and counts as its summary line gives them. */
export function parseEpubcheckJson(report: JsonReport): Omit<EpubcheckResult, 'seconds'> {
  const messages: EpubcheckMessage[] = [];
  const counts: Record<EpubcheckSeverity, number> = { fatal: 0, error: 0, warning: 0, info: 0, usage: 0 };
  for (const m of report.messages ?? []) {
    const severity = SEVERITIES[m.severity] ?? 'error';
    // The last location may be a note, "There are 12 additional locations", at line -1.
    const locations = (m.locations ?? []).filter(
      (l) => !(l.line === -1 && /^There (are|is) \d+ additional/.test(l.path ?? '')),
    );
    if (locations.length === 0) messages.push({ severity, id: m.ID, message: m.message });
    for (const l of locations) {
      messages.push({
        severity,
        id: m.ID,
        message: m.message,
        path: l.path,
        line: l.line !== undefined && l.line > 0 ? l.line : undefined,
        column: l.column !== undefined && l.column > 0 ? l.column : undefined,
      });
    }
    counts[severity] += Math.max(locations.length, 1) + (m.additionalLocations ?? 0);
  }
  return {
    fatals: counts.fatal,
    errors: counts.error,
    warnings: counts.warning,
    infos: counts.info,
    usages: counts.usage,
    messages,
    version: report.checker?.checkerVersion ?? 'unknown',
  };
}

/**
 * Runs EPUBCheck on a file and reads its JSON report. The exit line is not
 * trusted: EPUBCheck prints "0 fatals / 0 errors" for a file that does not
 * exist, so existence is checked first and a missing report is a failure.
 */
export async function runEpubcheck(file: string, options: EpubcheckOptions = {}): Promise<EpubcheckResult> {
  const epub = path.resolve(file);
  const info = await stat(epub).catch(() => undefined);
  if (!info?.isFile()) throw new Error(`EPUBCheck: no EPUB at ${file}`);
  const [program, ...command] = epubcheckCommand(options.command);
  if (!program) throw new Error('EPUBCheck: empty command');
  // Only for `java -jar …` as Galley spells it: a command the author wrote keeps its own settings.
  const args = program === 'java' && command[0] === '-jar' ? [...jvmOptionsFor(info.size), ...command] : command;
  if (command[0] === '-jar' && command[1] && !existsSync(command[1])) {
    throw new Error(
      `EPUBCheck not found at ${command[1]}: install it (Debian: apt-get install epubcheck) or set EPUBCHECK to its jar or command`,
    );
  }

  const dir = await mkdtemp(path.join(os.tmpdir(), 'galley-epubcheck-'));
  const json = path.join(dir, 'report.json');
  const started = performance.now();
  try {
    // EPUBCheck exits non-zero when it finds errors: the report, not the exit code, says what happened.
    const run = await new Promise<{ stderr: string; error?: ExecFileException }>((resolve) => {
      execFile(
        program,
        [...args, epub, '--json', json, ...(options.usage ? ['-u'] : [])],
        { timeout: options.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024 },
        (error, _stdout, stderr) => resolve({ stderr: String(stderr), error: error ?? undefined }),
      );
    });
    const text = await readFile(json, 'utf8').catch(() => undefined);
    if (!text) {
      const why =
        run.error?.code === 'ENOENT'
          ? `\`${program}\` not found`
          : run.stderr.trim().split('\n').slice(-5).join('\n') || run.error?.message || 'no report written';
      throw new Error(`EPUBCheck failed on ${file}: ${why}`);
    }
    const parsed = parseEpubcheckJson(JSON.parse(text) as JsonReport);
    return { ...parsed, seconds: (performance.now() - started) / 1000 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ——— Tracing EPUB locations back to the manuscript ———

const elementsOf = (node: { children: ElementContent[] }) =>
  node.children.filter((c): c is Element => c.type === 'element');

/**
 * The element open at a line and column of an XML text written by Galley's
 * serializer, as indexes among element children from the root element down:
 * `[0, 1, 0, 3]`. EPUBCheck places a message at (or just after) the start tag
 * of the element it concerns.
 */
export function elementPathAt(xml: string, line: number, column: number): number[] {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = xml.indexOf('\n', offset);
    if (next === -1) break;
    offset = next + 1;
  }
  offset += column - 1;
  const tag =
    /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'))?)*)\s*(\/?)>/g;
  const stack: { index: number; children: number }[] = [{ index: -1, children: 0 }];
  let endedHere: number[] | undefined;
  for (const match of xml.matchAll(tag)) {
    if (match.index >= offset) break;
    if (!match[2]) continue;
    const end = match.index + match[0].length;
    if (match[1]) {
      if (stack.length > 1) stack.pop();
      endedHere = undefined;
      continue;
    }
    // A page-break marker (render/epub/page-list.ts) is the EPUB's own: the page's tree has no such child.
    if (/\sepub:type="pagebreak"/.test(match[3] ?? '')) {
      // Written empty or as a start and end tag: its end tag closes this stand-in, which counts as no child.
      if (!match[4]) stack.push({ index: -1, children: 0 });
      endedHere = undefined;
      continue;
    }
    const parent = stack[stack.length - 1]!;
    const index = parent.children++;
    if (match[4]) {
      // An empty element: it is the one meant when the location falls right at its end.
      endedHere = end >= offset ? [...stack.slice(1).map((s) => s.index), index] : undefined;
      continue;
    }
    endedHere = undefined;
    stack.push({ index, children: 0 });
  }
  return endedHere ?? stack.slice(1).map((s) => s.index);
}

/** The Markdown position of the element at an element path of a page document, or of its nearest ancestor that has one. */
function sourcePosition(
  bodyChildren: ElementContent[],
  elementPath: number[],
): { line: number; column: number } | undefined {
  // The path starts at <html>: [0 html, 1 body, …]; the body's children are the page's.
  if (elementPath[0] !== 0 || elementPath[1] !== 1) return undefined;
  let node: { children: ElementContent[] } = { children: bodyChildren };
  let found: { line: number; column: number } | undefined;
  for (const index of elementPath.slice(2)) {
    const child = elementsOf(node)[index];
    // Math and SVG are generated markup: their positions are not the Markdown's.
    if (!child || child.tagName === 'math' || child.tagName === 'svg') break;
    const start = child.position?.start;
    if (start) found = { line: start.line, column: start.column };
    node = child;
  }
  return found;
}

function entryForPage(entries: TocEntry[], key: string): TocEntry | undefined {
  for (const entry of entries) {
    if (entry.pageKey === key) return entry;
    const inner = entryForPage(entry.children, key);
    if (inner) return inner;
  }
  return undefined;
}

export interface TraceContext {
  book: LoadedBook;
  pages: Page[];
  /** The checked EPUB: its XHTML is read to find which element a location names. */
  epubFile?: string;
}

const LEVEL: Record<EpubcheckSeverity, Level> = {
  fatal: 'error',
  error: 'error',
  warning: 'warning',
  info: 'info',
  usage: 'info',
};

/**
 * EPUBCheck's messages as Galley diagnostics, placed in the manuscript where
 * they can be: a page's XHTML at the Markdown line of the element concerned
 * (else line 1 of the chapter), the nav document and NCX at SUMMARY.md, the
 * package document at book.yaml, an image at its source file; anything else
 * at `<name>.epub/<path inside>`. The EPUB location stays in the message.
 */
export async function epubcheckDiagnostics(
  result: Pick<EpubcheckResult, 'messages'>,
  context: TraceContext,
): Promise<Diagnostic[]> {
  const { book, pages } = context;
  // Relative to the manuscript, as every other diagnostic (an edition's files are under its folder).
  const rel = (absolute: string) => path.relative(book.boundary, absolute).split(path.sep).join('/');
  const byName = new Map(pages.map((p) => [p.outName, p]));
  const byTarget = new Map([...book.assets.values()].map((a) => [a.target, a]));
  const zip = context.epubFile
    ? await JSZip.loadAsync(await readFile(context.epubFile)).catch(() => undefined)
    : undefined;
  const xhtml = new Map<string, string | undefined>();
  const readXhtml = async (name: string) => {
    if (!xhtml.has(name)) xhtml.set(name, await zip?.file(`${EPUB_ROOT}/${name}`)?.async('string'));
    return xhtml.get(name);
  };
  const epubName = context.epubFile ? path.basename(context.epubFile) : 'book.epub';
  const out: Diagnostic[] = [];
  for (const m of result.messages) {
    const where = m.path ? `${m.path}${m.line ? `:${m.line}${m.column ? `:${m.column}` : ''}` : ''}` : epubName;
    const base = { ruleId: `epubcheck/${m.id}`, severity: LEVEL[m.severity], message: `${m.message} (${where})` };
    const inside = m.path?.startsWith(`${EPUB_ROOT}/`) ? m.path.slice(EPUB_ROOT.length + 1) : undefined;
    const page = inside ? byName.get(inside) : undefined;
    if (page?.chapter) {
      let place: { line: number; column: number } | undefined;
      const text = m.line ? await readXhtml(inside!) : undefined;
      if (text && m.line) place = sourcePosition(epubPageBody(book, page), elementPathAt(text, m.line, m.column ?? 1));
      out.push({ ...base, file: rel(page.chapter.file.path), line: place?.line ?? 1, column: place?.column ?? 1 });
    } else if (page) {
      const start = entryForPage(book.toc, page.key)?.position?.start;
      out.push({ ...base, file: rel(book.summaryFile.path), line: start?.line ?? 1, column: start?.column ?? 1 });
    } else if (inside === NAV_FILE || inside === NCX_FILE) {
      out.push({ ...base, file: rel(book.summaryFile.path), line: 1, column: 1 });
    } else if (inside === 'content.opf') {
      out.push({ ...base, file: rel(book.configFile.path), line: 1, column: 1 });
    } else if (inside && byTarget.has(inside)) {
      out.push({ ...base, file: rel(must(byTarget.get(inside), inside).absolute), line: 1, column: 1 });
    } else {
      out.push({
        ...base,
        file: m.path ? `${epubName}/${m.path}` : epubName,
        line: m.line ?? 1,
        column: m.column ?? 1,
      });
    }
  }
  return out;
}
