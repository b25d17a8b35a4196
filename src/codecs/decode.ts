/**
 * One decoder per codec id the reference maker emits (plus the numcodecs ids zipped Zarr
 * stores use), as plain `bytes → bytes` functions usable without zarrita.
 *
 * Exports: `decodeChunk(config, bytes)`, `decodeZarrChunk(meta, bytes)`, `CODEC_IDS`,
 * `undoDelta`, `undoFloatPred`.
 *
 * Filters (`imagecodecs_delta`, `imagecodecs_floatpred`) work on the bytes in the file's byte order
 * given by their `dtype` (as Python's numcodecs/imagecodecs do). Decompressors come from maintained
 * packages: Node's zlib where present (native.ts), else fflate (zlib/gzip); fzstd (zstd); blosc.ts
 * for LZ4/shuffle Blosc frames and numcodecs' wasm c-blosc for the rest; geotiff.js (PackBits, JPEG
 * with JPEGTables, WebP — WebP needs a browser: geotiff decodes it with createImageBitmap). LZW is
 * our own (lzw.ts: linear in the strip size, errors on corrupt streams; the npm decoders are
 * quadratic on large strips or hang on corrupt ones).
 */
import { unzlibSync, gunzipSync } from 'fflate';
import { decompress as zstdDecompress } from 'fzstd';
import { getDecoder, rgb } from 'geotiff';
import { decodeBloscFast } from './blosc.js';
import { decodeLzw } from './lzw.js';
import { nativeDecoders } from './native.js';
import type { CodecConfig } from './tiff-map.js';

export const CODEC_IDS = [
  'zlib', 'gzip', 'zstd', 'blosc',
  'imagecodecs_lzw', 'imagecodecs_jpeg', 'imagecodecs_packbits', 'imagecodecs_zstd', 'imagecodecs_webp',
  'imagecodecs_delta', 'imagecodecs_floatpred',
] as const;

const toArrayBuffer = (b: Uint8Array): ArrayBuffer =>
  (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer
    ? b.buffer
    : b.slice().buffer) as ArrayBuffer;

// geotiff's decoders only read these parameters for the predictor, which we apply ourselves
const RAW_PARAMS = { tileWidth: 1, tileHeight: 1, predictor: 1, bitsPerSample: 8, planarConfiguration: 1 };

async function geotiffDecode(compression: number, bytes: Uint8Array, extra: Record<string, unknown> = {}): Promise<Uint8Array> {
  const dec = await getDecoder(compression, { ...RAW_PARAMS, ...extra } as any);
  return new Uint8Array(await dec.decode(toArrayBuffer(bytes)));
}

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

interface DtypeInfo { size: number; big: boolean; kind: string }
function parseDtype(dtype: unknown): DtypeInfo {
  const m = /^([<>|=])([uif])(\d)$/.exec(String(dtype));
  if (!m) throw new Error(`unsupported dtype ${JSON.stringify(dtype)} in predictor filter`);
  return { big: m[1] === '>', kind: m[2], size: Number(m[3]) };
}

function swapInPlace(b: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i + size <= b.length; i += size) {
    for (let a = i, z = i + size - 1; a < z; a++, z--) {
      const t = b[a]; b[a] = b[z]; b[z] = t;
    }
  }
}

const hostLittle = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function typedView(b: Uint8Array, d: DtypeInfo) {
  const buf = b.buffer, off = b.byteOffset, n = b.byteLength / d.size;
  switch (d.size) {
    case 1: return b;
    case 2: return new Uint16Array(buf, off, n);
    case 4: return new Uint32Array(buf, off, n);
    default: return new BigUint64Array(buf, off, n);
  }
}

/** Row geometry for a predictor: rows of `width` elements × `samples` interleaved values. */
function rowGeometry(cfg: CodecConfig, nValues: number) {
  const shape = (cfg.shape as number[] | undefined) ?? [nValues];
  const axis = Number(cfg.axis ?? -1);
  const samples = axis === -2 ? shape[shape.length - 1] : 1;
  const width = shape[shape.length + axis] ?? nValues;
  const rowValues = width * samples;
  return { samples, rowValues, rows: Math.floor(nValues / rowValues) };
}

/** Undo TIFF horizontal differencing (Predictor 2) — imagecodecs_delta semantics. */
function undoDelta(cfg: CodecConfig, bytes: Uint8Array): Uint8Array {
  const d = parseDtype(cfg.dtype);
  const out = bytes.slice(); // aligned copy
  const swap = d.size > 1 && d.big === hostLittle;
  if (swap) swapInPlace(out, d.size);
  const v = typedView(out, d) as any;
  const { samples, rowValues, rows } = rowGeometry(cfg, v.length);
  const dist = samples * Number(cfg.dist ?? 1);
  for (let r = 0; r < rows; r++) {
    const s = r * rowValues;
    for (let i = s + dist; i < s + rowValues; i++) v[i] += v[i - dist];
  }
  if (swap) swapInPlace(out, d.size);
  return out;
}

/** Undo the TIFF floating-point predictor (Predictor 3) — imagecodecs_floatpred semantics. */
function undoFloatPred(cfg: CodecConfig, bytes: Uint8Array): Uint8Array {
  const d = parseDtype(cfg.dtype);
  const nValues = bytes.length / d.size;
  const { samples, rowValues, rows } = rowGeometry(cfg, nValues);
  const rowBytes = rowValues * d.size;
  const out = new Uint8Array(bytes.length);
  const tmp = new Uint8Array(rowBytes);
  for (let r = 0; r < rows; r++) {
    tmp.set(bytes.subarray(r * rowBytes, (r + 1) * rowBytes));
    for (let i = samples; i < rowBytes; i++) tmp[i] = (tmp[i] + tmp[i - samples]) & 255;
    // byte plane k holds byte k (most significant first) of every value in the row
    for (let i = 0; i < rowValues; i++) {
      for (let k = 0; k < d.size; k++) {
        const pos = d.big ? k : d.size - 1 - k;
        out[r * rowBytes + i * d.size + pos] = tmp[k * rowValues + i];
      }
    }
  }
  return out;
}

async function decodeJpeg(cfg: CodecConfig, bytes: Uint8Array): Promise<Uint8Array> {
  const tables = typeof cfg.tables === 'string' ? fromBase64(cfg.tables) : undefined;
  const raw = await geotiffDecode(7, bytes, { JPEGTables: tables });
  // tifffile's colorspaces: data 2 = RGB; jpeg 2 = stored as RGB (no conversion), else YCbCr
  if (cfg.colorspace_data === 2 && cfg.colorspace_jpeg !== 2 && raw.length % 3 === 0) {
    const src = Object.assign(raw, { width: raw.length / 3, height: 1 });
    return new Uint8Array(rgb.fromYCbCr(src as any).buffer);
  }
  return raw;
}

let blosc: Promise<{ fromConfig(c: any): { decode(b: Uint8Array): Uint8Array | Promise<Uint8Array> } }> | undefined;

/**
 * Decode one codec step. Unknown ids are an error naming the id. `size` is the decoded size
 * when known (LZW decodes into exactly that; without it LZW grows its output, at most 256 MiB).
 */
export async function decodeChunk(config: CodecConfig, bytes: Uint8Array, size?: number): Promise<Uint8Array> {
  const id = config.id.startsWith('numcodecs.') ? config.id.slice(10) : config.id;
  switch (id) {
    case 'zlib': {
      const native = nativeDecoders();
      return native ? native.inflate(bytes, size) : unzlibSync(bytes);
    }
    case 'gzip': {
      const native = nativeDecoders();
      return native ? native.gunzip(bytes, size) : gunzipSync(bytes);
    }
    case 'zstd':
    case 'imagecodecs_zstd': return zstdDecompress(bytes);
    case 'blosc': {
      const fast = decodeBloscFast(bytes);
      if (fast) return fast;
      blosc ??= import('numcodecs/blosc').then((m) => m.default as any);
      return (await blosc).fromConfig({ ...config, id: 'blosc' }).decode(bytes);
    }
    case 'imagecodecs_lzw': return decodeLzw(bytes, size);
    case 'imagecodecs_packbits': return geotiffDecode(32773, bytes);
    case 'imagecodecs_jpeg': return decodeJpeg(config, bytes);
    case 'imagecodecs_webp': return geotiffDecode(50001, bytes, { samplesPerPixel: config.hasalpha ? 4 : 3 });
    case 'imagecodecs_delta': return undoDelta(config, bytes);
    case 'imagecodecs_floatpred': return undoFloatPred(config, bytes);
    default: throw new Error(`no decoder for codec "${config.id}"`);
  }
}

/**
 * Decode a stored zarr v2 chunk to its raw bytes (in the dtype's byte order): compressor, then
 * filters in reverse. Pads a short result (the last strip of a strip TIFF) with zeros.
 */
export async function decodeZarrChunk(
  meta: { compressor: CodecConfig | null; filters: CodecConfig[] | null; chunks: number[]; dtype: string },
  bytes: Uint8Array,
): Promise<Uint8Array> {
  const itemsize = Number(meta.dtype.slice(2));
  const full = meta.chunks.reduce((a, x) => a * x, 1) * itemsize;
  let b = meta.compressor ? await decodeChunk(meta.compressor, bytes, full) : bytes;
  if (b.length < full) {
    const p = new Uint8Array(full);
    p.set(b);
    b = p;
  } else if (b.length > full) b = b.subarray(0, full);
  for (const f of [...(meta.filters ?? [])].reverse()) b = await decodeChunk(f, b);
  return b;
}
