/**
 * Load on `imjoy-share serve --data DIR` from a second process (wrk): 1,000 connections asking
 * for chunks of /zarr/ and /zarr-decoded/ at once, on loopback — no error, no non-2xx answer —
 * and the server still answers right afterwards.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testData } from '../helpers/fixtures.js';
import { serveData, type Served } from '../helpers/fresh-copy.js';
import { tmpDir } from '../helpers/host.js';
import { wrk } from '../helpers/wrk.js';

const IMAGE = 'pyramid-2ch-u16-deflate-pred.ome.tif';
let served: Served;

beforeAll(async () => {
  const dir = tmpDir('load-');
  fs.symlinkSync(path.join(testData(), 'tiff', IMAGE), path.join(dir, IMAGE));
  served = await serveData(dir);
});
afterAll(async () => {
  await served?.stop();
});

describe('load', () => {
  it('answers 1,000 concurrent chunk requests from another process without an error', async () => {
    const meta = (await (await fetch(`${served.url}/zarr/${IMAGE}/0/.zarray`)).json()) as { shape: number[]; chunks: number[] };
    const grid = meta.shape.map((n, i) => Math.ceil(n / meta.chunks[i]!));
    const keys: string[] = [];
    for (let c = 0; c < grid[0]!; c++) for (let y = 0; y < grid[1]!; y++) for (let x = 0; x < grid[2]!; x++) keys.push(`0/${c}.${y}.${x}`);
    const urls = keys.flatMap((k) => [`${served.url}/zarr/${IMAGE}/${k}`, `${served.url}/zarr-decoded/${IMAGE}/${k}`]);
    const r = wrk(urls, { connections: 1000, seconds: 4 });
    console.log(`load: ${r.requests} requests at 1000 connections, ${r.rps} req/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms`);
    expect(r).toMatchObject({ errors: 0, non2xx: 0 });
    expect(r.requests).toBeGreaterThan(1000);
    // still right after the storm: a decoded chunk is its full size
    const chunk = await (await fetch(urls[1]!)).arrayBuffer();
    expect(chunk.byteLength).toBe(meta.chunks.reduce((a, b) => a * b, 1) * 2);
  });
});
