/**
 * HttpSource streams each Range body into a buffer of the asked size: a server that sends more
 * than asked is stopped with a clear error (no unbounded buffering), a short body is an error,
 * and a body arriving in many pieces is reassembled in order.
 */
import { describe, expect, it } from 'vitest';
import { HttpSource } from '../../src/io/http-source.js';

function pieces(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let o = 0;
  return new ReadableStream({
    pull(c) {
      if (o >= bytes.length) return c.close();
      c.enqueue(bytes.slice(o, o + size));
      o += size;
    },
  });
}

const fakeFetch = (body: Uint8Array, piece: number): typeof fetch => async () =>
  new Response(pieces(body, piece), { status: 206, headers: { 'Content-Range': `bytes 0-${body.length - 1}/100000` } });

describe('HttpSource body handling', () => {
  const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 255);
  it('reassembles a body sent in many pieces', async () => {
    const src = new HttpSource('http://x.test/f', { fetch: fakeFetch(data, 333) });
    expect(Array.from(await src.read(0, 5000))).toEqual(Array.from(data));
  });
  it('stops a server that sends more than the Range asked for', async () => {
    const src = new HttpSource('http://x.test/f', { fetch: fakeFetch(data, 1000) });
    await expect(src.read(0, 2500)).rejects.toThrow(/http:\/\/x\.test\/f.*sent more than 2500 bytes/);
  });
  it('refuses a short body', async () => {
    const src = new HttpSource('http://x.test/f', { fetch: fakeFetch(data.subarray(0, 100), 30) });
    await expect(src.read(0, 200)).rejects.toThrow(/received 100 bytes/);
  });
});
