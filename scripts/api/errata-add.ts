import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import { isMap, isScalar, isSeq, parseDocument, Scalar, YAMLSeq, type Document, type YAMLMap } from 'yaml';
import { VFile } from 'vfile';
import { prepare } from './build.ts';
import type { LoadedBook } from '../model/book/load.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { checkBookFile } from '../util/book-file.ts';
import { ERRATA_FILE, parseErrata } from '../model/errata/load.ts';
import { resolveLocation } from '../model/errata/locate.ts';
import { ERRATA_KINDS, ID_PATTERN } from '../model/errata/schema.ts';

export interface ErratumInput {
  location?: string;
  kind?: string;
  /** A description of the change (instead of, or beside, was/now). */
  text?: string;
  was?: string;
  now?: string;
  credit?: string;
  /** The release that carries the fix; left out, the entry is unreleased. */
  fixedIn?: string;
  /** YYYY-MM-DD; today by default. */
  reported?: string;
}

export interface AddOptions {
  /** Ask for what the flags left out (default: when stdin and stdout are terminals). */
  interactive?: boolean;
  input?: Readable;
  output?: Writable;
  /** The date recorded as `reported` when the input has none (tests pin it). */
  today?: string;
}

export interface AddResult {
  id: string;
  file: string;
  /** Where the location lands: `Question 5.3.2 in Deep learning`. */
  where: string;
}

/** A refusal the command prints as is (exit 1), not a crash. */
export class ErrataInputError extends Error {}

const SKELETON = `# Errata and changes: see docs/decisions/0005-errata.md.
# releases: oldest first; the last one is book.yaml's version.
# entries: oldest first; \`galley errata add\` appends with the next free id.

releases: []

entries: []
`;

/** `E-0007` after `E-0006`: the most used prefix, the widest number, never a reused id. */
export function nextId(ids: string[]): string {
  const parsed = ids.filter((id) => ID_PATTERN.test(id)).map((id) => /^([A-Z]+)-(\d+)$/.exec(id)!);
  if (parsed.length === 0) return 'E-0001';
  const counts = new Map<string, number>();
  for (const [, letters = ''] of parsed) counts.set(letters, (counts.get(letters) ?? 0) + 1);
  const prefix = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  const mine = parsed.filter((m) => m[1] === prefix);
  const width = Math.max(4, ...mine.map(([, , digits = '']) => digits.length));
  const next = Math.max(...mine.map((m) => Number(m[2]))) + 1;
  return `${prefix}-${String(next).padStart(width, '0')}`;
}

function locationWhere(book: LoadedBook, location: string): string {
  const resolved = resolveLocation(book, location);
  if (!resolved.ok) {
    throw new ErrataInputError(
      `The location \`${location}\` does not resolve: ${resolved.reason}. Write \`part/chapter.md#anchor\` (an anchor the build gives a heading or question) or a question id.`,
    );
  }
  const at = resolved.location;
  return at.label === at.chapter.title ? at.chapter.title : `${at.label} in ${at.chapter.title}`;
}

async function ask(input: ErratumInput, book: LoadedBook, options: AddOptions): Promise<ErratumInput> {
  const output = options.output ?? process.stdout;
  const rl = createInterface({
    input: options.input ?? process.stdin,
    output,
    terminal: Boolean((output as { isTTY?: boolean }).isTTY),
  });
  // rl.write() would type into the input; notes go to the output stream itself.
  const say = (line: string) => void output.write(`${line}\n`);
  const out = { ...input };
  try {
    while (!out.location) {
      const answer = (await rl.question('Location (chapter.md#anchor or a question id): ')).trim();
      if (!answer) continue;
      try {
        const where = locationWhere(book, answer);
        say(`  → ${where}`);
        out.location = answer;
      } catch (error) {
        say(`  ${(error as Error).message}`);
      }
    }
    while (!out.kind || !(ERRATA_KINDS as readonly string[]).includes(out.kind))
      out.kind = (await rl.question(`Kind (${ERRATA_KINDS.join(', ')}): `)).trim().toLowerCase();

    if (out.now === undefined && out.text === undefined) {
      const was = (await rl.question('What the book said (was; Enter to skip): ')).trim();
      if (was) {
        out.was = was;
        while (!out.now) out.now = (await rl.question('What it says now (now): ')).trim();
      } else {
        while (!out.text) out.text = (await rl.question('What changed (text): ')).trim();
      }
    }
    if (out.credit === undefined) {
      const credit = (await rl.question('Reported by (credit; Enter to skip): ')).trim();
      if (credit) out.credit = credit;
    }
  } finally {
    rl.close();
  }
  return out;
}

function quoted(doc: Document, value: string): Scalar {
  const node = doc.createNode(value) as Scalar;
  node.type = Scalar.QUOTE_DOUBLE;
  return node;
}

/**
 * `galley errata add`: appends an entry with the next free id to
 * `<manuscript>/errata.yaml` (created when missing), keeping the file's
 * comments, blank lines and quoting; the location must resolve in the built
 * book (ErrataInputError otherwise). Missing fields are asked for on a
 * terminal, or refused with the flags to pass. The file is written atomically
 * and only after the result validates.
 */
/**
 * The rewritten errata.yaml must hold everything the old one did: the same
 * data with one entry more, and every comment. The YAML library keeps both,
 * but a file it would rewrite otherwise is refused rather than changed.
 */
function keepsEverything(before: string, after: string) {
  const data = (text: string) => parseDocument(text, { schema: 'core' }).toJS() as Record<string, unknown> | null;
  const old = data(before) ?? {};
  const now = data(after) ?? {};
  const entries = Array.isArray(now.entries) ? now.entries.slice(0, -1) : [];
  const same =
    JSON.stringify({ ...old, entries: Array.isArray(old.entries) ? old.entries : [] }) ===
    JSON.stringify({ ...now, entries });
  const comments = (text: string) => [...text.matchAll(/#[^\n]*/g)].map((m) => m[0].trim());
  const lost = comments(before).filter((comment) => !after.includes(comment));
  if (!same || lost.length > 0) {
    throw new ErrataInputError(
      `Adding the entry would change what ${ERRATA_FILE} already holds${lost.length ? ` (${lost[0]})` : ''}: add it by hand`,
    );
  }
}

export async function addErratum(
  manuscript: string,
  input: ErratumInput,
  options: AddOptions = {},
): Promise<AddResult> {
  const root = path.resolve(manuscript);
  const { book } = await prepare(root);
  const interactive = options.interactive ?? Boolean(process.stdin.isTTY && process.stdout.isTTY);
  let wanted = { ...input };
  const incomplete = () => !wanted.location || !wanted.kind || (wanted.now === undefined && wanted.text === undefined);
  if (wanted.location) locationWhere(book, wanted.location); // refuse a bad location before asking anything else
  if (incomplete() && interactive) wanted = await ask(wanted, book, options);
  if (incomplete()) {
    const missing = [
      !wanted.location && '--location',
      !wanted.kind && '--kind',
      wanted.now === undefined && wanted.text === undefined && '--text (or --was and --now)',
    ].filter(Boolean);
    throw new ErrataInputError(
      `Missing ${missing.join(', ')}: pass them as flags, or run the command on a terminal to be asked`,
    );
  }
  if (!(ERRATA_KINDS as readonly string[]).includes(wanted.kind!))
    throw new ErrataInputError(`Unknown kind \`${wanted.kind}\`: use ${ERRATA_KINDS.join(', ')}`);
  if (wanted.was !== undefined && wanted.now === undefined) throw new ErrataInputError('--was needs --now beside it');
  const where = locationWhere(book, wanted.location!);

  const filePath = path.join(book.root, ERRATA_FILE);
  const checked = checkBookFile(book.root, filePath);
  if (!checked.ok && !checked.missing)
    throw new ErrataInputError(`${ERRATA_FILE} ${checked.reason}: it is not changed`);
  let text = SKELETON;
  if (checked.ok) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(await readFile(checked.real));
    } catch {
      // Rewriting it would turn every non-UTF-8 byte into U+FFFD for good.
      throw new ErrataInputError(`${ERRATA_FILE} is not valid UTF-8: save it as UTF-8 first; it is not changed`);
    }
  }
  const doc = parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ErrataInputError(
      `${ERRATA_FILE} has YAML errors (${doc.errors[0]!.message.split('\n')[0]}): fix them first; \`galley check\` shows where`,
    );
  }
  if (!isMap(doc.contents))
    throw new ErrataInputError(`${ERRATA_FILE} must be a mapping with \`releases\` and \`entries\``);
  let seq = doc.get('entries', true);
  if (seq === undefined || (isScalar(seq) && seq.value === null)) {
    seq = new YAMLSeq();
    doc.set('entries', seq);
  }
  if (!isSeq(seq)) throw new ErrataInputError(`\`entries\` in ${ERRATA_FILE} must be a list`);
  seq.flow = false;
  const ids = seq.items
    .flatMap((item) => (isMap(item) ? [item.get('id')] : []))
    .filter((id): id is string => typeof id === 'string');
  const id = nextId(ids);

  const entry = doc.createNode({}) as YAMLMap;
  entry.set('id', id);
  entry.set('location', wanted.location!.trim());
  entry.set('kind', wanted.kind);
  for (const [key, value] of [
    ['was', wanted.was],
    ['now', wanted.now],
    ['text', wanted.text],
    ['credit', wanted.credit],
  ] as const)
    if (value !== undefined && value.trim()) entry.set(key, quoted(doc, value.trim()));

  entry.set('reported', quoted(doc, wanted.reported ?? options.today ?? new Date().toISOString().slice(0, 10)));
  if (wanted.fixedIn) entry.set('fixed_in', quoted(doc, wanted.fixedIn));
  // Entries in the file are separated by blank lines: the new one follows suit.
  const last = seq.items.at(-1) as { spaceBefore?: boolean } | undefined;
  if (seq.items.length > 1 && (seq.items[1] as { spaceBefore?: boolean }).spaceBefore)
    (entry as { spaceBefore?: boolean }).spaceBefore = true;
  else if (last?.spaceBefore) (entry as { spaceBefore?: boolean }).spaceBefore = true;
  seq.items.push(entry);

  let output = doc.toString({ lineWidth: 0 });
  if (text.includes('\r\n')) output = output.replace(/\r?\n/g, '\r\n');
  keepsEverything(text, output);
  const check = parseErrata(output, new VFile({ path: filePath }));
  if (!check.valid) {
    throw new ErrataInputError(
      `The new entry would not validate: ${check.file.messages.map((m) => `${m.line}:${m.column} ${m.reason}`).join('; ')}`,
    );
  }
  await writeFileAtomic(filePath, output);
  return { id, file: filePath, where };
}
