import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpSource } from '../../src/io/http-source.js';
import { readRanges } from '../../src/io/coalesce.js';
import { BlockCacheSource } from '../../src/io/block-cache.js';
import { BytesSource, SourceError } from '../../src/io/byte-source.js';

const DATA = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7 + 3) & 255);

/** A tiny server with scripted misbehaviour per path, recording every request. */
let base = '';
const log: { method: string; path: string; range?: string }[] = [];
let server: http.Server;
let flaky = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    log.push({ method: req.method!, path: url.pathname, range: req.headers.range });
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    const sendRange = (data: Uint8Array) => {
      if (!range) return res.writeHead(200).end(Buffer.from(data));
      const [s, e] = [Number(range[1]), Math.min(Number(range[2]), data.length - 1)];
      if (s >= data.length) return res.writeHead(416, { 'Content-Range': `bytes */${data.length}` }).end();
      res.writeHead(206, { 'Content-Range': `bytes ${s}-${e}/${data.length}` }).end(Buffer.from(data.subarray(s, e + 1)));
    };
    if (url.pathname === '/data') return sendRange(DATA);
    if (url.pathname === '/presigned') {
      if (url.searchParams.get('sig') !== 'fresh') return res.writeHead(403).end('<Error>Request has expired</Error>');
      return sendRange(DATA);
    }
    if (url.pathname === '/norange') return res.writeHead(200).end(Buffer.from(DATA));
    if (url.pathname === '/missing') return res.writeHead(404).end();
    if (url.pathname === '/broken') return res.writeHead(500).end();
    if (url.pathname === '/flaky') return flaky++ % 2 === 0 ? res.writeHead(503).end() : sendRange(DATA);
    if (url.pathname === '/short') {
      // Claims a bigger file than it delivers: the body is cut short.
      res.writeHead(206, { 'Content-Range': `bytes 0-99/1000`, 'Content-Length': 10 });
      return res.end(Buffer.alloc(10));
    }
    if (url.pathname === '/stall') return; // never answers
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('HttpSource', () => {
  it('learns the size from Content-Range of a ranged GET, never HEAD', async () => {
    log.length = 0;
    const s = new HttpSource(`${base}/data`);
    expect(await s.size()).toBe(DATA.length);
    expect(Array.from(await s.read(1000, 5))).toEqual(Array.from(DATA.subarray(1000, 1005)));
    expect(log.every((r) => r.method === 'GET' && r.range)).toBe(true);
  });

  it('refuses reads beyond the end, naming the URL without its query', async () => {
    const s = new HttpSource(`${base}/data?X-Amz-Signature=secret`);
    await s.size();
    await expect(s.read(DATA.length - 2, 10)).rejects.toThrow(/^http:\/\/127\.0\.0\.1:\d+\/data: byte range .* beyond the end/);
    await expect(s.read(0, 1)).resolves.toHaveLength(1);
    await expect(s.read(DATA.length - 2, 10).catch((e) => e.message)).resolves.not.toContain('secret');
  });

  it('calls refreshUrl once on 403 and continues with the fresh URL', async () => {
    let calls = 0;
    const s = new HttpSource(`${base}/presigned?sig=old`, { refreshUrl: () => (calls++, `${base}/presigned?sig=fresh`) });
    expect(Array.from(await s.read(10, 3))).toEqual(Array.from(DATA.subarray(10, 13)));
    expect(calls).toBe(1);
    expect(s.url).toContain('sig=fresh');
  });

  it('reports 403 without a refresh hook, 404 and 500 clearly', async () => {
    await expect(new HttpSource(`${base}/presigned?sig=old`).read(0, 4)).rejects.toThrow(/HTTP 403.*expired/);
    await expect(new HttpSource(`${base}/missing`).size()).rejects.toThrow(/missing: not found \(HTTP 404\)/);
    await expect(new HttpSource(`${base}/broken`, { retries: 1 }).read(0, 4)).rejects.toMatchObject({ status: 500 });
  });

  it('retries transient 5xx', async () => {
    flaky = 0;
    const s = new HttpSource(`${base}/flaky`, { retries: 2 });
    expect(Array.from(await s.read(0, 2))).toEqual([3, 10]);
  });

  it('fails clearly when the server ignores Range', async () => {
    // The first read near the start asks for two ranges (multi-range detection): a 200 with the
    // whole file is what S3 answers to those, so its first bytes are used; the next read has one
    // range, and a 200 to that is an error.
    const s = new HttpSource(`${base}/norange`);
    expect(Array.from(await s.read(0, 10))).toEqual(Array.from(DATA.subarray(0, 10)));
    await expect(s.read(50_000, 10)).rejects.toThrow(/ignores HTTP Range/);
    await expect(new HttpSource(`${base}/norange`, { multiRange: false }).read(0, 10)).rejects.toThrow(/ignores HTTP Range/);
  });

  it('fails clearly on a short body and on a stalled server (bounded time)', async () => {
    await expect(new HttpSource(`${base}/short`).read(0, 100)).rejects.toThrow(SourceError);
    const t = Date.now();
    await expect(new HttpSource(`${base}/stall`, { timeoutMs: 300, retries: 0 }).read(0, 4)).rejects.toThrow(/timed out/);
    expect(Date.now() - t).toBeLessThan(5000);
  });
});

describe('readRanges (coalescing) and BlockCacheSource', () => {
  it('reads many adjacent ranges with few requests and returns them in order', async () => {
    log.length = 0;
    const s = new HttpSource(`${base}/data`);
    const ranges = Array.from({ length: 50 }, (_, i) => ({ offset: (49 - i) * 1000 + 10, length: 900 }));
    const parts = await readRanges(s, ranges, { maxGap: 200 });
    parts.forEach((p, i) => expect(Array.from(p)).toEqual(Array.from(DATA.subarray(ranges[i].offset, ranges[i].offset + 900))));
    expect(log.length).toBe(1);
    log.length = 0;
    await readRanges(s, ranges, { maxGap: 50 });
    expect(log.length).toBe(50);
  });

  it('serves scattered small reads from cached blocks', async () => {
    let reads = 0;
    const inner = new BytesSource(DATA, 'mem');
    const counting = { name: 'mem', size: () => inner.size(), read: (o: number, l: number) => (reads++, inner.read(o, l)) };
    const s = new BlockCacheSource(counting, 4096);
    for (let i = 0; i < 200; i++) {
      const o = (i * 37) % 8000;
      expect(Array.from(await s.read(o, 12))).toEqual(Array.from(DATA.subarray(o, o + 12)));
    }
    expect(reads).toBe(2);
    // Straddling a block boundary stitches two blocks.
    expect(Array.from(await s.read(4090, 12))).toEqual(Array.from(DATA.subarray(4090, 4102)));
    await expect(s.read(DATA.length - 1, 2)).rejects.toThrow(/beyond the end/);
  });
});
