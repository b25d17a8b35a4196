import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/paths.js';

// The README's Python is the tested code: every line of its "From Python" examples (after the
// connection block, whose values differ per serve) is a line of examples/python/*.py, which
// `npm run test:python` runs with the official client.
describe('README "From Python"', () => {
  it('shows only lines of the examples that the Python suite runs', () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const section = readme.split(/^## From Python$/m)[1].split(/^## /m)[0];
    const blocks = [...section.matchAll(/```python\n([^]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThan(3);
    const dir = path.join(repoRoot, 'examples', 'python');
    const lines = new Set(
      fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.py'))
        .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n'))
        .map((l) => l.trim()),
    );
    for (const line of blocks.slice(1).flatMap((b) => b.split('\n')).map((l) => l.trim()).filter(Boolean)) {
      expect(lines.has(line), line).toBe(true);
    }
  });
});
