import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { startStaticServer, type RunningServer } from '../../src/http/static-server.js';
import { openViewerImage, countingFetch, type FetchStats } from '../../src/viewer/open.js';
import { defaultMakers } from '../../src/viewer/makers.js';
import { classifyUrl } from '../../src/viewer/resolve.js';
import { python } from '../helpers/paths.js';
import { testData } from '../helpers/fixtures.js';

const data = testData();

let server: RunningServer;
const ZIP = 'omezarr-v04-zlib-nested-zip64.zip';

beforeAll(async () => {
  server = await startStaticServer({ port: 0, mounts: { '/zip/': `${data}/zip` } });
});
afterAll(() => server?.close());

/** Python zarr 2.13 reads the same region straight from the ZIP (independent of our code). */
function pythonRegion(zip: string, level: number, c: number, y0: number, y1: number, x0: number, x1: number): number[] {
  const code = `import zarr, json, sys
g = zarr.open_group(zarr.storage.ZipStore(sys.argv[1], mode='r'), mode='r')
a = g[sys.argv[2]][int(sys.argv[3]), int(sys.argv[4]):int(sys.argv[5]), int(sys.argv[6]):int(sys.argv[7])]
print(json.dumps(a.ravel().tolist()))`;
  const out = execFileSync(python, ['-c', code, `${data}/zip/${zip}`, String(level), String(c), String(y0), String(y1), String(x0), String(x1)]);
  return JSON.parse(out.toString());
}

describe('source resolution', () => {
  it('classifies URLs by path, ignoring pre-signed query strings', () => {
    expect(classifyUrl('https://s3/b/refs.json?X-Amz-Signature=abc').kind).toBe('references');
    expect(classifyUrl('ref://https://s3/b/refs?sig=1')).toEqual({ kind: 'references', url: 'https://s3/b/refs?sig=1' });
    expect(classifyUrl('https://h/a.ozx').kind).toBe('zip');
    expect(classifyUrl('https://h/a.ome.tif?x=1').kind).toBe('tiff');
    // a URL ending in "/" is a store (the engine's /zarr/<file>/), whatever the folder is called
    expect(classifyUrl('http://h/zarr/a.ome.tif/').kind).toBe('ome-zarr');
    expect(classifyUrl('http://h/data/b.zarr/').kind).toBe('ome-zarr');
    expect(classifyUrl('https://h/a.zarr/').kind).toBe('ome-zarr');
  });
});

describe('zipped OME-Zarr over HTTP: references made on the fly', () => {
  it('reads the same pixels as Python zarr reading the ZIP', async () => {
    const { image, source } = await openViewerImage(`${server.url}/zip/omezarr-v04-blosc-stored.zip`, { makers: defaultMakers });
    expect(source.kind).toBe('zip');
    expect(image.levels.map((l) => l.shape)).toEqual([
      [2, 700, 900],
      [2, 350, 450],
      [2, 175, 225],
    ]);
    const t = await image.levels[0].getTile({ x: 3, y: 2, selection: { c: 1 } });
    expect([t.width, t.height]).toEqual([900 - 768, 700 - 512]);
    expect(Array.from(t.data)).toEqual(pythonRegion('omezarr-v04-blosc-stored.zip', 0, 1, 512, 700, 768, 900));
  });

  it('coalesces neighbouring chunks of one file into fewer Range requests than chunks', async () => {
    const run = async (coalesce: boolean) => {
      const stats: FetchStats = { requests: 0, bytes: 0, inflight: 0 };
      const { image } = await openViewerImage(`${server.url}/zip/${ZIP}`, { fetch: countingFetch(fetch, stats), coalesce, makers: defaultMakers });
      const before = stats.requests;
      // a full row of level-0 tiles (128-px chunks, 5 tiles) for all 3 channels: 15 chunks
      const tiles = await Promise.all([0, 1, 2].flatMap((c) => [0, 1, 2, 3, 4].map((x) => image.levels[0].getTile({ x, y: 1, selection: { c } }))));
      return { requests: stats.requests - before, tiles };
    };
    const on = await run(true);
    const off = await run(false);
    expect(off.requests).toBe(15);
    expect(on.requests).toBeLessThan(off.requests);
    expect(on.tiles.map((t) => Array.from(t.data))).toEqual(off.tiles.map((t) => Array.from(t.data)));
    expect(Array.from(on.tiles[7].data)).toEqual(pythonRegion(ZIP, 0, 1, 128, 256, 256, 384));
  });

  it('a ZIP with compressed members is refused with the reason and a fix', async () => {
    await expect(openViewerImage(`${server.url}/zip/omezarr-v04-deflated-members.zip`, { makers: defaultMakers })).rejects.toThrow(
      /omezarr-v04-deflated-members\.zip: ZIP member 0\/0\/0\/0 is compressed .* only stored \(uncompressed\) members/,
    );
  });
});
