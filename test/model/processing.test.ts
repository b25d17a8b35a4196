import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { applyProcessing, castTo, type Tensor } from '../../src/model/processing.js';
import type { ProcStep } from '../../src/model/spec.js';

// numpy computes every op independently, following bioimageio.core's definitions (population std,
// eps 1e-6, np.quantile 'linear' for scale_range and 'inverted_cdf' for clip percentiles).
const SCRIPT = String.raw`
import json, sys, numpy as np
rng = np.random.default_rng(7)
x = (rng.standard_normal((1, 3, 9, 11)) * np.array([1, 5, 20]).reshape(1, 3, 1, 1) + 3).astype(np.float32)
r = (rng.standard_normal((1, 3, 9, 11)) * 4 + 10).astype(np.float32)
e = 1e-6
def q(a, p, axes, m): return np.quantile(a.astype(np.float64), p, axis=axes, keepdims=True, method=m)
out = {}
out['zmuv_yx'] = (x - x.mean(axis=(2,3), keepdims=True)) / (x.std(axis=(2,3), keepdims=True) + e)
out['zmuv_all'] = (x - x.mean()) / (x.std() + e)
out['zmuv_cyx'] = (x - x.mean(axis=(1,2,3), keepdims=True)) / (x.std(axis=(1,2,3), keepdims=True) + e)
m = np.array([1., 2., 3.]).reshape(1,3,1,1); s = np.array([0.5, 2., 4.]).reshape(1,3,1,1)
out['fixed_axis'] = (x - m) / (s + e)
out['fixed_scalar'] = (x - 1.5) / (2.5 + e)
lo, hi = q(x, 0.01, (2,3), 'linear'), q(x, 0.998, (2,3), 'linear')
out['scale_range'] = (x - lo) / (hi - lo + e)
lo, hi = q(r, 0.05, (2,3), 'linear'), q(r, 0.95, (2,3), 'linear')
out['scale_range_ref'] = (x - lo) / (hi - lo + e)
out['clip_pct'] = np.clip(x, q(x, 0.1, (2,3), 'inverted_cdf'), q(x, 0.9, (2,3), 'inverted_cdf'))
out['clip'] = np.clip(x, -1.0, 2.5)
out['scale_linear'] = x * 2.5 - 0.5
out['scale_linear_axis'] = x * np.array([1., 2., 3.]).reshape(1,3,1,1) + np.array([0., 1., -1.]).reshape(1,3,1,1)
out['sigmoid'] = 1 / (1 + np.exp(-x))
ex = np.exp(x - x.max(axis=1, keepdims=True)); out['softmax'] = ex / ex.sum(axis=1, keepdims=True)
out['binarize'] = (x > 2.0).astype(np.float64)
out['binarize_axis'] = (x > np.array([0., 3., 10.]).reshape(1,3,1,1)).astype(np.float64)
ms, ss = x.mean(axis=(2,3), keepdims=True), x.std(axis=(2,3), keepdims=True)
mr, sr = r.mean(axis=(2,3), keepdims=True), r.std(axis=(2,3), keepdims=True)
out['smv'] = (x - ms) / (ss + e) * (sr + e) + mr
out['ensure_uint8'] = (x * 10).astype(np.uint8).astype(np.float64)
res = {k: v.astype(np.float64).ravel().tolist() for k, v in out.items()}
res['x'] = x.ravel().tolist(); res['r'] = r.ravel().tolist()
print(json.dumps(res))
`;
const ref = JSON.parse(execFileSync('/usr/bin/python3', ['-c', SCRIPT], { maxBuffer: 64 << 20 }).toString()) as Record<string, number[]>;
const axes = ['batch', 'channel', 'y', 'x'];
const shape = [1, 3, 9, 11];
const tensor = (v: number[]): Tensor => ({ array: { data: Float32Array.from(v), shape, dtype: 'float32' }, axes });
const x = tensor(ref.x);
const r = tensor(ref.r);
const stats = (id: string) => (id === 'raw' ? x : id === 'ref' ? r : undefined);
const run = (steps: ProcStep[]) => applyProcessing('raw', x, steps, stats);

function close(got: ArrayLike<number>, want: number[], tol = 1e-5) {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  expect(worst).toBeLessThan(tol);
}

describe('processing ops match numpy (bioimageio.core semantics)', () => {
  const cases: [string, ProcStep][] = [
    ['zmuv_yx', { id: 'zero_mean_unit_variance', kwargs: { axes: ['y', 'x'] } }],
    ['zmuv_all', { id: 'zero_mean_unit_variance', kwargs: {} }],
    ['zmuv_cyx', { id: 'zero_mean_unit_variance', kwargs: { axes: ['channel', 'y', 'x'], eps: 0.1 } }],
    ['fixed_axis', { id: 'fixed_zero_mean_unit_variance', kwargs: { axis: 'channel', mean: [1, 2, 3], std: [0.5, 2, 4] } }],
    ['fixed_scalar', { id: 'fixed_zero_mean_unit_variance', kwargs: { mean: 1.5, std: 2.5 } }],
    ['scale_range', { id: 'scale_range', kwargs: { axes: ['y', 'x'], min_percentile: 1, max_percentile: 99.8 } }],
    ['scale_range_ref', { id: 'scale_range', kwargs: { axes: ['y', 'x'], min_percentile: 5, max_percentile: 95, reference_tensor: 'ref' } }],
    ['clip_pct', { id: 'clip', kwargs: { axes: ['y', 'x'], min_percentile: 10, max_percentile: 90 } }],
    ['clip', { id: 'clip', kwargs: { min: -1, max: 2.5 } }],
    ['scale_linear', { id: 'scale_linear', kwargs: { gain: 2.5, offset: -0.5 } }],
    ['scale_linear_axis', { id: 'scale_linear', kwargs: { axis: 'channel', gain: [1, 2, 3], offset: [0, 1, -1] } }],
    ['sigmoid', { id: 'sigmoid', kwargs: {} }],
    ['softmax', { id: 'softmax', kwargs: { axis: 'channel' } }],
    ['binarize', { id: 'binarize', kwargs: { threshold: 2 } }],
    ['binarize_axis', { id: 'binarize', kwargs: { axis: 'channel', threshold: [0, 3, 10] } }],
    ['smv', { id: 'scale_mean_variance', kwargs: { axes: ['y', 'x'], reference_tensor: 'ref' } }],
  ];
  for (const [name, step] of cases) {
    it(name, () => {
      const out = run([step]);
      expect(out.array.shape).toEqual(shape);
      close(Array.from(out.array.data as ArrayLike<number>, Number), ref[name]);
    });
  }
  it('zero_mean_unit_variance ignores kwargs.eps (core hard-wires 1e-6)', () => {
    const a = run([{ id: 'zero_mean_unit_variance', kwargs: { axes: ['channel', 'y', 'x'], eps: 0.1 } }]);
    close(a.array.data as Float32Array, ref.zmuv_cyx, 1e-6);
  });
  it('ensure_dtype truncates like numpy astype', () => {
    const scaled = run([{ id: 'scale_linear', kwargs: { gain: 10, offset: 0 } }, { id: 'ensure_dtype', kwargs: { dtype: 'uint8' } }]);
    expect(scaled.array.dtype).toBe('uint8');
    expect(Array.from(scaled.array.data as Uint8Array)).toEqual(ref.ensure_uint8);
    expect(Array.from(castTo({ data: new Float32Array([2.9, -2.9, 0, 0.2]), shape: [4], dtype: 'float32' }, 'bool').data as Uint8Array)).toEqual([1, 1, 0, 1]);
  });
  it('statistics come from the unprocessed tensor, as core computes them before the first step', () => {
    // scale_linear then zmuv: core's stats are those of the raw input, so the result is
    // (2x - mean(x)) / (std(x) + eps), not zero-mean.
    const out = run([{ id: 'scale_linear', kwargs: { gain: 2, offset: 0 } }, { id: 'zero_mean_unit_variance', kwargs: {} }]);
    const m = ref.x.reduce((a, b) => a + b, 0) / ref.x.length;
    const sd = Math.sqrt(ref.x.reduce((a, b) => a + (b - m) ** 2, 0) / ref.x.length);
    expect(out.array.data[5]).toBeCloseTo((2 * Math.fround(ref.x[5]) - m) / (sd + 1e-6), 4);
  });
  it('names the tensor and step on bad kwargs', () => {
    expect(() => run([{ id: 'scale_linear', kwargs: { axis: 'z', gain: [1, 2], offset: 0 } }])).toThrow(/raw: scale_linear: axis "z" is not an axis/);
    expect(() => run([{ id: 'zero_mean_unit_variance', kwargs: { axes: ['q'] } }])).toThrow(/raw: zero_mean_unit_variance: axis "q"/);
    expect(() => run([{ id: 'stardist_postprocessing', kwargs: {} }])).toThrow(/raw: stardist_postprocessing: unknown processing step/);
  });
});
