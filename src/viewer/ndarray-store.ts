import type { AbsolutePath, AsyncReadable } from '@zarrita/storage';
import { DTYPE_CTORS, fromRpc, type NdArray, type RpcNdArray } from '../ndarray/ndarray.js';

/**
 * An in-memory array (e.g. a numpy array sent from Python) as a bare Zarr v2 array, so the viewer
 * opens it like any other source: one level, axes by rank (or `_ARRAY_DIMENSIONS` when given),
 * uncompressed chunks cut from the C-order data on demand (tiles of the last two axes).
 */
const ZARR_DTYPE: Record<string, string> = {
  bool: '|b1', int8: '|i1', uint8: '|u1', int16: '<i2', uint16: '<u2', int32: '<i4', uint32: '<u4',
  int64: '<i8', uint64: '<u8', float32: '<f4', float64: '<f8',
};
const TILE = 1024;

export function ndarrayStore(x: RpcNdArray | NdArray, dims?: string[]): AsyncReadable {
  const a = 'data' in x ? x : fromRpc(x);
  const shape = a.shape.length >= 2 ? a.shape : [1, ...a.shape];
  const nd = shape.length;
  const chunks = shape.map((s, i) => (i >= nd - 2 ? Math.max(1, Math.min(s, TILE)) : 1));
  const size = DTYPE_CTORS[a.dtype].BYTES_PER_ELEMENT;
  const src = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, q) => p * q, 1));
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  const zarray = json({ zarr_format: 2, shape, chunks, dtype: ZARR_DTYPE[a.dtype], compressor: null, filters: null, fill_value: 0, order: 'C' });
  const zattrs = json(dims && dims.length === nd ? { _ARRAY_DIMENSIONS: dims } : {});

  const chunk = (idx: number[]): Uint8Array | undefined => {
    if (idx.length !== nd || idx.some((c, i) => !Number.isInteger(c) || c < 0 || c * chunks[i] >= shape[i])) return undefined;
    const [cy, cx] = [chunks[nd - 2], chunks[nd - 1]];
    const out = new Uint8Array(cy * cx * size); // edge chunks are full-size, padded with fill_value 0
    let base = 0;
    for (let i = 0; i < nd - 2; i++) base += idx[i] * strides[i];
    const y0 = idx[nd - 2] * cy;
    const x0 = idx[nd - 1] * cx;
    const w = Math.min(cx, shape[nd - 1] - x0);
    for (let y = 0; y < Math.min(cy, shape[nd - 2] - y0); y++) {
      const from = (base + (y0 + y) * shape[nd - 1] + x0) * size;
      out.set(src.subarray(from, from + w * size), y * cx * size);
    }
    return out;
  };

  return {
    async get(key: AbsolutePath) {
      const k = key.slice(1);
      if (k === '.zarray') return zarray;
      if (k === '.zattrs') return zattrs;
      if (!/^\d+(\.\d+)*$/.test(k)) return undefined;
      return chunk(k.split('.').map(Number));
    },
  };
}
