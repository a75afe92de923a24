import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unified, type Plugin } from 'unified';
import { VFile } from 'vfile';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import rehypeHighlight from 'rehype-highlight';
import { all } from 'lowlight';
import type { Root } from 'hast';
import { ROOT, config } from './helpers.ts';
import { createChapterProcessor, type ChapterProcessor } from '../scripts/markdown/processor.ts';
import { elementRules, type ElementRule } from '../scripts/markdown/plugins/element-rules.ts';
import { highlightRule } from '../scripts/markdown/plugins/highlight-code.ts';
import { LANGUAGES } from '../scripts/markdown/plugins/highlight-languages.ts';
import { languageTable } from '../tools/highlight/languages.ts';

/** The pipeline with every element rule in a walk of its own, in the same order: what the shared walks replace. */
function oneWalkPerRule(processor: ChapterProcessor): ChapterProcessor {
  const separate = unified();
  let walks = 0;
  for (const [plugin, ...options] of processor.attachers) {
    const rules = (plugin as { rules?: readonly ElementRule[] }).rules;
    if (!rules) {
      separate.use(plugin as Plugin, ...(options as []));
      continue;
    }
    walks++;
    for (const rule of rules) separate.use(() => elementRules([rule]));
  }
  expect(walks).toBe(3);
  return separate.freeze() as unknown as ChapterProcessor;
}

function run(processor: ChapterProcessor, value: string, numbering: 'galley' | 'author' = 'galley') {
  const file = new VFile({ path: path.join(ROOT, 'tests/fixtures/markdown/input.md'), value });
  file.data.chapter = {
    key: 'input',
    source: 'input.md',
    number: '3',
    numbering,
    authorNumber: '7',
    resolveAsset: (href) => (href.includes('missing') ? { error: `not found: ${href}` } : { target: `assets/${href}` }),
  };
  const tree = processor.runSync(processor.parse(file), file);
  const messages = file.messages.map((m) => [m.line, m.column, m.fatal, m.reason, m.ruleId, m.source]);
  return { tree: JSON.stringify(tree), messages, data: JSON.stringify({ ...file.data, chapter: undefined }) };
}

describe('element rules in shared walks', () => {
  const inputs: [string, string][] = [
    ...readdirSync(path.join(ROOT, 'tests/fixtures/markdown'))
      .sort((a, b) => Number(b === 'every-element-rule') - Number(a === 'every-element-rule') || a.localeCompare(b))
      .map((name): [string, string] => [
        name,
        readFileSync(path.join(ROOT, 'tests/fixtures/markdown', name, 'input.md'), 'utf8'),
      ]),
  ];
  for (const numbering of ['galley', 'author'] as const) {
    for (const [name, value] of inputs) {
      it(`${name} (${numbering} numbering): the same tree, data and messages as one walk per rule`, () => {
        const shared = createChapterProcessor(config());
        const separate = oneWalkPerRule(shared);
        const a = run(shared, value, numbering);
        const b = run(separate, value, numbering);
        expect(a.tree).toBe(b.tree);
        expect(a.messages).toEqual(b.messages);
        expect(a.data).toBe(b.data);
      });
    }
  }

  it('the fixture exercises every rule', () => {
    const { tree, messages, data } = run(createChapterProcessor(config()), inputs[0]![1]);
    for (const made of [
      'figure',
      '"className":["media"]',
      'nobreak',
      'q-number',
      'footnote-back',
      'hljs-keyword',
      'math-display',
    ])
      expect(tree).toContain(made);
    for (const rule of ['math', 'broken-image', 'remote-resource', 'media', 'duplicate-id', 'missing-language'])
      expect(messages.map((m) => m[4])).toContain(rule);
    expect(data).toContain('"questions":[{');
    expect(run(createChapterProcessor(config()), inputs[0]![1], 'author').data).toContain('"number":"1.2.1"');
    expect(data).toContain('"collected":{');
  });
});

describe('highlighting with the grammars a book names', () => {
  it('the language table is highlight.js’s own (rerun tools/highlight/languages.ts after an upgrade)', () => {
    expect(languageTable()).toEqual(LANGUAGES);
  });

  it('highlights every grammar, under every name, as rehype-highlight with all grammars does', () => {
    const sample = [
      '<div class="a">{{b}}</div> <style>p { color: red }</style> <script>var c = "d";</script>',
      'function f(x) { return x + 1; } // comment',
      '# heading\nSELECT * FROM t WHERE a = 1; -- note',
      'def g(): pass  # more\n$ echo "hi" | grep h\n>>> 1 + 2',
      'GET / HTTP/1.1\nContent-Type: application/json\n\n{"a": [1, 2.5, null]}',
    ].join('\n');
    const names = Object.keys(LANGUAGES.names).sort((a, b) => (a.length % 3) - (b.length % 3) || a.localeCompare(b));
    const markdown = [...names, 'no-such-language', 'ML', 'Python']
      .map((name) => '```' + name + '\n' + sample + '\n```')
      .join('\n\n');
    const plainText = ['text', 'txt', 'plain', 'math', 'console', 'output'];
    const render = (plugin: Plugin<[], Root>) => {
      const file = new VFile({ value: markdown });
      const processor = unified().use(remarkParse).use(remarkRehype).use(plugin);
      const tree = processor.runSync(processor.parse(file), file);
      return { tree: JSON.stringify(tree), messages: file.messages.map((m) => `${m.line}:${m.column} ${m.reason}`) };
    };
    const lazy = render(() => elementRules([highlightRule({ plainText })]));
    const eager = render(function () {
      return rehypeHighlight.call(this, { languages: all, detect: false, plainText });
    });
    expect(lazy.messages).toEqual(eager.messages);
    expect(lazy.messages.length).toBe(1);
    expect(lazy.tree).toBe(eager.tree);
  });
});
