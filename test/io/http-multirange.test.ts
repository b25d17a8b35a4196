/**
 * HttpSource multi-range requests and size learning, against real servers: our static server
 * (multipart/byteranges like nginx), the same server set up like S3 (200 + whole file on a
 * multi-range request; the body must be cancelled, not downloaded), a server answering only the
 * first range, servers refusing multi-range requests (416, 400, 501), an expiring pre-signed URL,
 * a server failing once, a stalled one; and Node's socket transport against fetch.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockCacheSource } from '../../src/io/block-cache.js';
import { readRanges } from '../../src/io/coalesce.js';
import { HttpSource } from '../../src/io/http-source.js';
import { sendFile, startStaticServer, type RunningServer } from '../../src/http/static-server.js';
import { tmpDir } from '../helpers/host.js';

const SIZE = 32 << 20;
const DATA = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i += 4) new DataView(DATA.buffer).setUint32(i, Math.imul(i, 2654435761) >>> 0);
const slice = (o: number, l: number) => DATA.subarray(o, o + l);
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
/** Far-apart ranges (beyond the 4 MiB a 200 answer may be read up to). */
const FAR = [
  { offset: 9 << 20, length: 1000 },
  { offset: 20 << 20, length: 70_000 },
  { offset: SIZE - 5000, length: 5000 },
];

let dir = '';
let file = '';
beforeAll(() => {
  dir = tmpDir();
  file = path.join(dir, 'data.bin');
  fs.writeFileSync(file, DATA);
  fs.linkSync(file, path.join(dir, 'copy.bin')); // another URL: what one source learned does not carry over
});

interface Counted {
  url: string;
  ranges: string[];
  /** Bytes the server wrote to its sockets (headers included). */
  sent(): number;
  /** Connections still open. */
  open(): number;
  close(): Promise<void>;
}

/** Our static server on `dir`, recording Range headers and bytes sent. */
async function staticServer(maxRanges?: number): Promise<Counted> {
  const ranges: string[] = [];
  const srv: RunningServer = await startStaticServer({ mounts: { '/': dir }, maxRanges, onRequest: (r) => ranges.push(r.headers.range ?? '') });
  return { url: `${srv.url}/data.bin`, ranges, ...counter(srv.server), close: () => srv.close() };
}

function counter(server: http.Server): { sent: () => number; open: () => number } {
  const socks = new Set<Socket>();
  let closed = 0;
  server.on('connection', (s: Socket) => {
    socks.add(s);
    s.on('close', () => ((closed += s.bytesWritten), socks.delete(s)));
  });
  return { sent: () => closed + [...socks].reduce((n, s) => n + s.bytesWritten, 0), open: () => socks.size };
}

/** A hand-written server: `multi(req, res)` answers multi-range requests, single ones go to sendFile. */
async function scripted(multi: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Counted> {
  const ranges: string[] = [];
  const server = http.createServer((req, res) => {
    ranges.push(req.headers.range ?? '');
    if ((req.headers.range ?? '').includes(',')) return multi(req, res);
    sendFile(req, res, file);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/data.bin`,
    ranges,
    ...counter(server),
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

const servers: Counted[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
const use = (s: Counted) => (servers.push(s), s);

describe('HttpSource: size from the first read', () => {
  it('a read before size() tells the size: one request in all, and the probe asks for the last byte', async () => {
    const srv = use(await staticServer());
    const s = new HttpSource(srv.url);
    expect(same(await s.read(100, 1000), slice(100, 1000))).toBe(true);
    expect(await s.size()).toBe(SIZE);
    expect(srv.ranges).toEqual(['bytes=100-1099,-1']);
    expect(s.multiRange).toBe(true);
  });

  it('BlockCacheSource warms before it knows the size, and size() then costs nothing', async () => {
    const srv = use(await staticServer());
    const c = new BlockCacheSource(new HttpSource(srv.url), 64 * 1024);
    await c.warm(0, 1 << 20);
    expect(await c.size()).toBe(SIZE);
    expect(same(await c.read(1000, 50_000), slice(1000, 50_000))).toBe(true);
    // reads past the end fail as before, once the size is known
    await expect(c.read(SIZE - 10, 20)).rejects.toThrow(/beyond the end of the data/);
    expect(srv.ranges).toEqual(['bytes=0-1048575,-1']);
  });

  it('a size() alone is one request, also while a first read is in flight', async () => {
    const srv = use(await staticServer());
    const s = new HttpSource(srv.url);
    const [bytes, size] = await Promise.all([s.read(5, 10), s.size()]);
    expect(same(bytes, slice(5, 10))).toBe(true);
    expect(size).toBe(SIZE);
    expect(srv.ranges.length).toBe(1);
    const t = new HttpSource(srv.url + '?x=1');
    expect(await t.size()).toBe(SIZE);
    expect(srv.ranges.length).toBe(2);
  });

  it('an unclipped first read beyond the end fails clearly; a clipped one is cut', async () => {
    const srv = use(await staticServer());
    await expect(new HttpSource(srv.url).read(SIZE - 10, 20)).rejects.toThrow(/byte range \d+\.\.\d+ lies beyond the end of the data \(33554432 bytes\)/);
    const parts = await new HttpSource(srv.url, { multiRange: false }).readMany([{ offset: SIZE - 10, length: 20 }, { offset: SIZE + 100, length: 3 }], { clip: true });
    expect(parts.map((p) => p.length)).toEqual([10, 0]);
    expect(same(parts[0], slice(SIZE - 10, 10))).toBe(true);
  });
});

describe('HttpSource: multi-range requests', () => {
  it('(a) our static server: far-apart ranges in ONE request, parts placed right', async () => {
    const srv = use(await staticServer());
    const s = new HttpSource(srv.url);
    await s.read(0, 100); // detection
    srv.ranges.length = 0;
    const parts = await s.readMany(FAR);
    FAR.forEach((r, i) => expect(same(parts[i], slice(r.offset, r.length))).toBe(true));
    expect(srv.ranges).toEqual([FAR.map((r) => `${r.offset}-${r.offset + r.length - 1}`).join(',').replace(/^/, 'bytes=')]);
    // readRanges: groups far apart go together too; overlapping inputs are fine
    srv.ranges.length = 0;
    const inputs = [{ offset: 30 << 20, length: 10 }, { offset: 100, length: 50 }, { offset: 120, length: 50 }, { offset: 15 << 20, length: 3 }];
    const got = await readRanges(s, inputs, { maxGap: 0 });
    inputs.forEach((r, i) => expect(same(got[i], slice(r.offset, r.length))).toBe(true));
    expect(srv.ranges.length).toBe(1);
    // a negative maxGap turns coalescing off altogether: one request per range
    srv.ranges.length = 0;
    await readRanges(s, FAR, { maxGap: -1 });
    expect(srv.ranges.length).toBe(3);
  });

  it('caps a request at 100 ranges and 16 MiB', async () => {
    const srv = use(await staticServer());
    const s = new HttpSource(srv.url, { multiRange: true });
    const many = Array.from({ length: 250 }, (_, i) => ({ offset: i * 100_000, length: 10 }));
    const parts = await s.readMany(many);
    many.forEach((r, i) => expect(same(parts[i], slice(r.offset, r.length))).toBe(true));
    expect(srv.ranges.map((r) => r.split(',').length)).toEqual([100, 100, 50]);
    srv.ranges.length = 0;
    const big = [0, 10, 20].map((m) => ({ offset: m << 20, length: 7 << 20 }));
    const bp = await s.readMany(big);
    big.forEach((r, i) => expect(same(bp[i], slice(r.offset, r.length))).toBe(true));
    expect(srv.ranges.map((r) => r.split(',').length).sort()).toEqual([1, 2]);
  });

  it('(b) S3-like (200 + whole file): the first read takes its bytes from the body start and cancels the rest; no extra request', async () => {
    const srv = use(await staticServer(1));
    const s = new HttpSource(srv.url);
    expect(same(await s.read(0, 1 << 20), slice(0, 1 << 20))).toBe(true);
    expect(await s.size()).toBe(SIZE);
    expect(srv.ranges).toEqual(['bytes=0-1048575,-1']);
    expect(s.multiRange).toBe(false);
    await expect.poll(() => srv.open()).toBe(0); // the cut connection closed
    // the server pushed what fitted into socket buffers before the client closed, not 32 MiB
    expect(srv.sent()).toBeLessThan(12 << 20);
    // from now on one range per request: as many requests as ranges, no wasted answers
    srv.ranges.length = 0;
    const parts = await s.readMany(FAR);
    FAR.forEach((r, i) => expect(same(parts[i], slice(r.offset, r.length))).toBe(true));
    expect(srv.ranges.length).toBe(3);
    expect(srv.ranges.every((r) => !r.includes(','))).toBe(true);
    // a new source of the same file remembers: no probe
    srv.ranges.length = 0;
    await new HttpSource(srv.url).read(0, 10);
    expect(srv.ranges).toEqual(['bytes=0-9']);
  });

  it('(b) S3-like, far ranges while support is unknown: never a multi-range request (no wasted whole-file answer)', async () => {
    const srv = use(await staticServer(1));
    const s = new HttpSource(srv.url + '?fresh');
    const parts = await s.readMany(FAR);
    FAR.forEach((r, i) => expect(same(parts[i], slice(r.offset, r.length))).toBe(true));
    expect(srv.ranges.length).toBe(3);
    expect(s.multiRange).toBeUndefined();
  });

  it('(c) a server that answers 206 with the first range only: the rest come by single ranges, then no multi-range', async () => {
    const srv = use(await scripted((req, res) => {
      const [first] = req.headers.range!.slice(6).split(',');
      req.headers.range = `bytes=${first}`;
      sendFile(req, res, file);
    }));
    const s = new HttpSource(srv.url, { multiRange: true });
    const parts = await s.readMany(FAR);
    FAR.forEach((r, i) => expect(same(parts[i], slice(r.offset, r.length))).toBe(true));
    expect(srv.ranges.length).toBe(3); // one multi (its first range used) + two single
    expect(srv.ranges[0].split(',').length).toBe(3);
    expect(s.multiRange).toBe(false);
    srv.ranges.length = 0;
    await s.readMany(FAR);
    expect(srv.ranges.length).toBe(3);
    expect(srv.ranges.every((r) => !r.includes(','))).toBe(true);
    // detection on a first read: the probe's answer covers what was asked, so no further request
    const t = new HttpSource(srv.url.replace('data.bin', 'copy.bin'));
    srv.ranges.length = 0;
    expect(same(await t.read(10, 100), slice(10, 100))).toBe(true);
    expect(srv.ranges).toEqual(['bytes=10-109,-1']);
    expect(t.multiRange).toBe(false);
  });

  for (const status of [416, 400, 501]) {
    it(`(d) a server refusing multi-range requests with ${status}: retried with single ranges, remembered`, async () => {
      const srv = use(await scripted((_req, res) => res.writeHead(status, { 'Content-Type': 'application/xml' }).end('<Error><Code>InvalidRange</Code></Error>')));
      const s = new HttpSource(srv.url);
      expect(same(await s.read(0, 1000), slice(0, 1000))).toBe(true);
      expect(srv.ranges).toEqual(['bytes=0-999,-1', 'bytes=0-999']);
      expect(s.multiRange).toBe(false);
      expect(await s.size()).toBe(SIZE);
      srv.ranges.length = 0;
      const parts = await s.readMany(FAR);
      FAR.forEach((r, i) => expect(same(parts[i], slice(r.offset, r.length))).toBe(true));
      expect(srv.ranges.length).toBe(3);
    });
  }

  it('malformed multipart answers fail with an error naming the URL (no query)', async () => {
    const srv = use(await scripted((_req, res) => {
      res.writeHead(206, { 'Content-Type': 'multipart/byteranges; boundary=XX' });
      res.end('\r\n--XX\r\nContent-Type: x\r\n\r\nabc\r\n--XX--\r\n');
    }));
    await expect(new HttpSource(srv.url + '?X-Amz-Signature=secret', { multiRange: true }).readMany(FAR)).rejects.toThrow(
      /^http:\/\/127\.0\.0\.1:\d+\/data\.bin: malformed multipart\/byteranges response: part 1 has no Content-Range header$/,
    );
  });

  it('refreshUrl on 403 works for multi-range requests', async () => {
    const ranges: string[] = [];
    const server = http.createServer((req, res) => {
      ranges.push(req.headers.range ?? '');
      if (new URL(req.url!, 'http://x').searchParams.get('sig') !== 'fresh') return res.writeHead(403).end('<Error>Request has expired</Error>');
      sendFile(req, res, file);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data.bin`;
    try {
      let calls = 0;
      const s = new HttpSource(`${base}?sig=old`, { multiRange: true, refreshUrl: () => (calls++, `${base}?sig=fresh`) });
      const parts = await s.readMany(FAR);
      FAR.forEach((r, i) => expect(same(parts[i], slice(r.offset, r.length))).toBe(true));
      expect(calls).toBe(1);
      expect(ranges.length).toBe(2);
      expect(ranges[0]).toBe(ranges[1]);
      expect(ranges[0].split(',').length).toBe(3);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('retries a multi-range request after a 503; times out a stalled one', async () => {
    let n = 0;
    const srv = use(await scripted((req, res) => {
      if (n++ === 0) return res.writeHead(503).end();
      sendFile(req, res, file);
    }));
    const parts = await new HttpSource(srv.url, { multiRange: true, retries: 2 }).readMany(FAR);
    FAR.forEach((r, i) => expect(same(parts[i], slice(r.offset, r.length))).toBe(true));
    expect(srv.ranges.length).toBe(2);
    const stall = use(await scripted(() => {}));
    const t = Date.now();
    await expect(new HttpSource(stall.url, { multiRange: true, retries: 0, timeoutMs: 300 }).readMany(FAR)).rejects.toThrow(/timed out/);
    expect(Date.now() - t).toBeLessThan(5000);
    // a body that stalls after the headers times out too
    const midway = use(await scripted((_req, res) => {
      res.writeHead(206, { 'Content-Type': 'multipart/byteranges; boundary=XX' });
      res.write('\r\n--XX\r\nContent-Range: bytes 0-99/100000\r\n\r\n0123');
    }));
    await expect(new HttpSource(midway.url, { multiRange: true, retries: 0, timeoutMs: 300 }).readMany(FAR)).rejects.toThrow(
      /data\.bin: the response to a request for 3 ranges \(76000 bytes\) broke off: timed out after 300 ms/,
    );
  });
});

describe('HttpSource transports', () => {
  it('the socket transport (default in Node) and fetch give identical bytes and requests; the Node path never calls fetch', async () => {
    const srv = use(await staticServer());
    const real = globalThis.fetch;
    let globalCalls = 0;
    globalThis.fetch = ((...a: Parameters<typeof fetch>) => (globalCalls++, real(...a))) as typeof fetch;
    const ranges = [...FAR, { offset: 3, length: 5 }];
    try {
      let custom = 0;
      const requests: string[][] = [];
      for (const s of [new HttpSource(srv.url), new HttpSource(srv.url.replace('data.bin', 'copy.bin'), { fetch: (u, i) => (custom++, real(u, i)) })]) {
        srv.ranges.length = 0;
        expect(same(await s.read(0, SIZE), DATA)).toBe(true);
        const parts = await s.readMany(ranges);
        ranges.forEach((r, i) => expect(same(parts[i], slice(r.offset, r.length))).toBe(true));
        const again = await s.readMany(ranges); // now known to support multi-range: one request
        ranges.forEach((r, i) => expect(same(again[i], slice(r.offset, r.length))).toBe(true));
        requests.push([...srv.ranges].sort());
      }
      expect(globalCalls).toBe(0);
      expect(custom).toBe(requests[1].length);
      expect(requests[0]).toEqual(requests[1]);
      expect(requests[0].filter((r) => r.split(',').length === 4).length).toBe(1);
    } finally {
      globalThis.fetch = real;
    }
  });

  it('both transports follow redirects (relative and absolute), also for multi-range requests', async () => {
    const target = use(await staticServer());
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.url!);
      if (req.url === '/a') return res.writeHead(302, { Location: '/b' }).end();
      if (req.url === '/b') return res.writeHead(307, { Location: target.url }).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const opts of [{}, { fetch: (u: RequestInfo | URL, i?: RequestInit) => fetch(u, i) }]) {
        const s = new HttpSource(`${base}/a`, { ...opts, multiRange: true });
        const parts = await s.readMany(FAR);
        FAR.forEach((r, i) => expect(same(parts[i], slice(r.offset, r.length))).toBe(true));
        expect(await s.size()).toBe(SIZE);
      }
      expect(seen).toEqual(['/a', '/b', '/a', '/b']);
      expect(target.ranges.length).toBe(2);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('a short body and a body longer than its Content-Range fail clearly on the node path', async () => {
    const server = http.createServer((req, res) => {
      if (req.url === '/short') {
        res.writeHead(206, { 'Content-Range': 'bytes 0-99/1000', 'Content-Length': 10 });
        return res.end(Buffer.alloc(10));
      }
      res.writeHead(206, { 'Content-Range': 'bytes 0-9/1000' }); // chunked, more than declared
      res.end(Buffer.alloc(50));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await expect(new HttpSource(`${base}/short`, { retries: 0 }).read(0, 100)).rejects.toThrow(/short.*broke off|short: asked for bytes 0\.\.100 but received 10 bytes/);
      await expect(new HttpSource(`${base}/long`, { retries: 0 }).read(0, 10)).rejects.toThrow(/long: asked for bytes 0\.\.10 but the server sent more than 10 bytes/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
