/**
 * Scale-out as users run it: `imjoy-share serve` stands in for the Hypha cluster, two
 * `imjoy-share engine` worker processes join it with the same data, and a caller (the official npm
 * hypha-rpc client) spreads 500 `get_item` calls over the providers with `mode: "random"`. One
 * worker is killed (SIGKILL) mid-load: every call is still answered — a call lost with the
 * worker is retried on another — and every answer has the bytes HTTP /zarr/ serves.
 * With HYPHA_SERVER (+ HYPHA_WORKSPACE, HYPHA_TOKEN) the workers and the caller use that Hypha
 * server instead (a real one, amun-ai/hypha); the serve then only supplies the expected bytes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testData } from '../helpers/fixtures.js';
import { connectionOf, serveData, type Served } from '../helpers/fresh-copy.js';
import { tmpDir } from '../helpers/host.js';
import { repoRoot } from '../helpers/paths.js';
import { type Api, connect } from '../rpc/helpers.js';

const IMAGE = 'tczyx-u8-lzw.ome.tif';
let dir: string;
let served: Served;
let conn: { server_url: string; workspace: string; token: string };
const workers: ChildProcess[] = [];

/** `imjoy-share engine` as a user starts it; resolves when it says its services are registered. */
function startEngine(clientId: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['bin/imjoy-share.mjs', 'engine', '--server-url', conn.server_url, '--workspace', conn.workspace, '--token', conn.token, '--client-id', clientId, '--data', dir],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  workers.push(child);
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Press Ctrl+C')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`engine exited with ${code}:\n${out}`)));
  });
}

beforeAll(async () => {
  dir = tmpDir('failover-');
  fs.symlinkSync(path.join(testData(), 'tiff', IMAGE), path.join(dir, IMAGE));
  served = await serveData(dir);
  conn = process.env.HYPHA_SERVER
    ? { server_url: process.env.HYPHA_SERVER, workspace: process.env.HYPHA_WORKSPACE ?? '', token: process.env.HYPHA_TOKEN ?? '' }
    : connectionOf(served);
  await Promise.all([startEngine('worker-a'), startEngine('worker-b')]);
});
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGTERM');
  await served?.stop();
});

describe('engine workers on one Hypha server', () => {
  it('prints the registered service and refuses to start without a server', async () => {
    const r = spawn(process.execPath, ['bin/imjoy-share.mjs', 'engine', '--data', dir], { cwd: repoRoot, env: { ...process.env, HYPHA_SERVER_URL: '' } });
    let err = '';
    r.stderr.on('data', (d) => (err += d));
    const code = await new Promise((res) => r.once('exit', res));
    expect(code).toBe(2);
    expect(err.trim()).toMatch(/^imjoy-share: engine: --server-url .* is required/);
  });

  it('answers 500 get_item calls with the right bytes while a worker is killed mid-load', async () => {
    const client: Api = await connect({ ...conn, method_timeout: 20 });
    // the two workers, and on the embedded server the serve's own engine client
    const providers = (await client.listServices()).filter((s: { id: string }) => s.id.endsWith(':imjoy-share-zarr')).map((s: { id: string }) => s.id);
    expect(providers.length).toBe(process.env.HYPHA_SERVER ? 2 : 3);
    // without a mode, several providers are an error, as on Hypha
    await expect(client.getService('imjoy-share-zarr')).rejects.toThrow(/Multiple services found/);

    const meta = (await (await fetch(`${served.url}/zarr/${IMAGE}/0/.zarray`)).json()) as { shape: number[]; chunks: number[] };
    const grid = meta.shape.map((n, i) => Math.ceil(n / meta.chunks[i]!));
    const keys: string[] = [];
    const total = grid.reduce((a, g) => a * g, 1);
    for (let i = 0; i < 500; i++) {
      const coords: number[] = [];
      let r = i % total;
      for (let d = grid.length - 1; d >= 0; d--) {
        coords[d] = r % grid[d]!;
        r = Math.floor(r / grid[d]!);
      }
      keys.push(`0/${coords.join('.')}`);
    }
    const expected = new Map<string, Uint8Array>();
    await Promise.all([...new Set(keys)].map(async (k) => expected.set(k, new Uint8Array(await (await fetch(`${served.url}/zarr/${IMAGE}/${k}`)).arrayBuffer()))));

    const servedBy = new Map<string, { before: number; after: number }>();
    let killed = false;
    let retries = 0;
    let done = 0;
    const call = async (key: string): Promise<Uint8Array> => {
      for (let attempt = 0; ; attempt++) {
        try {
          const svc = await client.getService('imjoy-share-zarr', { mode: 'random' });
          const bytes = new Uint8Array(await svc.get_item(IMAGE, key));
          const n = servedBy.get(svc.id) ?? { before: 0, after: 0 };
          n[killed ? 'after' : 'before']++;
          servedBy.set(svc.id, n);
          return bytes;
        } catch (e) {
          if (attempt >= 3) throw e;
          retries++;
        }
      }
    };
    const results: Uint8Array[] = new Array(keys.length);
    let next = 0;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < keys.length) {
          const i = next++;
          results[i] = await call(keys[i]!);
          if (++done === 150) {
            workers[0]!.kill('SIGKILL');
            killed = true;
          }
        }
      }),
    );
    const ms = Date.now() - t0;
    // byte-wise (vitest's deep equality takes seconds on 500 × 16 KiB)
    const wrong = keys.filter((k, i) => !results[i] || Buffer.compare(results[i]!, expected.get(k)!) !== 0);
    expect(wrong).toEqual([]);
    const a = [...servedBy.entries()].find(([id]) => id.includes('/worker-a:'))?.[1];
    // the killed worker took its share before, nothing after; the others carried the rest
    expect(a?.before).toBeGreaterThan(0);
    expect(a?.after ?? 0).toBeLessThanOrEqual(16); // at most the calls it had in flight when killed
    expect([...servedBy.values()].reduce((s, n) => s + n.before + n.after, 0)).toBe(500);
    console.log(`failover: 500 calls in ${ms} ms, ${retries} retried after the kill; served by ${JSON.stringify(Object.fromEntries(servedBy))}`);
    await client.disconnect();
  });
});
