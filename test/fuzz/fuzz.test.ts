import { describe, expect, it } from 'vitest';
import { formatTable, runFuzz } from './fuzz.js';
import { repoRoot } from '../helpers/paths.js';

// The short run of `npm run fuzz` (which does ≥ 20 000 mutants per format): 250 mutants of every
// format through the CLI's entry point, with the same clock and memory limit.
describe('fuzz (short run)', () => {
  it('no mutant crashes, hangs or blows the memory limit', { timeout: 600_000 }, async () => {
    const { rows, findings } = await runFuzz({ root: repoRoot, mutants: 250, seed: 20261206, workers: 1 });
    const bad = findings.filter((f) => f.outcome !== 'unnamed');
    expect(bad, formatTable(rows)).toEqual([]);
    expect(rows.length).toBe(10);
    for (const r of rows) {
      // the run is real: both verdicts and refusals happen for every format
      expect(r.counts.clear, r.format).toBeGreaterThan(0);
      expect(r.counts.ok + r.counts.clear + r.counts.unnamed, r.format).toBe(250);
    }
  });
});
