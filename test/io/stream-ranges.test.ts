/**
 * streamRanges / HttpSource.readStream: the bytes of many ranges handed over as they arrive,
 * against real servers — our static server (multi-range like nginx) and the same server set up
 * like S3 (single ranges only): every byte of every range arrives with the file's value, nothing
 * outside a range is handed over, the requests are the ones `readRanges` makes for the same
 * ranges, a source without `readStream` hands over each range whole, no coalescing means one
 * request per range, and a connection that breaks off is an error naming the URL.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BytesSource, type ByteRange, type ByteSource } from '../../src/io/byte-source.js';
import { readRanges, streamRanges } from '../../src/io/coalesce.js';
import { forgetMultiRange, HttpSource } from '../../src/io/http-source.js';
import { startStaticServer, type RunningServer } from '../../src/http/static-server.js';
import { tmpDir } from '../helpers/host.js';

const SIZE = 12 << 20;
const DATA = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i += 4) new DataView(DATA.buffer).setUint32(i, Math.imul(i + 7, 2246822519) >>> 0);

/** Chunk-like ranges: neighbours with small gaps, far-apart ones, an overlap, a duplicate, an empty one. */
const RANGES: ByteRange[] = [
  { offset: 5 << 20, length: 300_000 },
  { offset: 1000, length: 524_288 },
  { offset: 1000 + 524_288 + 37, length: 524_288 },
  { offset: 1000 + 2 * (524_288 + 37), length: 524_288 },
  { offset: 9 << 20, length: 2 << 20 },
  { offset: (9 << 20) + 1000, length: 10 },
  { offset: 1000, length: 524_288 },
  { offset: 4000, length: 0 },
  { offset: SIZE - 4321, length: 4321 },
];

let dir = '';
const servers: RunningServer[] = [];
let fast = { url: '', ranges: [] as string[] };
let s3like = { url: '', ranges: [] as string[] };

async function serve(maxRanges?: number) {
  const ranges: string[] = [];
  const srv = await startStaticServer({ mounts: { '/': dir }, maxRanges, onRequest: (r) => ranges.push(r.headers.range ?? '') });
  servers.push(srv);
  return { url: `${srv.url}/data.bin`, ranges };
}

beforeAll(async () => {
  dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'data.bin'), DATA);
  fast = await serve();
  s3like = await serve(1);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Streams `ranges` and checks every hand-over; returns the assembled ranges and how often each byte came. */
async function collect(src: ByteSource, ranges: ByteRange[], opts = {}) {
  const out = ranges.map((r) => new Uint8Array(r.length));
  const seen = ranges.map((r) => new Uint8Array(r.length));
  let calls = 0;
  await streamRanges(src, ranges, (i, at, bytes) => {
    calls++;
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at + bytes.length, `range ${i}`).toBeLessThanOrEqual(ranges[i].length);
    out[i].set(bytes, at);
    for (let k = at; k < at + bytes.length; k++) seen[i][k] = 1;
  }, opts);
  return { out, seen, calls };
}

function expectFileBytes(ranges: ByteRange[], out: Uint8Array[], seen: Uint8Array[]) {
  ranges.forEach((r, i) => {
    expect(seen[i].every((x) => x === 1), `every byte of range ${i} handed over`).toBe(true);
    expect(Buffer.from(out[i]).equals(Buffer.from(DATA.subarray(r.offset, r.offset + r.length))), `range ${i} has the file's bytes`).toBe(true);
  });
}

describe('streamRanges over HttpSource', () => {
  for (const which of ['multi-range server', 'S3-like server (single ranges)'] as const) {
    it(`${which}: every byte of every range, with the requests readRanges makes`, async () => {
      const srv = which === 'multi-range server' ? fast : s3like;
      srv.ranges.length = 0;
      forgetMultiRange(); // each source detects multi-range support as a new process would
      const { out, seen } = await collect(new HttpSource(srv.url), RANGES);
      expectFileBytes(RANGES, out, seen);
      const streamed = [...srv.ranges].sort();
      srv.ranges.length = 0;
      forgetMultiRange();
      const bufs = await readRanges(new HttpSource(srv.url), RANGES);
      RANGES.forEach((_r, i) => expect(Buffer.from(bufs[i]).equals(Buffer.from(out[i]))).toBe(true));
      expect(streamed).toEqual([...srv.ranges].sort());
      // the three neighbouring 512 KiB ranges (37-byte gaps) came in one request
      expect(streamed.some((h) => h.includes(`1000-${1000 + 3 * 524_288 + 2 * 37 - 1}`))).toBe(true);
    });
  }

  it('without coalescing (maxGap < 0): one single-range request per range', async () => {
    fast.ranges.length = 0;
    const ranges = RANGES.slice(0, 5);
    const { out, seen } = await collect(new HttpSource(fast.url, { multiRange: false }), ranges, { maxGap: -1 });
    expectFileBytes(ranges, out, seen);
    expect(fast.ranges.length).toBe(5);
    expect(fast.ranges.every((h) => !h.includes(','))).toBe(true);
  });

  it('a source without readStream hands over each range whole, once', async () => {
    const { out, seen, calls } = await collect(new BytesSource(DATA, 'mem'), RANGES);
    expectFileBytes(RANGES, out, seen);
    expect(calls).toBe(RANGES.length);
  });

  it('a body that breaks off is an error naming the URL', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(206, { 'Content-Range': `bytes 0-999999/${SIZE}`, 'Content-Length': '1000000' });
      res.write(Buffer.alloc(70_000, 1));
      setTimeout(() => res.destroy(), 20);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cut.bin`;
    try {
      const got: number[] = [];
      const p = streamRanges(new HttpSource(url, { multiRange: false, retries: 0 }), [{ offset: 0, length: 1_000_000 }], (_i, _at, b) => void got.push(b.length));
      await expect(p).rejects.toThrow(new RegExp(`${url.replace(/[./]/g, '\\$&')}: the response to a request for bytes 0\\.\\.1000000 broke off`));
      expect(got.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(70_000);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('ranges beyond the end of the file are an error before any request', async () => {
    fast.ranges.length = 0;
    const src = new HttpSource(fast.url);
    await src.read(0, 10);
    fast.ranges.length = 0;
    await expect(streamRanges(src, [{ offset: SIZE - 10, length: 20 }], () => {})).rejects.toThrow(/beyond the end of the data/);
    expect(fast.ranges.length).toBe(0);
  });
});
