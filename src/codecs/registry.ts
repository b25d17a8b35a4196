/**
 * Registers our decoders in zarrita's codec registry under the bare id and `numcodecs.<id>`
 * (zarrita ≥ 0.7 prefixes zarr v2 compressor/filter ids with `numcodecs.`).
 *
 * Exports: `registerCodecs()` (idempotent). Decoding only: `encode` throws.
 * zarrita's own `zlib`, `gzip`, `zstd`, `blosc` stay as they are (same formats).
 */
import { registry } from 'zarrita';
import { decodeChunk } from './decode.js';
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
  for (const [id, entry] of entries) {
    const load = async () => entry as any;
    registry.set(id, load);
    registry.set(`numcodecs.${id}`, load);
  }
}
