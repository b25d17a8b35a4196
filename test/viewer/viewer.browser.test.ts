import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { openHost, tmpDir, withTimeout, type Host } from '../helpers/host.js';
import { sharedData } from '../helpers/paths.js';
import { shareFile } from '../../src/s3/share.js';
import { presignGet, s3Client, uploadObject } from '../../src/s3/client.js';
import type { S3Config } from '../../src/s3/config.js';
import { visibleTiles } from '../../src/viewer/lod.js';
import { makeOmeZarrFixtures } from './fixtures.js';
import { alignedView, compare, decodePng, expectedRender, rv, type RenderSpec } from './browser-helpers.js';

const TIFF = `${sharedData}/tiff/pyramid-2ch-u16-deflate-pred.ome.tif`;
const ZIP = `${sharedData}/zip/omezarr-v04-blosc-stored.zip`;
const RED: [number, number, number] = [255, 0, 0];
const GREEN: [number, number, number] = [0, 255, 0];

let host: Host;
let dir: string;
let s3: S3Config;
let tiffRefs: string;
let zipRefs: string;
let canvas: { width: number; height: number };
let z: string;

beforeAll(async () => {
  dir = tmpDir('viewer-browser-');
  makeOmeZarrFixtures(dir);
  host = await openHost({ mounts: { '/z/': dir, '/data/': sharedData } });
  z = `${host.app.url}/z`;
  const c = host.app.config.s3 as { endpoint: string; bucket: string; region: string; accessKeyId: string; secretAccessKey: string };
  s3 = { ...c, forcePathStyle: true };
  tiffRefs = (await shareFile(TIFF, { config: s3, expires: '1h', key: 'viewer-test/pyramid.ome.tif' })).refsUrl;
  zipRefs = (await shareFile(ZIP, { config: s3, expires: '1h', key: 'viewer-test/blosc.zip' })).refsUrl;
  const src = `${host.app.url}/dist/plugins/Reference-Viewer.imjoy.html`;
  await withTimeout(
    host.page.evaluate(async (src) => {
      (window as any).rv = await (window as any).imjoy.api.createWindow({ src, name: 'Reference Viewer' });
    }, src),
    60_000,
    'creating the viewer window',
  );
  // an empty view's screenshot gives the canvas size in device pixels
  const empty = decodePng(await rv(host.page, 'screenshot'));
  canvas = { width: empty.width, height: empty.height };
}, 180_000);

afterAll(async () => {
  await host?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function clear() {
  const stats = await rv(host.page, 'get_stats');
  for (const c of stats.cache) await rv(host.page, 'remove_image', c.name);
}

async function shotAt(level: number, ox: number, oy: number) {
  await rv(host.page, 'set_view_state', alignedView(level, canvas, ox, oy));
  return decodePng(await rv(host.page, 'screenshot'));
}

function expectMatch(shot: ReturnType<typeof decodePng>, exp: ReturnType<typeof expectedRender>, ox: number, oy: number, colours: number[]) {
  const r = compare(shot, exp, ox, oy);
  expect(r[0].n).toBeGreaterThan(10_000);
  for (const k of colours) {
    expect(r[k].corr, `colour ${k}: ${JSON.stringify(r[k])}`).toBeGreaterThan(0.98);
    expect(r[k].mad, `colour ${k}: ${JSON.stringify(r[k])}`).toBeLessThan(6);
  }
  return r;
}

describe('Reference Viewer in the ImJoy host', () => {
  it('OME-TIFF references through pre-signed S3 URLs render like tifffile’s pixels; channel/contrast changes follow', async () => {
    await clear();
    const spec: RenderSpec = {
      channels: [
        { c: 0, color: RED, limits: [0, 2500] },
        { c: 1, color: GREEN, limits: [0, 2500] },
      ],
    };
    const info = await rv(host.page, 'add_image', { source: tiffRefs, name: 'tiff', colors: ['#ff0000', '#00ff00'], contrast_limits: spec.channels.map((c) => c.limits) });
    expect(info.kind).toBe('references');
    expect(info.shape).toEqual([2, 1000, 1500]);
    const exp1 = expectedRender('tiff', TIFF, 1, spec);
    const shot = await shotAt(1, 40, 20);
    expectMatch(shot, exp1, 40, 20, [0, 1]);

    // hide channel 1: green goes, red stays
    await rv(host.page, 'set_channel', 'tiff', 1, { visible: false });
    const hidden = await shotAt(1, 40, 20);
    const expRed = expectedRender('tiff', TIFF, 1, { channels: [spec.channels[0]] });
    const r = expectMatch(hidden, expRed, 40, 20, [0]);
    expect(r[1].meanShot).toBeLessThan(1);

    // raise the contrast maximum of channel 0: red gets darker, as computed
    await rv(host.page, 'set_channel', 'tiff', 0, { contrast_limits: [0, 5000] });
    const dim = await shotAt(1, 40, 20);
    const expDim = expectedRender('tiff', TIFF, 1, { channels: [{ c: 0, color: RED, limits: [0, 5000] }] });
    const d = expectMatch(dim, expDim, 40, 20, [0]);
    expect(d[0].meanShot).toBeLessThan(r[0].meanShot * 0.7);
    // and a colour change turns red into magenta
    await rv(host.page, 'set_channel', 'tiff', 0, { color: [255, 0, 255] });
    const magenta = compare(await shotAt(1, 40, 20), expectedRender('tiff', TIFF, 1, { channels: [{ c: 0, color: [255, 0, 255], limits: [0, 5000] }] }), 40, 20);
    expect(magenta[2].corr).toBeGreaterThan(0.98);
  });

  it('zipped OME-Zarr (blosc) through pre-signed references renders like zarr-python’s pixels', async () => {
    await clear();
    const spec: RenderSpec = {
      channels: [
        { c: 0, color: [0, 255, 255], limits: [0, 3000] },
        { c: 1, color: [255, 255, 0], limits: [0, 3000] },
      ],
    };
    await rv(host.page, 'add_image', { source: zipRefs, name: 'zip', colors: spec.channels.map((c) => c.color), contrast_limits: spec.channels.map((c) => c.limits) });
    const shot = await shotAt(0, 100, 50);
    expectMatch(shot, expectedRender('zip', ZIP, 0, spec), 100, 50, [0, 1, 2]);
  });

  it('OME-TIFF and zipped OME-Zarr URLs (pre-signed): references are made in the browser on the fly', async () => {
    await clear();
    const client = s3Client(s3);
    const tiffUrl = await presignGet(client, s3.bucket, 'viewer-test/pyramid.ome.tif', 3600);
    const zip64 = `${sharedData}/zip/omezarr-v04-zlib-nested-zip64.zip`;
    await uploadObject(client, s3.bucket, 'viewer-test/nested-zip64.zip', fs.readFileSync(zip64), fs.statSync(zip64).size);
    const zipUrl = await presignGet(client, s3.bucket, 'viewer-test/nested-zip64.zip', 3600);
    client.destroy();
    const spec: RenderSpec = { channels: [{ c: 1, color: GREEN, limits: [0, 2500] }] };
    const info = await rv(host.page, 'add_image', { source: tiffUrl, name: 'tiff-url', contrast_limits: [[0, 2500], [0, 2500]], visibilities: [false, true], colors: ['ff0000', '00ff00'] });
    expect(info.kind).toBe('tiff');
    expectMatch(await shotAt(2, 10, 5), expectedRender('tiff', TIFF, 2, spec), 10, 5, [1]);
    await clear();
    const zspec: RenderSpec = { channels: [{ c: 2, color: [255, 0, 255], limits: [0, 3000] }] };
    const zinfo = await rv(host.page, 'add_image', { source: zipUrl, name: 'zip-url', contrast_limits: [[0, 1], [0, 1], [0, 3000]], visibilities: [false, false, true], colors: ['ff0000', '00ff00', 'ff00ff'] });
    expect(zinfo.kind).toBe('zip');
    expect(zinfo.shape).toEqual([3, 500, 600]);
    expectMatch(await shotAt(0, 30, 30), expectedRender('zip', zip64, 0, zspec), 30, 30, [0, 2]);
  });

  it('interleaved RGB (libvips SubIFD pyramid) renders its own colours', async () => {
    await clear();
    const VIPS = `${sharedData}/tiff/vips-rgb-subifd-pyramid-deflate.tif`;
    const info = await rv(host.page, 'add_image', { source: `${host.app.url}/data/tiff/vips-rgb-subifd-pyramid-deflate.tif`, name: 'rgb' });
    expect(info.labels).toEqual(['y', 'x', 'c']);
    const shot = await shotAt(2, 20, 10);
    expectMatch(shot, expectedRender('tiff', VIPS, 2, { rgb: true, channels: [] }), 20, 10, [0, 1, 2]);
  });

  it('pans and zooms by mouse drag, wheel and keys; the scale bar follows the zoom', async () => {
    await clear();
    await rv(host.page, 'add_image', { source: `${z}/v04.zarr`, name: 'nav' });
    await rv(host.page, 'set_view_state', { target: [600, 500], zoom: -1 });
    await rv(host.page, 'wait_for_frame');
    const frame = host.page.frames().find((f) => f !== host.page.mainFrame() && f.url().includes('base_frame'))!;
    const label = () => frame.locator('#rv-scalebar .label').textContent();
    const barBefore = await label();
    const box = (await host.page.locator('iframe').last().boundingBox())!;
    const cx = box.x + (box.width - 240) / 2;
    const cy = box.y + box.height / 2;
    await host.page.mouse.move(cx, cy);
    await host.page.mouse.wheel(0, -600);
    await expect.poll(async () => (await rv(host.page, 'get_view_state')).zoom, { timeout: 10_000 }).toBeGreaterThan(-0.6);
    expect(await label()).not.toBe(barBefore);
    const v1 = await rv(host.page, 'get_view_state');
    await host.page.mouse.move(cx, cy);
    await host.page.mouse.down();
    await host.page.mouse.move(cx - 200, cy - 100, { steps: 5 });
    await host.page.mouse.up();
    await expect.poll(async () => (await rv(host.page, 'get_view_state')).target[0], { timeout: 10_000 }).toBeGreaterThan(v1.target[0] + 50);
    const v2 = await rv(host.page, 'get_view_state');
    expect(v2.target[1]).toBeGreaterThan(v1.target[1] + 20);
    await frame.locator('#rv-view').focus();
    await host.page.keyboard.press('ArrowLeft');
    // deck.gl's keyboard controller moves the content (the camera target shifts by ~50 px)
    await expect.poll(async () => Math.abs((await rv(host.page, 'get_view_state')).target[0] - v2.target[0]), { timeout: 10_000 }).toBeGreaterThan(10);
    const v3 = await rv(host.page, 'get_view_state');
    await host.page.keyboard.press('Minus');
    await expect.poll(async () => (await rv(host.page, 'get_view_state')).zoom, { timeout: 10_000 }).toBeLessThan(v3.zoom - 0.5);
  });

  it('opens a local file chosen in the panel; the panel contrast slider changes the picture', async () => {
    await clear();
    const frame = host.page.frames().find((f) => f !== host.page.mainFrame() && f.url().includes('base_frame'))!;
    await frame.locator('#rv-file').setInputFiles(`${sharedData}/zip/omezarr-v04-zlib-nested-zip64.zip`);
    await expect.poll(async () => (await rv(host.page, 'get_stats')).cache.map((c: { name: string }) => c.name), { timeout: 30_000 }).toEqual(['omezarr-v04-zlib-nested-zip64.zip']);
    const names = await frame.locator('.rv-channel .name').allTextContents();
    expect(names.length).toBe(3);
    await rv(host.page, 'set_view_state', alignedView(0, canvas, 0, 0));
    const before = decodePng(await rv(host.page, 'screenshot'));
    const mean = (p: ReturnType<typeof decodePng>) => {
      let s = 0;
      for (let i = 0; i < p.data.length; i += 4) s += p.data[i] + p.data[i + 1] + p.data[i + 2];
      return s / (p.data.length / 4);
    };
    // drag every channel's "max" slider to its top: the picture gets darker
    const maxes = frame.locator('.rv-channel input[title="contrast maximum"]');
    for (let i = 0; i < (await maxes.count()); i++) {
      await maxes.nth(i).evaluate((el: HTMLInputElement) => {
        el.value = el.max;
        el.dispatchEvent(new Event('input'));
      });
    }
    const after = decodePng(await rv(host.page, 'screenshot'));
    expect(mean(before)).toBeGreaterThan(5);
    expect(mean(after)).toBeLessThan(mean(before) * 0.8);
    const limits = await frame.locator('.rv-channel .limits').allTextContents();
    expect(limits.every((t) => /–65535$/.test(t))).toBe(true);
  });

  it('z and t sliders select the plane (OME-Zarr t,c,z,y,x written by zarr-python)', async () => {
    await clear();
    const spec = (t: number, zz: number): RenderSpec => ({ index: { t, z: zz }, channels: [{ c: 0, color: RED, limits: [1000, 41000] }] });
    await rv(host.page, 'add_image', { source: `${z}/tczyx.zarr`, name: 'tczyx', contrast_limits: [[1000, 41000], [0, 1]], visibilities: [true, false], colors: ['ff0000', '00ff00'] });
    const file = `${dir}/tczyx.zarr`;
    const a = expectMatch(await shotAt(0, 0, 0), expectedRender('zarr', file, 0, spec(0, 1)), 0, 0, [0]);
    await rv(host.page, 'set_selection', 'tczyx', { z: 2, t: 1 });
    const moved = await shotAt(0, 0, 0);
    expectMatch(moved, expectedRender('zarr', file, 0, spec(1, 2)), 0, 0, [0]);
    // and it differs from the first plane
    const before = compare(moved, expectedRender('zarr', file, 0, spec(0, 1)), 0, 0);
    expect(before[0].corr).toBeLessThan(a[0].corr - 0.1);
  });

  it('first complete frame needs no more requests than visible tiles × visible channels; omero means no level scan', async () => {
    await clear();
    const before = host.requests.length;
    const s0 = await rv(host.page, 'get_stats');
    const info = await rv(host.page, 'add_image', { source: `${z}/v04.zarr`, name: 'v04' });
    const s1 = await rv(host.page, 'wait_for_frame');
    const view = await rv(host.page, 'get_view_state');
    const tiles = visibleTiles({ ...view, width: canvas.width, height: canvas.height }, { width: 1200, height: 1000, levels: info.levels, tileSize: 256 });
    const urls = host.requests.slice(before);
    const chunkUrls = urls.filter((u) => /\/z\/v04\.zarr\/\d+\/\d+\/\d+\/\d+$/.test(u));
    expect(tiles.length).toBeGreaterThan(0);
    expect(chunkUrls.length).toBeGreaterThan(0);
    expect(chunkUrls.length).toBeLessThanOrEqual(tiles.length * 2);
    // everything else was metadata (.zgroup/.zattrs/.zarray/zarr.json probes), one per file at most
    const meta = urls.filter((u) => u.includes('/z/v04.zarr') && !chunkUrls.includes(u));
    expect(meta.every((u) => /(\.zgroup|\.zattrs|\.zarray|zarr\.json)$/.test(u))).toBe(true);
    expect(s1.requests - s0.requests).toBe(chunkUrls.length + meta.length);
    // only the level the view needs was read: no contrast scan of the lowest level, no background
    const level = tiles[0].level;
    expect(chunkUrls.every((u) => u.includes(`/v04.zarr/${level}/`))).toBe(true);
  });

  it('references: the first frame costs at most 1 + visible tiles × channels requests (coalesced)', async () => {
    await clear();
    const s0 = await rv(host.page, 'get_stats');
    const info = await rv(host.page, 'add_image', { source: tiffRefs, name: 'tiff2' });
    const s1 = await rv(host.page, 'wait_for_frame');
    const view = await rv(host.page, 'get_view_state');
    const tiles = visibleTiles({ ...view, width: canvas.width, height: canvas.height }, { width: 1500, height: 1000, levels: info.levels, tileSize: info.tileSize });
    expect(s1.requests - s0.requests).toBeLessThanOrEqual(1 + tiles.length * 2);
    expect(s1.errors).toEqual([]);
  });

  it('a zarr store object passed through ImJoy RPC renders the same as the URL', async () => {
    await clear();
    await rv(host.page, 'add_image', { source: `${z}/v05.zarr`, name: 'url' });
    const viaUrl = decodePng(await rv(host.page, 'screenshot'));
    await rv(host.page, 'remove_image', 'url');
    await host.page.evaluate(async (base) => {
      const store = {
        _rintf: true,
        async getItem(key: string) {
          const r = await fetch(`${base}/${key}`);
          if (!r.ok) throw new Error(`KeyError: ${key}`);
          return await r.arrayBuffer();
        },
        async containsItem(key: string) {
          return (await fetch(`${base}/${key}`)).ok;
        },
      };
      await (window as any).rv.add_image({ source: store, name: 'rpc' });
    }, `${z}/v05.zarr`);
    const viaRpc = decodePng(await rv(host.page, 'screenshot'));
    expect([viaRpc.width, viaRpc.height]).toEqual([viaUrl.width, viaUrl.height]);
    let diff = 0;
    let lit = 0;
    for (let i = 0; i < viaUrl.data.length; i++) {
      diff = Math.max(diff, Math.abs(viaUrl.data[i] - viaRpc.data[i]));
      if (i % 4 !== 3 && viaUrl.data[i] > 20) lit++;
    }
    expect(lit).toBeGreaterThan(10_000);
    expect(diff).toBeLessThanOrEqual(2);
  });

  describe('bad sources show a clear message', () => {
    async function addFails(source: unknown): Promise<{ message: string; shown: string }> {
      await clear();
      const message = await host.page.evaluate(async (source) => {
        try {
          await (window as any).rv.add_image({ source });
          return 'no error';
        } catch (e) {
          return String((e as Error).message ?? e).replace(/^Error: /, '');
        }
      }, source);
      const { shown } = await rv(host.page, 'get_errors');
      return { message, shown };
    }

    it('404', async () => {
      const r = await addFails(`${z}/missing.zarr`);
      expect(r.message).toMatch(/\/z\/missing\.zarr: no Zarr metadata/);
      expect(r.shown).toContain(r.message);
      const j = await addFails(`${z}/missing.json`);
      expect(j.message).toMatch(/\/z\/missing\.json: cannot fetch the references \(HTTP 404\)/);
    });

    it('not Zarr', async () => {
      const r = await addFails(`${z}/not-zarr`);
      expect(r.message).toMatch(/not-zarr: no Zarr metadata .* not a Zarr or OME-Zarr source/);
      expect(r.shown).toContain('not a Zarr');
    });

    it('wrong dtype', async () => {
      const r = await addFails(`${z}/int64.zarr`);
      expect(r.message).toMatch(/int64\.zarr: level "0" has data type int64, which cannot be displayed/);
    });

    it('expired pre-signed data URL: 403 named on screen without refresh_url; with refresh_url the view keeps working', async () => {
      const client = s3Client(s3);
      const expired = await presignGet(client, s3.bucket, 'viewer-test/pyramid.ome.tif', 60, new Date(Date.now() - 3600_000));
      const fresh = await presignGet(client, s3.bucket, 'viewer-test/pyramid.ome.tif', 3600);
      client.destroy();
      const refs = await (await fetch(tiffRefs)).json();
      const stale = { ...refs, templates: { ...refs.templates, u: expired } };
      await clear();
      await rv(host.page, 'add_image', { source: stale, name: 'stale' });
      const st = await rv(host.page, 'wait_for_frame');
      expect(st.errors.join('\n')).toMatch(/pyramid\.ome\.tif: access denied \(HTTP 403\)/);
      const { shown } = await rv(host.page, 'get_errors');
      expect(shown).toMatch(/HTTP 403/);

      await clear();
      await host.page.evaluate(
        async ([refs, fresh]) => {
          let calls = 0;
          await (window as any).rv.add_image({
            source: refs,
            name: 'refreshed',
            contrast_limits: [
              [0, 2500],
              [0, 2500],
            ],
            refresh_url: () => {
              calls++;
              return fresh;
            },
          });
          (window as any).refreshCalls = () => calls;
        },
        [stale, fresh] as const,
      );
      const ok = await rv(host.page, 'wait_for_frame');
      expect(ok.errors.filter((e: string) => e.startsWith('refreshed')), ok.errors.join('\n')).toEqual([]);
      expect(await host.page.evaluate(() => (window as any).refreshCalls())).toBe(1);
      const png = decodePng(await rv(host.page, 'screenshot'));
      let lit = 0;
      for (let i = 0; i < png.data.length; i += 4) if (png.data[i] + png.data[i + 1] + png.data[i + 2] > 30) lit++;
      expect(lit).toBeGreaterThan(10_000);
    });
  });
});
