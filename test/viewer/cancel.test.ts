import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { startStaticServer, type RunningServer } from '../../src/http/static-server.js';
import { openViewerImage } from '../../src/viewer/open.js';
import { SIGNAL_ABORTED } from '../../src/viewer/image.js';
import { tmpDir } from '../helpers/host.js';
import { makeOmeZarrFixtures, rawLevel, rawRegion } from './fixtures.js';

// The whole viewer data path (URL store → fetching layer → tile source) against a server with
// 60 ms latency: tiles that leave the view before their request starts never reach the server.
let dir: string;
let server: RunningServer;
const chunkRequests: string[] = [];
/** Called on every chunk request the server receives (a test waits on it instead of sleeping). */
let onChunkRequest = () => {};

beforeAll(async () => {
  dir = tmpDir('viewer-cancel-');
  makeOmeZarrFixtures(dir);
  const slow = async (_req: unknown, _res: unknown, url: URL) => {
    if (/\/\d+\/\d+\/\d+\/\d+$/.test(url.pathname)) {
      chunkRequests.push(url.pathname);
      onChunkRequest();
    }
    await new Promise((r) => setTimeout(r, 60));
    return false;
  };
  server = await startStaticServer({ port: 0, mounts: { '/z/': dir }, handlers: [slow] });
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('cancellation of tiles that left the view', () => {
  it('aborted tiles reject with viv’s abort marker and their queued requests are never sent', async () => {
    const { image, store } = await openViewerImage(`${server.url}/z/v04.zarr`, { concurrency: 2 });
    chunkRequests.length = 0;
    const twoRunning = new Promise<void>((resolve) => {
      onChunkRequest = () => void (chunkRequests.length >= 2 && resolve());
    });
    const tiles = [];
    for (let x = 0; x < 5; x++) {
      for (let y = 0; y < 4; y++) {
        const ctrl = new AbortController();
        tiles.push({ x, y, ctrl, p: image.levels[0].getTile({ x, y, selection: { c: 0 }, signal: ctrl.signal }) });
      }
    }
    // the view moves away once the first two tiles' requests reached the server: all but those leave it
    await twoRunning;
    tiles.slice(2).forEach((t) => t.ctrl.abort());
    const results = await Promise.allSettled(tiles.map((t) => t.p));
    expect(results.slice(0, 2).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(results.slice(2).every((r) => r.status === 'rejected' && r.reason === SIGNAL_ABORTED)).toBe(true);
    // at most the two slots that were already running when the view moved reached the server
    expect(chunkRequests.length).toBeLessThanOrEqual(4);
    expect(store.limiter.cancelled).toBeGreaterThanOrEqual(16);
    const raw = rawLevel(dir, 'v04.zarr', 0);
    const first = results[0] as PromiseFulfilledResult<{ data: ArrayLike<number> }>;
    expect(Array.from(first.value.data)).toEqual(rawRegion(raw, 0, 0, 256, 0, 256));
  });
});
