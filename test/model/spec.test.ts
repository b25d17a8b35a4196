import { describe, expect, it } from 'vitest';
import { describeModel, } from '../../src/model/spec.js';
import { compareOutput, toleranceFor } from '../../src/model/runner.js';


// describeModel on the zoo's own 0.4/0.5 RDFs: spec.corpus.test.ts.
describe('describeModel refuses what it cannot run', () => {
  it('non-models, unknown versions and duplicate tensor names, with the file named', () => {
    expect(() => describeModel({ type: 'dataset', format_version: '0.3.0' }, 'd.yaml')).toThrow(/d\.yaml: type is "dataset", not "model"/);
    expect(() => describeModel({ type: 'model', format_version: '0.3.2' }, 'm.yaml')).toThrow(/m\.yaml: unsupported model format_version "0\.3\.2"/);
    const axes = [{ type: 'space', id: 'x', size: 4 }];
    const dup = { type: 'model', format_version: '0.5.4', name: 'x', inputs: [{ id: 'data', axes }], outputs: [{ id: 'data', axes }], weights: { onnx: { source: 'w.onnx', opset_version: 13 } } };
    expect(() => describeModel(dup, 'dup.yaml')).toThrow(/dup\.yaml: .*tensor name "data" is used twice/);
  });
});

describe('test tolerances and comparison (bioimageio.core _get_tolerance / _test_model_inference)', () => {
  const base = (extra: Record<string, unknown>) =>
    describeModel(
      {
        type: 'model', format_version: '0.5.4', name: 'x',
        inputs: [{ id: 'i', axes: [{ type: 'space', id: 'x', size: 4 }] }],
        outputs: [{ id: 'a', axes: [{ type: 'space', id: 'x', size: 4 }] }, { id: 'b', axes: [{ type: 'space', id: 'x', size: 4 }] }],
        weights: { onnx: { source: 'w.onnx', opset_version: 13 } },
        ...extra,
      },
      'x.yaml',
    );
  it('0.4: atol 1e-5, rtol 1e-3, no mismatch allowed', () => {
    // A 0.4 model as the zoo writes them (unet2d_nuclei_broad v0_4_9 in the corpus has these fields).
    const v04 = describeModel(
      {
        type: 'model', format_version: '0.4.9', name: 'x',
        inputs: [{ name: 'raw', axes: 'bcyx', data_type: 'float32', shape: [1, 1, 512, 512] }],
        outputs: [{ name: 'probability', axes: 'bcyx', data_type: 'float32', shape: [1, 1, 512, 512] }],
        test_inputs: ['test_input.npy'], test_outputs: ['test_output.npy'],
        weights: { onnx: { source: 'w.onnx', opset_version: 12 } },
      },
      'v04.yaml',
    );
    expect(toleranceFor(v04, 'probability')).toMatchObject({ atol: 1e-5, rtol: 1e-3, ppm: 0 });
  });
  it('0.5: defaults; legacy test_kwargs.onnx; first matching reproducibility_tolerance wins', () => {
    expect(toleranceFor(base({}), 'a')).toMatchObject({ atol: 1e-3, rtol: 1e-3, ppm: 100 });
    expect(toleranceFor(base({ config: { bioimageio: { test_kwargs: { onnx: { relative_tolerance: 0.01 } } } } }), 'a')).toMatchObject({ atol: 1e-4, rtol: 0.01, ppm: 100 });
    const rules = {
      config: {
        bioimageio: {
          reproducibility_tolerance: [
            { output_ids: ['b'], absolute_tolerance: 0.5, mismatched_elements_per_million: 0 },
            { weights_formats: ['torchscript'], absolute_tolerance: 0.25 },
            { absolute_tolerance: 0.125, relative_tolerance: 0 },
          ],
        },
      },
    };
    expect(toleranceFor(base(rules), 'b')).toMatchObject({ atol: 0.5, rtol: 1e-3, ppm: 0 });
    expect(toleranceFor(base(rules), 'a')).toMatchObject({ atol: 0.125, rtol: 0, ppm: 100 });
  });
  it('counts |a − e| > atol + rtol·|e| and passes within the ppm budget', () => {
    const e = { data: new Float32Array(10000).fill(100), shape: [10000], dtype: 'float32' as const };
    const a = { data: e.data.slice(), shape: [10000], dtype: 'float32' as const };
    a.data[0] = 100.2; // |Δ| 0.2 > 0.001 + 0.001·100 = 0.101 → mismatch
    a.data[1] = 100.1; // |Δ| ≈ 0.1 ≤ 0.101 → fine
    const one = compareOutput('o', a, e, { atol: 0.001, rtol: 0.001, ppm: 100, text: '' });
    expect(one).toMatchObject({ mismatched: 1, total: 10000, passed: true }); // 100 ppm ≤ 100
    expect(one.max_abs_diff).toBeCloseTo(0.2, 4);
    a.data[2] = 0;
    expect(compareOutput('o', a, e, { atol: 0.001, rtol: 0.001, ppm: 100, text: '' })).toMatchObject({ mismatched: 2, passed: false });
    expect(compareOutput('o', { ...a, shape: [100, 100] }, e, { atol: 1, rtol: 0, ppm: 1e6, text: '' })).toMatchObject({ passed: false, detail: 'shape [100,100] differs from the expected [10000]' });
  });
});
