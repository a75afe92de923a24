/**
 * Galley's public surface: what a library user calls (one entry per command,
 * each with its options and result types) and the model they read.
 */
import type { CheckOptions, CheckResult } from './api/check.ts';
import type { DevOptions, DevSession } from './api/dev.ts';
import type { DiffOptions, DiffResult } from './api/diff.ts';
import type { ReleaseOptions, ReleaseResult } from './api/release.ts';

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
export type { CheckOptions, CheckResult } from './api/check.ts';
export type { DevOptions, DevSession, RebuildEvent } from './api/dev.ts';
export type { ReleaseArtifact, ReleaseOptions, ReleaseResult } from './api/release.ts';
export type { ChapterDiff, DiffOptions, DiffReport, DiffResult, Hunk, SectionDiff } from './api/diff.ts';
export { initBook, initBook as init, FolderNotEmptyError, type InitOptions, type InitResult } from './api/init.ts';
export { addErratum, ErrataInputError, type AddOptions, type AddResult, type ErratumInput } from './api/errata-add.ts';
export { loadBook } from './model/book/load.ts';
export { createChapterProcessor } from './markdown/processor.ts';
export { bookSchema, type BookConfig } from './model/config/schema.ts';
export { diagnostics, formatText, formatCompact, formatGithub, type Diagnostic } from './model/report.ts';

// The entries that bring a browser, pdf-lib, the file watcher or the web edition load their module when called:
// importing the package costs what `build` and the model need, not ~1,300 modules (decision 0027, round five).

/** Runs every check on the book (`galley check`). */
export async function check(options?: CheckOptions): Promise<CheckResult> {
  return (await import('./api/check.ts')).check(options);
}

/** Starts the live preview (`galley dev`): a server and a watcher, until the session is closed. */
export async function startDev(options?: DevOptions): Promise<DevSession> {
  return (await import('./api/dev.ts')).startDev(options);
}

/** Builds and checks a release (`galley release`). */
export async function release(options?: ReleaseOptions): Promise<ReleaseResult> {
  return (await import('./api/release.ts')).release(options);
}

/** Compares two revisions of the book (`galley diff`). */
export async function diffRevisions(
  refA: string,
  refB: string | undefined,
  options?: DiffOptions,
): Promise<DiffResult> {
  return (await import('./api/diff.ts')).diffRevisions(refA, refB, options);
}
