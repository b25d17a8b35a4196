/**
 * The real zoo model unet2d_nuclei_broad (ONNX weights from the model zoo, corpus): the spec test
 * in Node and through the CLI, predict from its own PNG, its static graph dims, and a zoo model
 * without ONNX weights. The main suite runs the same paths on the demo model (model/cli.test.ts,
 * model/demo-model.test.ts).
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrtNode, openModelPackageNode } from '../../src/model/node.js';
import type { NdArray } from '../../src/ndarray/ndarray.js';
import { ModelRunner } from '../../src/model/runner.js';
import { corpusData, repoRoot } from '../helpers/paths.js';

const UNET = path.join(corpusData, 'bioimageio/models/unet2d_nuclei_broad');
const run = promisify(execFile);
let dir: string;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('node', [path.join(repoRoot, 'bin/imjoy-share.mjs'), ...args], { cwd: repoRoot, maxBuffer: 16 << 20 });
    return { code: 0, ...r };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

beforeAll(() => {
  execFileSync('node', ['build.mjs', '--cli-only'], { cwd: repoRoot });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unet-corpus-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('unet2d_nuclei_broad (real zoo model, ONNX) passes the spec test in Node', { timeout: 240_000 }, () => {
  for (const file of ['bioimageio.yaml', 'v0_4_9.bioimageio.yaml']) {
    it(file, async () => {
      const pkg = await openModelPackageNode(path.join(UNET, file));
      const runner = await ModelRunner.create(pkg, await loadOrtNode());
      const report = await runner.test();
      await runner.release();
      expect(report.outputs).toHaveLength(1);
      const o = report.outputs[0];
      expect(o.name).toBe('probability');
      expect(o.total).toBe(512 * 512);
      expect(o.mismatched).toBe(0);
      expect(o.max_abs_diff).toBeLessThan(1e-4);
      expect(report.passed).toBe(true);
    });
  }

  it("an RDF size that contradicts the ONNX graph's static dims", async () => {
    const rdf = fs
      .readFileSync(path.join(UNET, 'bioimageio.yaml'), 'utf8')
      .replace(/size: 512/g, 'size: 256')
      .replace(/source: (weights\.onnx|test_input\.npy|test_output\.npy)/g, (_, f) => `source: ${path.join(UNET, f)}`);
    const f = path.join(dir, 'unet256.yaml');
    fs.writeFileSync(f, rdf);
    const r = await ModelRunner.create(await openModelPackageNode(f), await loadOrtNode());
    const img: NdArray = { data: new Float32Array(256 * 256), shape: [1, 1, 256, 256], dtype: 'float32' };
    await expect(r.predict([img])).rejects.toThrow(/input raw, axis y: the RDF says size 256 but the ONNX graph has 512/);
    await r.release();
  });

  it('a zoo model without ONNX weights names the formats it has', async () => {
    const pkg = await openModelPackageNode(path.join(corpusData, 'bioimageio/models/unet2d_keras_tf/v0_4.bioimageio.yaml'));
    await expect(ModelRunner.create(pkg, await loadOrtNode())).rejects.toThrow(/no ONNX weights: this model is not runnable here \(weights available: keras_hdf5/);
  });
});

describe('imjoy-share model on the zoo model', { timeout: 240_000 }, () => {
  it('test: unet2d_nuclei_broad 0.5 passes with --json (exit 0)', async () => {
    const r = await cli('model', 'test', path.join(UNET, 'bioimageio.yaml'), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.passed).toBe(true);
    expect(j.outputs).toEqual([{ name: 'probability', max_abs_diff: expect.any(Number), mismatched: 0, total: 262144, passed: true }]);
    expect(j.outputs[0].max_abs_diff).toBeLessThan(1e-4);
  });

  it('test: a Keras-only zoo model cannot run (exit 2 with the reason)', async () => {
    const r = await cli('model', 'test', path.join(corpusData, 'bioimageio/models/unet2d_keras_tf2/v0_4.bioimageio.yaml'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no ONNX weights: this model is not runnable here \(weights available: .*keras_hdf5/);
  });

  it('predict: its PNG in, TIFF out (tifffile reads it); same result as the npy path', async () => {
    const tif = path.join(dir, 'unet.tif');
    const r = await cli('model', 'predict', path.join(UNET, 'bioimageio.yaml'), path.join(UNET, 'test_input.png'), '-o', tif);
    expect(r.code, r.stderr).toBe(0);
    const npyOut = path.join(dir, 'unet.npy');
    const r2 = await cli('model', 'predict', path.join(UNET, 'bioimageio.yaml'), path.join(UNET, 'test_input.png'), '-o', npyOut);
    expect(r2.code, r2.stderr).toBe(0);
    const res = execFileSync('/usr/bin/python3', ['-c', `import sys, numpy as np, tifffile
t = tifffile.imread(sys.argv[1]); n = np.load(sys.argv[2])
print(t.dtype, t.shape, n.shape, float(np.abs(t - n[0, 0]).max()), float(t.min()) >= 0, float(t.max()) <= 1)`, tif, npyOut]).toString().trim();
    expect(res).toBe('float32 (512, 512) (1, 1, 512, 512) 0.0 True True');
  });

  it('predict: an image smaller than the model minimum is refused (exit 2)', async () => {
    const small = path.join(dir, 'small.npy');
    execFileSync('/usr/bin/python3', ['-c', 'import sys, numpy; numpy.save(sys.argv[1], numpy.zeros((1, 1, 96, 128), "f4"))', small]);
    const r = await cli('model', 'predict', path.join(UNET, 'bioimageio.yaml'), small, '-o', path.join(dir, 'x.npy'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/input raw, axis y: size 96 is smaller than the minimum 512 the model accepts/);
  });
});
