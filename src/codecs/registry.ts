/**
 * Registers our decoders in zarrita's codec registry under the bare id and `numcodecs.<id>`
 * (zarrita ≥ 0.7 prefixes zarr v2 compressor/filter ids with `numcodecs.`).
 *
 * Exports: `registerCodecs()` (idempotent). Decoding only: `encode` throws.
 * Also replaces zarrita's `zlib`/`gzip` (when the host has a native zlib — Node — which inflates
 * on libuv's threads, ~3× zarrita's DecompressionStream; otherwise zarrita's codec runs) and
 * `blosc` (blosc.ts: LZ4 in wasm, JS where wasm is refused, and shuffle; zarrita's numcodecs wasm for other frames). zarrita's
 * `zstd` stays.
 */
import { registry } from 'zarrita';
import { decodeBloscFast } from './blosc.js';
import { decodeChunk } from './decode.js';
import { nativeDecoders } from './native.js';
import type { CodecConfig } from './tiff-map.js';

const ITEMSIZE: Record<string, number> = {
  int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8, float16: 2, float32: 4, float64: 8,
};

type Meta = { dataType: string; shape: number[] };
type Chunk = { data: ArrayLike<unknown> & ArrayBufferView; shape: number[]; stride: number[] };

const hostLittle = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function swap(b: Uint8Array, size: number) {
  for (let i = 0; i + size <= b.length; i += size) {
    for (let a = i, z = i + size - 1; a < z; a++, z--) { const t = b[a]; b[a] = b[z]; b[z] = t; }
  }
}

const readOnly = () => { throw new Error('imjoy-share codecs decode only'); };

/** Compressors: bytes → bytes; pads a short result (last strip of a strip TIFF) to the chunk size. */
function bytesCodec(id: string) {
  return {
    kind: 'bytes_to_bytes' as const,
    fromConfig(config: unknown, meta: Meta) {
      const cfg = { ...(config as object), id } as CodecConfig;
      const full = meta.shape.reduce((a, x) => a * x, 1) * (ITEMSIZE[meta.dataType] ?? 1);
      return {
        kind: 'bytes_to_bytes' as const,
        encode: readOnly,
        async decode(bytes: Uint8Array) {
          const out = await decodeChunk(cfg, bytes, full);
          if (out.length >= full) return out;
          const p = new Uint8Array(full);
          p.set(out);
          return p;
        },
      };
    },
  };
}

/**
 * Predictor filters: zarrita runs them after its `bytes` codec, on native-order values, while
 * the TIFF predictors are defined on the file's bytes; so go back to file order, undo, return.
 */
function filterCodec(id: string) {
  return {
    kind: 'array_to_array' as const,
    fromConfig(config: unknown) {
      const cfg = { ...(config as object), id } as CodecConfig;
      const big = String(cfg.dtype ?? '').startsWith('>');
      return {
        kind: 'array_to_array' as const,
        encode: readOnly,
        async decode(chunk: Chunk) {
          const size = (chunk.data as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
          const bytes = new Uint8Array(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength).slice();
          const needSwap = size > 1 && big === hostLittle;
          if (needSwap) swap(bytes, size);
          const out = await decodeChunk(cfg, bytes);
          if (needSwap) swap(out, size);
          const Ctor = chunk.data.constructor as new (b: ArrayBuffer, o: number, n: number) => Chunk['data'];
          return { data: new Ctor(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength / size), shape: chunk.shape, stride: chunk.stride };
        },
      };
    },
  };
}

type Loader = () => unknown; // zarrita's loaders return the codec class or a promise of it
type BytesCodec = { decode(b: Uint8Array): Promise<Uint8Array> | Uint8Array };

/**
 * A zarrita codec that tries `fast` first and falls back to zarrita's own codec (`original`) when
 * `fast` returns null — so encoding and rare variants keep zarrita's behaviour.
 */
function withFastPath(original: Loader | undefined, fast: (bytes: Uint8Array, size: number) => Promise<Uint8Array | null> | Uint8Array | null) {
  return {
    kind: 'bytes_to_bytes' as const,
    fromConfig(config: unknown, meta: Meta) {
      const full = meta.shape.reduce((a, x) => a * x, 1) * (ITEMSIZE[meta.dataType] ?? 1);
      let inner: Promise<BytesCodec & { encode?: unknown }> | undefined;
      const fallback = () => {
        if (!original) throw new Error('no fallback codec registered in zarrita');
        return (inner ??= Promise.resolve(original()).then((C) => (C as { fromConfig(c: unknown, m: Meta): BytesCodec }).fromConfig(config, meta)));
      };
      return {
        kind: 'bytes_to_bytes' as const,
        async encode(data: Uint8Array) {
          const c = (await fallback()) as unknown as { encode(d: Uint8Array): Promise<Uint8Array> };
          return c.encode(data);
        },
        async decode(bytes: Uint8Array) {
          const out = await fast(bytes, full);
          if (!out) return (await fallback()).decode(bytes);
          if (out.length >= full) return out;
          const p = new Uint8Array(full); // a short last strip of a strip TIFF, as bytesCodec does
          p.set(out);
          return p;
        },
      };
    },
  };
}

let done = false;
export function registerCodecs(): void {
  if (done) return;
  done = true;
  const entries: [string, object][] = [
    ['imagecodecs_lzw', bytesCodec('imagecodecs_lzw')],
    ['imagecodecs_jpeg', bytesCodec('imagecodecs_jpeg')],
    ['imagecodecs_packbits', bytesCodec('imagecodecs_packbits')],
    ['imagecodecs_zstd', bytesCodec('imagecodecs_zstd')],
    ['imagecodecs_webp', bytesCodec('imagecodecs_webp')],
    ['imagecodecs_delta', filterCodec('imagecodecs_delta')],
    ['imagecodecs_floatpred', filterCodec('imagecodecs_floatpred')],
  ];
  const native = (fn: 'inflate' | 'gunzip') => (bytes: Uint8Array, size: number) => {
    const n = nativeDecoders();
    return n ? n[fn](bytes, size) : null;
  };
  const fast: [string, (b: Uint8Array, size: number) => Promise<Uint8Array | null> | Uint8Array | null][] = [
    ['zlib', native('inflate')],
    ['gzip', native('gunzip')],
    ['blosc', (b) => decodeBloscFast(b)],
  ];
  for (const [id, fn] of fast) {
    // each id keeps its own zarrita fallback (v3 `zlib` and v2 `numcodecs.zlib` are the same format)
    for (const key of [id, `numcodecs.${id}`]) entries.push([key, withFastPath(registry.get(key), fn)]);
  }
  for (const [id, entry] of entries) {
    const load = async () => entry as any;
    registry.set(id, load);
    if (!id.startsWith('numcodecs.') && !fast.some(([f]) => f === id)) registry.set(`numcodecs.${id}`, load);
  }
}
