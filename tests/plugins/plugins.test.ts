/**
 * Each Markdown plugin on its own: tests/fixtures/plugins/<plugin>/ holds
 * input.md, optional options.json (the plugin's Options) and the expected
 * output.html, messages.txt and data.json (what the plugin left in
 * `file.data`, the chapter context aside). Each runs through the smallest
 * processor it needs (parse, the syntax extensions, remark-rehype, and only
 * the plugins it depends on, listed in the table below), and must change the
 * output: the same processor without it gives something else.
 * remark-template-blocks reads the markers the loader makes of `{% tag %}`
 * lines (model/dialects/template-tags.ts), so its input is written in them.
 * `UPDATE=1 npx vitest run tests/plugins` rewrites the expected files; review the diff.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unified, type PluggableList } from 'unified';
import { VFile } from 'vfile';
import remarkParse from 'remark-parse';
import remarkGfm from 'remark-gfm';
import remarkMath from 'remark-math';
import remarkRehype from 'remark-rehype';
import rehypeRaw from 'rehype-raw';
import type { Root } from 'hast';
import { ROOT } from '../helpers.ts';
import { hastToXml } from '../../scripts/render/xhtml.ts';
import { levelOf } from '../../scripts/util/messages.ts';
import type { BibEntry } from '../../scripts/model/dialects/bibliography.ts';
import remarkDisplayMath from '../../scripts/markdown/plugins/remark-display-math.ts';
import remarkHeadingIds from '../../scripts/markdown/plugins/remark-heading-ids.ts';
import remarkSourceFooter from '../../scripts/markdown/plugins/remark-source-footer.ts';
import remarkTemplateBlocks from '../../scripts/markdown/plugins/remark-template-blocks.ts';
import remarkImports from '../../scripts/markdown/plugins/remark-imports.ts';
import remarkMdbook from '../../scripts/markdown/plugins/remark-mdbook.ts';
import remarkCitations from '../../scripts/markdown/plugins/remark-citations.ts';
import remarkCrossrefs from '../../scripts/markdown/plugins/remark-crossrefs.ts';
import remarkIndexTerms from '../../scripts/markdown/plugins/remark-index-terms.ts';
import rehypeNormalizeHtml from '../../scripts/markdown/plugins/rehype-normalize-html.ts';
import rehypeChapterTitle from '../../scripts/markdown/plugins/rehype-chapter-title.ts';
import rehypeMedia from '../../scripts/markdown/plugins/rehype-media.ts';
import rehypeMath from '../../scripts/markdown/plugins/rehype-math.ts';
import rehypeMathNobreak from '../../scripts/markdown/plugins/rehype-math-nobreak.ts';
import rehypeQuestions from '../../scripts/markdown/plugins/rehype-questions.ts';
import rehypeFigures from '../../scripts/markdown/plugins/rehype-figures.ts';
import rehypeImages from '../../scripts/markdown/plugins/rehype-images.ts';
import rehypeFootnotes from '../../scripts/markdown/plugins/rehype-footnotes.ts';
import rehypeHeadingIds from '../../scripts/markdown/plugins/rehype-heading-ids.ts';
import rehypeHighlightCode from '../../scripts/markdown/plugins/highlight-code.ts';
import rehypeUniqueIds from '../../scripts/markdown/plugins/rehype-unique-ids.ts';
import rehypeCollect from '../../scripts/markdown/plugins/rehype-collect.ts';
import rehypeAuthorStyles from '../../scripts/markdown/plugins/rehype-author-styles.ts';
import rehypeRawBounded from '../../scripts/markdown/plugins/rehype-raw-bounded.ts';
import rehypeSanitizeReported from '../../scripts/markdown/plugins/rehype-sanitize-reported.ts';
import rehypeSourcePaths from '../../scripts/markdown/plugins/rehype-source-paths.ts';
import remarkCallouts from '../../scripts/markdown/plugins/remark-callouts.ts';
import remarkLeadIns from '../../scripts/markdown/plugins/remark-lead-ins.ts';
import remarkListings from '../../scripts/markdown/plugins/remark-listings.ts';
import remarkMermaid from '../../scripts/markdown/plugins/remark-mermaid.ts';
import { sanitizeSchema } from '../../scripts/model/sanitize-schema.ts';
import '../../scripts/markdown/plugins/types.ts';

const FIXTURES = path.join(ROOT, 'tests/fixtures/plugins');
const update = process.env.UPDATE === '1';

// The plugin's place: before remark-rehype (Markdown) or after it (HTML).
type Stage = 'remark' | 'rehype';
interface Entry {
  stage: Stage;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each plugin has its own Options
  plugin: (options?: any) => unknown;
  /** Plugins it needs before it, in the pipeline's order (raw HTML is parsed when the fixture has any). */
  before?: PluggableList;
  /** It parses raw HTML itself: the harness does not run rehype-raw before it. */
  parsesRaw?: boolean;
  /** Options that are not JSON (a bibliography Map) made from options.json. */
  options?: (json: Record<string, unknown>, dir: string) => unknown;
}

/** Every plugin in scripts/markdown/plugins/ (helpers and the walker aside), by its file name. */
const PLUGINS: Record<string, Entry> = {
  'remark-display-math': { stage: 'remark', plugin: remarkDisplayMath },
  'remark-heading-ids': { stage: 'remark', plugin: remarkHeadingIds },
  'remark-template-blocks': {
    stage: 'remark',
    plugin: remarkTemplateBlocks,
    options: (o, dir) => ({ ...o, boundary: dir }),
  },
  'remark-imports': { stage: 'remark', plugin: remarkImports, options: (o, dir) => ({ ...o, boundary: dir }) },
  'remark-mdbook': { stage: 'remark', plugin: remarkMdbook, options: (o, dir) => ({ ...o, boundary: dir }) },
  'remark-citations': {
    stage: 'remark',
    plugin: remarkCitations,
    options: (o) => ({
      bibliography: new Map(Object.entries((o.bibliography ?? {}) as Record<string, BibEntry>)),
    }),
  },
  'remark-crossrefs': {
    stage: 'remark',
    plugin: remarkCrossrefs,
    options: (o) => ({
      ...o,
      bibliography: new Map(Object.entries((o.bibliography ?? {}) as Record<string, BibEntry>)),
    }),
  },
  'remark-source-footer': { stage: 'remark', plugin: remarkSourceFooter },
  'remark-index-terms': { stage: 'remark', plugin: remarkIndexTerms },
  'rehype-normalize-html': { stage: 'rehype', plugin: rehypeNormalizeHtml },
  'rehype-chapter-title': { stage: 'rehype', plugin: rehypeChapterTitle },
  'rehype-media': { stage: 'rehype', plugin: rehypeMedia, options: (o, dir) => ({ ...o, boundary: dir }) },
  'rehype-math': { stage: 'rehype', plugin: rehypeMath },
  'rehype-math-nobreak': { stage: 'rehype', plugin: rehypeMathNobreak, before: [rehypeMath] },
  'rehype-questions': { stage: 'rehype', plugin: rehypeQuestions },
  'rehype-figures': { stage: 'rehype', plugin: rehypeFigures },
  'rehype-images': { stage: 'rehype', plugin: rehypeImages, options: (o, dir) => ({ ...o, boundary: dir }) },
  'rehype-footnotes': { stage: 'rehype', plugin: rehypeFootnotes },
  'rehype-heading-ids': { stage: 'rehype', plugin: rehypeHeadingIds },
  'highlight-code': { stage: 'rehype', plugin: rehypeHighlightCode },
  'rehype-unique-ids': { stage: 'rehype', plugin: rehypeUniqueIds },
  // Collect records the ids the heading rule gives.
  'rehype-collect': { stage: 'rehype', plugin: rehypeCollect, before: [rehypeHeadingIds] },
  'remark-listings': { stage: 'remark', plugin: remarkListings },
  'remark-mermaid': { stage: 'remark', plugin: remarkMermaid },
  'remark-callouts': { stage: 'remark', plugin: remarkCallouts },
  'remark-lead-ins': { stage: 'remark', plugin: remarkLeadIns },
  'rehype-raw-bounded': { stage: 'rehype', plugin: rehypeRawBounded, parsesRaw: true },
  'rehype-source-paths': {
    stage: 'rehype',
    plugin: rehypeSourcePaths,
    options: (o, dir) => ({ ...o, boundary: dir }),
  },
  'rehype-sanitize-reported': { stage: 'rehype', plugin: rehypeSanitizeReported, options: () => sanitizeSchema },
  'rehype-author-styles': { stage: 'rehype', plugin: rehypeAuthorStyles },
};

function run(entry: Entry | undefined, dir: string, input: string, json: Record<string, unknown>) {
  const processor = unified().use(remarkParse).use(remarkGfm, { singleTilde: false }).use(remarkMath);
  if (entry?.stage === 'remark') processor.use(entry.plugin as never, entry.options?.(json, dir) ?? json);
  processor.use(remarkRehype, { allowDangerousHtml: true, clobberPrefix: '' });
  if (input.includes('<') && !entry?.parsesRaw) processor.use(rehypeRaw);
  if (entry?.before) processor.use(entry.before);
  if (entry?.stage === 'rehype') processor.use(entry.plugin as never, entry.options?.(json, dir) ?? json);
  const file = new VFile({ path: path.join(dir, 'input.md'), value: input });
  file.data.chapter = {
    key: 'input',
    source: 'input.md',
    number: '3',
    title: 'The chapter',
    language: 'en',
    resolveAsset: (href) => (href.includes('missing') ? { error: `not found: ${href}` } : { target: `assets/${href}` }),
  };
  const tree = processor.runSync(processor.parse(file), file) as Root;
  const messages = file.messages.map(
    (m) => `${m.line ?? 1}:${m.column ?? 1} ${levelOf(m.fatal)} ${m.reason} [${m.ruleId}]`,
  );
  const data = { ...file.data, chapter: undefined };
  return {
    html: hastToXml(tree) + '\n',
    messages: messages.join('\n') + (messages.length ? '\n' : ''),
    data: JSON.stringify(data, null, 2) + '\n',
  };
}

const expected = (dir: string, name: string) => readFileSync(path.join(dir, name), 'utf8');

describe('each Markdown plugin on its own', () => {
  it('has a fixture folder for every plugin in scripts/markdown/plugins/, and a plugin for every folder', () => {
    const helpers = new Set([
      'types',
      'element-rules',
      'highlight-languages',
      'question-ids',
      'callout-node',
      'list-item-hast',
    ]);
    const files = readdirSync(path.join(ROOT, 'scripts/markdown/plugins'))
      .map((name) => name.replace(/\.ts$/, ''))
      .filter((name) => !helpers.has(name))
      .sort();
    expect(Object.keys(PLUGINS).sort()).toEqual(files);
    expect(readdirSync(FIXTURES).sort()).toEqual(files);
  });

  for (const [name, entry] of Object.entries(PLUGINS)) {
    it(name, () => {
      const dir = path.join(FIXTURES, name);
      const input = expected(dir, 'input.md');
      const json = existsSync(path.join(dir, 'options.json'))
        ? (JSON.parse(expected(dir, 'options.json')) as Record<string, unknown>)
        : {};
      const actual = run(entry, dir, input, json);
      if (update) {
        writeFileSync(path.join(dir, 'output.html'), actual.html);
        writeFileSync(path.join(dir, 'messages.txt'), actual.messages);
        writeFileSync(path.join(dir, 'data.json'), actual.data);
      }
      expect(actual.html).toBe(expected(dir, 'output.html'));
      expect(actual.messages).toBe(expected(dir, 'messages.txt'));
      expect(actual.data).toBe(expected(dir, 'data.json'));
      // The fixture shows the plugin at work: without it (its prerequisites kept), something else comes out.
      // (Raw HTML left unparsed cannot be serialised at all: that is something else too.)
      const without = (() => {
        try {
          return run({ ...entry, plugin: () => undefined }, dir, input, json);
        } catch (error) {
          return { html: String(error), messages: '', data: '' };
        }
      })();
      expect([without.html, without.messages, without.data]).not.toEqual([actual.html, actual.messages, actual.data]);
    });
  }
});
