/** The builds tests/setup/shared-builds.ts makes once per run, by name; paths from the repository root. */
export type SharedBuildName = 'sample' | 'corpus' | 'mini';

export interface SharedBuildSpec {
  manuscript: string;
  epoch: string;
  /** More `galley build` arguments. */
  args: string[];
  /** More environment. */
  env?: Record<string, string>;
}

export const SHARED_BUILDS: Record<SharedBuildName, SharedBuildSpec> = {
  /** The sample book as `npm run build` makes it: every format, both editions, with its errata. */
  sample: { manuscript: 'manuscript', epoch: '1780000000', args: [] },
  /** The algorithm-archive corpus (77 HonKit chapters) in the formats made without Chromium. */
  corpus: { manuscript: 'tests/corpora/algorithm-archive', epoch: '1767225600', args: ['--format', 'html,web,epub'] },
  /** The mini book in every format, in UTC and the C locale: reproducible.test.ts builds it again elsewhere. */
  mini: {
    manuscript: 'tests/books/mini',
    epoch: '1780000000',
    args: ['--format', 'html,epub,pdf,web'],
    env: { TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
  },
};
