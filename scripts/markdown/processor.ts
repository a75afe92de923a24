import { unified, type Processor } from 'unified';
import remarkParse from 'remark-parse';
import remarkGfm from 'remark-gfm';
import remarkMath from 'remark-math';
import remarkRehype from 'remark-rehype';
import rehypeRaw from 'rehype-raw';
import { visit, EXIT } from 'unist-util-visit';
import type { VFile } from 'vfile';
import rehypeSanitize from 'rehype-sanitize';
import rehypeHighlight from 'rehype-highlight';
import { all } from 'lowlight';
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
import rehypeNormalizeHtml from './plugins/rehype-normalize-html.ts';
import rehypeMedia from './plugins/rehype-media.ts';
import rehypeChapterTitle from './plugins/rehype-chapter-title.ts';
import rehypeMathNobreak from './plugins/rehype-math-nobreak.ts';
import rehypeMath from './plugins/rehype-math.ts';
import rehypeQuestions from './plugins/rehype-questions.ts';
import rehypeFigures from './plugins/rehype-figures.ts';
import rehypeImages from './plugins/rehype-images.ts';
import rehypeFootnotes from './plugins/rehype-footnotes.ts';
import rehypeHeadingIds from './plugins/rehype-heading-ids.ts';
import rehypeCollect from './plugins/rehype-collect.ts';
import rehypeUniqueIds from './plugins/rehype-unique-ids.ts';
import { sanitizeSchema } from '../model/sanitize-schema.ts';
import { labels } from '../util/labels.ts';
import { lintPlugins } from './lint/preset.ts';
import './plugins/types.ts';

/** rehype-raw re-parses the whole chapter through parse5: only worth it when the chapter has raw HTML. */
function rehypeRawWhenNeeded() {
  const raw = rehypeRaw();
  return (tree: HastRoot, file: VFile) => {
    let found = false;
    visit(tree, 'raw', () => {
      found = true;
      return EXIT;
    });
    return found ? raw(tree, file) : tree;
  };
}

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
  const { boundary, bibliography, languageNames, slugStyle } = options.settings ?? {};
  const processor = unified()
    // Markdown: CommonMark + GFM + `$$` math (single `$` only when the book asks).
    .use(remarkParse)
    .use(remarkGfm, { singleTilde: false })
    .use(remarkMath, { singleDollarTextMath: config.output.single_dollar_math })
    .use(remarkDisplayMath)
    .use(remarkHeadingIds)
    // Other tools' syntax: HonKit template blocks, code imports and citations; mdBook includes.
    .use(remarkTemplateBlocks, { languageNames, boundary })
    .use(remarkImports, { boundary })
    .use(remarkMdbook, { boundary })
    .use(remarkCitations, { bibliography });
  if (options.lint) processor.use(lintPlugins);
  return (
    processor
      .use(remarkSourceFooter, { enabled: config.copyright?.in_source ?? false })
      // To HTML, keeping positions so HTML-stage messages still cite Markdown lines.
      .use(remarkRehype, {
        allowDangerousHtml: true,
        clobberPrefix: '',
        footnoteLabel: words.notes,
        footnoteBackLabel: words.backToReference,
      })
      .use(rehypeRawWhenNeeded)
      // Untrusted content ends here: everything after this adds only Galley's own markup.
      .use(rehypeSanitize, sanitizeSchema)
      .use(rehypeNormalizeHtml)
      // The chapter's title prints once: the author's matching heading, or the TOC title above the file's headings.
      .use(rehypeChapterTitle)
      .use(rehypeMedia, { boundary })
      // Math before questions and collect: a question's id reads its formulas' TeX from Temml's annotations, and
      // collect counts the `file.data.formulas` this stage writes.
      .use(rehypeMath)
      .use(rehypeMathNobreak)
      .use(rehypeQuestions)
      .use(rehypeFigures)
      .use(rehypeImages, { boundary })
      .use(rehypeFootnotes)
      .use(rehypeHeadingIds, { slugStyle })
      .use(rehypeHighlight, {
        languages: all,
        detect: false,
        plainText: ['text', 'txt', 'plain', 'math', 'console', 'output'],
      })
      // Ids are final only here; collect comes last, so its counts and ids are those of the finished tree.
      .use(rehypeUniqueIds)
      .use(rehypeCollect)
      .freeze() as unknown as ChapterProcessor
  );
}
