import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { encode } from '@msgpack/msgpack';
import { connect, startRpcServer, type Api, type TestServer } from './helpers.js';
import { startApp } from '../../src/server/app.js';
import { repoRoot } from '../helpers/paths.js';

/** A numpy array as the Python client encodes it: C-order bytes, numpy's dtype string. */
function pyArray(data: ArrayBufferView, shape: number[], dtype: string) {
  // _rvalue inside a larger buffer at an odd offset, as the receiving JS client sees it
  const big = new Uint8Array(data.byteLength + 7);
  big.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 3);
  return { _rtype: 'ndarray', _rvalue: big.subarray(3, 3 + data.byteLength), _rshape: shape, _rdtype: dtype };
}

/** Keyword arguments as the Python client sends them: a trailing dict and `with_kwargs: true`. */
const kwargs = (o: Record<string, unknown>) => ({ ...o, _rkwargs: true });

/** A raw websocket speaking the login step by hand (what the clients do before any RPC). */
function rawLogin(url: string, login: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; reply: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify(login)));
    ws.once('message', (d) => resolve({ ws, reply: JSON.parse(String(d)) }));
  });
}

const closed = (ws: WebSocket) => new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: String(reason) })));

describe('embedded Hypha server with the npm hypha-rpc client', () => {
  let s: TestServer;
  let a: Api;
  let b: Api;
  beforeAll(async () => {
    s = await startRpcServer({ maxFrameBytes: 4 * 1024 * 1024 });
    const join = { server_url: s.url, workspace: s.rpc.workspace, token: s.rpc.token };
    a = await connect({ ...join, client_id: 'a' });
    b = await connect({ ...join, client_id: 'b' });
  });
  afterAll(async () => {
    await a?.disconnect();
    await b?.disconnect();
    await s?.close();
  });

  it('logs in to the workspace and registers, lists and calls a service, with callbacks', async () => {
    expect(a.config.workspace).toBe(s.rpc.workspace);
    await a.registerService({
      id: 'math',
      config: { visibility: 'protected' },
      add: (x: number, y: number) => x + y,
      twice: async (f: (v: number) => Promise<number>, v: number) => 2 * (await f(v)),
    });
    const list = await b.listServices();
    expect(list.map((x: { id: string }) => x.id)).toContain(`${s.rpc.workspace}/a:math`);
    const info = await b.getServiceInfo('math');
    expect(info).toMatchObject({ id: `${s.rpc.workspace}/a:math`, config: { workspace: s.rpc.workspace } });
    const math = await b.getService('math');
    expect(await math.add(2, 3)).toBe(5);
    expect(await math.twice(async (v: number) => v + 1, 4)).toBe(10);
    expect(await b.echo('hi')).toBe('hi');
    expect((await b.getService(`${s.rpc.workspace}/a:math`)).id).toBe(`${s.rpc.workspace}/a:math`);
  });

  it('passes keyword calls and numpy arrays as the Python client encodes them', async () => {
    await a.registerService({
      id: 'py-like',
      config: { visibility: 'protected' },
      // the ImJoy convention: keyword arguments arrive as one trailing object
      scaled: (x: number, y: number, kw: { scale: number }) => (x + y) * kw.scale,
      describe: (arr: { _rvalue: Uint8Array; _rshape: number[]; _rdtype: string }) => {
        const v = arr._rvalue;
        const f = new Float32Array(v.slice().buffer);
        return { offset: v.byteOffset, bytes: v.byteLength, shape: arr._rshape, dtype: arr._rdtype, sum: f.reduce((p, q) => p + q, 0) };
      },
      echo: (x: unknown) => x,
    });
    const svc = await b.getService('py-like');
    expect(await svc.scaled(1, 2, kwargs({ scale: 10 }))).toBe(30);
    const arr = pyArray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3], 'float32');
    const d = await svc.describe(arr);
    expect(d).toMatchObject({ bytes: 24, shape: [2, 3], dtype: 'float32', sum: 21 });
    // a 10 MB array goes through in chunks (message_cache) both ways
    const big = new Uint8Array(10 * 1024 * 1024).map((_, i) => i % 251);
    const back = await svc.echo(pyArray(big, [big.length], 'uint8'));
    expect(back._rshape).toEqual([big.length]);
    expect(Buffer.from(back._rvalue).equals(Buffer.from(big))).toBe(true);
  });

  it('answers an unknown service and a call to a gone client at once', async () => {
    let t = Date.now();
    await expect(b.getService('no-such-service')).rejects.toThrow(/Service not found/);
    expect(Date.now() - t).toBeLessThan(1000);

    const c = await connect({ server_url: s.url, workspace: s.rpc.workspace, token: s.rpc.token, client_id: 'c' });
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    await c.registerService({ id: 'slow', config: { visibility: 'protected' }, never: () => (started(), new Promise(() => {})) });
    const slow = await b.getService('c:slow');
    const call = slow.never();
    await running;
    t = Date.now();
    await c.disconnect(); // the callee leaves mid-call
    await expect(call).rejects.toThrow(/disconnected|not connected/);
    expect(Date.now() - t).toBeLessThan(2000);
    // its services went with it
    expect((await b.listServices()).map((x: { id: string }) => x.id)).not.toContain(`${s.rpc.workspace}/c:slow`);
    t = Date.now();
    await expect(slow.never()).rejects.toThrow(/not connected|not found/);
    expect(Date.now() - t).toBeLessThan(1000);
  });

  it('refuses a wrong token, anonymous clients in the workspace, and other workspaces', async () => {
    const wrong = await rawLogin(s.url, { client_id: 'x', workspace: s.rpc.workspace, token: 'not-the-token' });
    expect(wrong.reply).toMatchObject({ type: 'error', message: expect.stringMatching(/Invalid token/) });
    expect((await closed(wrong.ws)).code).toBe(1008);
    await expect(connect({ server_url: s.url, workspace: s.rpc.workspace, client_id: 'anon' })).rejects.toThrow(/needs a token/);

    // an anonymous client gets a workspace of its own and sees nothing of the serve's
    const anon = await connect({ server_url: s.url, client_id: 'anon' });
    try {
      expect(anon.config.workspace).not.toBe(s.rpc.workspace);
      expect(await anon.listServices()).toEqual([]);
      await expect(anon.getService(`${s.rpc.workspace}/a:math`)).rejects.toThrow(/Permission denied/);
      const mgr = await anon.rpc.get_manager_service({ case_conversion: 'camel' });
      await expect(mgr.registerService({ id: `${s.rpc.workspace}/anon:evil`, config: {} })).rejects.toThrow(/Permission denied/);
      await expect(mgr.listServices({ workspace: s.rpc.workspace })).rejects.toThrow(/Permission denied/);
    } finally {
      await anon.disconnect();
    }
    // nor can a member register a service for another client of its workspace
    const mgr = await b.rpc.get_manager_service({ case_conversion: 'camel' });
    await expect(mgr.registerService({ id: `${s.rpc.workspace}/a:fake`, config: {} })).rejects.toThrow(/Permission denied/);
  });

  it('checks origin and host, answers ping, and honours reconnection tokens', async () => {
    await expect(rawLogin(s.url, {}, { Origin: 'http://evil.example' })).rejects.toThrow(/HTTP 403/);
    await expect(rawLogin(s.url, {}, { Host: 'evil.example' })).rejects.toThrow(/HTTP 403/);
    const first = await rawLogin(s.url, { client_id: 'r', workspace: s.rpc.workspace, token: s.rpc.token });
    expect(first.reply).toMatchObject({ type: 'connection_info', workspace: s.rpc.workspace, client_id: 'r', manager_id: expect.any(String) });
    const pong = new Promise((r) => first.ws.once('message', (d) => r(JSON.parse(String(d)))));
    first.ws.send(JSON.stringify({ type: 'ping' }));
    expect(await pong).toEqual({ type: 'pong' });
    first.ws.close();
    const again = await rawLogin(s.url, { client_id: 'r', reconnection_token: first.reply.reconnection_token });
    expect(again.reply).toMatchObject({ type: 'connection_info', workspace: s.rpc.workspace, client_id: 'r' });
    again.ws.close();
  });

  it('refuses a frame over the size limit with close code 1009 (Message Too Big)', async () => {
    const { ws } = await rawLogin(s.url, { client_id: 'big', workspace: s.rpc.workspace, token: s.rpc.token });
    const done = closed(ws);
    ws.send(Buffer.concat([Buffer.from(encode({ type: 'method', to: 'a', method: 'services.x.y' })), Buffer.alloc(5 * 1024 * 1024)]));
    expect((await done).code).toBe(1009);
  });
});

describe('the host page token endpoint', () => {
  it('answers same-origin requests only', async () => {
    const app = await startApp({ root: repoRoot, port: 0, demo: false, services: [] });
    try {
      const ok = await fetch(`${app.url}/host/rpc.json`, { headers: { 'Sec-Fetch-Site': 'same-origin' } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('access-control-allow-origin')).toBeNull();
      expect(await ok.json()).toEqual(app.rpc);
      expect(app.rpc?.server_url).toBe(app.url);
      const cross = await fetch(`${app.url}/host/rpc.json`, { headers: { 'Sec-Fetch-Site': 'cross-site', Origin: 'http://evil.example' } });
      expect(cross.status).toBe(403);
    } finally {
      await app.close();
    }
  });
});
