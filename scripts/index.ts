export { build, prepare, type BuildOptions, type BuildResult, type Format } from './api/build.ts';
export { loadBook } from './model/book/load.ts';
export { createChapterProcessor } from './markdown/processor.ts';
export { bookSchema, type BookConfig } from './model/config/schema.ts';
export { diagnostics, formatText, formatCompact, formatGithub, type Diagnostic } from './model/report.ts';
