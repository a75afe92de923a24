/** The builds tests/setup/shared-builds.ts makes once per run, by name; paths from the repository root. */
export const SHARED_BUILDS = {
  /** The sample book as `npm run build` makes it: every format, both editions, with its errata. */
  sample: { manuscript: 'manuscript', epoch: '1780000000', args: [] as string[] },
  /** The algorithm-archive corpus (77 HonKit chapters) in the formats made without Chromium. */
  corpus: {
    manuscript: 'tests/corpora/algorithm-archive',
    epoch: '1767225600',
    args: ['--format', 'html,web,epub'] as string[],
  },
} as const;

export type SharedBuildName = keyof typeof SHARED_BUILDS;
