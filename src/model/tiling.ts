/**
 * Block planning and N-d gather/scatter for tiled prediction, as bioimageio.core's
 * split_shape_into_blocks / Sample.from_blocks: inner = block - 2*halo, inner starts at
 * 0, inner, 2*inner, … with the last block shifted back to end at the image border, blocks
 * extended by the halo with 'reflect' padding outside the image, halo cropped, no blending.
 */
import { DTYPE_CTORS, sizeOf, stridesOf, type NdArray } from '../ndarray/ndarray.js';

interface AxisBlock {
  /** Inner (kept) region in image coordinates. */
  start: number;
  stop: number;
  /** Halo on each side (0 on untiled axes). */
  halo: number;
}

/** One block: per input axis, its inner range and halo. */
export type Block = AxisBlock[];

/**
 * Splits an image of `shape` into blocks of `blockShape` (the shape fed to the model, halo
 * included) with `halo` per axis. An axis with block >= size and no halo is not tiled.
 */
export function planBlocks(shape: number[], blockShape: number[], halo: number[]): Block[] {
  const perAxis: AxisBlock[][] = shape.map((S, k) => {
    const B = blockShape[k];
    const h = halo[k];
    if (B === S && h === 0) return [{ start: 0, stop: S, halo: 0 }];
    const inner = B - 2 * h;
    if (inner <= 0) throw new Error(`block size ${B} along axis ${k} leaves no room inside a halo of ${h} on each side`);
    if (S < B) throw new Error(`image size ${S} along axis ${k} is smaller than the block size ${B}`);
    if (h >= S) throw new Error(`halo ${h} along axis ${k} is not smaller than the image size ${S} (reflect padding impossible)`);
    const out: AxisBlock[] = [];
    for (let p = 0; p < S; p += inner) {
      const start = Math.min(p, S - inner);
      out.push({ start, stop: Math.min(start + inner, S), halo: h });
      if (start + inner >= S) break;
    }
    return out;
  });
  // cartesian product, last axis fastest
  let blocks: Block[] = [[]];
  for (const axis of perAxis) blocks = blocks.flatMap((b) => axis.map((a) => [...b, a]));
  return blocks;
}

/** numpy 'reflect' index (edge not repeated); valid for -S < i < 2S-1. */
const reflectIndex = (i: number, S: number) => (S === 1 ? 0 : i < 0 ? -i : i >= S ? 2 * (S - 1) - i : i);

/** Gathers a block (inner ± halo per axis), reflect-padding outside the image. */
export function gatherBlock(a: NdArray, block: Block): NdArray {
  const idx = block.map((b, k) => {
    const n = b.stop - b.start + 2 * b.halo;
    return Int32Array.from({ length: n }, (_, j) => reflectIndex(b.start - b.halo + j, a.shape[k]));
  });
  return gather(a, idx);
}

/** out[i0..ik] = a[idx0[i0], …, idxk[ik]] */
export function gather(a: NdArray, idx: Int32Array[]): NdArray {
  const shape = idx.map((x) => x.length);
  const n = sizeOf(shape);
  const out = new DTYPE_CTORS[a.dtype](n);
  const strides = stridesOf(a.shape);
  const src = a.data as unknown as number[];
  const dst = out as unknown as number[];
  const d = shape.length;
  if (n === 0) return { data: out, shape, dtype: a.dtype };
  // rows along the last axis; outer axes walked with an odometer
  const last = idx[d - 1];
  const rows = n / last.length;
  const pos = new Array(d - 1).fill(0);
  let o = 0;
  for (let r = 0; r < rows; r++) {
    let base = 0;
    for (let k = 0; k < d - 1; k++) base += idx[k][pos[k]] * strides[k];
    for (let j = 0; j < last.length; j++) dst[o++] = src[base + last[j]];
    for (let k = d - 2; k >= 0; k--) {
      if (++pos[k] < shape[k]) break;
      pos[k] = 0;
    }
  }
  return { data: out, shape, dtype: a.dtype };
}

/** Writes `src[cropStart[k] : cropStart[k]+len[k]]` into `dst` at `dstStart`. */
export function scatter(dst: NdArray, dstStart: number[], src: NdArray, cropStart: number[], len: number[]): void {
  const d = len.length;
  const ds = stridesOf(dst.shape);
  const ss = stridesOf(src.shape);
  const D = dst.data as unknown as number[];
  const S = src.data as unknown as number[];
  const rows = sizeOf(len.slice(0, d - 1));
  const pos = new Array(d - 1).fill(0);
  for (let r = 0; r < rows; r++) {
    let so = cropStart[d - 1];
    let doff = dstStart[d - 1];
    for (let k = 0; k < d - 1; k++) {
      so += (cropStart[k] + pos[k]) * ss[k];
      doff += (dstStart[k] + pos[k]) * ds[k];
    }
    for (let j = 0; j < len[d - 1]; j++) D[doff + j] = S[so + j];
    for (let k = d - 2; k >= 0; k--) {
      if (++pos[k] < len[k]) break;
      pos[k] = 0;
    }
  }
}
