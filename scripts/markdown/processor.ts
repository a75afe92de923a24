import { unified, type Processor } from 'unified';
import remarkParse from 'remark-parse';
import remarkGfm from 'remark-gfm';
import { remarkMath } from '../util/math-syntax.ts';
import remarkRehype from 'remark-rehype';
import type { Root as HastRoot } from 'hast';
import type { Root as MdastRoot } from 'mdast';
import type { BookConfig } from '../model/config/schema.ts';
import type { ChapterSettings } from '../model/book/load.ts';
import remarkDisplayMath from './plugins/remark-display-math.ts';
import remarkHeadingIds from './plugins/remark-heading-ids.ts';
import remarkSourceFooter from './plugins/remark-source-footer.ts';
import remarkTemplateBlocks from './plugins/remark-template-blocks.ts';
import remarkImports from './plugins/remark-imports.ts';
import remarkMdbook from './plugins/remark-mdbook.ts';
import remarkCitations from './plugins/remark-citations.ts';
import remarkIndexTerms from './plugins/remark-index-terms.ts';
import remarkListings from './plugins/remark-listings.ts';
import remarkMermaid from './plugins/remark-mermaid.ts';
import remarkCrossrefs from './plugins/remark-crossrefs.ts';
import remarkCallouts from './plugins/remark-callouts.ts';
import remarkLeadIns from './plugins/remark-lead-ins.ts';
import remarkSmartypants from 'remark-smartypants';
import { remarkDefinitionList, defListHastHandlers } from 'remark-definition-list';
import rehypeSanitizeReported from './plugins/rehype-sanitize-reported.ts';
import rehypeSourcePaths from './plugins/rehype-source-paths.ts';
import rehypeNormalizeHtml from './plugins/rehype-normalize-html.ts';
import rehypeAuthorStyles from './plugins/rehype-author-styles.ts';
import { listItemHast } from './plugins/list-item-hast.ts';
import rehypeRawBounded from './plugins/rehype-raw-bounded.ts';
import rehypeChapterTitle from './plugins/rehype-chapter-title.ts';
import rehypeElementRules from './plugins/element-rules.ts';
import { mediaRule } from './plugins/rehype-media.ts';
import { mathRule } from './plugins/rehype-math.ts';
import { mathNobreakRule } from './plugins/rehype-math-nobreak.ts';
import { questionsRule } from './plugins/rehype-questions.ts';
import { figuresRule } from './plugins/rehype-figures.ts';
import { imagesRule } from './plugins/rehype-images.ts';
import { footnotesRule } from './plugins/rehype-footnotes.ts';
import { headingIdsRule } from './plugins/rehype-heading-ids.ts';
import { highlightRule } from './plugins/highlight-code.ts';
import { uniqueIdsRule } from './plugins/rehype-unique-ids.ts';
import { collectRule } from './plugins/rehype-collect.ts';
import { sanitizeSchema } from '../model/sanitize-schema.ts';
import { labels } from '../util/labels.ts';
import { lintPlugins } from './lint/preset.ts';
import './plugins/types.ts';

export type ChapterProcessor = Processor<MdastRoot, MdastRoot, HastRoot, HastRoot, undefined>;

/**
 * The whole per-chapter pipeline, in order, in one place: Markdown source to
 * a sanitized hast tree ready for the book passes and every renderer.
 */
export function createChapterProcessor(
  config: BookConfig,
  options: { lint?: boolean; settings?: ChapterSettings } = {},
): ChapterProcessor {
  const words = labels(config.language);
  // The book's settings, given to the stages that read them (model/book/load.ts chapterSettings).
  const { boundary, bibliography, languageNames, slugStyle, templateTags, hiddenRustLines } = options.settings ?? {};
  const processor = unified()
    // Markdown: CommonMark + GFM + `$$` math (single `$` only when the book asks).
    .use(remarkParse)
    .use(remarkGfm, { singleTilde: false })
    // mdBook 0.5's defaults: definition lists (and smart punctuation, below, where the book turns it on).
    .use(remarkDefinitionList)
    .use(remarkMath, { singleDollarTextMath: config.output.single_dollar_math })
    .use(remarkDisplayMath)
    .use(remarkHeadingIds)
    // Other tools' syntax: HonKit template blocks, code imports and citations; mdBook includes.
    .use(remarkTemplateBlocks, { languageNames, boundary, templateTags })
    .use(remarkImports, { boundary })
    .use(remarkMdbook, { boundary, hiddenRustLines })
    .use(remarkCitations, { bibliography })
    // Back-of-book index terms (`:index[…]`), before smart punctuation curls their attribute quotes.
    .use(remarkIndexTerms)
    // Mermaid fences become figures holding their source (drawn after the chapters, render/diagrams), then
    // listings and callouts of every dialect, before anything reads code blocks or quotes.
    .use(remarkMermaid)
    .use(remarkListings)
    // Quarto's numbered labels and references, and Pandoc citations (the numbers are passes/crossrefs.ts's).
    .use(remarkCrossrefs, {
      bibliography,
      style: config.bibliography.style,
      and: words.crossref.and,
    })
    .use(remarkCallouts)
    // Marks "For example:" and "Filename: …" paragraphs so print keeps them with what they introduce.
    .use(remarkLeadIns);
  // mdBook's (pulldown-cmark's) dashes: `--` an en dash, `---` an em dash.
  if (config.output.smart_punctuation) processor.use(remarkSmartypants, { dashes: 'oldschool' });
  if (options.lint) processor.use(lintPlugins);
  return (
    processor
      .use(remarkSourceFooter, { enabled: config.copyright?.in_source ?? false, copyright: config.copyright })
      // To HTML, keeping positions so HTML-stage messages still cite Markdown lines.
      .use(remarkRehype, {
        allowDangerousHtml: true,
        clobberPrefix: '',
        footnoteLabel: words.notes,
        footnoteBackLabel: words.backToReference,
        handlers: { ...defListHastHandlers, listItem: listItemHast() },
      })
      .use(rehypeRawBounded)
      // Every src and srcset, while the raw tree still has them all.
      .use(rehypeSourcePaths, { boundary })
      // Untrusted content ends here: everything after this adds only Galley's own markup. What it removes that a
      // reader would have seen is a warning at its line.
      .use(rehypeSanitizeReported, sanitizeSchema)
      // Author styles may not leave their element's box (position, layers, viewport units).
      .use(rehypeAuthorStyles)
      .use(rehypeNormalizeHtml)
      // The chapter's title prints once: the author's matching heading, or the TOC title above the file's headings.
      // Its own walk: no heading may move before the whole file's top heading level is known.
      .use(rehypeChapterTitle)
      // The element rules, three walks of the tree in all, each running its rules as if one after another over the
      // whole tree (plugins/element-rules.ts). A walk ends where a rule needs an earlier one finished everywhere:
      // Math before questions and collect: a question's id reads its formulas' TeX from Temml's annotations, and
      // collect counts the `file.data.formulas` this walk writes. Questions read a list once its formulas are made
      // and kept with their punctuation, and before figures, images and footnotes change what is inside it.
      .use(rehypeElementRules([mediaRule({ boundary }), mathRule(), mathNobreakRule(), questionsRule()]))
      // Footnotes rebuild their section once figures and images are done inside it.
      .use(rehypeElementRules([figuresRule(), imagesRule({ boundary }), footnotesRule()]))
      // Ids: headings are named once every other id is known, then any clash left is renamed, and collect, last,
      // records the finished tree's ids, headings and counts.
      .use(
        rehypeElementRules([
          headingIdsRule({ slugStyle }),
          highlightRule({ plainText: ['text', 'txt', 'plain', 'math', 'console', 'output'] }),
          uniqueIdsRule(),
          collectRule(),
        ]),
      )
      .freeze() as unknown as ChapterProcessor
  );
}
