/**
 * End to end over HTTP: TIFF references made from a URL, opened with `openReferences` (the
 * reading store), read with zarrita + our codecs, equal tifffile/libtiff pixels for every level.
 */
import path from 'node:path';
import * as zarr from 'zarrita';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCodecs } from '../../src/codecs/index.js';
import { HttpSource } from '../../src/io/http-source.js';
import { tiffReferences } from '../../src/reference/from-tiff.js';
import { openReferences } from '../../src/reference/open.js';
import { startStaticServer, type RunningServer } from '../../src/http/static-server.js';
import { testData } from '../helpers/fixtures.js';

const data = testData();
import { equalArrays, expectedPixels, runOracle } from '../tiff/helpers.js';

let server: RunningServer;
const methods: string[] = [];
beforeAll(async () => {
  server = await startStaticServer({ mounts: { '/data/': path.join(data, 'tiff') }, port: 0, onRequest: (r) => methods.push(r.method!) });
});
afterAll(() => server.close());

describe('TIFF references → openReferences → zarrita', () => {
  for (const f of ['pyramid-2ch-u16-deflate-pred.ome.tif', 'tczyx-u8-lzw.ome.tif', 'vips-rgb-subifd-pyramid-deflate.tif', 'bigendian-bigtiff-u16.ome.tif']) {
    it(f, async () => {
      registerCodecs();
      const url = `${server.url}/data/${f}`;
      const refs = await tiffReferences(new HttpSource(url), { url });
      const oracle = await runOracle(path.join(data, 'tiff', f), refs);
      const store = await openReferences(refs);
      const group = await zarr.open.v2(zarr.root(store), { kind: 'group' });
      expect((group.attrs as any).multiscales[0].datasets.length).toBe(oracle.levels.length);
      for (const lvl of oracle.levels) {
        const arr = await zarr.open.v2(group.resolve(String(lvl.level)), { kind: 'array' });
        const got = await zarr.get(arr);
        const exp = expectedPixels(oracle.dir, lvl.level);
        expect(got.shape).toEqual(exp.shape);
        expect(equalArrays(got.data as any, exp.data as any), `level ${lvl.level}`).toEqual({ equal: true });
      }
      expect(methods.every((m) => m === 'GET')).toBe(true);
      await store.close();
    });
  }
});
