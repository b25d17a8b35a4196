import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';

const tsc = (project: string) =>
  promisify(execFile)(path.join(repoRoot, 'node_modules/.bin/tsc'), ['-p', project], { cwd: repoRoot, timeout: 240_000 }).then(
    () => '',
    (e) => String(e.stdout) + String(e.stderr),
  );

it('the Node side (src/, tests, benches) type-checks under strict tsconfig.json', async () => {
  expect(await tsc('tsconfig.json')).toBe('');
}, 300_000);

it('the browser side (plugins, host, slides runtime and what they import) type-checks without Node types', async () => {
  expect(await tsc('tsconfig.browser.json')).toBe('');
}, 300_000);
