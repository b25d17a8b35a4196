import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHost, pngBytes, tmpDir, withTimeout, type Host } from '../helpers/host.js';
import { dataSummary, testData } from '../helpers/fixtures.js';
import { repoRoot } from '../helpers/paths.js';
import { pyReadSmlm } from './pyreader.js';

/**
 * The SMLM Viewer in the real ImJoy host (Debian chromium, SwiftShader WebGL2). The expected image
 * footprint is computed here from coordinates read by Python, not by our reader.
 */
// A ShareLoc-layout .smlm written by Python (test/fixtures/make_data.py).
const GEN = dataSummary().smlm;
const TOWER = path.join(testData(), 'smlm', GEN.file);

interface ViewInfo { center: [number, number]; nm_per_px: number; width: number; height: number; device_pixel_ratio: number }

function decode(b64: string) {
  const png = PNG.sync.read(pngBytes(b64));
  const bright = new Uint8Array(png.width * png.height);
  for (let i = 0; i < bright.length; i++) bright[i] = Math.max(png.data[i * 4], png.data[i * 4 + 1], png.data[i * 4 + 2]) > 40 ? 1 : 0;
  return { png, bright };
}

/** Pixels a 1-px point at (x, y) nm must light, by the orthographic projection of the reported view. */
function expectedPixels(xs: number[], ys: number[], v: ViewInfo, W: number, H: number) {
  const hit = new Uint8Array(W * H);
  for (let i = 0; i < xs.length; i++) {
    const px = Math.floor(((xs[i] - v.center[0]) / v.nm_per_px + v.width / 2) * v.device_pixel_ratio);
    const py = Math.floor(((ys[i] - v.center[1]) / v.nm_per_px + v.height / 2) * v.device_pixel_ratio);
    if (px >= 0 && py >= 0 && px < W && py < H) hit[py * W + px] = 1;
  }
  return hit;
}

const near = (mask: Uint8Array, W: number, H: number, i: number, r = 1) => {
  const x = i % W;
  const y = (i / W) | 0;
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) {
    const xx = x + dx;
    const yy = y + dy;
    if (xx >= 0 && yy >= 0 && xx < W && yy < H && mask[yy * W + xx]) return true;
  }
  return false;
};

function overlap(bright: Uint8Array, hit: Uint8Array, W: number, H: number) {
  let b = 0, bNear = 0, h = 0, hNear = 0;
  for (let i = 0; i < bright.length; i++) {
    if (bright[i]) (b++, near(hit, W, H, i) && bNear++);
    if (hit[i]) (h++, near(bright, W, H, i) && hNear++);
  }
  return { bright: b, expected: h, brightOnPoints: bNear / Math.max(b, 1), pointsLit: hNear / Math.max(h, 1) };
}

describe('SMLM Viewer plugin', () => {
  let host: Host;
  let src: string;
  const py = pyReadSmlm(TOWER).tables[0].columns;
  // the same file carrying its octree (`potree convert --into`)
  const pc = tmpDir('smlm-octree-');

  beforeAll(async () => {
    execFileSync(process.execPath, ['build.mjs', '--only', 'smlm-viewer', '--quiet'], { cwd: repoRoot });
    execFileSync(process.execPath, ['build.mjs', '--only', 'potree-viewer', '--quiet'], { cwd: repoRoot });
    execFileSync(process.execPath, ['build.mjs', '--cli-only'], { cwd: repoRoot });
    fs.copyFileSync(TOWER, path.join(pc, 'tower.smlm'));
    execFileSync(process.execPath, [path.join(repoRoot, 'bin/imjoy-share.mjs'), 'potree', 'convert', '--into', path.join(pc, 'tower.smlm'), '--node-points', '2000']);
    host = await openHost({ mounts: { '/data/': testData(), '/pc/': pc }, viewport: { width: 1000, height: 700 } });
    src = `${host.app.url}/dist/plugins/SMLM-Viewer.imjoy.html`;
    await withTimeout(
      host.page.evaluate(async (src) => {
        (window as any).smlm = await window.imjoy.api.createWindow({ src, name: 'smlm' });
      }, src),
      60_000,
      'SMLM Viewer window',
    );
  });
  afterAll(async () => host?.close());

  const call = <T>(fn: string, ...args: unknown[]) =>
    withTimeout(host.page.evaluate(async ([fn, args]) => (window as any).smlm[fn as string](...(args as unknown[])), [fn, args] as const), 60_000, fn) as Promise<T>;

  it('loads a ShareLoc-layout .smlm by URL (range requests, parsed in the worker)', async () => {
    const url = `${host.app.url}/data/smlm/${GEN.file}`;
    const tables = await call<any[]>('load', { url });
    expect(tables).toEqual([{ name: GEN.table, channel: 'default', rows: GEN.rows, columns: ['frame', 'x', 'y'] }]);
    expect(host.requests.filter((u) => u === url).length).toBeGreaterThan(0);
    // The parser ran in the plugin's worker (fetched next to the plugin, started from a Blob URL).
    expect(host.requests).toContain(`${host.app.url}/dist/plugins/SMLM-Viewer/smlm.worker.js`);
    expect(host.errors.filter((e) => /worker/i.test(e))).toEqual([]);
  });

  it('a pre-signed-style URL (query string with a signature) loads too, and names the table without the query', async () => {
    const url = `${host.app.url}/data/smlm/${GEN.file}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=${'ab'.repeat(32)}`;
    const tables = await call<any[]>('load', { url });
    expect(tables.map((t) => [t.name, t.rows])).toEqual([[GEN.table, GEN.rows]]);
    expect(host.requests.filter((u) => u === url).length).toBeGreaterThan(0);
  });

  it('2D screenshot: bright pixels fall where the points project, and the points are lit', async () => {
    const v = await call<ViewInfo>('set_view', { mode: '2d', point_size: 1, size_unit: 'px', render: 'points', color_by: null, fit: true });
    const { png, bright } = decode(await call<string>('screenshot'));
    expect(png.width).toBe(Math.round(v.width * v.device_pixel_ratio));
    const hit = expectedPixels(py.x, py.y, v, png.width, png.height);
    const o = overlap(bright, hit, png.width, png.height);
    expect(o.expected).toBeGreaterThan(3000);
    expect(o.bright).toBeGreaterThan(3000);
    expect(o.brightOnPoints).toBeGreaterThan(0.99);
    expect(o.pointsLit).toBeGreaterThan(0.99);
  });

  it('per-table visibility, colour and opacity', async () => {
    await call('set_view', { tables: [{ visible: false }] });
    expect(decode(await call<string>('screenshot')).bright.reduce((a, b) => a + b, 0)).toBe(0);
    await call('set_view', { tables: [{ visible: true, color: '#00ff00', opacity: 1 }] });
    const { png, bright } = decode(await call<string>('screenshot'));
    let green = 0;
    let other = 0;
    for (let i = 0; i < bright.length; i++) {
      if (!bright[i]) continue;
      const [r, g, b] = [png.data[i * 4], png.data[i * 4 + 1], png.data[i * 4 + 2]];
      if (g === 255 && r === 0 && b === 0) green++;
      else other++;
    }
    expect(green).toBeGreaterThan(3000);
    expect(other).toBe(0);
    await call('set_view', { tables: [{ opacity: 0.3 }] });
    const dim = decode(await call<string>('screenshot'));
    // One point at opacity 0.3 over black gives 0.3 × 255 ≈ 77 green, n stacked ones 255 (1 − 0.7ⁿ):
    // pixels hit by one to four points stay below 200, where at opacity 1 every lit pixel was 255.
    let lit = 0;
    let faint = 0;
    let single = 0;
    for (let i = 0; i < dim.png.width * dim.png.height; i++) {
      const g = dim.png.data[i * 4 + 1];
      if (g > 40) lit++;
      if (g > 40 && g < 200) faint++;
      if (g >= 74 && g <= 80) single++;
    }
    expect(faint / lit).toBeGreaterThan(0.2);
    expect(single).toBeGreaterThan(50);
    await call('set_view', { tables: [{ opacity: 0.85, color: '#ff3b30' }] });
  });

  it('the frame filter runs on the GPU: frames 1–50 light only their own points', async () => {
    const v = await call<ViewInfo>('set_view', { frame_range: [1, 50] });
    const { png, bright } = decode(await call<string>('screenshot'));
    const keep = py.frame.map((f) => f >= 1 && f <= 50);
    const hit = expectedPixels(py.x.filter((_, i) => keep[i]), py.y.filter((_, i) => keep[i]), v, png.width, png.height);
    const all = expectedPixels(py.x, py.y, v, png.width, png.height);
    const o = overlap(bright, hit, png.width, png.height);
    expect(o.brightOnPoints).toBeGreaterThan(0.99);
    expect(o.pointsLit).toBeGreaterThan(0.99);
    expect(o.bright).toBeLessThan(overlap(bright, all, png.width, png.height).expected * 0.5);
    await call('set_view', { frame_range: null });
  });

  it('colour by frame with a colormap; splats in nm; 3D orbit view; pan/zoom via center/nm_per_px', async () => {
    await call('set_view', { color_by: 'frame', colormap: 'jet', point_size: 2 });
    const { png } = decode(await call<string>('screenshot'));
    const hues = new Set<string>();
    for (let i = 0; i < png.width * png.height; i++) {
      const [r, g, b] = [png.data[i * 4], png.data[i * 4 + 1], png.data[i * 4 + 2]];
      if (Math.max(r, g, b) > 60) hues.add(`${r >> 6},${g >> 6},${b >> 6}`);
    }
    expect(hues.size).toBeGreaterThan(5); // jet over 273 frames: blue … red, not one colour
    const view = await call<any>('get_view');
    expect(view.color_by).toBe('frame');
    expect(view.value_range[0]).toBeGreaterThanOrEqual(1);
    expect(view.value_range[1]).toBeLessThanOrEqual(273);

    await call('set_view', { render: 'splats', point_size: 40, size_unit: 'nm', color_by: null });
    const splat = decode(await call<string>('screenshot'));
    const pts = splat.bright.reduce((a, b) => a + b, 0);
    expect(pts).toBeGreaterThan(5000);

    await call('set_view', { mode: '3d', render: 'points', point_size: 1, size_unit: 'px' });
    const d3 = decode(await call<string>('screenshot'));
    expect(d3.bright.reduce((a, b) => a + b, 0)).toBeGreaterThan(3000);

    // Zoom 4× into the centre of the tower in 2D: the footprint still matches the projection.
    const v0 = await call<ViewInfo>('set_view', { mode: '2d', fit: true });
    const v = await call<ViewInfo>('set_view', { nm_per_px: v0.nm_per_px / 4 });
    const z = decode(await call<string>('screenshot'));
    const o = overlap(z.bright, expectedPixels(py.x, py.y, v, z.png.width, z.png.height), z.png.width, z.png.height);
    expect(o.brightOnPoints).toBeGreaterThan(0.99);
    expect(o.pointsLit).toBeGreaterThan(0.99);
  });

  it('loads numpy-style ndarray columns from the API and reports tables', async () => {
    const tables = await withTimeout(
      host.page.evaluate(async () => {
        const nd = (a: Float32Array) => ({ _rtype: 'ndarray', _rvalue: a, _rshape: [a.length], _rdtype: 'float32' });
        const x = new Float32Array([0, 100, 200, 300]);
        const y = new Float32Array([0, 50, 100, 150]);
        return (window as any).smlm.load({ columns: { x: nd(x), y: nd(y), z: nd(new Float32Array(4)) }, name: 'api' });
      }),
      30_000,
      'load columns',
    );
    expect(tables).toEqual([{ name: 'api', channel: 'default', rows: 4, columns: ['x', 'y', 'z'] }]);
  });

  it('API columns land exactly on the pixels the projection predicts (1-px points are never masked away)', async () => {
    const xs = [0.3, 100.7, 200.2, 20.6, 50.5, 150.25];
    const ys = [0.4, 0.1, 10.9, 100.6, 100.5, 100.25];
    await host.page.evaluate(async ([x, y]) => (window as any).smlm.load({ columns: { x: new Float32Array(x), y: new Float32Array(y) }, name: 'grid' }), [xs, ys]);
    const v = await call<ViewInfo>('set_view', { mode: '2d', point_size: 1, size_unit: 'px', nm_per_px: 1, center: [100, 50], color_by: null, frame_range: null });
    const { png, bright } = decode(await call<string>('screenshot'));
    const lit: string[] = [];
    for (let i = 0; i < bright.length; i++) if (bright[i]) lit.push(`${i % png.width},${(i / png.width) | 0}`);
    const hit = expectedPixels(xs.map(Math.fround), ys.map(Math.fround), v, png.width, png.height);
    const want: string[] = [];
    for (let i = 0; i < hit.length; i++) if (hit[i]) want.push(`${i % png.width},${(i / png.width) | 0}`);
    expect(lit.sort()).toEqual(want.sort());
    expect(want).toHaveLength(6);
  });

  it('splats are sized by the precision column, and the precision filter drops imprecise points on the GPU', async () => {
    const cols = { x: [100, 300], y: [100, 100], frame: [1, 2], uncertainty_xy: [1, 4] };
    await host.page.evaluate(async (c) => (window as any).smlm.load({ columns: Object.fromEntries(Object.entries(c).map(([k, v]) => [k, new Float32Array(v as number[])])), name: 'splats' }), cols);
    await call('set_view', { mode: '2d', render: 'splats', nm_per_px: 0.5, center: [200, 100], color_by: null, frame_range: null, precision_max: null });
    const area = (bright: Uint8Array, W: number, cx: number) => {
      let n = 0;
      for (let i = 0; i < bright.length; i++) if (bright[i] && Math.abs((i % W) - cx) < 100) n++;
      return n;
    };
    const a = decode(await call<string>('screenshot'));
    const W = a.png.width;
    // x = 100 and 300 nm land at ±200 px from the centre; a splat is 6σ wide with σ = precision.
    const small = area(a.bright, W, W / 2 - 200);
    const big = area(a.bright, W, W / 2 + 200);
    expect(small).toBeGreaterThan(20);
    expect(big / small).toBeGreaterThan(8); // σ 4× larger → ~16× the area above the threshold
    expect(big / small).toBeLessThan(32);
    await call('set_view', { precision_max: 2 });
    const b = decode(await call<string>('screenshot'));
    expect(area(b.bright, W, W / 2 + 200)).toBe(0);
    expect(area(b.bright, W, W / 2 - 200)).toBe(small);
    await call('set_view', { precision_max: null, render: 'points' });
  });

  it('opens a local file from the panel and a dropped file', async () => {
    // The plugin's frame (on the second origin) is the one holding the viewer's file input.
    let target: (typeof host.page.frames extends () => (infer F)[] ? F : never) | undefined;
    for (const f of host.page.frames()) if (await f.$('#sv-file').catch(() => null)) target = f;
    expect(target).toBeDefined();
    await target!.setInputFiles('#sv-file', TOWER);
    await expect.poll(() => call<any[]>('get_tables').then((t) => t.map((x) => [x.name, x.rows])), { timeout: 30_000 }).toEqual([[GEN.table, GEN.rows]]);

    await call('load', { columns: { x: new Float32Array([0]), y: new Float32Array([0]) }, name: 'reset' });
    await target!.evaluate(async (csv) => {
      const dt = new DataTransfer();
      dt.items.add(new File([csv], 'dropped.csv', { type: 'text/csv' }));
      document.getElementById('sv-app')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, '"frame","x [nm]","y [nm]"\n1,10,20\n2,30,40\n');
    await expect.poll(() => call<any[]>('get_tables'), { timeout: 30_000 }).toEqual([{ name: 'dropped.csv', channel: 'default', rows: 2, columns: ['frame', 'x', 'y'] }]);
  });

  it('a .smlm carrying an octree: "Open as octree" opens it in the Potree Viewer; a big one opens there instead', async () => {
    const url = `${host.app.url}/pc/tower.smlm`;
    const tables = await call<any[]>('load', { url });
    expect(tables.map((t) => [t.name, t.rows])).toEqual([[GEN.table, GEN.rows]]);
    const frame = async () => {
      for (const f of host.page.frames()) if (await f.$('#sv-octree').catch(() => null)) return f;
      throw new Error('no SMLM Viewer frame');
    };
    expect(await (await frame()).$eval('#sv-octree', (e) => (e as HTMLElement).hidden)).toBe(false);
    const info = await call<any>('open_as_octree');
    expect(info).toMatchObject({ name: 'tower.smlm', points: GEN.rows });
    // above octree_above bytes: not loaded here, opened in the (same) Potree Viewer instead
    expect(await call<any[]>('load', { url, octree_above: 1000 })).toEqual([]);
    const potree = await withTimeout(
      host.page.evaluate(async () => {
        const w = await window.imjoy.api.getWindow('Potree Viewer');
        return { info: await w.get_info(), frame: await w.wait_for_frame(60000) };
      }),
      90_000,
      'Potree Viewer',
    );
    expect(potree.info).toMatchObject({ name: 'tower.smlm', points: GEN.rows });
    expect(potree.frame.drawn_points).toBeGreaterThan(0);
    expect(await (await frame()).$eval('#sv-note', (e) => e.textContent ?? '')).toMatch(/tower\.smlm is .*opened as an octree in the Potree Viewer/);
    // a big one without an octree: refused, with the command that makes one
    const err = await host.page.evaluate(async (url) => (window as any).smlm.load({ url, octree_above: 1000 }).then(() => 'no error', (e: Error) => String(e?.message ?? e)), `${host.app.url}/data/smlm/${GEN.file}`);
    expect(err).toMatch(new RegExp(`${GEN.file.replace('.', '\\.')} is .* MB, more than this viewer loads at once .*imjoy-share potree convert ${GEN.file.replace('.', '\\.')} --into`));
    // a file without an octree: its tables are converted in the Potree Viewer
    await call('load', { url: `${host.app.url}/data/smlm/${GEN.file}` });
    expect(await (await frame()).$eval('#sv-octree', (e) => (e as HTMLElement).hidden)).toBe(false);
    expect(await call<any>('open_as_octree')).toMatchObject({ name: GEN.table, points: GEN.rows });
    // a local File carrying an octree, bigger than octree_above: opened there, read by slices
    const local = await withTimeout(
      host.page.evaluate(async (url) => {
        const file = new File([await (await fetch(url)).arrayBuffer()], 'local.smlm');
        const tables = await (window as any).smlm.load({ data: file, octree_above: 1000 });
        const w = await window.imjoy.api.getWindow('Potree Viewer');
        return { tables, frame: await w.wait_for_frame(60000) };
      }, url),
      90_000,
      'local .smlm as octree',
    );
    expect(local.tables).toEqual([]);
    expect(local.frame).toMatchObject({ name: 'local.smlm', points: GEN.rows });
  });

  it('bad input: a URL that is not an .smlm or CSV gives a clear error', async () => {
    const err = await host.page.evaluate(async (url) => {
      try {
        await (window as any).smlm.load({ url });
        return 'no error';
      } catch (e) {
        return String((e as Error).message ?? e);
      }
    }, `${host.app.url}/dist/plugins/SMLM-Viewer/smlm.worker.js`);
    // Not a ZIP, so it is read as CSV; the parser names the URL and the line where it stopped.
    expect(err).toMatch(/\/dist\/plugins\/SMLM-Viewer\/smlm\.worker\.js line \d+(, column \d+)?: /);
  });
});
