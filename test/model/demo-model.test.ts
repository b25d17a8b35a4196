import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoModel } from '../../src/demo/model.js';
import { demoImage } from '../../src/demo/model-files.js';
import { loadOrtNode, openModelPackageNode } from '../../src/model/node.js';
import { readNpy, writeNpy } from '../../src/ndarray/npy.js';
import type { OrtModule } from '../../src/model/onnx.js';
import { ModelRunner } from '../../src/model/runner.js';
import type { NdArray } from '../../src/ndarray/ndarray.js';

let dir: string;
let ort: OrtModule;
let runner: ModelRunner;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-model-'));
  await generateDemoModel(dir);
  ort = await loadOrtNode();
  runner = await ModelRunner.create(await openModelPackageNode(path.join(dir, 'bioimageio.yaml')), ort);
});
afterAll(async () => {
  await runner?.release();
  fs.rmSync(dir, { recursive: true, force: true });
});

// numpy: zero-mean/unit-variance (population std, eps 1e-6), np.pad reflect, 5x5 correlation
// with the weights read back from the ONNX file's raw_data, sigmoid.
const NUMPY_MODEL = String.raw`
import sys, numpy as np
img = np.load(sys.argv[1]).astype(np.float32)
onnx = open(sys.argv[2], 'rb').read()
h = bytes.fromhex(sys.argv[3]); i = onnx.index(h) + len(h)
w = np.frombuffer(onnx[i:i+100], dtype='<f4').reshape(5, 5)
bias = float(sys.argv[4])
x = img[0, 0].astype(np.float64)
x = (x - x.mean()) / (x.std() + 1e-6)
p = np.pad(x, 2, mode='reflect')
H, W = x.shape
acc = np.full((H, W), bias)
for dy in range(5):
    for dx in range(5):
        acc += w[dy, dx] * p[dy:dy+H, dx:dx+W]
out = (1 / (1 + np.exp(-acc))).astype(np.float32)[None, None]
np.save(sys.argv[5], out)
`;

function numpyPredict(input: NdArray): Float32Array {
  const inp = path.join(dir, `np_in_${input.shape.join('x')}.npy`);
  const out = path.join(dir, `np_out_${input.shape.join('x')}.npy`);
  fs.writeFileSync(inp, writeNpy(input));
  // W's raw_data follows its name 'W' (field 8) then the raw_data key (field 9, 100 bytes): 42 01 57 4a 64
  execFileSync('/usr/bin/python3', ['-c', NUMPY_MODEL, inp, path.join(dir, 'weights.onnx'), '4201574a64', '-0.25', out]);
  return readNpy(fs.readFileSync(out)).data as Float32Array;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('self-built demo model (ONNX written by src/demo/onnx-writer)', { timeout: 240_000 }, () => {
  it('is registered as the "model" demo generator (npm start writes it to .cache/demo/model)', async () => {
    const { demoGenerators } = await import('../../src/demo/index.js');
    const g = demoGenerators.find((x) => x.name === 'model');
    expect(g).toBeDefined();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-gen-'));
    const logs: string[] = [];
    await g!.generate(out, (m) => logs.push(m));
    expect(fs.readdirSync(out).sort()).toEqual(['README.md', 'bioimageio.yaml', 'model.zip', 'sample_input.npy', 'test_input.npy', 'test_output.npy', 'weights.onnx']);
    expect(logs.join('\n')).toMatch(/model package with 6 files \(\+ model\.zip\)/);
    fs.rmSync(out, { recursive: true, force: true });
  });
  it('has dynamic spatial dims in the graph', () => {
    expect(runner.session.inputs[0].shape).toEqual([1, 1, 'height', 'width']);
  });
  it('passes its own spec test (test output computed without onnxruntime), incl. output shapes for n = 0, 1, 2', async () => {
    const r = await runner.test();
    expect(r.passed).toBe(true);
    expect(r.outputs[0].mismatched).toBe(0);
    expect(r.shapeChecks.map((c) => [c.inputs[0], c.outputs[0].shape, c.passed])).toEqual([
      [[1, 1, 32, 32], [1, 1, 32, 32], true],
      [[1, 1, 48, 48], [1, 1, 48, 48], true],
      [[1, 1, 64, 64], [1, 1, 64, 64], true],
    ]);
  });
  it('fails the test when the outputs do not have the shape the RDF promises', async () => {
    const bad = path.join(dir, 'badshape');
    fs.mkdirSync(bad);
    for (const f of fs.readdirSync(dir)) if (fs.statSync(path.join(dir, f)).isFile()) fs.copyFileSync(path.join(dir, f), path.join(bad, f));
    // the output axes claim half resolution (scale 2.0); the graph keeps the input size
    const rdf = fs.readFileSync(path.join(bad, 'bioimageio.yaml'), 'utf8').replace(/(\n(\s+)halo: 4)/g, '$1\n$2scale: 2');
    fs.writeFileSync(path.join(bad, 'bioimageio.yaml'), rdf);
    const r = await ModelRunner.create(await openModelPackageNode(path.join(bad, 'bioimageio.yaml')), ort);
    const rep = await r.test();
    await r.release();
    expect(rep.outputs[0].passed).toBe(true);
    expect(rep.shapeChecks[0].outputs[0]).toEqual({ name: 'blobs', shape: [1, 1, 32, 32], expected: [1, 1, 16, 16] });
    expect(rep.passed).toBe(false);
  });
  it('predicts what numpy computes independently', async () => {
    const input: NdArray = { data: demoImage(160, 208, 11), shape: [1, 1, 160, 208], dtype: 'float32' };
    const out = await runner.predict({ raw: input });
    expect(out.blobs.shape).toEqual([1, 1, 160, 208]);
    expect(maxDiff(out.blobs.data as Float32Array, numpyPredict(input))).toBeLessThan(1e-5);
  });
  it('tiled prediction of a large input equals the untiled one; progress per block; numpy agrees', async () => {
    const input: NdArray = { data: demoImage(700, 530, 5), shape: [1, 1, 700, 530], dtype: 'float32' };
    // 700 and 530 are not 32 + n·16, so only tiling can run it: compare with numpy on the full image,
    // and tiled with untiled on a valid size.
    const progress: [number, number][] = [];
    const tiled = await runner.predict({ raw: input }, { block: { y: 128, x: 96 }, onProgress: (d, t) => progress.push([d, t]) });
    expect(tiled.blobs.shape).toEqual([1, 1, 700, 530]);
    const inner = [128 - 8, 96 - 8];
    const nBlocks = Math.ceil(700 / inner[0]) * Math.ceil(530 / inner[1]);
    expect(progress[progress.length - 1]).toEqual([nBlocks, nBlocks]);
    expect(progress.length).toBe(nBlocks + 1);
    expect(maxDiff(tiled.blobs.data as Float32Array, numpyPredict(input))).toBeLessThan(1e-5);
    const valid: NdArray = { data: demoImage(512, 512, 9), shape: [1, 1, 512, 512], dtype: 'float32' };
    const whole = await runner.predict({ raw: valid });
    const blocks = await runner.predict({ raw: valid }, { block: { y: 96, x: 160 } });
    expect(maxDiff(whole.blobs.data as Float32Array, blocks.blobs.data as Float32Array)).toBeLessThan(1e-5);
  });
  it('is cancellable between blocks', async () => {
    const input: NdArray = { data: demoImage(512, 512, 2), shape: [1, 1, 512, 512], dtype: 'float32' };
    const ac = new AbortController();
    const p = runner.predict({ raw: input }, { block: { y: 64, x: 64 }, signal: ac.signal, onProgress: (d) => d === 3 && ac.abort() });
    await expect(p).rejects.toThrow(/cancelled/);
  });
  it('accepts a plain 2-D image (adds batch and channel) and loads from the model zip', async () => {
    const pkg = await openModelPackageNode(path.join(dir, 'model.zip'));
    const zipRunner = await ModelRunner.create(pkg, ort);
    try {
      const img: NdArray = { data: demoImage(64, 48, 4), shape: [64, 48], dtype: 'float32' };
      const out = await zipRunner.predict([img]);
      expect(out.blobs.shape).toEqual([1, 1, 64, 48]);
      expect((await zipRunner.test()).passed).toBe(true);
    } finally {
      await zipRunner.release();
      await pkg.close?.(); // the zip's file handle: closed here, not by the garbage collector
    }
  });
});

describe('bad input gives clear errors', { timeout: 240_000 }, () => {
  it('image smaller than the minimum shape', async () => {
    const img: NdArray = { data: new Float32Array(16 * 64), shape: [1, 1, 16, 64], dtype: 'float32' };
    await expect(runner.predict([img])).rejects.toThrow(/input raw, axis y: size 16 is smaller than the minimum 32/);
  });
  it('input of the wrong rank', async () => {
    const img: NdArray = { data: new Float32Array(2 * 3 * 32 * 32), shape: [2, 3, 32, 32], dtype: 'float32' };
    await expect(runner.predict([img])).rejects.toThrow(/input raw, axis batch: size 2, the model needs exactly 1/);
    const img5: NdArray = { data: new Float32Array(8 * 32 * 32), shape: [2, 2, 2, 32, 32], dtype: 'float32' };
    await expect(runner.predict([img5])).rejects.toThrow(/input raw: shape \[2, 2, 2, 32, 32\] does not fit the axes \(batch, channel, y, x\): wrong rank 5, expected 4/);
  });
  // The real zoo model's static graph dims and a Keras-only zoo model: unet.corpus.test.ts.
  it('a model without ONNX weights names the formats it has', async () => {
    const keras = path.join(dir, 'keras.bioimageio.yaml');
    fs.writeFileSync(keras, fs.readFileSync(path.join(dir, 'bioimageio.yaml'), 'utf8').replace(/\nweights:\n {2}onnx:\n[\s\S]*?\n(?=\S)/, '\nweights:\n  keras_hdf5:\n    source: weights.h5\n    tensorflow_version: "2.15"\n'));
    await expect(ModelRunner.create(await openModelPackageNode(keras), ort)).rejects.toThrow(/no ONNX weights: this model is not runnable here \(weights available: keras_hdf5;/);
  });
  it('a wrong weights hash', async () => {
    const bad = path.join(dir, 'badhash');
    fs.mkdirSync(bad);
    for (const f of fs.readdirSync(dir)) if (fs.statSync(path.join(dir, f)).isFile()) fs.copyFileSync(path.join(dir, f), path.join(bad, f));
    const w = fs.readFileSync(path.join(bad, 'weights.onnx'));
    w[w.length - 1] ^= 1;
    fs.writeFileSync(path.join(bad, 'weights.onnx'), w);
    const pkg = await openModelPackageNode(path.join(bad, 'bioimageio.yaml'));
    await expect(ModelRunner.create(pkg, ort)).rejects.toThrow(/weights\.onnx: sha256 mismatch: the RDF says [0-9a-f]{64}, the file has [0-9a-f]{64}/);
  });
  it('a corrupt test tensor', async () => {
    const bad = path.join(dir, 'badnpy');
    fs.mkdirSync(bad);
    for (const f of fs.readdirSync(dir)) if (fs.statSync(path.join(dir, f)).isFile()) fs.copyFileSync(path.join(dir, f), path.join(bad, f));
    const rdf = fs.readFileSync(path.join(bad, 'bioimageio.yaml'), 'utf8').replace(/(source: test_input\.npy\n\s+sha256: )[0-9a-f]+/, '$1' + '0'.repeat(64));
    fs.writeFileSync(path.join(bad, 'bioimageio.yaml'), rdf.replace(/\n(\s+)sha256: 0{64}/, ''));
    fs.writeFileSync(path.join(bad, 'test_input.npy'), fs.readFileSync(path.join(dir, 'test_input.npy')).subarray(0, 1000));
    const r = await ModelRunner.create(await openModelPackageNode(path.join(bad, 'bioimageio.yaml')), ort);
    await expect(r.test()).rejects.toThrow(/test_input\.npy: shape \(1, 1, 96, 128\) of '<f4' needs 49152 data bytes but the file holds only 872/);
    await r.release();
  });
});
