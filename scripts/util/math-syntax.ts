import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Extension as FromMarkdownExtension } from 'mdast-util-from-markdown';
import { mathFromMarkdown, mathToMarkdown, type ToOptions } from 'mdast-util-math';
import type { Options as ToMarkdownExtension } from 'mdast-util-to-markdown';
import type { Extension as MicromarkExtension } from 'micromark-util-types';
import type { math as mathSyntax } from 'micromark-extension-math';
import type { Processor } from 'unified';

/**
 * micromark's math syntax without its HTML half. The package's entry also exports `mathHtml`, which imports
 * KaTeX: 600 kB of code that every thread reading Markdown parsed at start-up (the main thread for the
 * summary and HonKit tags, each chapter worker for the pipeline), though Galley never renders with it
 * (formulas go through Temml: markdown/plugins/rehype-math.ts). The syntax is the file the entry re-exports
 * (`lib/syntax.js`), loaded by its path because the package's `exports` name only the entry; a version that
 * moves it fails every build that reads Markdown, never silently (tests/start-up-cost.test.ts).
 * docs/decisions/0027-faster-round-two.md, "Round five: what a galley process loads".
 */
const entry = createRequire(import.meta.url).resolve('micromark-extension-math');
// The module's one binding: the library, loaded when this module is, like a static import (not cache state).
const syntax = (await import(pathToFileURL(path.join(path.dirname(entry), 'lib', 'syntax.js')).href)) as {
  math: typeof mathSyntax;
};

/** micromark-extension-math's `math` syntax extension, as its entry exports it. */
export const math: typeof mathSyntax = syntax.math;

/** remark-math 6 (the same three extensions), over the syntax above instead of the package's entry. */
export function remarkMath(this: Processor, options?: Readonly<ToOptions> | null): undefined {
  const settings = options ?? {};
  // remark-parse and remark-stringify read these lists (remark-stringify's, for a processor that writes Markdown).
  const data = this.data() as {
    micromarkExtensions?: MicromarkExtension[];
    fromMarkdownExtensions?: (FromMarkdownExtension | FromMarkdownExtension[])[];
    toMarkdownExtensions?: ToMarkdownExtension[];
  };
  (data.micromarkExtensions ??= []).push(math(settings));
  (data.fromMarkdownExtensions ??= []).push(mathFromMarkdown());
  (data.toMarkdownExtensions ??= []).push(mathToMarkdown(settings));
}
