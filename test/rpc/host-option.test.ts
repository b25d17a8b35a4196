/**
 * `serve --host`: loopback only by default — a request naming the server by another address
 * (DNS rebinding) is refused — and `--host 0.0.0.0` lets other machines in: pages get URLs with
 * the name they used, and the RPC websocket takes that name (its workspace still needs the token).
 * 127.0.0.2 plays the other machine: Linux routes all of 127/8 to loopback.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { serveData, type Served } from '../helpers/fresh-copy.js';
import { tmpDir } from '../helpers/host.js';
import { type Api, connect } from './helpers.js';

let served: Served | undefined;
afterEach(async () => {
  await served?.stop();
  served = undefined;
});

const start = (extra: string[]) =>
  serveData(tmpDir('host-opt-'), [...extra]);
const connLine = (s: Served) => JSON.parse(/connect_to_server\((\{.*\})\)/.exec(s.stdout())![1]!) as { server_url: string; workspace: string; token: string };

describe('serve --host', () => {
  it('listens on loopback only by default and refuses another name for itself', async () => {
    served = await start([]);
    const port = new URL(served.url).port;
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    await expect(fetch(`http://127.0.0.2:${port}/health`)).rejects.toThrow(); // not listening there
    const conn = connLine(served);
    // the websocket checks the Host header: another name is refused even on loopback
    const status = await new Promise<number>((resolve, reject) =>
      http.get(`${served!.url}/host/rpc.json`, { headers: { Host: `evil.example:${port}` } }, (res) => (res.resume(), resolve(res.statusCode!))).on('error', reject),
    );
    expect(status).toBe(403);
    expect(conn.server_url).toBe(served.url);
  });

  it('--host 0.0.0.0: reached by another address, with URLs and the websocket under that name', async () => {
    served = await start(['--host', '0.0.0.0']);
    const port = new URL(served.url).port;
    const other = `http://127.0.0.2:${port}`;
    const cfg = (await (await fetch(`${other}/host/config.json`)).json()) as { frame_origin: string; base_url: string };
    expect(cfg.base_url).toBe(other);
    const framePort = new URL(/plugin frames: +(\S+)/.exec(served.stdout())![1]!).port;
    expect(cfg.frame_origin).toBe(`http://127.0.0.2:${framePort}`);
    expect(served.stdout()).toMatch(/other machines: /);
    const conn = connLine(served);
    const client: Api = await connect({ ...conn, server_url: other });
    try {
      expect(client.config.workspace).toBe(conn.workspace);
      expect((await client.listServices()).map((s: { id: string }) => s.id)).toEqual(expect.arrayContaining([expect.stringMatching(/:imjoy-share-zarr$/)]));
    } finally {
      await client.disconnect();
    }
    // the workspace is still behind its token
    await expect(connect({ server_url: other, workspace: conn.workspace })).rejects.toThrow(/token|Permission/i);
  });
});
