/**
 * TIFF references made over HTTP (the project's static server, Range GETs only): the same
 * references as from the local file, no HEAD request, a bounded number of requests, progress
 * reported; errors name the URL.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../src/io/byte-source.js';
import { withNodeSource } from '../../src/io/open-node.js';
import { HttpSource } from '../../src/io/http-source.js';
import { tiffReferences } from '../../src/reference/from-tiff.js';
import { startStaticServer, type RunningServer } from '../../src/http/static-server.js';
import { testData } from '../helpers/fixtures.js';

const data = testData();

let server: RunningServer;
const requests: { method: string; range?: string; url: string }[] = [];
beforeAll(async () => {
  server = await startStaticServer({
    mounts: { '/data/': path.join(data, 'tiff') },
    port: 0,
    onRequest: (req) => requests.push({ method: req.method!, range: req.headers.range, url: req.url! }),
  });
});
afterAll(() => server.close());

describe('TIFF references over HTTP', () => {
  for (const f of ['pyramid-2ch-u16-deflate-pred.ome.tif', 'tczyx-u8-lzw.ome.tif', 'bigendian-bigtiff-u16.ome.tif']) {
    it(f, async () => {
      requests.length = 0;
      const url = `${server.url}/data/${f}`;
      const progress: [number, number][] = [];
      const overHttp = await tiffReferences(new HttpSource(url), { url, onProgress: (d, t) => progress.push([d, t]) });
      const local = await withNodeSource(path.join(data, 'tiff', f), (s) => tiffReferences(s, { url }));
      expect(overHttp).toEqual(local);
      expect(requests.length).toBeGreaterThan(0);
      expect(requests.every((r) => r.method === 'GET' && /^bytes=\d+-\d+(,\d+-\d+|,-1)*$/.test(r.range ?? ''))).toBe(true);
      // IFDs and tile tables only: a handful of requests (the LZW file has 30 IFDs), never one per tile or per IFD
      expect(requests.length).toBeLessThanOrEqual(8);
      expect(progress.at(-1)![0]).toBe(progress.at(-1)![1]);
      console.log(f, `${requests.length} requests`);
    });
  }
  it('a missing file is an error naming the URL', async () => {
    const url = `${server.url}/data/nope.tif`;
    const err = await tiffReferences(new HttpSource(url), { url }).catch((e) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(err.message).toContain('/data/nope.tif');
  });
});
