import { describe, expect, it } from 'vitest';
import { conformRank, conformTestTensor, transpose } from '../../src/model/shapes.js';
import { describeModel } from '../../src/model/spec.js';
import type { NdArray } from '../../src/ndarray/ndarray.js';

const spec = describeModel(
  {
    type: 'model', format_version: '0.5.4', name: 'shapes',
    inputs: [{ id: 'rgb', axes: [{ type: 'batch' }, { type: 'channel', channel_names: ['r', 'g', 'b'] }, { type: 'space', id: 'y', size: { min: 8, step: 2 } }, { type: 'space', id: 'x', size: { min: 8, step: 2 } }] }],
    outputs: [{ id: 'out', axes: [{ type: 'batch' }, { type: 'channel', channel_names: ['p'] }, { type: 'space', id: 'y', size: { tensor_id: 'rgb', axis_id: 'y' } }, { type: 'space', id: 'x', size: { tensor_id: 'rgb', axis_id: 'x' } }] }],
    weights: { onnx: { source: 'w.onnx', opset_version: 13 } },
  },
  'shapes.yaml',
);
const [input] = spec.inputs;

describe('fitting arrays to tensor axes (core-style lenient test tensor loading)', () => {
  it('adds the batch axis and keeps the data', () => {
    const a: NdArray = { data: Float32Array.from({ length: 3 * 10 * 12 }, (_, i) => i), shape: [3, 10, 12], dtype: 'float32' };
    const c = conformTestTensor(a, input, 't');
    expect(c.shape).toEqual([1, 3, 10, 12]);
    expect(c.data).toBe(a.data);
  });
  it('an (y, x, channel) array is permuted to (batch, channel, y, x)', () => {
    const [H, W, C] = [10, 12, 3];
    const a: NdArray = { data: Float32Array.from({ length: H * W * C }, (_, i) => i), shape: [H, W, C], dtype: 'float32' };
    const c = conformTestTensor(a, input, 't');
    expect(c.shape).toEqual([1, 3, 10, 12]);
    // element (y=4, x=7, c=2) of the input is out[0, 2, 4, 7]
    expect(c.data[2 * H * W + 4 * W + 7]).toBe(a.data[4 * W * C + 7 * C + 2]);
  });
  it('transpose matches a hand-checked 2×3 case', () => {
    const t = transpose({ data: Int16Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3], dtype: 'int16' }, [1, 0]);
    expect(t.shape).toEqual([3, 2]);
    expect(Array.from(t.data as Int16Array)).toEqual([1, 4, 2, 5, 3, 6]);
  });
  it('a shape that fits no order is left for the comparison to report; a wrong rank is an error', () => {
    const a: NdArray = { data: new Float32Array(5 * 10 * 12), shape: [5, 10, 12], dtype: 'float32' };
    expect(conformTestTensor(a, input, 't').shape).toEqual([1, 5, 10, 12]);
    const b: NdArray = { data: new Float32Array(2 * 2 * 3 * 8 * 8), shape: [2, 2, 3, 8, 8], dtype: 'float32' };
    expect(() => conformRank(b, input, 'test input rgb')).toThrow(/test input rgb: shape \[2, 2, 3, 8, 8\] does not fit the axes \(batch, channel, y, x\): wrong rank 5, expected 4/);
  });
});
