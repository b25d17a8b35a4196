/**
 * Our JS Blosc decoder against frames written by c-blosc (Debian python3-numcodecs): every frame
 * decodes to the bytes numpy wrote; frames it leaves to numcodecs' wasm (bitshuffle, zstd,
 * blosclz) return null and still decode through decodeChunk; broken frames are clear errors.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bloscHeader, decodeBloscFast, decodeBloscInto, lz4Backend, outViews, setLz4Wasm, unshuffleInto, type BloscSink } from '../../src/codecs/blosc.js';
import { decodeChunk } from '../../src/codecs/index.js';
import { python, repoRoot } from '../helpers/paths.js';

let dir = '';
let names: string[] = [];
const frame = (n: string) => new Uint8Array(fs.readFileSync(path.join(dir, `${n}.blosc`)));
const raw = (n: string) => new Uint8Array(fs.readFileSync(path.join(dir, `${n}.raw`)));
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blosc-'));
  names = JSON.parse(execFileSync(python, [path.join(repoRoot, 'test/codecs/py/make_blosc.py'), dir], { encoding: 'utf8' })) as string[];
});

const FALLBACK = ['zstd-shuffle-u2', 'blosclz-shuffle-u2'];

afterAll(() => setLz4Wasm(true, { unshuffle: true }));

const use = (backend: 'wasm+simd' | 'wasm' | 'js') => setLz4Wasm(backend !== 'js', { unshuffle: backend === 'wasm+simd' });

for (const backend of ['wasm+simd', 'wasm', 'js'] as const) {
  describe(`decodeBloscFast (c-blosc frames), ${backend}`, () => {
    beforeEach(() => {
      use(backend);
      expect(lz4Backend()).toBe(backend);
    });

    it('decodes LZ4/LZ4HC, byte shuffle and none, typesizes 1–8, leftover blocks, memcpyed frames', () => {
      const fast = names.filter((n) => !FALLBACK.includes(n));
      expect(fast.length).toBeGreaterThanOrEqual(10);
      for (const n of fast) {
        const out = decodeBloscFast(frame(n));
        expect(out, n).not.toBeNull();
        expect(same(out!, raw(n)), n).toBe(true);
      }
    });

    it('leaves zstd and blosclz frames to c-blosc (null), and decodeChunk still decodes them', async () => {
      for (const n of FALLBACK) {
        expect(decodeBloscFast(frame(n)), n).toBeNull();
        expect(same(await decodeChunk({ id: 'blosc' }, frame(n)), raw(n)), n).toBe(true);
      }
    });

    it('decodeChunk and the numcodecs. id use the fast path with the same result', async () => {
      const n = 'lz4-shuffle-u2-multiblock';
      expect(same(await decodeChunk({ id: 'numcodecs.blosc', cname: 'lz4', clevel: 5, shuffle: 1 }, frame(n)), raw(n))).toBe(true);
    });

    it('decodeBloscInto hands every decoded byte to the sink exactly once; stored streams stay in the frame', () => {
      let inPlace = 0;
      for (const n of names.filter((x) => !FALLBACK.includes(x))) {
        const f = frame(n);
        const want = raw(n);
        const out = new Uint8Array(want.length);
        const seen = new Uint8Array(want.length);
        const views = outViews(out);
        const mark = (a: number, b: number) => {
          for (let i = a; i < b; i++) seen[i]++;
        };
        const sink: BloscSink = {
          bytes(at, src, off, len) {
            if (src === f) inPlace++;
            out.set(src.subarray(off, off + len), at);
            mark(at, at + len);
          },
          shuffled(at, count, typesize, streams, offs) {
            if (streams.includes(f)) inPlace++;
            // in two halves, as a region sink does for an element range split over two output rows
            const half = count >> 1;
            unshuffleInto(views, at, half, typesize, streams, offs, 0);
            unshuffleInto(views, at + half, count - half, typesize, streams, offs, half);
            mark(at * typesize, (at + count) * typesize);
          },
        };
        expect(bloscHeader(f)).toMatchObject({ nbytes: want.length, supported: true });
        expect(decodeBloscInto(f, sink), n).toBe(true);
        expect(same(out, want), n).toBe(true);
        expect(seen.every((x) => x === 1), n).toBe(true);
      }
      // stored streams (incompressible bytes, memcpyed frames) reach the sink from the frame itself,
      // except shuffled ones under the SIMD unshuffle, which copies them into wasm memory
      expect(inPlace).toBeGreaterThan(0);
      expect(decodeBloscInto(frame('zstd-shuffle-u2'), { bytes: () => {}, shuffled: () => {} })).toBe(false);
    });

    it('broken frames are errors that say what is wrong, not reads past the end', () => {
      const f = frame('lz4-shuffle-u2-multiblock');
      expect(() => decodeBloscFast(f.subarray(0, 10))).toThrow(/shorter than the 16-byte header/);
      expect(() => decodeBloscFast(f.subarray(0, f.length - 100))).toThrow(/compressed bytes, the chunk has/);
      // a header that claims a huge decoded size is refused before allocating it
      const huge = f.slice();
      new DataView(huge.buffer).setUint32(4, 0xfffffff0, true);
      expect(() => decodeBloscFast(huge)).toThrow(/claims 4294967280 decoded bytes/);
      // a block offset pointing past the frame
      const badStart = f.slice();
      new DataView(badStart.buffer).setUint32(16, f.length + 5, true);
      expect(() => decodeBloscFast(badStart)).toThrow(/beyond the frame/);
      // corrupt LZ4 data: every byte of the first stream's body flipped
      const corrupt = f.slice();
      const dv = new DataView(corrupt.buffer);
      const s = dv.getUint32(16, true);
      const cs = dv.getUint32(s, true);
      for (let i = s + 4; i < s + 4 + cs; i++) corrupt[i] ^= 0x5a;
      expect(() => decodeBloscFast(corrupt)).toThrow(/^blosc: /);
    });
  });
}

describe('wasm (with and without SIMD unshuffle) and JS agree', () => {
  it('on every corruption of c-blosc streams: the same bytes, or all a blosc: error', () => {
    // deterministic: flipped bytes and truncated streams anywhere in the frame's body
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    const outcome = (f: Uint8Array, backend: 'wasm+simd' | 'wasm' | 'js') => {
      use(backend);
      try {
        return Buffer.from(decodeBloscFast(f)!).toString('base64');
      } catch (e) {
        expect(String((e as Error).message), 'only our own errors').toMatch(/^blosc: /);
        return 'error';
      }
    };
    let errors = 0, decoded = 0;
    for (const n of ['lz4-shuffle-u2', 'lz4-noshuffle-u2-runs', 'lz4-shuffle-u1-runs', 'lz4hc-shuffle-u2', 'lz4-shuffle-f8']) {
      const f = frame(n);
      for (let k = 0; k < 60; k++) {
        const bad = f.slice();
        const flips = 1 + rand(3);
        for (let i = 0; i < flips; i++) bad[16 + rand(bad.length - 16)] ^= 1 + rand(255);
        const w = outcome(bad, 'wasm+simd'), j = outcome(bad, 'js');
        expect(w, `${n} #${k}`).toBe(j);
        expect(outcome(bad, 'wasm'), `${n} #${k}`).toBe(j);
        if (w === 'error') errors++;
        else decoded++;
      }
    }
    use('wasm+simd');
    expect(errors).toBeGreaterThan(50);
    expect(decoded).toBeGreaterThan(0); // flips in literals decode (to other bytes), as in c-blosc
  });

  it('the wasm modules are lz4.wat and unshuffle.wat compiled (test/codecs/build-lz4-wasm.mjs)', async () => {
    const { compileWasm } = await import('./build-lz4-wasm.mjs');
    const committed = await import('../../src/codecs/lz4-wasm.js');
    expect(await compileWasm()).toEqual({ LZ4_WASM: committed.LZ4_WASM, UNSHUFFLE_WASM: committed.UNSHUFFLE_WASM });
  });
});
