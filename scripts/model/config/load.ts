import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, isMap, isScalar, type Document } from 'yaml';
import { VFile } from 'vfile';
import { z } from 'zod';
import { bookSchema, type BookConfig } from './schema.ts';
import { report } from '../../util/messages.ts';
import { decodeSource } from '../../util/text.ts';
import { linksOutside } from '../../util/paths.ts';
import { checkBookFile } from '../../util/book-file.ts';

/**
 * YAML that is data and nothing else: the core schema (no `!!js/*`, no custom
 * tags), duplicate keys rejected, and few aliases so an alias bomb fails fast.
 */
export function parseYaml(
  text: string,
  file: VFile,
  lineOffset = 0,
): { value: unknown; doc: Document; lines: LineCounter } | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    schema: 'core',
    customTags: [],
    uniqueKeys: true,
    lineCounter: lines,
    prettyErrors: false,
  });
  const problems = [...doc.errors, ...doc.warnings];
  for (const problem of problems) {
    const pos = lines.linePos(problem.pos[0]);
    const hint = problem.code === 'TAG_RESOLVE_FAILED' ? ' (only plain YAML data is allowed: no custom tags)' : '';
    report(
      file,
      'error',
      `Invalid YAML: ${problem.message.split('\n')[0]}${hint}`,
      { line: pos.line + lineOffset, column: pos.col },
      'yaml',
    );
  }
  if (problems.length > 0) return undefined;
  try {
    return { value: doc.toJS({ maxAliasCount: 50 }), doc, lines };
  } catch (error) {
    report(file, 'error', `Invalid YAML: ${(error as Error).message}`, { line: 1 + lineOffset, column: 1 }, 'yaml');
    return undefined;
  }
}

/** The line and column of the YAML node at a schema issue's path (or its nearest parent). */
export function locate(doc: Document, lines: LineCounter, keyPath: PropertyKey[], lineOffset = 0) {
  for (let depth = keyPath.length; depth >= 0; depth--) {
    const parentPath = keyPath.slice(0, Math.max(0, depth - 1));
    const parent = depth === 0 ? doc.contents : doc.getIn(parentPath as unknown[], true);
    let node: unknown = parent;
    if (depth > 0 && isMap(parent)) {
      const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === keyPath[depth - 1]);
      node = pair?.key ?? undefined;
    } else if (depth > 0) {
      node = doc.getIn(keyPath.slice(0, depth) as unknown[], true);
    }
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) {
      const pos = lines.linePos(range[0]);
      return { line: pos.line + lineOffset, column: pos.col };
    }
  }
  return { line: 1 + lineOffset, column: 1 };
}

/** Turns zod's issues into messages at the offending key. */
export function reportSchemaIssues(
  error: z.ZodError,
  file: VFile,
  doc: Document,
  lines: LineCounter,
  ruleId: string,
  lineOffset = 0,
) {
  const present = (keyPath: PropertyKey[]) => doc.getIn(keyPath as unknown[], true) !== undefined;
  for (const issue of error.issues) {
    const keyPath = issue.path;
    let reason: string;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const where = locate(doc, lines, [...keyPath, key], lineOffset);
        report(
          file,
          'error',
          `Unknown key \`${[...keyPath, key].join('.')}\`: remove it or check its spelling`,
          where,
          ruleId,
        );
      }
      continue;
    }
    const name = keyPath.length ? `\`${keyPath.join('.')}\`` : 'the document';
    reason = `Invalid value for ${name}: ${issue.message}`;
    if (issue.code === 'invalid_type' && !present(keyPath)) reason = `Missing required key ${name}`;
    report(file, 'error', reason, locate(doc, lines, keyPath, lineOffset), ruleId);
  }
}

export interface LoadedConfig {
  config: BookConfig;
  file: VFile;
  /** False when the manuscript had no book.yaml and defaults were used. */
  found: boolean;
}

/**
 * A config from values that did not come from book.yaml (another tool's
 * configuration, an edition's inherited settings): a value the schema
 * refuses is reported and left out, never thrown.
 */
function withDefaults(base: Partial<BookConfig>, defaults: Partial<BookConfig>, file: VFile): BookConfig {
  const merged = { ...base, ...defaults };
  const result = bookSchema.safeParse(merged);
  if (result.success) return result.data;
  const bad = new Set(result.error.issues.map((issue) => String(issue.path[0])));
  for (const issue of result.error.issues) {
    report(
      file,
      'warning',
      `Ignored setting \`${issue.path.join('.')}\`: ${issue.message}`,
      { line: 1, column: 1 },
      'book-config',
    );
  }
  return bookSchema.parse({
    ...base,
    ...Object.fromEntries(Object.entries(defaults).filter(([key]) => !bad.has(key))),
  });
}

/** Reads and validates `book.yaml`; messages land on the returned file. */
export async function loadConfig(root: string, defaults: Partial<BookConfig> = {}): Promise<LoadedConfig> {
  const filePath = path.join(root, 'book.yaml');
  let raw: Buffer | undefined;
  const file = new VFile({ path: filePath, cwd: root });
  if (linksOutside(root, filePath)) {
    report(
      file,
      'error',
      'book.yaml is a link to a file outside the manuscript: it is not read',
      { line: 1, column: 1 },
      'book-config',
    );
    return { config: withDefaults({ title: 'Untitled' }, defaults, file), file, found: true };
  }
  // By real path and kind: a link to `.git/config`, a FIFO (a build blocked forever) or a folder is not read.
  const checked = checkBookFile(root, filePath);
  if (!checked.ok && !checked.missing) {
    report(file, 'error', `book.yaml ${checked.reason}: it is not read`, { line: 1, column: 1 }, 'book-config');
    return { config: withDefaults({ title: 'Untitled' }, defaults, file), file, found: true };
  }
  if (checked.ok) raw = await readFile(checked.real);
  if (!raw) {
    const config = withDefaults({ title: path.basename(path.resolve(root)) }, defaults, file);
    return { config, file, found: false };
  }
  const text = decodeSource(raw, file);
  file.value = text;
  const parsed = parseYaml(text, file);
  const fallback = withDefaults({ title: 'Untitled' }, defaults, file);
  if (!parsed) return { config: fallback, file, found: true };
  const input = parsed.value ?? {};
  const result = bookSchema.safeParse(typeof input === 'object' ? { ...defaults, ...input } : input);
  if (!result.success) {
    reportSchemaIssues(result.error, file, parsed.doc, parsed.lines, 'book-config');
    return { config: fallback, file, found: true };
  }
  return { config: result.data, file, found: true };
}
