import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoData, demoGenerators } from '../../src/demo/index.js';
import { openHost, type Host } from '../helpers/host.js';
import { repoRoot } from '../helpers/paths.js';

// The deck's references slide as `npm start` serves it: the Reference Maker embedded in the slide
// indexes the generated demo .ozx and the demo OME-TIFF on the local S3 server (pre-signed).
let host: Host;

beforeAll(async () => {
  for (const p of ['reference-maker', 'reference-viewer']) execFileSync('node', ['build.mjs', '--only', p], { cwd: repoRoot });
  await ensureDemoData(path.join(repoRoot, '.cache', 'demo'), () => {}, demoGenerators.filter((g) => g.name === 'viewer' || g.name === 'reference-zip'));
  host = await openHost({ query: '?slides=scalable-data-sharing' });
  await host.page.evaluate(() => {
    const s = document.getElementById('live-ngff')!.closest('section')!;
    const idx = (window as any).Reveal.getIndices(s);
    (window as any).Reveal.slide(idx.h, idx.v);
  });
}, 180_000);
afterAll(() => host?.close());

describe('references slide', () => {
  it('indexes the demo .ozx and the pre-signed OME-TIFF in the embedded maker, then opens the result in the viewer', async () => {
    await host.page.click('#btn-ngff-zip');
    // level 0: 2×(4×4) chunks of 256², level 1: 2×(2×2)
    await expect.poll(() => host.page.textContent('#snackbar'), { timeout: 60_000 }).toContain('zipped OME-Zarr (v0.5, .ozx) indexed in the browser: 2 levels, 2×1024×1024 <u2, 40 chunk refs');
    expect(await host.page.evaluate(() => !!document.querySelector('#live-ngff iframe'))).toBe(true);

    const demo = host.app.config['viewer-demo'] as { tiff: string };
    await host.page.click('#btn-ngff-s3');
    await expect.poll(() => host.page.textContent('#snackbar'), { timeout: 60_000 }).toMatch(/pre-signed OME-TIFF on S3 indexed with Range requests: 4 levels, 3×1536×2048 <u2, \d+ chunk refs/);
    expect(host.requests.some((u) => u.startsWith(demo.tiff.split('?')[0]) && u.includes('X-Amz-Signature='))).toBe(true);

    await host.page.click('#btn-ngff-view');
    await expect.poll(() => host.page.textContent('#snackbar'), { timeout: 60_000 }).toContain('opened in the Reference Viewer: 3×1536×2048');
    expect(host.external()).toEqual([]);
  });
});
