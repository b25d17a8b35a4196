import { defineConfig } from 'vitest/config';

// Browser tests drive Debian's chromium through playwright-core from Node test files
// (test/**/*.browser.test.ts); they share a 2-core machine, so they run one file at a time.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/**/*.browser.test.ts'] } },
      { extends: true, test: { name: 'browser', include: ['test/**/*.browser.test.ts'], fileParallelism: false } },
    ],
  },
});
