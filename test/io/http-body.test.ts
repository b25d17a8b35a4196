/**
 * HttpSource streams each Range body into a buffer of the asked size: of a server that sends more
 * than asked only the asked bytes are read (the rest is cancelled, no unbounded buffering), a body
 * longer than its own Content-Range and a short body are errors, and a body arriving in many
 * pieces is reassembled in order.
 */
import { describe, expect, it } from 'vitest';
import { HttpSource } from '../../src/io/http-source.js';

function pieces(bytes: Uint8Array, size: number, pulled?: { n: number }): ReadableStream<Uint8Array> {
  let o = 0;
  return new ReadableStream({
    pull(c) {
      if (pulled) pulled.n++;
      if (o >= bytes.length) return c.close();
      c.enqueue(bytes.slice(o, o + size));
      o += size;
    },
  });
}

const fakeFetch = (body: Uint8Array, piece: number, pulled?: { n: number }, declared = body.length): typeof fetch => async () =>
  new Response(pieces(body, piece, pulled), { status: 206, headers: { 'Content-Range': `bytes 0-${declared - 1}/100000` } });

describe('HttpSource body handling', () => {
  const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 255);
  it('reassembles a body sent in many pieces', async () => {
    const src = new HttpSource('http://x.test/a', { fetch: fakeFetch(data, 333), multiRange: false });
    expect(Array.from(await src.read(0, 5000))).toEqual(Array.from(data));
  });
  it('of a 206 holding more than asked (s3rver answers bytes=0-0 with the whole file), uses the asked bytes and cancels the rest', async () => {
    const pulled = { n: 0 };
    const src = new HttpSource('http://x.test/b', { fetch: fakeFetch(data, 1000, pulled), multiRange: false });
    expect(Array.from(await src.read(0, 2500))).toEqual(Array.from(data.subarray(0, 2500)));
    expect(pulled.n).toBeLessThanOrEqual(4); // 3 pieces read, at most one more queued
    expect(await src.size()).toBe(100_000);
  });
  it('stops a body longer than its own Content-Range', async () => {
    const src = new HttpSource('http://x.test/c', { fetch: fakeFetch(data, 1000, undefined, 2500), multiRange: false });
    await expect(src.read(0, 4000)).rejects.toThrow(/http:\/\/x\.test\/c.*sent more than 2500 bytes/);
  });
  it('refuses a short body', async () => {
    const src = new HttpSource('http://x.test/d', { fetch: fakeFetch(data.subarray(0, 100), 30), multiRange: false });
    await expect(src.read(0, 200)).rejects.toThrow(/received 100 bytes/);
  });
});
