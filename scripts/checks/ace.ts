import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LoadedBook } from '../model/book/load.ts';
import type { Page } from '../model/pages.ts';
import { EPUB_ROOT, NAV_FILE } from '../render/epub/epub.ts';
import type { Diagnostic } from '../model/report.ts';
import type { Level } from '../util/messages.ts';
import { createAceRunner } from './ace-runner.ts';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
export const IMPACTS = ['critical', 'serious', 'moderate', 'minor'] as const;
export type Impact = (typeof IMPACTS)[number];

export interface AceViolation {
  impact: Impact;
  /** Ace's or axe's rule (`image-alt`, `metadata-accessmode`, `epub-lang`). */
  rule: string;
  description: string;
  /** The document concerned, as Ace names it (`ch.xhtml`, `OEBPS/content.opf`). */
  document: string;
  /** CSS selectors or CFIs of the elements concerned, when Ace gives them. */
  pointers: string[];
  help?: string;
}

export interface AceResult {
  /** Ace's overall verdict: `pass` only without any violation. */
  outcome: 'pass' | 'fail';
  violations: Record<Impact, AceViolation[]>;
  counts: Record<Impact, number>;
  /** Ace found MathML in the content. */
  mathml: boolean;
  metadata: {
    /** No violation concerns the package document's accessibility metadata. */
    passed: boolean;
    present: string[];
    missing: string[];
    empty: string[];
    violations: AceViolation[];
  };
  seconds: number;
  /** Where report.json and report.html were written, when asked to keep them. */
  reportDir?: string;
}

export interface AceOptions {
  /** Keep Ace's report (report.json, report.html, data/) in this folder; otherwise a temporary one is removed. */
  outdir?: string;
  /** Milliseconds Ace may spend in the browser per document. */
  timeoutMs?: number;
}

/* Ace's report, the parts read here. */
interface EarlAssertion {
  'earl:test'?: { 'earl:impact'?: string; 'dct:title'?: string; 'dct:description'?: string; help?: { url?: string } };
  'earl:result'?: {
    'earl:outcome'?: string;
    'dct:description'?: string;
    'earl:pointer'?: { css?: string[]; cfi?: string[] };
  };
  'earl:testSubject'?: { url?: string };
  assertions?: EarlAssertion[];
}

interface AceReport {
  'earl:result'?: { 'earl:outcome'?: string };
  'a11y-metadata'?: { present?: string[]; missing?: string[]; empty?: string[] };
  properties?: { hasMathML?: boolean };
  assertions?: EarlAssertion[];
}

type AceFunction = (epub: string, options: Record<string, unknown>, runner: unknown) => Promise<[unknown, AceReport]>;

const require = createRequire(import.meta.url);
/** DAISY Ace, loaded on first use like an import (it is large): a module, not cache state. */
let loaded: { ace: AceFunction; runner: unknown } | undefined;

/**
 * Loads Ace with Galley's own runner (ace-runner.ts) on the system's Chromium.
 */
function loadAce() {
  if (loaded) return loaded;
  const chromium = process.env.PUPPETEER_EXECUTABLE_PATH || DEFAULT_CHROMIUM;
  if (!existsSync(chromium)) {
    throw new Error(
      `Ace needs Chromium: none at ${chromium} (Debian: apt-get install chromium; or set PUPPETEER_EXECUTABLE_PATH)`,
    );
  }
  // Ace logs through winston's default logger; without a transport winston complains on stderr for every line.
  const aceRequire = createRequire(require.resolve('@daisy/ace-core'));
  const winston = aceRequire('winston') as {
    add(transport: unknown): void;
    transports: { Console: new (options: { silent: boolean }) => unknown };
    default: { transports: unknown[] };
  };
  if (winston.default.transports.length === 0) winston.add(new winston.transports.Console({ silent: true }));
  loaded = { ace: require('@daisy/ace-core') as AceFunction, runner: createAceRunner(chromium) };
  return loaded;
}

function asImpact(value: string | undefined): Impact {
  return (IMPACTS as readonly string[]).includes(value ?? '') ? (value as Impact) : 'serious';
}

/** Flattens Ace's EARL report into violations. */
export function readAceReport(report: AceReport): Omit<AceResult, 'seconds' | 'reportDir'> {
  const violations: Record<Impact, AceViolation[]> = { critical: [], serious: [], moderate: [], minor: [] };
  const metadataViolations: AceViolation[] = [];
  for (const doc of report.assertions ?? []) {
    const document = doc['earl:testSubject']?.url ?? '';
    for (const a of doc.assertions ?? []) {
      if (a['earl:result']?.['earl:outcome'] !== 'fail') continue;
      const test = a['earl:test'] ?? {};
      const result = a['earl:result'] ?? {};
      const pointer = result['earl:pointer'] ?? {};
      const violation: AceViolation = {
        impact: asImpact(test['earl:impact']),
        rule: test['dct:title'] ?? 'unknown',
        description: (result['dct:description'] ?? test['dct:description'] ?? '').trim(),
        document,
        pointers: [...(pointer.css ?? []), ...(pointer.cfi ?? [])],
        help: test.help?.url,
      };
      violations[violation.impact].push(violation);
      if (/\.opf$/i.test(document) || violation.rule.startsWith('metadata-')) metadataViolations.push(violation);
    }
  }
  const meta = report['a11y-metadata'] ?? {};
  const counts = Object.fromEntries(IMPACTS.map((i) => [i, violations[i].length])) as Record<Impact, number>;
  return {
    outcome: report['earl:result']?.['earl:outcome'] === 'pass' ? 'pass' : 'fail',
    violations,
    counts,
    mathml: report.properties?.hasMathML === true,
    metadata: {
      passed: metadataViolations.length === 0,
      present: meta.present ?? [],
      missing: meta.missing ?? [],
      empty: meta.empty ?? [],
      violations: metadataViolations,
    },
  };
}

/**
 * Runs DAISY Ace on an EPUB in the system's Chromium. Ace's runner aborts
 * every http(s) request a document makes, and puppeteer starts Chromium with
 * background networking, component updates and sync off, so nothing leaves
 * the machine. Documents are checked in a temporary folder.
 */
export async function runAce(file: string, options: AceOptions = {}): Promise<AceResult> {
  const epub = path.resolve(file);
  const info = await stat(epub).catch(() => undefined);
  if (!info?.isFile()) throw new Error(`Ace: no EPUB at ${file}`);
  const { ace, runner } = loadAce();
  const work = await mkdtemp(path.join(os.tmpdir(), 'galley-ace-'));
  const outdir = options.outdir ? path.resolve(options.outdir) : path.join(work, 'report');
  const started = performance.now();
  try {
    const aceOptions: Record<string, unknown> = {
      cwd: process.cwd(),
      outdir,
      tmpdir: path.join(work, 'epub'),
      silent: true,
    };
    if (options.timeoutMs) aceOptions.timeout = options.timeoutMs;
    // Ace rejects with a job id (not an Error) when it gives up early.
    const [, report] = await ace(epub, aceOptions, runner).catch((error: unknown) => {
      if (error instanceof Error) throw error;
      const detail =
        typeof error === 'object' && error !== null
          ? JSON.stringify(error)
          : typeof error === 'string' || typeof error === 'number'
            ? String(error)
            : '';
      throw new Error(
        `Ace could not check ${file}${detail && detail !== '""' && detail !== '{}' ? `: ${detail}` : ''}`,
      );
    });
    return {
      ...readAceReport(report),
      seconds: (performance.now() - started) / 1000,
      reportDir: options.outdir ? outdir : undefined,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const LEVEL: Record<Impact, Level> = { critical: 'error', serious: 'error', moderate: 'warning', minor: 'info' };

/** Ace's violations as Galley diagnostics: critical and serious are errors, moderate warnings, minor info; placed at the page's Markdown file. */
export function aceDiagnostics(
  result: Pick<AceResult, 'violations'>,
  context: { book: LoadedBook; pages: Page[]; epubFile?: string },
): Diagnostic[] {
  const { book, pages } = context;
  // Relative to the manuscript, as every other diagnostic (an edition's files are under its folder).
  const rel = (absolute: string) => path.relative(book.boundary, absolute).split(path.sep).join('/');
  const byName = new Map(pages.map((p) => [p.outName, p]));
  const epubName = context.epubFile ? path.basename(context.epubFile) : 'book.epub';
  const out: Diagnostic[] = [];
  for (const impact of IMPACTS) {
    for (const v of result.violations[impact]) {
      const name = v.document.replace(/^\/?/, '').replace(new RegExp(`^${EPUB_ROOT}/`), '');
      const page = byName.get(name);
      let file = `${epubName}/${EPUB_ROOT}/${name}`;
      if (page?.chapter) file = rel(page.chapter.file.path);
      else if (page || name === NAV_FILE) file = rel(book.summaryFile.path);
      else if (/\.opf$/.test(name)) file = rel(book.configFile.path);
      const where = v.pointers.length
        ? ` (${name}: ${v.pointers.slice(0, 3).join(', ')}${v.pointers.length > 3 ? ', …' : ''})`
        : ` (${name})`;
      out.push({
        file,
        line: 1,
        column: 1,
        ruleId: `ace/${v.rule}`,
        severity: LEVEL[impact],
        message: `${v.description.split('\n')[0] || v.rule}${where}`,
      });
    }
  }
  return out;
}
