/**
 * Writes the RenderContext JSON mdBook 0.4 and 0.5 would hand a backend for a
 * fixture mdBook book (tests/fixtures/mdbook-context/), from the book's own
 * files: SUMMARY.md read the way mdBook reads it (prefix and suffix chapters,
 * part titles, separators, drafts, nesting) and `{{#include}}` expanded as
 * mdBook's links preprocessor does (whole file, `:anchor`, `:start:end`).
 * `root` and `destination` are placeholders a test replaces.
 *
 *   npx tsx tools/mdbook-context/make-context.ts tests/books/mdbook-mini
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';

type Item = 'Separator' | { PartTitle: string } | { Chapter: Chapter };
interface Chapter {
  name: string;
  content: string;
  number: number[] | null;
  sub_items: Item[];
  path: string | null;
  source_path: string | null;
  parent_names: string[];
}

function include(file: string, spec: string | undefined): string {
  const text = readFileSync(file, 'utf8');
  const lines = text.replace(/\n$/, '').split('\n');
  if (!spec) return lines.join('\n');
  const range = /^(\d*):?(\d*)$/.exec(spec);
  if (range) {
    const start = range[1] ? Number(range[1]) - 1 : 0;
    const end = range[2] ? Number(range[2]) : spec.includes(':') ? lines.length : start + 1;
    return lines.slice(start, end).join('\n');
  }
  const from = lines.findIndex((l) => l.includes(`ANCHOR: ${spec}`));
  const to = lines.findIndex((l) => l.includes(`ANCHOR_END: ${spec}`));
  return lines
    .slice(from + 1, to)
    .filter((l) => !/ANCHOR(_END)?:/.test(l))
    .join('\n');
}

function expand(file: string, markdown: string): string {
  return markdown.replace(
    /\{\{#(?:include|rustdoc_include)\s+([^}\s:]+)(?::([^}\s]+))?\s*\}\}/g,
    (_, target: string, spec) => include(path.resolve(path.dirname(file), target), spec as string | undefined),
  );
}

const book = path.resolve(process.argv[2]!);
const config = parse(readFileSync(path.join(book, 'book.toml'), 'utf8')) as Record<string, Record<string, unknown>>;
const src = path.join(book, typeof config.book?.src === 'string' ? config.book.src : 'src');
const summary = readFileSync(path.join(src, 'SUMMARY.md'), 'utf8').split('\n');

const top: Item[] = [];
const stack: { depth: number; chapter: Chapter }[] = [];
const counters: number[] = [];
let seenList = false;
for (const line of summary.slice(1)) {
  const list = /^(\s*)[-*] \[(.+)\]\((.*)\)\s*$/.exec(line);
  const plain = /^\[(.+)\]\((.+)\)\s*$/.exec(line);
  const part = /^# (.+)$/.exec(line);
  if (list) {
    seenList = true;
    const depth = list[1]!.length / 4;
    while (stack.length && stack.at(-1)!.depth >= depth) stack.pop();
    counters.length = depth + 1;
    counters[depth] = (counters[depth] ?? 0) + 1;
    const target = list[3] || null;
    const chapter: Chapter = {
      name: list[2]!,
      content: target ? expand(path.join(src, target), readFileSync(path.join(src, target), 'utf8')) : '',
      number: [...counters] as number[],
      sub_items: [],
      path: target,
      source_path: target,
      parent_names: stack.map((s) => s.chapter.name),
    };
    (stack.length ? stack.at(-1)!.chapter.sub_items : top).push({ Chapter: chapter });
    stack.push({ depth, chapter });
  } else if (plain) {
    const target = plain[2]!;
    top.push({
      Chapter: {
        name: plain[1]!,
        content: expand(path.join(src, target), readFileSync(path.join(src, target), 'utf8')),
        number: null,
        sub_items: [],
        path: target,
        source_path: target,
        parent_names: [],
      },
    });
  } else if (part && seenList !== undefined) {
    top.push({ PartTitle: part[1]! });
    stack.length = 0;
  } else if (/^---+\s*$/.test(line)) {
    top.push('Separator');
    stack.length = 0;
  }
}

const out = path.resolve('tests/fixtures/mdbook-context');
mkdirSync(out, { recursive: true });
const name = path.basename(book);
for (const [version, key] of [
  ['0.4.40', 'sections'],
  ['0.5.0', 'items'],
] as const) {
  const context = {
    version,
    root: 'ROOT',
    book: key === 'sections' ? { sections: top, __non_exhaustive: null } : { items: top },
    config: { ...config, book: { src: 'src', ...config.book } },
    destination: 'DESTINATION',
  };
  writeFileSync(
    path.join(out, `${name}-${version.split('.').slice(0, 2).join('.')}.json`),
    JSON.stringify(context, null, 2) + '\n',
  );
}
