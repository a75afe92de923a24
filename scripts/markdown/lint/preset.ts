import type { Preset } from 'unified';
import remarkPresetLintRecommended from 'remark-preset-lint-recommended';
import remarkLintNoUndefinedReferences from 'remark-lint-no-undefined-references';
import remarkLintListItemIndent from 'remark-lint-list-item-indent';
import remarkLintNoLiteralUrls from 'remark-lint-no-literal-urls';
import { footnoteMatch, headingIncrement, questionTag, rawHtml, trailingWhitespace } from './rules.ts';

/**
 * Format checks for `galley check`: remark-lint's recommended rules, tuned
 * for books (difficulty tags and task boxes are not references, GFM
 * autolinks are fine, list indentation is the author's; a GitHub alert's
 * `[!NOTE]` marker is a callout), plus the book's own.
 */
export const lintPlugins: Preset = {
  plugins: [
    remarkPresetLintRecommended,
    [
      remarkLintNoUndefinedReferences,
      { allow: ['E', 'M', 'H', 'x', 'X', ' ', /^!(note|tip|important|warning|caution)$/i] },
    ],
    [remarkLintListItemIndent, false],
    [remarkLintNoLiteralUrls, false],
    headingIncrement,
    questionTag,
    footnoteMatch,
    rawHtml,
    trailingWhitespace,
  ],
};
