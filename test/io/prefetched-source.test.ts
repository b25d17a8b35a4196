import { describe, expect, it } from 'vitest';
import { BytesSource } from '../../src/io/byte-source.js';
import { PrefetchedSource } from '../../src/io/prefetched-source.js';
import { CountingSource } from '../helpers/counting-source.js';

const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);

function source() {
  const inner = new CountingSource(new BytesSource(data, 'data.bin'));
  const windows = [
    { offset: 0, bytes: data.slice(0, 100) },
    { offset: 900, bytes: data.slice(900) },
  ];
  return { inner, s: new PrefetchedSource(inner, windows, data.length) };
}

describe('PrefetchedSource', () => {
  it('answers reads inside a window from it, and only the others from the inner source', async () => {
    const { inner, s } = source();
    expect(await s.size()).toBe(1000);
    expect(await s.read(10, 50)).toEqual(data.slice(10, 60));
    expect(await s.read(950, 50)).toEqual(data.slice(950, 1000));
    expect(inner.reads).toEqual([]);
    // across a window's edge: the inner source, whole
    expect(await s.read(90, 20)).toEqual(data.slice(90, 110));
    expect(inner.reads).toEqual([[90, 20]]);
  });

  it('readMany: windows from memory, the rest from the inner source, in order; clipped at the end', async () => {
    const { inner, s } = source();
    const seen: number[] = [];
    const got = await s.readMany(
      [
        { offset: 0, length: 4 },
        { offset: 500, length: 10 },
        { offset: 990, length: 50 },
      ],
      { clip: true, onRange: (i) => seen.push(i) },
    );
    expect(got).toEqual([data.slice(0, 4), data.slice(500, 510), data.slice(990, 1000)]);
    expect(seen.sort()).toEqual([0, 1, 2]);
    expect(inner.reads).toEqual([[500, 10]]);
  });

  it('a read beyond the end is an error naming the source', async () => {
    const { s } = source();
    await expect(s.read(995, 10)).rejects.toThrow(/data\.bin/);
    await expect(s.readMany([{ offset: 995, length: 10 }])).rejects.toThrow(/data\.bin/);
  });
});
