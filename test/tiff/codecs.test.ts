/**
 * Codec decoders on inputs built by hand from the format specs (TIFF 6.0 §14 horizontal
 * differencing, Adobe Technote 3 floating-point predictor, PackBits) and by independent
 * encoders (node:zlib), plus the zarrita registration under both ids.
 */
import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { registry } from 'zarrita';
import { python } from '../helpers/paths.js';
import { run } from './helpers.js';
import { CODEC_IDS, decodeChunk, decodeZarrChunk, registerCodecs, tiffCodecs } from '../../src/codecs/index.js';

describe('codecs', () => {
  it('zlib and gzip (node:zlib encoded)', async () => {
    const data = new TextEncoder().encode('imjoy '.repeat(100));
    expect(await decodeChunk({ id: 'zlib' }, deflateSync(data))).toEqual(data);
    expect(await decodeChunk({ id: 'numcodecs.gzip' }, gzipSync(data))).toEqual(data);
  });
  it('PackBits (TIFF 6.0 example stream)', async () => {
    // TIFF 6.0 spec, PackBits example: packed FE AA 02 80 00 2A FD AA 03 80 00 2A 22 F7 AA
    const packed = new Uint8Array([0xfe, 0xaa, 0x02, 0x80, 0x00, 0x2a, 0xfd, 0xaa, 0x03, 0x80, 0x00, 0x2a, 0x22, 0xf7, 0xaa]);
    const unpacked = [0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0xaa, 0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0x22, ...Array(10).fill(0xaa)];
    expect(Array.from(await decodeChunk({ id: 'imagecodecs_packbits' }, packed))).toEqual(unpacked);
  });
  it('imagecodecs_delta, uint16 big-endian, one row of 3', async () => {
    // values 1000, 1003, 998 → differences 1000, 3, -5 (mod 2^16 = 65531), stored big-endian
    const enc = new Uint8Array([0x03, 0xe8, 0x00, 0x03, 0xff, 0xfb]);
    const out = await decodeChunk({ id: 'imagecodecs_delta', axis: -1, dist: 1, shape: [1, 3], dtype: '>u2' }, enc);
    expect(Array.from(out)).toEqual([0x03, 0xe8, 0x03, 0xeb, 0x03, 0xe6]);
  });
  it('imagecodecs_delta, chunky RGB (axis -2): differences per sample', async () => {
    // 2 rows × 2 pixels × 3 samples; row 0 pixels (10,20,30),(11,25,28): diffs (10,20,30),(1,5,254)
    const enc = new Uint8Array([10, 20, 30, 1, 5, 254, 0, 0, 0, 7, 7, 7]);
    const out = await decodeChunk({ id: 'imagecodecs_delta', axis: -2, dist: 1, shape: [2, 2, 3], dtype: '|u1' }, enc);
    expect(Array.from(out)).toEqual([10, 20, 30, 11, 25, 28, 0, 0, 0, 7, 7, 7]);
  });
  for (const dtype of ['>f4', '<f4']) {
    it(`imagecodecs_floatpred ${dtype}: byte planes MSB first, then byte differences`, async () => {
      // values 1.0 (3F800000) and 2.0 (40000000): planes [3F 40][80 00][00 00][00 00]
      // → differenced bytes 3F 01 40 80 00 00 00 00
      const enc = new Uint8Array([0x3f, 0x01, 0x40, 0x80, 0x00, 0x00, 0x00, 0x00]);
      const out = await decodeChunk({ id: 'imagecodecs_floatpred', axis: -1, dist: 1, shape: [1, 2], dtype }, enc);
      const dv = new DataView(out.buffer, out.byteOffset);
      const le = dtype[0] === '<';
      expect([dv.getFloat32(0, le), dv.getFloat32(4, le)]).toEqual([1, 2]);
    });
  }
  it('decodeZarrChunk: compressor then filters, short result zero-padded', async () => {
    const diffs = new Uint8Array([5, 1, 1, 1]); // 5,6,7,8 for a [2,4] chunk whose 2nd row is missing
    const out = await decodeZarrChunk({ compressor: { id: 'zlib' }, filters: [{ id: 'imagecodecs_delta', axis: -1, dist: 1, shape: [2, 4], dtype: '|u1' }], chunks: [2, 4], dtype: '|u1' }, deflateSync(diffs));
    expect(Array.from(out)).toEqual([5, 6, 7, 8, 0, 0, 0, 0]);
  });
  it('blosc and zstd (encoded by Debian numcodecs)', async () => {
    const script = 'import numcodecs,numpy as np,sys,base64,json;a=(np.arange(5000)%251).astype("u2").tobytes();' +
      'print(json.dumps({k:base64.b64encode(c.encode(a)).decode() for k,c in [("blosc",numcodecs.Blosc(cname="lz4",shuffle=1)),("bloscz",numcodecs.Blosc(cname="zstd",shuffle=2)),("zstd",numcodecs.Zstd(level=3))]}))';
    const enc = JSON.parse((await run(python, ['-c', script])).stdout) as Record<string, string>;
    const expected = new Uint8Array(new Uint16Array(Array.from({ length: 5000 }, (_, i) => i % 251)).buffer);
    const b64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
    expect(await decodeChunk({ id: 'blosc' }, b64(enc.blosc))).toEqual(expected);
    expect(await decodeChunk({ id: 'numcodecs.blosc' }, b64(enc.bloscz))).toEqual(expected);
    expect(await decodeChunk({ id: 'zstd' }, b64(enc.zstd))).toEqual(expected);
    expect(await decodeChunk({ id: 'imagecodecs_zstd' }, b64(enc.zstd))).toEqual(expected);
  });
  it('unknown codec ids are an error naming the id', async () => {
    await expect(decodeChunk({ id: 'imagecodecs_jpegxl' }, new Uint8Array(1))).rejects.toThrow(/imagecodecs_jpegxl/);
  });
  it('every id tiffCodecs can emit has a decoder', () => {
    const emitted = new Set<string>();
    for (const compression of [1, 5, 7, 8, 32946, 50013, 32773, 50000, 50001]) {
      for (const predictor of [1, 2, 3]) {
        const c = tiffCodecs({ compression, predictor, samplesPerPixel: 1, planar: 1, photometric: 1, extraSamples: [], bitsPerSample: 8, chunks: [1, 8], dtype: '|u1' });
        if (c.compressor) emitted.add(c.compressor.id);
        for (const f of c.filters ?? []) emitted.add(f.id);
      }
    }
    for (const id of emitted) expect(CODEC_IDS as readonly string[]).toContain(id);
    expect(() => tiffCodecs({ compression: 34712, predictor: 1, samplesPerPixel: 1, planar: 1, photometric: 1, extraSamples: [], bitsPerSample: 8, chunks: [1], dtype: '|u1' })).toThrow(/compression 34712 is not supported/);
  });
  it('registerCodecs registers bare and numcodecs. ids in zarrita', () => {
    registerCodecs();
    for (const id of ['imagecodecs_lzw', 'imagecodecs_jpeg', 'imagecodecs_packbits', 'imagecodecs_zstd', 'imagecodecs_webp', 'imagecodecs_delta', 'imagecodecs_floatpred']) {
      expect(registry.has(id)).toBe(true);
      expect(registry.has(`numcodecs.${id}`)).toBe(true);
    }
    for (const id of ['zlib', 'gzip', 'zstd', 'blosc']) expect(registry.has(`numcodecs.${id}`)).toBe(true);
  });
});
