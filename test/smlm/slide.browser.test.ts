import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSmlmDemo } from '../../src/demo/smlm.js';
import { openHost, pngBytes, tmpDir, withTimeout, type Host } from '../helpers/host.js';
import { repoRoot } from '../helpers/paths.js';
import { PNG } from 'pngjs';

// The deck's SMLM slide on the demo data generated as `npm start` does (served at /demo/smlm/).
let host: Host;
let dir: string;

beforeAll(async () => {
  execFileSync(process.execPath, ['build.mjs', '--only', 'smlm-viewer', '--quiet'], { cwd: repoRoot });
  dir = tmpDir('smlm-slide-');
  await generateSmlmDemo(dir);
  host = await openHost({ mounts: { '/demo/smlm/': dir }, query: '?slides=scalable-data-sharing' });
}, 120_000);
afterAll(async () => {
  await host?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const brightPixels = (b64: string) => {
  const png = PNG.sync.read(pngBytes(b64));
  let n = 0;
  for (let i = 0; i < png.width * png.height; i++) if (Math.max(png.data[i * 4], png.data[i * 4 + 1], png.data[i * 4 + 2]) > 40) n++;
  return n;
};

describe('SMLM slide', () => {
  it('opens the simulated filaments in the slide and switches views from the buttons', async () => {
    await host.page.evaluate(() => {
      const s = document.querySelector('section#smlm') ?? document.getElementById('live-smlm')!.closest('section')!;
      const idx = (window as any).Reveal.getIndices(s);
      (window as any).Reveal.slide(idx.h, idx.v);
    });
    await host.page.click('#btn-smlm-open');
    await expect.poll(() => host.page.textContent('#snackbar'), { timeout: 60_000 }).toContain('simulated filaments: microtubules 144,000 localizations');
    expect(await host.page.evaluate(() => !!document.querySelector('#live-smlm iframe'))).toBe(true);
    const shot = () => withTimeout(host.page.evaluate(() => (window as any).slideWindow('live-smlm').then((w: any) => w.screenshot())), 30_000, 'screenshot') as Promise<string>;
    expect(brightPixels(await shot())).toBeGreaterThan(2000);
    for (const [id, msg] of [['#btn-smlm-z', '3D, coloured by z'], ['#btn-smlm-splats', 'Gaussian splats'], ['#btn-smlm-frames', 'frames 1–1000 only']]) {
      await host.page.click(id);
      await expect.poll(() => host.page.textContent('#snackbar'), { timeout: 30_000 }).toContain(msg);
      expect(brightPixels(await shot())).toBeGreaterThan(500);
    }
    const view = await host.page.evaluate(() => (window as any).slideWindow('live-smlm').then((w: any) => w.get_view()));
    expect(view.color_by).toBe('frame');
    // the colormap spans the frames shown (1–1000), not all frames of the file
    expect(view.value_range[0]).toBeGreaterThanOrEqual(1);
    expect(view.value_range[1]).toBeLessThanOrEqual(1000);
    expect(view.value_range[1] - view.value_range[0]).toBeGreaterThan(500);
    if (process.env.SMLM_SLIDE_SHOT) await host.page.screenshot({ path: process.env.SMLM_SLIDE_SHOT });
    expect(host.external()).toEqual([]);
  });
});
