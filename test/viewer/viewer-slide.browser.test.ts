import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHost, withTimeout, type Host } from '../helpers/host.js';
import { repoRoot } from '../helpers/paths.js';
import { ensureDemoData, demoGenerators } from '../../src/demo/index.js';
import { decodePng } from './browser-helpers.js';

// The deck's viewer slide as `npm start` serves it: demo OME-TIFF generated into .cache/demo,
// shared through the local S3 server by the 'viewer-demo' service, opened by the slide's buttons.
let host: Host;

beforeAll(async () => {
  execFileSync('node', ['build.mjs', '--only', 'reference-viewer'], { cwd: repoRoot });
  await ensureDemoData(path.join(repoRoot, '.cache', 'demo'), () => {}, demoGenerators.filter((g) => g.name === 'viewer'));
  host = await openHost({ query: '?slides=scalable-data-sharing' });
  await host.page.evaluate(() => {
    const s = document.getElementById('live-viewer')!.closest('section')!;
    const idx = (window as any).Reveal.getIndices(s);
    (window as any).Reveal.slide(idx.h, idx.v);
  });
}, 180_000);
afterAll(() => host?.close());

function lit(b64: string) {
  const png = decodePng(b64);
  const count = [0, 0, 0];
  for (let i = 0; i < png.data.length; i += 4) for (let k = 0; k < 3; k++) if (png.data[i + k] > 60) count[k]++;
  return count;
}

describe('viewer slide', () => {
  it('opens the pre-signed demo OME-TIFF (references made in the browser), then its pre-signed references', async () => {
    const demo = host.app.config['viewer-demo'] as { tiff: string; refs: string };
    expect(demo.tiff).toMatch(/X-Amz-Signature=/);
    await host.page.click('#btn-viewer-tiff');
    await expect.poll(() => host.page.textContent('#snackbar'), { timeout: 60_000 }).toContain('references made in the browser: 3×1536×2048 Uint16, 4 levels');
    const shot1 = await withTimeout(host.page.evaluate(() => (window as any).slideWindow('live-viewer').then((w: any) => w.screenshot())), 60_000, 'screenshot');
    const [r, g, b] = lit(shot1);
    // nuclei blue, membranes green, speckles magenta: all three colours are drawn
    expect(b).toBeGreaterThan(2000);
    expect(g).toBeGreaterThan(2000);
    expect(r).toBeGreaterThan(100);
    expect(host.requests.some((u) => u.startsWith(demo.tiff.split('?')[0]) && u.includes('X-Amz-Signature='))).toBe(true);

    await host.page.click('#btn-viewer-refs');
    await expect.poll(() => host.page.textContent('#snackbar'), { timeout: 60_000 }).toContain('pre-signed references: 3×1536×2048 Uint16, 4 levels');
    const shot2 = await host.page.evaluate(() => (window as any).slideWindow('live-viewer').then((w: any) => w.screenshot()));
    expect(lit(shot2)[2]).toBeGreaterThan(2000);
    expect(host.requests).toContain(demo.refs);
    expect(await host.page.evaluate(() => !!document.querySelector('#live-viewer iframe'))).toBe(true);
    expect(host.external()).toEqual([]);
  });
});

describe('host URL parameters', () => {
  it('?start=Reference Viewer&source=<references> opens the image (run(ctx) with ctx.config)', async () => {
    // plugins run in another origin, so the source must be an absolute URL
    const h = await openHost();
    try {
      const refs = encodeURIComponent(`${h.app.url}/demo/viewer/demo.ome.tif.refs.json`);
      await h.page.goto(`${h.app.url}/?start=Reference%20Viewer&source=${refs}`);
      await h.page.waitForFunction(() => (window as any).started, null, { timeout: 60_000 });
      await expect
        .poll(() => h.page.evaluate(async () => (await (window as any).started.get_stats()).cache.map((c: { name: string }) => c.name)), { timeout: 60_000 })
        .toEqual(['demo']);
      const st = await h.page.evaluate(() => (window as any).started.wait_for_frame());
      expect(st.errors).toEqual([]);
      expect(st.tiles).toBeGreaterThan(0);
    } finally {
      await h.close();
    }
  });
});
