export { build, prepare, type BuildOptions, type BuildResult, type Format } from './build.ts';
export { loadBook } from './book/load.ts';
export { createChapterProcessor } from './markdown/processor.ts';
export { bookSchema, type BookConfig } from './config/schema.ts';
export { diagnostics, formatText, formatCompact, formatGithub, type Diagnostic } from './report.ts';
