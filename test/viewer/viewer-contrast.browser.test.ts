import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import { openHost, withTimeout, type Host } from '../helpers/host.js';
import { python, repoRoot } from '../helpers/paths.js';
import { alignedView, compare, decodePng, expectedRender, rv, type Rgba } from './browser-helpers.js';

// A 12-bit camera image stored as uint16, written at test time by tifffile and zarr-python with no
// contrast metadata (see fixtures/make_cam12.py): shown 0–65535 it is nearly black.
const dir = path.join(repoRoot, '.cache', 'viewer-cam12');
interface Stats {
  shape: [number, number];
  auto: [number, number];
  full: { mean: number; std: number };
  shown: { mean: number; std: number };
}
let stats: Stats;
let host: Host;
let frame: Frame;
let canvas: { width: number; height: number };
let cam: string;

beforeAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  execFileSync(python, [path.join(repoRoot, 'test/viewer/fixtures/make_cam12.py'), dir], { stdio: 'pipe' });
  stats = JSON.parse(fs.readFileSync(path.join(dir, 'stats.json'), 'utf8'));
  host = await openHost({ mounts: { '/cam/': dir } });
  cam = `${host.app.url}/cam`;
  const src = `${host.app.url}/dist/plugins/Reference-Viewer.imjoy.html`;
  await withTimeout(
    host.page.evaluate(async (src) => {
      (window as any).rv = await (window as any).imjoy.api.createWindow({ src, name: 'Reference Viewer' });
    }, src),
    60_000,
    'creating the viewer window',
  );
  frame = host.page.frames().find((f) => f !== host.page.mainFrame() && f.url().includes('base_frame'))!;
  const empty = decodePng(await rv(host.page, 'screenshot'));
  canvas = { width: empty.width, height: empty.height };
}, 180_000);

afterAll(async () => {
  await host?.close();
});

async function clear() {
  for (const c of (await rv(host.page, 'get_stats')).cache) await rv(host.page, 'remove_image', c.name);
}

/** Grey level (mean of R, G, B) over the part of the canvas that shows level-0 pixels 1:1 from (0, 0). */
async function imageArea(): Promise<{ mean: number; std: number; shot: Rgba }> {
  await rv(host.page, 'set_view_state', alignedView(0, canvas, 0, 0));
  const shot = decodePng(await rv(host.page, 'screenshot'));
  const [h, w] = [Math.min(stats.shape[0], shot.height), Math.min(stats.shape[1], shot.width)];
  let s = 0;
  let ss = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * shot.width + x) * 4;
      const g = (shot.data[i] + shot.data[i + 1] + shot.data[i + 2]) / 3;
      s += g;
      ss += g * g;
    }
  const n = w * h;
  return { mean: s / n, std: Math.sqrt(ss / n - (s / n) ** 2), shot };
}

describe('Reference Viewer: contrast and window controls', () => {
  it('an empty viewer says how to open an image; the message goes with the first image and returns with none', async () => {
    const empty = frame.locator('#rv-empty');
    await expect.poll(() => empty.isVisible()).toBe(true);
    const text = (await empty.textContent())!;
    expect(text).toMatch(/URL/);
    expect(text).toMatch(/drop a file/);
    expect(text).toMatch(/add_image/);
    await rv(host.page, 'add_image', { source: `${cam}/cam12.zarr` });
    expect(await empty.isVisible()).toBe(false);
    await clear();
    expect(await empty.isVisible()).toBe(true);
  });

  it('12-bit data in uint16 without omero: contrast from the data (numpy’s percentiles), not 0–65535', async () => {
    await clear();
    // tifffile wrote no OME-XML; the reference maker's omero window is the whole uint16 range
    const info = await rv(host.page, 'add_image', { source: `${cam}/cam12.tif`, name: 'camera' });
    expect(info.kind).toBe('tiff');
    expect(info.channels[0].contrast).toEqual(stats.auto);
    const a = await imageArea();
    // at 0–65535 the picture would average stats.full.mean (< 16 of 255)
    expect(stats.full.mean).toBeLessThan(16);
    expect(a.mean).toBeGreaterThan(Math.max(60, 0.85 * stats.shown.mean));
    expect(a.std).toBeGreaterThan(0.85 * stats.shown.std);
    const r = compare(a.shot, expectedRender('tiff', path.join(dir, 'cam12.tif'), 0, { channels: [{ c: 0, color: [255, 255, 255], limits: stats.auto }] }), 0, 0);
    expect(r[0].corr, JSON.stringify(r[0])).toBeGreaterThan(0.98);
    expect(await frame.locator('.rv-channel .limits').allTextContents()).toEqual([`${stats.auto[0]}–${stats.auto[1]}`]);
  });

  it('explicit contrast_limits still win; "Auto contrast" then fixes the picture', async () => {
    await clear();
    await rv(host.page, 'add_image', { source: `${cam}/cam12.tif`, name: 'explicit', contrast_limits: [0, 65535] });
    const dark = await imageArea();
    expect(dark.mean).toBeLessThan(16);
    expect(Math.abs(dark.mean - stats.full.mean)).toBeLessThan(2);
    await frame.locator('.rv-image button', { hasText: 'Auto contrast' }).click();
    await expect.poll(async () => (await imageArea()).mean, { timeout: 20_000 }).toBeGreaterThan(Math.max(60, 0.85 * stats.shown.mean));
    expect(await frame.locator('.rv-channel .limits').allTextContents()).toEqual([`${stats.auto[0]}–${stats.auto[1]}`]);
  });

  it('"Reset view" fits the image again; zooming out stops while the image still spans a quarter of the canvas', async () => {
    await clear();
    await rv(host.page, 'add_image', { source: `${cam}/cam12.tif`, name: 'nav' });
    const fitted = await rv(host.page, 'get_view_state');
    await rv(host.page, 'set_view_state', { target: [10, 10], zoom: 1 });
    await frame.locator('#rv-fit').click();
    expect(await rv(host.page, 'get_view_state')).toEqual(fitted);
    await frame.locator('#rv-view').focus();
    for (let i = 0; i < 8; i++) await host.page.keyboard.press('Minus');
    // eight presses ask for far more than the bound allows: the (animated) zoom ends at the bound
    await expect.poll(async () => (await rv(host.page, 'get_view_state')).zoom, { timeout: 10_000 }).toBeCloseTo(fitted.zoom - 2, 6);
    const { zoom } = await rv(host.page, 'get_view_state');
    // "fits" means one side fills the canvas; a quarter of that is still on screen
    const shown = Math.max((stats.shape[1] * 2 ** zoom) / canvas.width, (stats.shape[0] * 2 ** zoom) / canvas.height);
    expect(shown).toBeGreaterThan(0.249);
  });

  it('the URL box opens a source like add_image; labels in the panel are not cut off', async () => {
    await clear();
    await frame.locator('#rv-url').fill(`${cam}/cam12.zarr`);
    await frame.locator('#rv-url-open').click();
    await expect.poll(async () => (await rv(host.page, 'get_stats')).cache.map((c: { name: string }) => c.name), { timeout: 30_000 }).toEqual(['cam12']);
    await expect.poll(() => frame.locator('.rv-image').count()).toBe(1);
    const a = await imageArea();
    expect(a.mean).toBeGreaterThan(60);
    // Enter in the box does the same
    await frame.locator('#rv-url').fill(`${cam}/cam12.tif`);
    await frame.locator('#rv-url').press('Enter');
    await expect.poll(() => frame.locator('.rv-image').count(), { timeout: 30_000 }).toBe(2);
    // long names (URLs have no spaces) wrap instead of being cut
    await rv(host.page, 'add_image', { source: `${cam}/cam12.tif`, name: `${cam}/cam12.tif, a copy`, names: ['transmitted light, 12-bit camera (ORCA-Flash4.0 V3)'] });
    const cut = await frame.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('#rv-panel button, #rv-panel label, #rv-panel h3 span, .rv-channel .name, .rv-channel .limits')]
        .filter((e) => e.offsetParent && (e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > document.getElementById('rv-panel')!.getBoundingClientRect().right + 1))
        .map((e) => `${e.tagName}.${e.className}: ${e.textContent}`),
    );
    expect(cut).toEqual([]);
  });
});
