import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHost, tmpDir, withTimeout, type Host } from '../helpers/host.js';
import { repoRoot } from '../helpers/paths.js';
import { generateDemoModel } from '../../src/demo/model.js';

// The deck's model slide, with the demo model generated as `npm start` does (served at /demo/model/).
let host: Host;
let dir: string;

beforeAll(async () => {
  execFileSync('node', ['build.mjs', '--only', 'model-runner'], { cwd: repoRoot });
  dir = tmpDir('model-slide-');
  await generateDemoModel(dir);
  host = await openHost({ mounts: { '/demo/model/': dir }, query: '?slides=scalable-data-sharing' });
}, 120_000);
afterAll(async () => {
  await host?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('model slide', { timeout: 240_000 }, () => {
  it('loads the generated demo model into the slide, runs its test, then predicts in blocks', async () => {
    await host.page.evaluate(() => {
      const s = document.querySelector('section#model') ?? document.getElementById('live-model')!.closest('section')!;
      const idx = (window as any).Reveal.getIndices(s);
      (window as any).Reveal.slide(idx.h, idx.v);
    });
    await host.page.click('#btn-model-test');
    await withTimeout(host.page.evaluate(() => (window as any).slideWindow('live-model')), 65_000, 'model runner window');
    await expect.poll(() => host.page.textContent('#snackbar'), { timeout: 60_000 }).toContain('demo model test passed');
    expect(await host.page.evaluate(() => !!document.querySelector('#live-model iframe'))).toBe(true);
    await host.page.click('#btn-model-predict');
    await expect.poll(() => host.page.textContent('#snackbar'), { timeout: 60_000 }).toContain('predicted sample_input.npy → [1,1,512,512] in 128×128 blocks');
    const result = await host.page.evaluate(async () => {
      const r = await ((await (window as any).slideWindow('live-model')) as any).get_result();
      return { shape: r._rshape, dtype: r._rdtype };
    });
    expect(result).toEqual({ shape: [1, 1, 512, 512], dtype: 'float32' });
    expect(host.external()).toEqual([]);
  });
});
