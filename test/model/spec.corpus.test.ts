/** describeModel on the real zoo RDFs (corpus); the file-free cases are in spec.test.ts. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRdf } from '../../src/rdf/parse.js';
import { describeModel, type ModelSpec } from '../../src/model/spec.js';
import { expectedOutputShape } from '../../src/model/runner.js';
import { corpusData } from '../helpers/paths.js';

const MODELS = path.join(corpusData, 'bioimageio/models');
const load = (rel: string): ModelSpec => {
  const f = path.join(MODELS, rel);
  return describeModel(parseRdf(fs.readFileSync(f, 'utf8'), { name: f }).data, f);
};

// Expected values are read off the YAML files by hand (and the spec's 0.4→0.5 conversion rules).
describe('describeModel: 0.4 and 0.5 RDFs of the shared examples', () => {
  it('unet2d_nuclei_broad 0.5 and 0.4.9 normalize to the same axes, halo and sizes', () => {
    for (const f of ['unet2d_nuclei_broad/bioimageio.yaml', 'unet2d_nuclei_broad/v0_4_9.bioimageio.yaml']) {
      const s = load(f);
      const [i] = s.inputs;
      const [o] = s.outputs;
      expect(i.id).toBe('raw');
      expect(i.axes.map((a) => [a.id, a.type])).toEqual([['batch', 'batch'], ['channel', 'channel'], ['y', 'space'], ['x', 'space']]);
      expect(i.axes.map((a) => a.size)).toEqual([{ kind: 'fixed', value: 1 }, { kind: 'fixed', value: 1 }, { kind: 'fixed', value: 512 }, { kind: 'fixed', value: 512 }]);
      expect(o.axes[1].size).toEqual({ kind: 'fixed', value: 1 }); // 0.4: scale 0, offset 0.5 → 2·0.5
      expect(o.axes[2]).toMatchObject({ id: 'y', halo: 32, size: { kind: 'ref', tensor: 'raw', axis: 'y', factor: 1, offset: 0 } });
      expect(o.axes[3]).toMatchObject({ id: 'x', halo: 32, size: { kind: 'ref', tensor: 'raw', axis: 'x', factor: 1, offset: 0 } });
      expect(i.testTensor).toBe('test_input.npy');
      expect(o.testTensor).toBe('test_output.npy');
      expect(s.weights.onnx.sha256).toBe('85f5ac80fa977fea3562ef97c8c5950288be2c4f4cdb5d994807df97008ce088');
    }
  });
  it('processing: 0.5 explicit ensure_dtype kept; 0.4 per_sample axes "yx" → [y, x] wrapped in ensure_dtype as core does', () => {
    expect(load('unet2d_nuclei_broad/bioimageio.yaml').inputs[0].processing.map((p) => p.id)).toEqual(['ensure_dtype', 'zero_mean_unit_variance', 'ensure_dtype']);
    const v4 = load('unet2d_nuclei_broad/v0_4_9.bioimageio.yaml');
    expect(v4.inputs[0].processing).toEqual([
      { id: 'ensure_dtype', kwargs: { dtype: 'float32' } },
      { id: 'zero_mean_unit_variance', kwargs: { axes: ['y', 'x'], eps: undefined } },
      { id: 'ensure_dtype', kwargs: { dtype: 'float32' } },
    ]);
    expect(v4.outputs[0].processing.map((p) => p.id)).toEqual(['ensure_dtype', 'sigmoid', 'ensure_dtype']);
    expect(v4.major).toBe('0.4');
  });
  it('0.4 parameterized input and implicit output (upsample_test_model: min 5 step 5, scale 4, channel via offset)', () => {
    const s = load('upsample_test_model/v0_4.bioimageio.yaml');
    expect(s.inputs[0].axes.map((a) => a.size)).toEqual([
      { kind: 'fixed', value: 1 },
      { kind: 'fixed', value: 1 },
      { kind: 'param', min: 5, step: 5 },
      { kind: 'param', min: 5, step: 5 },
    ]);
    expect(s.outputs[0].axes[2].size).toEqual({ kind: 'ref', tensor: 'input', axis: 'y', factor: 4, offset: 0 });
    expect(expectedOutputShape(s, s.outputs[0], [[1, 1, 15, 10]])).toEqual([1, 1, 60, 40]);
  });
  it('0.5 output axis scale 2.0 → half size (unet2d_diff_output_shape)', () => {
    const s = load('unet2d_diff_output_shape/bioimageio.yaml');
    expect(s.inputs[0].axes[2].size).toEqual({ kind: 'param', min: 32, step: 16 });
    expect(s.outputs[0].axes[2].size).toMatchObject({ kind: 'ref', factor: 0.5 });
    expect(expectedOutputShape(s, s.outputs[0], [[1, 1, 64, 48]])).toEqual([1, 1, 32, 24]);
  });
  it('0.5 multi-tensor model and its reproducibility_tolerance', () => {
    const s = load('unet2d_multi_tensor/bioimageio.yaml');
    expect(s.inputs.map((t) => t.id)).toHaveLength(2);
    expect(s.outputs.map((t) => t.id)).toHaveLength(2);
    expect(s.tolerances[0].absoluteTolerance).toBe(1e-5);
  });
  it('0.4 processing → 0.5 form as the spec converter does (per_dataset, fixed lists, scale_range, scale_linear along an axis)', () => {
    const s = describeModel(
      {
        type: 'model', format_version: '0.4.10', name: 'conv',
        inputs: [{
          name: 'in', axes: 'bcyx', data_type: 'uint16', shape: [1, 2, 64, 64],
          preprocessing: [
            { name: 'zero_mean_unit_variance', kwargs: { mode: 'per_dataset', axes: 'yx' } },
            { name: 'zero_mean_unit_variance', kwargs: { mode: 'fixed', axes: 'yx', mean: [1, 2], std: [3, 4] } },
            { name: 'scale_range', kwargs: { mode: 'per_sample', axes: 'cyx', min_percentile: 1, max_percentile: 99.8 } },
            { name: 'scale_linear', kwargs: { axes: 'yx', gain: [2, 3], offset: [0, 1] } },
          ],
        }],
        outputs: [{ name: 'out', axes: 'bcyx', data_type: 'float32', shape: { reference_tensor: 'in', scale: [1, 1, 1, 1], offset: [0, 0, 0, 0] }, postprocessing: [{ name: 'scale_mean_variance', kwargs: { mode: 'per_sample', reference_tensor: 'in', axes: 'yx' } }] }],
        weights: { onnx: { source: 'w.onnx' } },
      },
      'conv.yaml',
    );
    expect(s.inputs[0].processing).toEqual([
      { id: 'ensure_dtype', kwargs: { dtype: 'uint16' } },
      { id: 'zero_mean_unit_variance', kwargs: { axes: ['batch', 'y', 'x'], eps: undefined } },
      { id: 'fixed_zero_mean_unit_variance', kwargs: { axis: 'channel', mean: [1, 2], std: [3, 4] } },
      { id: 'scale_range', kwargs: { axes: ['channel', 'y', 'x'], min_percentile: 1, max_percentile: 99.8, eps: undefined, reference_tensor: undefined } },
      { id: 'scale_linear', kwargs: { axis: 'channel', gain: [2, 3], offset: [0, 1] } },
      { id: 'ensure_dtype', kwargs: { dtype: 'float32' } },
    ]);
    expect(s.outputs[0].processing[1]).toEqual({ id: 'scale_mean_variance', kwargs: { axes: ['y', 'x'], reference_tensor: 'in', eps: 1e-6 } });
  });
  it('rejects non-models, unknown versions and duplicate tensor names with the file named', () => {
    expect(() => describeModel({ type: 'dataset', format_version: '0.3.0' }, 'd.yaml')).toThrow(/d\.yaml: type is "dataset", not "model"/);
    expect(() => describeModel({ type: 'model', format_version: '0.3.2' }, 'm.yaml')).toThrow(/m\.yaml: unsupported model format_version "0\.3\.2"/);
    expect(() => load('unet2d_nuclei_broad/invalid_v0_4_0_duplicate_tensor_names.bioimageio.yaml')).toThrow(/tensor name "\w+" is used twice/);
  });
});

