import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { startStaticServer, type RunningServer } from '../../src/http/static-server.js';
import { openImage, layerProps } from '../../src/viewer/image.js';
import { urlStore, rpcStore } from '../../src/viewer/stores.js';
import { withFetching } from '../../src/viewer/fetching.js';
import { tmpDir } from '../helpers/host.js';
import { makeOmeZarrFixtures, rawLevel, rawRegion } from './fixtures.js';

let dir: string;
let server: RunningServer;
let requests: string[] = [];

beforeAll(async () => {
  dir = tmpDir('viewer-zarr-');
  makeOmeZarrFixtures(dir);
  server = await startStaticServer({ port: 0, mounts: { '/z/': dir }, onRequest: (r) => requests.push(r.url ?? '') });
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('openImage over HTTP (OME-Zarr written by zarr-python)', () => {
  it('NGFF 0.4: levels, labels, omero channels, physical size, and exact tile pixels', async () => {
    const img = await openImage(urlStore(`${server.url}/z/v04.zarr`), 'v04');
    expect(img.labels).toEqual(['c', 'y', 'x']);
    expect(img.levels.map((l) => l.shape)).toEqual([
      [2, 1000, 1200],
      [2, 500, 600],
      [2, 250, 300],
    ]);
    expect(img.levels[0].tileSize).toBe(256);
    expect(img.dtype).toBe('Uint16');
    expect(img.channelAxis).toBe(0);
    expect(img.channels.map((c) => c.name)).toEqual(['DAPI-like', 'rings']);
    expect(img.channels.map((c) => c.color)).toEqual([
      [255, 0, 0],
      [0, 255, 0],
    ]);
    expect(img.channels.map((c) => c.contrast)).toEqual([
      [1000, 41000],
      [500, 30500],
    ]);
    expect(img.pixelSize).toEqual({ size: 0.5, unit: 'micrometer' });
    // an edge tile of level 0 (x: 1024..1200, y: 768..1000) is clipped, not padded
    const tile = await img.levels[0].getTile({ x: 4, y: 3, selection: { c: 1 } });
    expect([tile.width, tile.height]).toEqual([176, 232]);
    const raw = rawLevel(dir, 'v04.zarr', 0);
    expect(Array.from(tile.data)).toEqual(rawRegion(raw, 1, 768, 1000, 1024, 1200));
    const low = await img.levels[2].getTile({ x: 1, y: 0, selection: { c: 0 } });
    expect(Array.from(low.data)).toEqual(rawRegion(rawLevel(dir, 'v04.zarr', 2), 0, 0, 250, 256, 300));
    const p = layerProps(img);
    expect(p.selections).toEqual([{ c: 0 }, { c: 1 }]);
  });

  it('with omero, opening reads metadata only (no chunk of any level)', async () => {
    requests = [];
    await openImage(urlStore(`${server.url}/z/v04.zarr`), 'v04');
    const chunks = requests.filter((u) => /\/\d+\/\d+\/\d+$/.test(u));
    expect(requests.length).toBeGreaterThan(0);
    expect(chunks).toEqual([]);
  });

  it('NGFF 0.5 (zarr v3, gzip): attributes under "ome", pixels match numpy', async () => {
    const img = await openImage(urlStore(`${server.url}/z/v05.zarr`), 'v05');
    expect(img.multiscale.version).toBe('0.5');
    expect(img.levels.map((l) => l.shape)).toEqual([
      [2, 512, 640],
      [2, 256, 320],
    ]);
    expect(img.channels.map((c) => c.name)).toEqual(['DAPI-like', 'rings']);
    expect(img.pixelSize.size).toBe(0.25);
    const t = await img.levels[1].getTile({ x: 1, y: 0, selection: { c: 1 } });
    expect([t.width, t.height]).toEqual([64, 256]);
    expect(Array.from(t.data)).toEqual(rawRegion(rawLevel(dir, 'v05.zarr', 1), 1, 0, 256, 256, 320));
  });

  it('t,c,z,y,x blosc without omero: middle z, contrast = percentiles of the lowest level only', async () => {
    requests = [];
    const img = await openImage(urlStore(`${server.url}/z/tczyx.zarr`), 'tczyx');
    expect(img.labels).toEqual(['t', 'c', 'z', 'y', 'x']);
    expect(img.selection).toEqual({ t: 0, z: 1 });
    // chunk requests went to level 1 only
    const chunkReqs = requests.filter((u) => /tczyx\.zarr\/\d+\/\d+\/\d+\/\d+\/\d+\/\d+$/.test(u));
    expect(chunkReqs.length).toBeGreaterThan(0);
    expect(chunkReqs.every((u) => u.includes('/tczyx.zarr/1/'))).toBe(true);
    // expected limits: numpy-written pixels of level 1, t=0, z=1, per channel, nearest-rank percentiles
    const raw = rawLevel(dir, 'tczyx.zarr', 1);
    for (const c of [0, 1]) {
      const plane = 0 * 6 + c * 3 + 1;
      const v = rawRegion(raw, plane, 0, 128, 0, 160).sort((a, b) => a - b);
      const at = (p: number) => v[Math.ceil((p / 100) * v.length) - 1];
      expect(img.channels[c].contrast).toEqual([at(0.1), at(99.9)]);
    }
    const zt = await img.levels[0].getTile({ x: 0, y: 1, selection: { t: 1, c: 1, z: 2 } });
    expect(Array.from(zt.data)).toEqual(rawRegion(rawLevel(dir, 'tczyx.zarr', 0), 1 * 6 + 1 * 3 + 2, 128, 256, 0, 128));
  });

  it('explicit options override omero; channel count is checked', async () => {
    const img = await openImage(urlStore(`${server.url}/z/v04.zarr`), 'v04', {
      colors: ['#00ffff', [255, 0, 255]],
      contrast_limits: [
        [0, 100],
        [5, 6],
      ],
      names: ['a', 'b'],
      visibilities: [false, true],
    });
    expect(img.channels).toEqual([
      { name: 'a', color: [0, 255, 255], contrast: [0, 100], visible: false },
      { name: 'b', color: [255, 0, 255], contrast: [5, 6], visible: true },
    ]);
    expect(layerProps(img).selections).toEqual([{ c: 1 }]);
    await expect(openImage(urlStore(`${server.url}/z/v04.zarr`), 'v04', { colors: ['ff0000'] })).rejects.toThrow(/"colors" must be a list of 2/);
  });

  it('bad sources give clear messages', async () => {
    await expect(openImage(urlStore(`${server.url}/z/missing.zarr`), `${server.url}/z/missing.zarr`)).rejects.toThrow(/missing\.zarr: no Zarr metadata/);
    await expect(openImage(urlStore(`${server.url}/z/not-zarr`), 'not-zarr')).rejects.toThrow(/not-zarr: no Zarr metadata .* not a Zarr or OME-Zarr source/);
    await expect(openImage(urlStore(`${server.url}/z/int64.zarr`), 'int64')).rejects.toThrow(/int64: level "0" has data type int64, which cannot be displayed/);
    const failing = urlStore(`${server.url}/z/v04.zarr`, {
      fetch: (async (r: Request) => (r.url.endsWith('/0/1/0/0') ? new Response('no', { status: 403 }) : fetch(r))) as typeof fetch,
    });
    const img = await openImage(failing, 'v04');
    await expect(img.levels[0].getTile({ x: 0, y: 0, selection: { c: 1 } })).rejects.toThrow(/v04 level "0": reading tile x=0 y=0 .*v04\.zarr\/0\/1\/0\/0: access denied \(HTTP 403\)/);
  });

  it('a zarr.js-style store object (getItem/containsItem) reads the same pixels as the URL', async () => {
    const base = `${server.url}/z/v04.zarr/`;
    const calls: string[] = [];
    const obj = {
      async getItem(key: string) {
        calls.push(key);
        const r = await fetch(base + key);
        if (!r.ok) throw new Error(`KeyError: ${key}`);
        return await r.arrayBuffer();
      },
      async containsItem(key: string) {
        return (await fetch(base + key)).ok;
      },
    };
    const img = await openImage(rpcStore(obj), 'rpc');
    const a = await img.levels[1].getTile({ x: 1, y: 1, selection: { c: 0 } });
    const viaUrl = await openImage(urlStore(base), 'url');
    const b = await viaUrl.levels[1].getTile({ x: 1, y: 1, selection: { c: 0 } });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(img.channels).toEqual(viaUrl.channels);
    expect(calls).toContain('1/0/1/1');
  });

  it('through the fetching layer: cached chunks are not requested again', async () => {
    const store = withFetching(urlStore(`${server.url}/z/v04.zarr`), { concurrency: 2, cacheBytes: 64 << 20 });
    const img = await openImage(store, 'v04');
    requests = [];
    await Promise.all([0, 1, 2, 3].map((x) => img.levels[0].getTile({ x, y: 0, selection: { c: 0 } })));
    const first = requests.length;
    expect(first).toBe(4);
    await Promise.all([0, 1, 2, 3].map((x) => img.levels[0].getTile({ x, y: 0, selection: { c: 0 } })));
    expect(requests.length).toBe(first);
    expect(store.limiter.peak).toBeLessThanOrEqual(2);
  });
});
