import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoModel } from '../../src/demo/model.js';
import { decodeImage } from '../../src/model/image-io.js';
import { readNpy } from '../../src/ndarray/npy.js';
import { testData } from '../helpers/fixtures.js';
import { python } from '../helpers/paths.js';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DATA = testData();
const CLI = path.join(repoRoot, 'bin/imjoy-share.mjs');
let dir: string;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliEnv({}, ...args);
}

async function cliEnv(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('node', [CLI, ...args], { cwd: repoRoot, maxBuffer: 16 << 20, env: { ...process.env, ...env } });
    return { code: 0, ...r };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

beforeAll(async () => {
  execFileSync('node', ['build.mjs', '--cli-only'], { cwd: repoRoot });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'model-cli-'));
  await generateDemoModel(dir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('imjoy-share model test', { timeout: 240_000 }, () => {
  // The real zoo model (unet2d_nuclei_broad) is tested the same way in unet.corpus.test.ts.
  it('the demo model passes with --json (exit 0)', async () => {
    const r = await cli('model', 'test', path.join(dir, 'bioimageio.yaml'), '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.passed).toBe(true);
    expect(j.outputs).toEqual([{ name: 'blobs', max_abs_diff: expect.any(Number), mismatched: 0, total: 12288, passed: true }]);
    expect(j.outputs[0].max_abs_diff).toBeLessThan(1e-4);
  });
  it('a model whose test output disagrees fails (exit 1) and says by how much', async () => {
    const bad = path.join(dir, 'wrong-output');
    fs.mkdirSync(bad);
    for (const f of fs.readdirSync(dir)) if (fs.statSync(path.join(dir, f)).isFile()) fs.copyFileSync(path.join(dir, f), path.join(bad, f));
    const out = readNpy(fs.readFileSync(path.join(bad, 'test_output.npy')));
    const npy = fs.readFileSync(path.join(bad, 'test_output.npy'));
    // flip 3 values by +0.5 (test tolerance is 0 ppm): 3 mismatches, max |Δ| 0.5
    const dv = new DataView(npy.buffer, npy.byteOffset, npy.byteLength);
    const off = npy.length - out.data.length * 4;
    for (const i of [0, 100, 5000]) dv.setFloat32(off + 4 * i, (out.data[i] as number) + 0.5, true);
    fs.writeFileSync(path.join(bad, 'test_output.npy'), npy);
    const rdf = fs.readFileSync(path.join(bad, 'bioimageio.yaml'), 'utf8').replace(/(source: test_output\.npy)\n\s+sha256: [0-9a-f]+/, '$1');
    fs.writeFileSync(path.join(bad, 'bioimageio.yaml'), rdf);
    const r = await cli('model', 'test', path.join(bad, 'bioimageio.yaml'), '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.passed).toBe(false);
    expect(j.outputs[0].mismatched).toBe(3);
    expect(j.outputs[0].max_abs_diff).toBeCloseTo(0.5, 4);
    const t = await cli('model', 'test', path.join(bad, 'bioimageio.yaml'));
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(/FAIL blobs: max \|Δ\| 5\.000e-1, 3\/12288 mismatched/);
  });
  it('cannot run: exit 2 with the reason', async () => {
    // The demo model with its weights declared as Keras only (the file itself is never read).
    const keras = path.join(dir, 'keras.bioimageio.yaml');
    fs.writeFileSync(keras, fs.readFileSync(path.join(dir, 'bioimageio.yaml'), 'utf8').replace(/\nweights:\n {2}onnx:\n[\s\S]*?\n(?=\S)/, '\nweights:\n  keras_hdf5:\n    source: weights.h5\n    tensorflow_version: "2.15"\n'));
    const r = await cli('model', 'test', keras);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/no ONNX weights: this model is not runnable here \(weights available: .*keras_hdf5/);
    const m = await cli('model', 'test', path.join(dir, 'nope.yaml'));
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/nope\.yaml: no such file/);
  });
});

describe('imjoy-share model predict', { timeout: 240_000 }, () => {
  it('PNG in, TIFF out (tifffile reads it); same result as the npy path and as the pixels numpy saved', async () => {
    // An 8-bit PNG written from the PNG specification by test/fixtures/make_data.py, with its pixels as .npy.
    const png = path.join(DATA, 'png', 'gray-96x128.png');
    const tif = path.join(dir, 'png.tif');
    const r = await cli('model', 'predict', path.join(dir, 'model.zip'), png, '-o', tif);
    expect(r.code, r.stderr).toBe(0);
    const npyOut = path.join(dir, 'png.npy');
    const r2 = await cli('model', 'predict', path.join(dir, 'model.zip'), png, '-o', npyOut);
    expect(r2.code, r2.stderr).toBe(0);
    const viaNpy = path.join(dir, 'png-via-npy.npy');
    expect((await cli('model', 'predict', path.join(dir, 'model.zip'), path.join(DATA, 'png', 'gray-96x128.npy'), '-o', viaNpy)).code).toBe(0);
    expect(Array.from(readNpy(fs.readFileSync(viaNpy)).data as Float32Array)).toEqual(Array.from(readNpy(fs.readFileSync(npyOut)).data as Float32Array));
    const res = execFileSync('/usr/bin/python3', ['-c', `import sys, numpy as np, tifffile
t = tifffile.imread(sys.argv[1]); n = np.load(sys.argv[2])
print(t.dtype, t.shape, n.shape, float(np.abs(t - n[0, 0]).max()), float(t.min()) >= 0, float(t.max()) <= 1)`, tif, npyOut]).toString().trim();
    expect(res).toMatch(/^float32 \(96, 128\) \(1, 1, 96, 128\) 0\.0 /);
  });
  it('TIFF in (big-endian BigTIFF, uint16): same result as the pixels tifffile reads, saved as .npy', async () => {
    const tif = path.join(DATA, 'tiff', 'bigendian-bigtiff-u16.ome.tif');
    const viaNpy = path.join(dir, 'bigendian.npy');
    execFileSync('/usr/bin/python3', ['-c', 'import sys, numpy, tifffile; numpy.save(sys.argv[2], tifffile.imread(sys.argv[1]))', tif, viaNpy]);
    const a = path.join(dir, 'from-tif.npy');
    const b = path.join(dir, 'from-npy.npy');
    const r = await cli('model', 'predict', path.join(dir, 'model.zip'), tif, '-o', a, '--block', '256,256');
    expect(r.code, r.stderr).toBe(0);
    expect((await cli('model', 'predict', path.join(dir, 'model.zip'), viaNpy, '-o', b, '--block', '256,256')).code).toBe(0);
    const x = readNpy(fs.readFileSync(a));
    const y = readNpy(fs.readFileSync(b));
    expect(x.shape).toEqual([1, 1, 700, 900]);
    expect(Array.from(x.data as Float32Array)).toEqual(Array.from(y.data as Float32Array));
  });
  it('tiles with --block and matches the untiled result (npy in and out)', async () => {
    const a = path.join(dir, 'whole.npy');
    const b = path.join(dir, 'tiled.npy');
    const model = path.join(dir, 'model.zip');
    expect((await cli('model', 'predict', model, path.join(dir, 'sample_input.npy'), '-o', a)).code).toBe(0);
    const r = await cli('model', 'predict', model, path.join(dir, 'sample_input.npy'), '-o', b, '--block', '128,96');
    expect(r.code, r.stderr).toBe(0);
    const x = readNpy(fs.readFileSync(a)).data as Float32Array;
    const y = readNpy(fs.readFileSync(b)).data as Float32Array;
    let m = 0;
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
    expect(x.length).toBe(512 * 512);
    expect(m).toBeLessThan(1e-5);
  });
  it('rejects an image smaller than the model minimum and a bad --block', async () => {
    const small = path.join(dir, 'small.npy');
    execFileSync(python, ['-c', 'import sys, numpy; numpy.save(sys.argv[1], numpy.zeros((1, 1, 16, 48), "f4"))', small]);
    const r = await cli('model', 'predict', path.join(dir, 'model.zip'), small, '-o', path.join(dir, 'x.npy'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/input raw, axis y: size 16 is smaller than the minimum 32 the model accepts/);
    const b = await cli('model', 'predict', path.join(dir, 'model.zip'), path.join(dir, 'test_input.npy'), '-o', path.join(dir, 'x.npy'), '--block', '12');
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--block 12: expected Y,X/);
  });
});

/**
 * TIFF inputs written by Debian's tifffile (OME-XML) and libtiff (LZW pages), never by our writer;
 * the expected arrays are what libtiff decodes from the pages tifffile assigns to series 0, saved
 * by numpy (test/model/py/make_predict_tiffs.py). Shapes fit the demo model (y, x = 32 + n·16).
 */
describe('imjoy-share model predict: TIFF inputs', { timeout: 240_000 }, () => {
  let tiffs: string;
  const model = () => path.join(dir, 'model.zip');
  const predict = (input: string, out: string, env: Record<string, string> = {}) => cliEnv(env, 'model', 'predict', model(), path.join(tiffs, input), '-o', path.join(tiffs, out));
  /** One line `imjoy-share: <file>: <problem>` on stderr, nothing on stdout, exit 2, no stack. */
  const expectRefused = (r: { code: number; stdout: string; stderr: string }, file: string, problem: RegExp) => {
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.endsWith('\n') && r.stderr.split('\n').length).toBe(2);
    expect(r.stderr.startsWith(`imjoy-share: ${path.join(tiffs, file)}: `), r.stderr).toBe(true);
    expect(r.stderr).toMatch(problem);
  };
  const floats = (file: string) => readNpy(fs.readFileSync(path.join(tiffs, file))).data as Float32Array;

  beforeAll(() => {
    fs.mkdirSync(path.join(repoRoot, '.cache'), { recursive: true });
    tiffs = fs.mkdtempSync(path.join(repoRoot, '.cache', 'model-predict-tiff-'));
    const out = execFileSync(python, [path.join(repoRoot, 'test/model/py/make_predict_tiffs.py'), tiffs]).toString();
    // what tifffile makes of the files: the OME-XML's series 0, its axes and pages
    expect(out.trim().split('\n')).toEqual([
      'c2-lzw.ome.tif CYX 2x96x128 pages 0,1',
      'c1-lzw.ome.tif YX 96x128 pages 0',
      'z3-lzw.ome.tif ZYX 3x96x128 pages 0,1,2',
      'image0-on-page1.ome.tif YX 96x128 pages 1',
      'huge-header.tif',
    ]);
  });
  afterAll(() => fs.rmSync(tiffs, { recursive: true, force: true }));

  it('a 2-channel LZW OME-TIFF against a 1-channel model: refused from the header (exit 2, not a V8 fatal)', async () => {
    const r = await predict('c2-lzw.ome.tif', 'c2.npy');
    expectRefused(r, 'c2-lzw.ome.tif', /: the image has 2 channels \(image axes c, y, x\) but the model input raw takes 1 channel\n$/);
    expect(fs.existsSync(path.join(tiffs, 'c2.npy'))).toBe(false);
  });
  it('a 1-channel LZW OME-TIFF predicts exactly as its pixels saved by numpy do', async () => {
    const r = await predict('c1-lzw.ome.tif', 'from-tif.npy');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect((await predict('c1-lzw.npy', 'from-npy.npy')).code).toBe(0);
    expect(readNpy(fs.readFileSync(path.join(tiffs, 'from-tif.npy'))).shape).toEqual([1, 1, 96, 128]);
    expect(floats('from-tif.npy')).toEqual(floats('from-npy.npy'));
  });
  it('multi-page: the planes OME-XML assigns to image 0 (here page 1, not page 0) with its axes', async () => {
    expect((await predict('image0-on-page1.ome.tif', 'page1-tif.npy')).code).toBe(0);
    expect((await predict('image0-on-page1.npy', 'page1-npy.npy')).code).toBe(0);
    const got = floats('page1-tif.npy');
    expect(got).toEqual(floats('page1-npy.npy'));
    // page 0 is a constant decoy: its prediction would be constant
    expect(Math.max(...got) - Math.min(...got)).toBeGreaterThan(0.1);
    // a z stack (OME axes ZYX, 3 pages) is not 3 images, nor page 0: the 2-D model refuses it
    const z = await predict('z3-lzw.ome.tif', 'z3.npy');
    expectRefused(z, 'z3-lzw.ome.tif', /the image has 3 z planes \(image axes (c, )?z, y, x\) but the model input raw has no z axis \(model axes batch, channel, y, x\)/);
  });
  it('in memory (the plugin path): every page of the series, with its axes, equal to what numpy saved', async () => {
    const file = path.join(tiffs, 'c2-lzw.ome.tif');
    const img = await decodeImage(new Uint8Array(fs.readFileSync(file)), file);
    const expected = readNpy(fs.readFileSync(path.join(tiffs, 'c2-lzw.npy')));
    expect(img.axes).toEqual(['c', 'y', 'x']);
    expect(img.array.shape).toEqual(expected.shape);
    expect(img.array.data).toEqual(expected.data);
  });
  // (a single channel may or may not be an axis of the reference maker's array: either is fine)
  it('a header claiming 50000 × 50000 pixels, and an image over IMJOY_SHARE_MAX_INPUT_BYTES: refused before allocating', async () => {
    const r = await predict('huge-header.tif', 'huge.npy');
    expectRefused(r, 'huge-header.tif', /the header claims a (1×)?50000×50000 uint16 image \(4\.7 GiB\), more than the file \(\d+ bytes\) can hold even compressed 4096:1; the file is corrupt/);
    const small = await predict('c1-lzw.ome.tif', 'x.npy', { IMJOY_SHARE_MAX_INPUT_BYTES: '10000' });
    expectRefused(small, 'c1-lzw.ome.tif', /: (1×)?96×128 uint16 is 24576 bytes, more than the 10000 bytes an input may take here; IMJOY_SHARE_MAX_INPUT_BYTES sets the limit/);
  });
});
