/**
 * The engine's zarr stores over RPC, as a caller of `imjoy-share serve --data DIR` reaches them:
 * the official npm hypha-rpc client gets the `imjoy-share-zarr` service from the embedded server
 * and reads the same bytes HTTP /zarr/ serves (which Python zarr reads pixel-exact:
 * serve-data.test.ts), positionally and with keywords encoded as the Python client sends them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testData } from '../helpers/fixtures.js';
import { connectionOf, serveData, type Served } from '../helpers/fresh-copy.js';
import { tmpDir } from '../helpers/host.js';
import { type Api, connect } from '../rpc/helpers.js';

const data = testData();
const IMAGE = 'tczyx-u8-lzw.ome.tif';
let served: Served;
let client: Api;
let zarrSvc: Api;

beforeAll(async () => {
  const dir = tmpDir('zarr-rpc-');
  fs.symlinkSync(path.join(data, 'tiff', IMAGE), path.join(dir, IMAGE));
  fs.symlinkSync(path.join(data, 'zip', 'omezarr-v04-deflated-members.zip'), path.join(dir, 'cells.zip'));
  served = await serveData(dir);
  const conn = connectionOf(served);
  client = await connect(conn);
  zarrSvc = await client.getService('imjoy-share-zarr');
});
afterAll(async () => {
  await client?.disconnect();
  await served?.stop();
});

const http = async (p: string) => new Uint8Array(await (await fetch(served.url + p)).arrayBuffer());

describe('imjoy-share-zarr service', () => {
  it('lists the images and serves their keys as HTTP /zarr/ does, stored and decoded', async () => {
    expect((await zarrSvc.list_images()).map((f: { name: string }) => f.name)).toEqual(['cells.zip', IMAGE]);
    for (const key of ['.zattrs', '0/.zarray', '0/0.1.2.1.1', '.zmetadata']) {
      expect(new Uint8Array(await zarrSvc.get_item(IMAGE, key)), key).toEqual(await http(`/zarr/${IMAGE}/${key}`));
      expect(new Uint8Array(await zarrSvc.get_item(IMAGE, key, true)), key).toEqual(await http(`/zarr-decoded/${IMAGE}/${key}`));
    }
    // a DEFLATE-compressed member arrives inflated, as over HTTP
    expect(new Uint8Array(await zarrSvc.get_item('cells.zip', '0/0/0/0'))).toEqual(await http('/zarr/cells.zip/0/0/0/0'));
  });

  it('takes keyword arguments as the Python client sends them (one trailing dict)', async () => {
    const bytes = new Uint8Array(await zarrSvc.get_item({ image: IMAGE, key: '0/.zarray', decoded: true, _rkwargs: true }));
    expect(JSON.parse(new TextDecoder().decode(bytes))).toMatchObject({ compressor: null, filters: null });
    expect(await zarrSvc.contains_item(IMAGE, { key: '0/.zarray', _rkwargs: true })).toBe(true);
  });

  it('says KeyError for a missing key or image, at once', async () => {
    expect(await zarrSvc.contains_item(IMAGE, '0/99.0.0.0.0')).toBe(false);
    expect(await zarrSvc.contains_item('absent.tif', '.zattrs')).toBe(false);
    const t0 = Date.now();
    await expect(zarrSvc.get_item(IMAGE, '0/99.0.0.0.0')).rejects.toThrow(/KeyError: .* has no key 0\/99\.0\.0\.0\.0/);
    await expect(zarrSvc.get_item('absent.tif', '.zattrs')).rejects.toThrow(/KeyError: no image absent\.tif/);
    await expect(zarrSvc.store('../etc/passwd')).rejects.toThrow(/KeyError: no image/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('describes one image as a viewer source (service id + image)', async () => {
    expect(await zarrSvc.store(IMAGE)).toEqual({ zarr_service: 'imjoy-share-zarr', image: IMAGE, decoded: false });
    expect(await zarrSvc.store({ image: IMAGE, decoded: true, _rkwargs: true })).toMatchObject({ decoded: true });
  });
});
