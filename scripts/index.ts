/**
 * Galley's public surface: what a library user calls (one entry per command,
 * each with its options and result types) and the model they read.
 */
export {
  build,
  prepare,
  type Artifact,
  type BuildOptions,
  type BuildResult,
  type BuildSummary,
  type EditionResult,
  type Format,
} from './api/build.ts';
export { check, type CheckOptions, type CheckResult } from './api/check.ts';
export { startDev, type DevOptions, type DevSession, type RebuildEvent } from './api/dev.ts';
export { release, type ReleaseArtifact, type ReleaseOptions, type ReleaseResult } from './api/release.ts';
export {
  diffRevisions,
  type ChapterDiff,
  type DiffOptions,
  type DiffReport,
  type DiffResult,
  type Hunk,
  type SectionDiff,
} from './api/diff.ts';
export { initBook, initBook as init, FolderNotEmptyError, type InitOptions, type InitResult } from './api/init.ts';
export { addErratum, ErrataInputError, type AddOptions, type AddResult, type ErratumInput } from './api/errata-add.ts';
export { loadBook } from './model/book/load.ts';
export { createChapterProcessor } from './markdown/processor.ts';
export { bookSchema, type BookConfig } from './model/config/schema.ts';
export { diagnostics, formatText, formatCompact, formatGithub, type Diagnostic } from './model/report.ts';
