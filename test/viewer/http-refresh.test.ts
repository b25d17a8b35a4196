import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpSource } from '../../src/io/http-source.js';

// A pre-signed-URL stand-in: "sig=old" is expired (403), "sig=fresh" works; answers slowly so
// many reads are in flight when the expiry is discovered (as tiles of a view are).
let server: http.Server;
let base: string;
const data = Uint8Array.from({ length: 4096 }, (_, i) => i & 255);

beforeAll(async () => {
  server = http.createServer((req, res) => {
    setTimeout(() => {
      if (!req.url?.includes('sig=fresh')) return res.writeHead(403).end('expired');
      const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
      if (!m) return res.writeHead(200).end(Buffer.from(data));
      const a = Number(m[1]);
      const b = Number(m[2]);
      res.writeHead(206, { 'Content-Range': `bytes ${a}-${b}/${data.length}`, 'Content-Length': String(b - a + 1) }).end(Buffer.from(data.subarray(a, b + 1)));
    }, 20);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('HttpSource refresh on 403 with concurrent reads', () => {
  it('refreshes once and every read in flight succeeds with the fresh URL', async () => {
    let calls = 0;
    const s = new HttpSource(`${base}/f?sig=old`, {
      refreshUrl: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 30));
        return `${base}/f?sig=fresh`;
      },
    });
    const reads = await Promise.all(Array.from({ length: 8 }, (_, i) => s.read(i * 100, 50)));
    expect(calls).toBe(1);
    reads.forEach((r, i) => expect(Array.from(r)).toEqual(Array.from(data.subarray(i * 100, i * 100 + 50))));
  });

  it('still fails clearly when the fresh URL is refused too', async () => {
    let calls = 0;
    const s = new HttpSource(`${base}/f?sig=old`, { refreshUrl: () => (calls++, `${base}/f?sig=old2`), retries: 0 });
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => s.read(0, 10)));
    expect(results.every((r) => r.status === 'rejected' && /access denied \(HTTP 403\)/.test(String(r.reason)))).toBe(true);
    expect(calls).toBe(1);
  });
});
