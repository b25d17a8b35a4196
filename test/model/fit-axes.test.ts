import { describe, expect, it } from 'vitest';
import type { NdArray } from '../../src/ndarray/ndarray.js';
import { fitToInput } from '../../src/model/fit-axes.js';
import type { AxisSpec, TensorSpec } from '../../src/model/spec.js';

const batch: AxisSpec = { id: 'batch', type: 'batch', size: { kind: 'any' }, halo: 0, scale: 1 };
const channel = (n: number): AxisSpec => ({ id: 'channel', type: 'channel', size: { kind: 'fixed', value: n }, halo: 0, scale: 1 });
const space = (id: string, min = 1): AxisSpec => ({ id, type: 'space', size: { kind: 'param', min, step: 1 }, halo: 0, scale: 1 });
const input = (...axes: AxisSpec[]): TensorSpec => ({ id: 'raw', axes, dtype: 'float32', processing: [] });
const iota = (shape: number[]): NdArray => ({ data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i), shape, dtype: 'float32' });
const at = (a: NdArray, idx: number[]) => a.data[idx.reduce((o, v, k) => o * a.shape[k] + v, 0)];

describe('fitToInput: named image axes → model input axes', () => {
  it('yx → bcyx: batch and the 1-channel axis added, data untouched', () => {
    const img = iota([4, 5]);
    const out = fitToInput({ array: img, axes: ['y', 'x'] }, input(batch, channel(1), space('y'), space('x')), 'a.tif');
    expect(out.shape).toEqual([1, 1, 4, 5]);
    expect(out.data).toBe(img.data);
  });
  it('cyx → byxc: channels moved last', () => {
    const img = iota([3, 4, 5]);
    const out = fitToInput({ array: img, axes: ['c', 'y', 'x'] }, input(batch, space('y'), space('x'), channel(3)), 'a.tif');
    expect(out.shape).toEqual([1, 4, 5, 3]);
    for (const [c, y, x] of [[0, 0, 0], [2, 1, 3], [1, 3, 4]]) expect(at(out, [0, y, x, c])).toBe(at(img, [c, y, x]));
  });
  it('yxc (interleaved RGB) → bcyx: channels moved first', () => {
    const img = iota([4, 5, 3]);
    const out = fitToInput({ array: img, axes: ['y', 'x', 'c'] }, input(batch, channel(3), space('y'), space('x')), 'rgb.tif');
    expect(out.shape).toEqual([1, 3, 4, 5]);
    for (const [c, y, x] of [[0, 0, 0], [2, 1, 3], [1, 3, 4]]) expect(at(out, [0, c, y, x])).toBe(at(img, [y, x, c]));
  });
  it('czyx → bczyx; tczyx with t = 1 and z = 1 → bcyx (singletons the model lacks dropped)', () => {
    const img = iota([2, 3, 4, 5]);
    const out = fitToInput({ array: img, axes: ['c', 'z', 'y', 'x'] }, input(batch, channel(2), space('z'), space('y'), space('x')), 'a.tif');
    expect(out.shape).toEqual([1, 2, 3, 4, 5]);
    expect(out.data).toBe(img.data);
    const flat = fitToInput({ array: iota([1, 1, 1, 4, 5]), axes: ['t', 'c', 'z', 'y', 'x'] }, input(batch, channel(1), space('y'), space('x')), 'a.tif');
    expect(flat.shape).toEqual([1, 1, 4, 5]);
  });
  it('without axis names (npy, PNG) the array is passed on as it is', () => {
    const img = iota([2, 4, 5]);
    expect(fitToInput({ array: img }, input(batch, channel(1), space('y'), space('x')), 'a.npy')).toBe(img);
  });
  it('refuses what cannot be mapped, naming the file', () => {
    const bcyx = input(batch, channel(1), space('y'), space('x'));
    expect(() => fitToInput({ array: iota([2, 4, 5]), axes: ['c', 'y', 'x'] }, bcyx, 'two.tif')).toThrow(
      'two.tif: the image has 2 channels (image axes c, y, x) but the model input raw takes 1 channel',
    );
    expect(() => fitToInput({ array: iota([1, 3, 4, 5]), axes: ['c', 'z', 'y', 'x'] }, bcyx, 'stack.tif')).toThrow(
      'stack.tif: the image has 3 z planes (image axes c, z, y, x) but the model input raw has no z axis (model axes batch, channel, y, x)',
    );
    expect(() => fitToInput({ array: iota([2, 4, 5]), axes: ['t', 'y', 'x'] }, bcyx, 'movie.tif')).toThrow(/movie\.tif: the image has 2 time points .* has no time axis/);
    expect(() => fitToInput({ array: iota([4, 5]), axes: ['y', 'x'] }, input(batch, channel(3), space('y'), space('x')), 'grey.tif')).toThrow(
      'grey.tif: the model input raw needs a channel axis (size 3); the image has none (image axes y, x)',
    );
    expect(() => fitToInput({ array: iota([4, 5]), axes: ['y', 'x'] }, input(batch, channel(1), space('z', 8), space('y'), space('x')), 'flat.tif')).toThrow(
      'flat.tif: the model input raw needs a z axis (size 8 + n·1); the image has none (image axes y, x)',
    );
  });
});
