/**
 * Diagnostics: what a build, check or release reports, and every way of printing it but vfile-reporter's
 * (`formatText`, in model/report.ts with the rest re-exported): a build prints compact lines, and loading the
 * reporter and its terminal-width packages cost every build ~30 ms of start-up for nothing.
 */
import path from 'node:path';
import type { VFile } from 'vfile';
import type { VFileMessage } from 'vfile-message';
import type { Severity } from './config/schema.ts';
import { levelOf, type Level } from '../util/messages.ts';

export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  ruleId: string;
  severity: Level;
  message: string;
}

/** Applies `checks:` from book.yaml (and a command's own defaults) to every message's severity. */
export function applySeverities(files: VFile[], ...maps: Record<string, Severity>[]) {
  const merged: Record<string, Severity> = Object.assign({}, ...maps) as Record<string, Severity>;
  for (const file of files) {
    file.messages = file.messages.filter((m) => merged[m.ruleId ?? ''] !== 'off');
    for (const message of file.messages) {
      const setting = merged[message.ruleId ?? ''];
      if (setting === 'error') message.fatal = true;
      else if (setting === 'warn') message.fatal = false;
    }
  }
}

export function diagnostics(files: VFile[], root: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const file of files) {
    const rel = path.relative(root, file.path) || path.basename(file.path);
    const sorted = [...file.messages].sort(
      (a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
    );
    for (const m of sorted) out.push(toDiagnostic(m, rel));
  }
  return out;
}

function toDiagnostic(m: VFileMessage, file: string): Diagnostic {
  return {
    file: file.split(path.sep).join('/'),
    line: m.line ?? 1,
    column: m.column ?? 1,
    ruleId: m.ruleId ?? 'galley',
    severity: levelOf(m.fatal),
    message: m.reason,
  };
}

/**
 * Characters a terminal acts on (C0 and C1 controls with ESC and CSI, DEL, line
 * and paragraph separators, bidi controls): a file name or message carrying
 * them could forge diagnostic lines or recolour the terminal.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const hex4 = (c: string) => c.charCodeAt(0).toString(16).padStart(4, '0');

/** `text` with every control character shown as a visible `\uXXXX`. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${hex4(c)}`);
}

/** A diagnostic whose file, message and rule id print as one inert line. */
export function inert(d: Diagnostic): Diagnostic {
  return { ...d, file: escapeControls(d.file), message: escapeControls(d.message), ruleId: escapeControls(d.ruleId) };
}

/** JSON for `--format json`: control characters escaped (JSON.stringify leaves DEL, C1 and bidi controls raw). */
export function formatJson(list: Diagnostic[]): string {
  // C0 controls are already `\n`, `\u001b`… inside JSON strings; outside them are only the layout's own newlines.
  return JSON.stringify(list, null, 2).replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${hex4(c)}`,
  );
}

export function summaryLine(list: Diagnostic[]): string {
  const count = (s: Level) => list.filter((d) => d.severity === s).length;
  const parts: string[] = [];
  const e = count('error');
  const w = count('warning');
  const i = count('info');
  if (e) parts.push(`${e} error${e === 1 ? '' : 's'}`);
  if (w) parts.push(`${w} warning${w === 1 ? '' : 's'}`);
  if (i) parts.push(`${i} info`);
  return parts.length ? `${parts.join(', ')}` : 'no issues found';
}

/** One line per message, `file:line:column severity message [rule-id]`, as compilers print them. */
export function formatCompact(list: Diagnostic[]): string {
  return list
    .map(inert)
    .map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.message} [${d.ruleId}]`)
    .join('\n');
}

export function formatGithub(list: Diagnostic[], root: string): string {
  const escape = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (s: string) => escape(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return list
    .map((d) => {
      const kind = d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warning' : 'notice';
      const file = path.join(root, d.file);
      return `::${kind} file=${prop(path.relative(process.cwd(), file))},line=${d.line},col=${d.column},title=${prop(d.ruleId)}::${escape(d.message)}`;
    })
    .join('\n');
}

export function exitCode(list: Diagnostic[]): number {
  return list.some((d) => d.severity === 'error') ? 1 : 0;
}
