import { defineConfig } from 'vitest/config';

// Two suites. `npm test` (projects unit, browser, e2e) needs only the repo and Debian packages:
// its data are generated into .cache/fixtures by test/fixtures (globalSetup). `npm run test:corpus`
// (projects corpus, corpus-browser: test/**/*.corpus.test.ts) reads the real-world corpus at
// $IMJOY_SHARE_CORPUS (default ../shared/data); docs/testing.md says what each needs.
// Browser tests drive Debian's chromium through playwright-core from Node test files
// (*.browser.test.ts); they share a 2-core machine, so they run one file at a time.
// End-to-end tests (test/e2e/*.e2e.test.ts) run what a user runs — `npm start` in a fresh clone,
// the packed tarball installed — one at a time for the same reason.
const corpus = 'test/**/*.corpus.test.ts';
const browser = 'test/**/*.browser.test.ts';
const browserCorpus = 'test/**/*.browser.corpus.test.ts';
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // tmp-root first: a temporary folder for the run, removed at its end (every temporary file in it)
    globalSetup: ['test/fixtures/tmp-root.ts', 'test/fixtures/setup.ts'],
    // Tests run in Node as the CLI does: the Node entry's socket transport and zlib registered.
    setupFiles: ['test/setup-node.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [browser, 'test/**/*.e2e.test.ts', corpus] } },
      { extends: true, test: { name: 'browser', include: [browser], fileParallelism: false } },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.e2e.test.ts'], fileParallelism: false } },
      { extends: true, test: { name: 'corpus', include: [corpus], exclude: [browserCorpus], globalSetup: ['test/fixtures/tmp-root.ts', 'test/fixtures/corpus-setup.ts'] } },
      { extends: true, test: { name: 'corpus-browser', include: [browserCorpus], fileParallelism: false, globalSetup: ['test/fixtures/tmp-root.ts', 'test/fixtures/corpus-setup.ts'] } },
    ],
  },
});
