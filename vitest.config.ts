import { defineConfig } from 'vitest/config';

// Browser tests drive Debian's chromium through playwright-core from Node test files
// (test/**/*.browser.test.ts); they share a 2-core machine, so they run one file at a time.
// End-to-end tests (test/e2e/*.e2e.test.ts) run what a user runs — `npm start` in a fresh clone,
// the packed tarball installed — one at a time for the same reason.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/**/*.browser.test.ts', 'test/**/*.e2e.test.ts'] } },
      { extends: true, test: { name: 'browser', include: ['test/**/*.browser.test.ts'], fileParallelism: false } },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.e2e.test.ts'], fileParallelism: false } },
    ],
  },
});
