/**
 * A small model the project builds itself (no model can be downloaded offline): a 5×5
 * difference-of-Gaussians blob detector as an ONNX graph with dynamic spatial dims
 * (Pad 'reflect' → Conv), wrapped in a 0.5 RDF with zero-mean/unit-variance preprocessing and a
 * sigmoid postprocessing, plus test tensors computed by plain arithmetic here (not by onnxruntime).
 *
 * The explicit reflect Pad (instead of Conv's zero padding) makes tiled and untiled predictions
 * identical: bioimageio.core pads blocks with 'reflect' at image borders too.
 */
import { stringify } from 'yaml';
import type { NdArray } from '../ndarray/ndarray.js';
import { writeNpy } from '../ndarray/npy.js';
import { writeOnnxModel } from './onnx-writer.js';
import { sha256Hex } from '../model/runner.js';

const DEMO_RADIUS = 2;
const DEMO_HALO = 4;

/** The 5×5 kernel (DoG, σ 1 and 2, sign flipped so bright blobs respond positively) and bias. */
function demoKernel(): { w: Float32Array; bias: number } {
  const k = 2 * DEMO_RADIUS + 1;
  const g = (s: number) => {
    const v = new Float64Array(k * k);
    let sum = 0;
    for (let y = 0; y < k; y++)
      for (let x = 0; x < k; x++) {
        const d2 = (y - DEMO_RADIUS) ** 2 + (x - DEMO_RADIUS) ** 2;
        v[y * k + x] = Math.exp(-d2 / (2 * s * s));
        sum += v[y * k + x];
      }
    return v.map((a) => a / sum);
  };
  const g1 = g(1);
  const g2 = g(2);
  return { w: Float32Array.from(g1, (a, i) => 4 * (a - g2[i])), bias: -0.25 };
}

function demoOnnx(): Uint8Array {
  const { w, bias } = demoKernel();
  const r = DEMO_RADIUS;
  return writeOnnxModel({
    name: 'imjoy_share_demo_dog',
    opset: 13,
    inputs: [{ name: 'raw', dims: [1, 1, 'height', 'width'] }],
    outputs: [{ name: 'blobs', dims: [1, 1, 'height', 'width'] }],
    initializers: [
      { name: 'pads', dims: [8], data: BigInt64Array.from([0n, 0n, BigInt(r), BigInt(r), 0n, 0n, BigInt(r), BigInt(r)]) },
      { name: 'W', dims: [1, 1, 2 * r + 1, 2 * r + 1], data: w },
      { name: 'B', dims: [1], data: Float32Array.from([bias]) },
    ],
    nodes: [
      { op: 'Pad', inputs: ['raw', 'pads'], outputs: ['padded'], attributes: [{ name: 'mode', value: 'reflect' }] },
      { op: 'Conv', inputs: ['padded', 'W', 'B'], outputs: ['blobs'], attributes: [{ name: 'kernel_shape', value: [2 * r + 1, 2 * r + 1] }] },
    ],
  });
}

/** Deterministic synthetic "nuclei": Gaussian blobs on a dim background with noise (uint8 range). */
export function demoImage(h: number, w: number, seed = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const img = new Float32Array(h * w).fill(20);
  const n = Math.max(3, Math.round((h * w) / 900));
  for (let b = 0; b < n; b++) {
    const cy = rnd() * h;
    const cx = rnd() * w;
    const sg = 2 + rnd() * 4;
    const amp = 80 + rnd() * 150;
    const R = Math.ceil(3 * sg);
    for (let y = Math.max(0, Math.floor(cy - R)); y < Math.min(h, cy + R); y++)
      for (let x = Math.max(0, Math.floor(cx - R)); x < Math.min(w, cx + R); x++) {
        img[y * w + x] += amp * Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * sg * sg));
      }
  }
  for (let i = 0; i < img.length; i++) img[i] = Math.min(255, Math.round(img[i] + rnd() * 10));
  return img;
}

/** The whole model in plain arithmetic: zmuv over (y, x), reflect-padded 5×5 correlation, sigmoid. */
export function demoReference(img: Float32Array, h: number, w: number): Float32Array {
  let sum = 0;
  for (const v of img) sum += v;
  const mean = sum / img.length;
  let ss = 0;
  for (const v of img) ss += (v - mean) ** 2;
  const std = Math.sqrt(ss / img.length);
  const x = Float32Array.from(img, (v) => (v - mean) / (std + 1e-6));
  const { w: k, bias } = demoKernel();
  const r = DEMO_RADIUS;
  const K = 2 * r + 1;
  const refl = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++)
    for (let xx = 0; xx < w; xx++) {
      let acc = bias;
      for (let dy = -r; dy <= r; dy++)
        for (let dx = -r; dx <= r; dx++) acc += k[(dy + r) * K + dx + r] * x[refl(y + dy, h) * w + refl(xx + dx, w)];
      out[y * w + xx] = 1 / (1 + Math.exp(-acc));
    }
  return out;
}

const DEMO_TEST_SHAPE = [1, 1, 96, 128];
const DEMO_SAMPLE_SHAPE = [1, 1, 512, 512];

/** Every file of the demo model package, by name. */
export async function buildDemoModel(): Promise<Record<string, Uint8Array>> {
  const [, , th, tw] = DEMO_TEST_SHAPE;
  const input = demoImage(th, tw, 7);
  const testIn: NdArray = { data: input, shape: DEMO_TEST_SHAPE, dtype: 'float32' };
  const testOut: NdArray = { data: demoReference(input, th, tw), shape: DEMO_TEST_SHAPE, dtype: 'float32' };
  const [, , sh, sw] = DEMO_SAMPLE_SHAPE;
  const sample: NdArray = { data: demoImage(sh, sw, 3), shape: DEMO_SAMPLE_SHAPE, dtype: 'float32' };
  const files: Record<string, Uint8Array> = {
    'weights.onnx': demoOnnx(),
    'test_input.npy': writeNpy(testIn),
    'test_output.npy': writeNpy(testOut),
    'sample_input.npy': writeNpy(sample),
    'README.md': new TextEncoder().encode(
      '# imjoy-share demo blob detector\n\nA 5×5 difference-of-Gaussians filter exported as an ONNX graph with dynamic height and width, generated by imjoy-share at start-up.\n\n# Validation\n\nThe test output is computed by plain arithmetic, independently of onnxruntime.\n',
    ),
  };
  const space = (id: string) => ({ type: 'space', id, size: { min: 32, step: 16 } });
  const outSpace = (id: string) => ({ type: 'space', id, size: { tensor_id: 'raw', axis_id: id }, halo: DEMO_HALO });
  const rdf = {
    type: 'model',
    format_version: '0.5.4',
    name: 'imjoy-share demo blob detector',
    description: 'Difference-of-Gaussians blob detector (5x5, reflect padding) as a tiny ONNX graph with dynamic spatial dims; generated by imjoy-share.',
    authors: [{ name: 'imjoy-share' }],
    cite: [{ text: 'Lindeberg, T. Feature detection with automatic scale selection. IJCV 1998.', doi: '10.1023/A:1008045108935' }],
    license: 'MIT',
    documentation: 'README.md',
    tags: ['demo', 'blob-detection', 'onnx'],
    timestamp: '2026-01-01T00:00:00Z',
    inputs: [
      {
        id: 'raw',
        description: 'image (any intensity range)',
        axes: [{ type: 'batch' }, { type: 'channel', channel_names: ['raw'] }, space('y'), space('x')],
        test_tensor: { source: 'test_input.npy', sha256: await sha256Hex(files['test_input.npy']) },
        data: { type: 'float32' },
        preprocessing: [
          { id: 'ensure_dtype', kwargs: { dtype: 'float32' } },
          { id: 'zero_mean_unit_variance', kwargs: { axes: ['y', 'x'] } },
          { id: 'ensure_dtype', kwargs: { dtype: 'float32' } },
        ],
      },
    ],
    outputs: [
      {
        id: 'blobs',
        description: 'blob probability in [0, 1]',
        axes: [{ type: 'batch' }, { type: 'channel', channel_names: ['blob_probability'] }, outSpace('y'), outSpace('x')],
        test_tensor: { source: 'test_output.npy', sha256: await sha256Hex(files['test_output.npy']) },
        data: { type: 'float32', range: [0, 1] },
        postprocessing: [{ id: 'sigmoid' }, { id: 'ensure_dtype', kwargs: { dtype: 'float32' } }],
      },
    ],
    weights: { onnx: { source: 'weights.onnx', sha256: await sha256Hex(files['weights.onnx']), opset_version: 13 } },
    config: { bioimageio: { reproducibility_tolerance: [{ absolute_tolerance: 1e-4, relative_tolerance: 1e-4, mismatched_elements_per_million: 0 }] } },
  };
  files['bioimageio.yaml'] = new TextEncoder().encode(stringify(rdf));
  return files;
}
