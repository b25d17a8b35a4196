/** BlockCacheSource: runs of missing blocks fetched with one read; warm() reads ahead. */
import { describe, expect, it } from 'vitest';
import { BlockCacheSource } from '../../src/io/block-cache.js';
import { BytesSource, type ByteSource } from '../../src/io/byte-source.js';

const DATA = Uint8Array.from({ length: 50_000 }, (_, i) => (i * 7 + (i >> 8)) & 255);
function counting(): { src: ByteSource; reads: [number, number][] } {
  const inner = new BytesSource(DATA, 'mem');
  const reads: [number, number][] = [];
  return { reads, src: { name: 'mem', size: () => inner.size(), read: (o, l) => (reads.push([o, l]), inner.read(o, l)) } };
}
const slice = (o: number, l: number) => Array.from(DATA.subarray(o, o + l));

describe('BlockCacheSource', () => {
  it('a read spanning several missing blocks is one inner read', async () => {
    const { src, reads } = counting();
    const s = new BlockCacheSource(src, 1024);
    expect(Array.from(await s.read(1000, 3000))).toEqual(slice(1000, 3000));
    expect(reads).toEqual([[0, 4096]]);
    // now blocks 0..3 are cached: a read over blocks 2..5 fetches only 4..5, in one read
    expect(Array.from(await s.read(2100, 3500))).toEqual(slice(2100, 3500));
    expect(reads).toEqual([[0, 4096], [4096, 2048]]);
  });
  it('warm() caches a range with one read; later small reads cost nothing; last block is short', async () => {
    const { src, reads } = counting();
    const s = new BlockCacheSource(src, 4096);
    await s.warm(40_000, 100_000); // clipped to the end of the data
    expect(reads).toEqual([[36_864, 50_000 - 36_864]]);
    for (const o of [40_000, 45_000, 49_990]) expect(Array.from(await s.read(o, 10))).toEqual(slice(o, 10));
    expect(reads.length).toBe(1);
    await s.warm(60_000, 10); // beyond the end: nothing to do
    expect(reads.length).toBe(1);
  });
  it('a large read is served from the cache when warm() fetched all its blocks, else read directly', async () => {
    const { src, reads } = counting();
    const s = new BlockCacheSource(src, 1024);
    expect(Array.from(await s.read(100, 20_000))).toEqual(slice(100, 20_000));
    expect(reads).toEqual([[100, 20_000]]); // > 4 blocks, nothing cached: straight through
    await s.warm(0, 30_000);
    expect(Array.from(await s.read(5000, 20_000))).toEqual(slice(5000, 20_000));
    expect(reads).toEqual([[100, 20_000], [0, 30_720]]);
  });
  it('a failed run is forgotten so a later read retries', async () => {
    let fail = true;
    const inner = new BytesSource(DATA, 'mem');
    const s = new BlockCacheSource({ name: 'flaky', size: () => inner.size(), read: (o, l) => (fail ? Promise.reject(new Error('boom')) : inner.read(o, l)) }, 1024);
    await expect(s.read(0, 3000)).rejects.toThrow('boom');
    fail = false;
    expect(Array.from(await s.read(0, 3000))).toEqual(slice(0, 3000));
  });
  it('over a source with readMany: the runs of all warms of one turn go in ONE call, clipped, without asking the size first', async () => {
    const inner = new BytesSource(DATA, 'mem');
    const calls: { ranges: { offset: number; length: number }[]; clip?: boolean }[] = [];
    let sizeCalls = 0;
    const src: ByteSource = {
      name: 'mem',
      size: () => (sizeCalls++, inner.size()),
      read: (o, l) => inner.read(o, l),
      readMany: async (ranges, opts) => {
        calls.push({ ranges: ranges.map((r) => ({ ...r })), clip: opts?.clip });
        const out = ranges.map((r) => DATA.subarray(r.offset, Math.min(r.offset + r.length, DATA.length)));
        out.forEach((b, i) => opts?.onRange?.(i, b));
        return out;
      },
    };
    const s = new BlockCacheSource(src, 1024);
    await Promise.all([s.warm(0, 3000), s.warm(20_000, 100), s.warm(49_500, 5000)]);
    // the last run reaches past the end (the size is not known yet): the source cuts it
    expect(calls).toEqual([{ ranges: [{ offset: 0, length: 3072 }, { offset: 19_456, length: 1024 }, { offset: 49_152, length: 6144 }], clip: true }]);
    expect(sizeCalls).toBe(0);
    for (const [o, l] of [[10, 2000], [20_010, 50], [49_990, 10]]) expect(Array.from(await s.read(o, l))).toEqual(slice(o, l));
    expect(calls.length).toBe(1);
    await expect(s.read(49_990, 20)).rejects.toThrow(/beyond the end/);
    expect(await s.size()).toBe(DATA.length);
    // reads issued together share a call too; blocks in flight are not asked for twice
    const [a, b, c] = await Promise.all([s.read(30_000, 10), s.read(40_000, 10), s.read(30_005, 10)]);
    expect([Array.from(a), Array.from(b), Array.from(c)]).toEqual([slice(30_000, 10), slice(40_000, 10), slice(30_005, 10)]);
    expect(calls.length).toBe(2);
    expect(calls[1].ranges).toEqual([{ offset: 29_696, length: 1024 }, { offset: 39_936, length: 1024 }]);
  });
});
