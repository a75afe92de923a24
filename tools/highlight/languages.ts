/**
 * Writes scripts/markdown/plugins/highlight-languages.ts: which highlight.js grammar each language name or alias
 * stands for, and which grammars each one embeds, so the chapter pipeline can register only the grammars a book's
 * code blocks name (registering all ~190 takes a third of a second at start-up) and still highlight as if all were
 * there. Run after upgrading highlight.js or lowlight (tests/element-rules.test.ts says when):
 *
 *   npx tsx tools/highlight/languages.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { all } from 'lowlight';
import HighlightJs from 'highlight.js/lib/core';
import { createRequire } from 'node:module';

export interface LanguageTable {
  version: string;
  /** Every grammar, in lowlight's `all` order (the order they were registered in). */
  grammars: string[];
  /** Each lowercase name and alias, with the grammar it stands for when all are registered. */
  names: Record<string, string>;
  /** The grammars each grammar embeds (`subLanguage`), transitively; `*` for every grammar. */
  embeds: Record<string, string[]>;
}

export function languageTable(): LanguageTable {
  const hljs = HighlightJs.newInstance();
  const grammars = Object.keys(all);
  for (const name of grammars) hljs.registerLanguage(name, all[name]!);
  const names: Record<string, string> = {};
  for (const name of grammars) {
    for (const alias of [name, ...(hljs.getLanguage(name)?.aliases ?? [])]) {
      const key = alias.toLowerCase();
      const language = hljs.getLanguage(key);
      if (!language) continue;
      // highlight.js names the language after its registered name.
      const owner = grammars.find((g) => hljs.getLanguage(g) === language)!;
      names[key] = owner;
    }
  }
  const direct = new Map<string, Set<string>>();
  for (const name of grammars) {
    const found = new Set<string>();
    const seen = new Set<unknown>();
    const walk = (mode: unknown) => {
      if (!mode || typeof mode !== 'object' || seen.has(mode)) return;
      seen.add(mode);
      const sub = (mode as { subLanguage?: string | string[] }).subLanguage;
      if (typeof sub === 'string') {
        found.add(names[sub.toLowerCase()] ?? sub);
      } else if (Array.isArray(sub)) {
        if (sub.length === 0) found.add('*');
        for (const s of sub) found.add(names[s.toLowerCase()] ?? s);
      }
      for (const value of Object.values(mode)) {
        if (Array.isArray(value)) value.forEach(walk);
        else walk(value);
      }
    };
    walk(hljs.getLanguage(name));
    found.delete(name);
    direct.set(name, found);
  }
  const embeds: Record<string, string[]> = {};
  for (const name of grammars) {
    const closure = new Set<string>();
    const queue = [...direct.get(name)!];
    while (queue.length) {
      const next = queue.shift()!;
      if (closure.has(next) || next === name) continue;
      closure.add(next);
      queue.push(...(direct.get(next) ?? []));
    }
    if (closure.size) embeds[name] = closure.has('*') ? ['*'] : [...closure].sort();
  }
  const version = (createRequire(import.meta.url)('highlight.js/package.json') as { version: string }).version;
  return { version, grammars, names, embeds };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const table = languageTable();
  const target = path.join(
    path.dirname(fileURLToPath(import.meta.url)),
    '../../scripts/markdown/plugins/highlight-languages.ts',
  );
  const text = `// Written by tools/highlight/languages.ts from highlight.js ${table.version}: do not edit.

export interface LanguageTable {
  version: string;
  /** Every grammar, in lowlight's \`all\` order. */
  grammars: string[];
  /** Each lowercase name and alias, with the grammar it stands for when all are registered. */
  names: Record<string, string>;
  /** The grammars each grammar embeds (\`subLanguage\`), transitively; \`*\` for every grammar. */
  embeds: Record<string, string[]>;
}

export const LANGUAGES: LanguageTable = ${JSON.stringify(table, null, 2)};
`;
  writeFileSync(target, text);
  console.log(`${table.grammars.length} grammars, ${Object.keys(table.names).length} names: ${target}`);
}
