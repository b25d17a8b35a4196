/**
 * Pre/post-processing exactly as bioimageio.core (proc_ops.py, stat_calculators.py):
 * - every statistic is computed ONCE, on the tensors as they enter the processing chain (core's
 *   UpdateStats runs first, before any step), over the whole sample — never per tile;
 * - mean/std: population std (ddof 0); eps is hard-wired to 1e-6 (core ignores kwargs.eps);
 * - scale_range: numpy 'linear' quantiles; clip percentiles: numpy 'inverted_cdf';
 * - axes undefined or containing 'batch' → dataset statistics (for one sample, equal to the
 *   sample's statistics over all listed axes); scale_mean_variance uses sample statistics unless
 *   'batch' is listed, as core does;
 * - float32 tensors stay float32 (numpy keeps float32 when combined with Python scalars), other
 *   dtypes are promoted to float64; ensure_dtype casts like numpy astype (truncation, wrap-around).
 */
import { DTYPE_CTORS, isDType, stridesOf, type DType, type NdArray, type TypedArray } from '../ndarray/ndarray.js';
import type { ProcStep } from './spec.js';

/** An array with named axes (ids as in the model description). */
export interface Tensor {
  array: NdArray;
  axes: string[];
}

class ProcessingError extends Error {
  constructor(
    readonly tensor: string,
    readonly step: string,
    message: string,
  ) {
    super(`${tensor}: ${step}: ${message}`);
    this.name = 'ProcessingError';
  }
}

const EPS = 1e-6;

type Obj = Record<string, unknown>;

/** Applies `steps` to tensor `id`; `statsOf(id)` gives the unprocessed tensor statistics come from. */
export function applyProcessing(
  id: string,
  t: Tensor,
  steps: ProcStep[],
  statsOf: (id: string) => Tensor | undefined,
): Tensor {
  let cur = t;
  for (const s of steps) cur = applyStep(id, cur, s, statsOf);
  return cur;
}

function applyStep(id: string, t: Tensor, step: ProcStep, statsOf: (id: string) => Tensor | undefined): Tensor {
  const kw = step.kwargs as Obj;
  const fail = (msg: string) => new ProcessingError(id, step.id, msg);
  const source = (ref: unknown): Tensor => {
    const rid = typeof ref === 'string' && ref ? ref : id;
    const s = statsOf(rid);
    if (!s) throw fail(`reference tensor "${rid}" is not available`);
    return s;
  };
  switch (step.id) {
    case 'ensure_dtype': {
      const dtype = String(kw.dtype);
      if (!isDType(dtype)) throw fail(`unsupported dtype "${dtype}"`);
      return { array: castTo(t.array, dtype), axes: t.axes };
    }
    case 'binarize': {
      const thr = perElement(t, kw.threshold, kw.axis, fail);
      const out = new Uint8Array(t.array.data.length);
      const d = t.array.data;
      for (let i = 0; i < out.length; i++) out[i] = Number(d[i]) > thr(i) ? 1 : 0;
      return { array: { data: out, shape: [...t.array.shape], dtype: 'bool' }, axes: t.axes };
    }
    case 'clip': {
      let lo: (i: number) => number = () => -Infinity;
      let hi: (i: number) => number = () => Infinity;
      if (typeof kw.min === 'number') lo = () => kw.min as number;
      else if (typeof kw.min_percentile === 'number') lo = quantileStat(source(undefined), axesOf(kw.axes), kw.min_percentile / 100, 'inverted_cdf', t, fail);
      if (typeof kw.max === 'number') hi = () => kw.max as number;
      else if (typeof kw.max_percentile === 'number') hi = quantileStat(source(undefined), axesOf(kw.axes), kw.max_percentile / 100, 'inverted_cdf', t, fail);
      return map(t, (v, i) => Math.min(Math.max(v, lo(i)), hi(i)));
    }
    case 'scale_linear': {
      const gain = perElement(t, kw.gain ?? 1, kw.axis, fail);
      const offset = perElement(t, kw.offset ?? 0, kw.axis, fail);
      return map(t, (v, i) => v * gain(i) + offset(i));
    }
    case 'sigmoid':
      return map(t, (v) => 1 / (1 + Math.exp(-v)));
    case 'softmax':
      return softmax(t, String(kw.axis ?? 'channel'), fail);
    case 'zero_mean_unit_variance': {
      const { mean, std } = meanStd(source(undefined), axesOf(kw.axes), t, fail);
      return map(t, (v, i) => (v - mean(i)) / (std(i) + EPS));
    }
    case 'fixed_zero_mean_unit_variance': {
      const mean = perElement(t, kw.mean, kw.axis, fail);
      const std = perElement(t, kw.std, kw.axis, fail);
      return map(t, (v, i) => (v - mean(i)) / (std(i) + EPS));
    }
    case 'scale_range': {
      const ref = source(kw.reference_tensor);
      const axes = axesOf(kw.axes);
      const qlo = num(kw.min_percentile, 0) / 100;
      const qhi = num(kw.max_percentile, 100) / 100;
      if (!(qlo < qhi)) throw fail(`min_percentile must be below max_percentile`);
      const lo = quantileStat(ref, axes, qlo, 'linear', t, fail);
      const hi = quantileStat(ref, axes, qhi, 'linear', t, fail);
      return map(t, (v, i) => (v - lo(i)) / (hi(i) - lo(i) + EPS));
    }
    case 'scale_mean_variance': {
      const axes = axesOf(kw.axes);
      const eps = num(kw.eps, EPS);
      const own = meanStd(source(undefined), axes, t, fail);
      const ref = meanStd(source(kw.reference_tensor), axes, t, fail);
      return map(t, (v, i) => ((v - own.mean(i)) / (own.std(i) + eps)) * (ref.std(i) + eps) + ref.mean(i));
    }
    default:
      throw fail('unknown processing step (not runnable here)');
  }
}

const num = (x: unknown, d: number) => (typeof x === 'number' ? x : d);
const axesOf = (a: unknown): string[] | undefined => (Array.isArray(a) ? a.map(String) : undefined);

/** Result dtype of arithmetic, as numpy with Python scalars: float32 stays, the rest → float64. */
function map(t: Tensor, f: (v: number, i: number) => number): Tensor {
  const src = t.array.data;
  const out = t.array.dtype === 'float32' ? new Float32Array(src.length) : new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f(Number(src[i]), i);
  return { array: { data: out, shape: [...t.array.shape], dtype: t.array.dtype === 'float32' ? 'float32' : 'float64' }, axes: t.axes };
}

/** numpy astype: floats truncate toward zero and wrap into integer types; NaN becomes 0. */
export function castTo(a: NdArray, dtype: DType): NdArray {
  if (a.dtype === dtype) return a;
  const n = a.data.length;
  const out: TypedArray = new DTYPE_CTORS[dtype](n);
  const src = a.data;
  if (dtype === 'bool') {
    for (let i = 0; i < n; i++) (out as Uint8Array)[i] = src[i] ? 1 : 0;
  } else if (dtype === 'int64' || dtype === 'uint64') {
    const o = out as BigInt64Array;
    for (let i = 0; i < n; i++) {
      const v = src[i];
      o[i] = typeof v === 'bigint' ? v : BigInt(Number.isFinite(v) ? Math.trunc(v) : 0);
    }
  } else if (dtype === 'float32' || dtype === 'float64') {
    for (let i = 0; i < n; i++) (out as Float64Array)[i] = Number(src[i]);
  } else {
    for (let i = 0; i < n; i++) {
      const v = Number(src[i]);
      (out as Int32Array)[i] = Number.isFinite(v) ? Math.trunc(v) : 0;
    }
  }
  return { data: out, shape: [...a.shape], dtype };
}

/** A scalar, or a list along `axis` (0.5 *AlongAxis kwargs), as a per-element lookup. */
function perElement(t: Tensor, v: unknown, axis: unknown, fail: (m: string) => Error): (i: number) => number {
  if (typeof v === 'number') return () => v;
  if (Array.isArray(v) && v.length === 1 && typeof axis !== 'string') return () => Number(v[0]);
  if (Array.isArray(v) && typeof axis === 'string') {
    const ax = t.axes.indexOf(axis);
    if (ax < 0) throw fail(`axis "${axis}" is not an axis of the tensor (${t.axes.join(', ')})`);
    if (v.length !== t.array.shape[ax]) throw fail(`${v.length} values along "${axis}" but the axis has length ${t.array.shape[ax]}`);
    const stride = stridesOf(t.array.shape)[ax];
    const len = t.array.shape[ax];
    const vals = v.map(Number);
    return (i) => vals[Math.floor(i / stride) % len];
  }
  throw fail(`expected a number or a list with an axis, got ${JSON.stringify(v)}`);
}

/**
 * Group id of every element when reducing over `reduce` axes; statistics are computed per group
 * and broadcast back. The stats tensor may be another tensor (reference_tensor): its kept axes
 * must match the target's by id and length (as xarray broadcasting requires).
 */
function groups(src: Tensor, reduce: string[] | undefined, target: Tensor, fail: (m: string) => Error) {
  const red = reduce ?? src.axes; // None → all axes (dataset mode)
  for (const a of red) if (!src.axes.includes(a)) throw fail(`axis "${a}" is not an axis of the tensor (${src.axes.join(', ')})`);
  const kept = src.axes.filter((a) => !red.includes(a));
  const shapeOf = (t: Tensor, a: string) => t.array.shape[t.axes.indexOf(a)];
  for (const a of kept) {
    if (!target.axes.includes(a) || shapeOf(target, a) !== shapeOf(src, a)) {
      throw fail(`statistics over [${red.join(', ')}] keep axis "${a}", which the processed tensor does not have with the same length`);
    }
  }
  const gid = (t: Tensor) => {
    const n = t.array.data.length;
    const ids = new Int32Array(n);
    if (kept.length === 0) return ids;
    const strides = stridesOf(t.array.shape);
    const parts = kept.map((a) => {
      const ax = t.axes.indexOf(a);
      return { stride: strides[ax], len: t.array.shape[ax] };
    });
    for (let i = 0; i < n; i++) {
      let g = 0;
      for (const p of parts) g = g * p.len + (Math.floor(i / p.stride) % p.len);
      ids[i] = g;
    }
    return ids;
  };
  const nGroups = kept.reduce((acc, a) => acc * shapeOf(src, a), 1);
  const srcIds = gid(src);
  const tgtIds = src === target ? srcIds : gid(target);
  return { nGroups, srcIds, tgtIds };
}

function meanStd(src: Tensor, reduce: string[] | undefined, target: Tensor, fail: (m: string) => Error) {
  const { nGroups, srcIds, tgtIds } = groups(src, reduce, target, fail);
  const sum = new Float64Array(nGroups);
  const cnt = new Float64Array(nGroups);
  const d = src.array.data;
  for (let i = 0; i < d.length; i++) {
    sum[srcIds[i]] += Number(d[i]);
    cnt[srcIds[i]]++;
  }
  const mean = sum.map((s, g) => s / cnt[g]);
  const ss = new Float64Array(nGroups);
  for (let i = 0; i < d.length; i++) {
    const e = Number(d[i]) - mean[srcIds[i]];
    ss[srcIds[i]] += e * e;
  }
  const std = ss.map((s, g) => Math.sqrt(s / cnt[g]));
  return { mean: (i: number) => mean[tgtIds[i]], std: (i: number) => std[tgtIds[i]] };
}

function quantileStat(
  src: Tensor,
  reduce: string[] | undefined,
  q: number,
  method: 'linear' | 'inverted_cdf',
  target: Tensor,
  fail: (m: string) => Error,
): (i: number) => number {
  const { nGroups, srcIds, tgtIds } = groups(src, reduce, target, fail);
  const counts = new Int32Array(nGroups);
  for (let i = 0; i < srcIds.length; i++) counts[srcIds[i]]++;
  const vals = Array.from(counts, (c) => new Float64Array(c));
  const fill = new Int32Array(nGroups);
  const d = src.array.data;
  for (let i = 0; i < d.length; i++) vals[srcIds[i]][fill[srcIds[i]]++] = Number(d[i]);
  const res = vals.map((v) => quantile(v.sort(), q, method));
  return (i) => res[tgtIds[i]];
}

/** numpy.quantile on sorted data: 'linear' (default) and 'inverted_cdf'. */
function quantile(sorted: Float64Array, q: number, method: 'linear' | 'inverted_cdf'): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (method === 'inverted_cdf') {
    const k = Math.min(n - 1, Math.max(0, Math.ceil(n * q) - 1));
    return sorted[k];
  }
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const g = pos - lo;
  // numpy's _lerp: a + (b-a)*g, switched to b - (b-a)*(1-g) for g >= 0.5 (for exactness)
  const a = sorted[lo];
  const b = sorted[hi];
  return g >= 0.5 ? b - (b - a) * (1 - g) : a + (b - a) * g;
}

function softmax(t: Tensor, axis: string, fail: (m: string) => Error): Tensor {
  const ax = t.axes.indexOf(axis);
  if (ax < 0) throw fail(`axis "${axis}" is not an axis of the tensor (${t.axes.join(', ')})`);
  const shape = t.array.shape;
  const stride = stridesOf(shape)[ax];
  const len = shape[ax];
  const src = t.array.data;
  const n = src.length;
  const out = t.array.dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  const outer = n / (len * stride);
  for (let o = 0; o < outer; o++) {
    for (let s = 0; s < stride; s++) {
      const base = o * len * stride + s;
      let mx = -Infinity;
      for (let k = 0; k < len; k++) mx = Math.max(mx, Number(src[base + k * stride]));
      let sum = 0;
      for (let k = 0; k < len; k++) sum += Math.exp(Number(src[base + k * stride]) - mx);
      for (let k = 0; k < len; k++) out[base + k * stride] = Math.exp(Number(src[base + k * stride]) - mx) / sum;
    }
  }
  return { array: { data: out, shape: [...shape], dtype: t.array.dtype === 'float32' ? 'float32' : 'float64' }, axes: t.axes };
}

