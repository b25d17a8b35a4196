/**
 * Node's zlib behind the codec registry: found without a `node:` import (the registry still
 * bundles for browsers), decodes what zlib/gzip wrote whatever the size hint, runs in zarrita
 * under both ids, and falls back to zarrita's own codec when no native decoder is present.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import * as zarr from 'zarrita';
import { decodeChunk, registerCodecs } from '../../src/codecs/index.js';
import { nativeDecoders, setNativeDecoders, type NativeDecoders } from '../../src/codecs/native.js';
import { repoRoot } from '../helpers/paths.js';

// compressible but not trivial: 64 KiB random blocks repeated with variations
function sample(n: number, seed: number): Uint8Array {
  const block = randomBytes(65536);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = block[i % 65536] ^ ((i >> 16) * seed) & 0xff;
  return out;
}

afterEach(() => setNativeDecoders(undefined));

describe('native zlib', () => {
  it('is registered by the Node entry and inflates zlib and gzip streams, with exact, short, long and no size hints', async () => {
    const n = nativeDecoders();
    expect(n).not.toBeNull();
    const data = sample(300_000, 3);
    const z = deflateSync(data);
    const g = gzipSync(data);
    for (const hint of [data.length, 1000, data.length * 3, undefined]) {
      expect(Buffer.from(await n!.inflate(z, hint)).equals(Buffer.from(data)), `hint ${hint}`).toBe(true);
      expect(Buffer.from(await n!.gunzip(g, hint)).equals(Buffer.from(data)), `hint ${hint}`).toBe(true);
    }
    await expect(n!.inflate(z.subarray(0, z.length - 10), data.length)).rejects.toThrow(/unexpected end/i);
    await expect(n!.inflate(new Uint8Array([1, 2, 3, 4]), 10)).rejects.toThrow(/header/i);
  });

  it('decodes many chunks concurrently, each to its own bytes, as plain aligned Uint8Arrays', async () => {
    const chunks = Array.from({ length: 24 }, (_, i) => sample(100_000 + i * 7, i + 1));
    const outs = await Promise.all(chunks.map((c) => decodeChunk({ id: 'zlib' }, deflateSync(c), c.length)));
    outs.forEach((o, i) => {
      expect(Object.getPrototypeOf(o)).toBe(Uint8Array.prototype);
      expect(o.byteOffset % 8).toBe(0);
      expect(Buffer.from(o).equals(Buffer.from(chunks[i]))).toBe(true);
    });
  });

  it('runs inside zarrita for zlib and gzip chunks, and falls back to zarrita\'s codec without it', async () => {
    registerCodecs();
    const chunk = sample(64 * 64 * 2, 5);
    const expected = Array.from(new Uint16Array(chunk.buffer));
    const real = nativeDecoders()!;
    for (const [id, enc] of [['zlib', deflateSync], ['gzip', gzipSync]] as const) {
      const meta = { zarr_format: 2, shape: [64, 64], chunks: [64, 64], dtype: '<u2', compressor: { id, level: 1 }, filters: null, order: 'C', fill_value: 0 };
      const store = {
        async get(key: string) {
          if (key === '/.zarray') return new TextEncoder().encode(JSON.stringify(meta));
          if (key === '/0.0') return new Uint8Array(enc(chunk));
          return undefined;
        },
      };
      let calls = 0;
      const counting: NativeDecoders = {
        inflate: (b, s) => (calls++, real.inflate(b, s)),
        gunzip: (b, s) => (calls++, real.gunzip(b, s)),
      };
      setNativeDecoders(counting);
      const arr = await zarr.open.v2(zarr.root(store), { kind: 'array', attrs: false });
      expect(Array.from((await zarr.get(arr)).data as Uint16Array)).toEqual(expected);
      expect(calls, id).toBe(1);
      setNativeDecoders(null); // a browser: zarrita's DecompressionStream codec
      const arr2 = await zarr.open.v2(zarr.root(store), { kind: 'array', attrs: false });
      expect(Array.from((await zarr.get(arr2)).data as Uint16Array)).toEqual(expected);
      expect(calls, id).toBe(1);
    }
  });

  it('the codec registry bundles for browsers (no node: imports)', async () => {
    const r = await esbuild.build({ entryPoints: [path.join(repoRoot, 'src/codecs/index.ts')], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    const text = r.outputFiles[0].text;
    expect(text).not.toMatch(/(from|import\(|require\()\s*["']node:/);
  });
});
