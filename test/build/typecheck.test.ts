import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';

it('the whole tree type-checks under strict tsconfig', async () => {
  const tsc = path.join(repoRoot, 'node_modules/.bin/tsc');
  const r = await promisify(execFile)(tsc, ['-p', 'tsconfig.json'], { cwd: repoRoot, timeout: 240_000 }).then(
    () => '',
    (e) => String(e.stdout) + String(e.stderr),
  );
  expect(r).toBe('');
}, 300_000);
