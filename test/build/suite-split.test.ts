/**
 * `npm test` must pass in a clone with nothing beside it, but CI always has the corpus beside the
 * clone, so a main-suite test that reads it would pass there and fail for everyone else. This
 * checks the sources: only corpus tests (and the helpers they share) name the corpus.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : /\.(ts|mjs)$/.test(e.name) ? [p] : [];
  });
}

/** Files allowed to name the corpus: the corpus tests, where it is defined, the corpus-only oracle, and this check. */
const allowed = (rel: string) =>
  rel.endsWith('.corpus.test.ts') || ['test/helpers/paths.ts', 'test/fixtures/corpus-setup.ts', 'test/rdf/schema-oracle.ts', 'test/build/suite-split.test.ts'].includes(rel);

describe('the main suite does not read the real-world corpus', () => {
  const all = files(path.join(repoRoot, 'test')).map((f) => path.relative(repoRoot, f));

  it('finds the test sources', () => {
    expect(all.length).toBeGreaterThan(50);
  });

  it('no main-suite file names ../shared/data, IMJOY_SHARE_CORPUS, corpusData or the corpus-only schema oracle', () => {
    const offenders = all
      .filter((rel) => !allowed(rel))
      .filter((rel) => /shared\/data|IMJOY_SHARE_CORPUS|\bcorpusData\b|schema-oracle/.test(fs.readFileSync(path.join(repoRoot, rel), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
