import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/setup/compiled.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Browser and EPUBCheck tests are heavy; two cores, so keep files from piling up.
    maxWorkers: 2,
  },
});
