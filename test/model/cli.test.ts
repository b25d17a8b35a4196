import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoModel } from '../../src/model/demo-generate.js';
import { readNpy } from '../../src/model/npy.js';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const UNET = path.resolve(repoRoot, '../shared/data/bioimageio/models/unet2d_nuclei_broad');
const CLI = path.join(repoRoot, 'bin/imjoy-share.mjs');
let dir: string;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('node', [CLI, ...args], { cwd: repoRoot, maxBuffer: 16 << 20 });
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
  it('unet2d_nuclei_broad 0.5 passes with --json (exit 0)', async () => {
    const r = await cli('model', 'test', path.join(UNET, 'bioimageio.yaml'), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.passed).toBe(true);
    expect(j.outputs).toEqual([{ name: 'probability', max_abs_diff: expect.any(Number), mismatched: 0, total: 262144, passed: true }]);
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
    const r = await cli('model', 'test', path.resolve(UNET, '../unet2d_keras_tf2/v0_4.bioimageio.yaml'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no ONNX weights: this model is not runnable here \(weights available: .*keras_hdf5/);
    const m = await cli('model', 'test', path.join(dir, 'nope.yaml'));
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/nope\.yaml: no such file/);
  });
});

describe('imjoy-share model predict', { timeout: 240_000 }, () => {
  it('PNG in, TIFF out (tifffile reads it); same result as the npy path', async () => {
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
  it('TIFF in (big-endian BigTIFF, uint16): same result as the pixels tifffile reads, saved as .npy', async () => {
    const tif = path.resolve(repoRoot, '../shared/data/tiff/bigendian-bigtiff-u16.ome.tif');
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
    fs.writeFileSync(small, fs.readFileSync(path.join(dir, 'test_input.npy')));
    const r = await cli('model', 'predict', path.join(UNET, 'bioimageio.yaml'), small, '-o', path.join(dir, 'x.npy'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/input raw, axis y: size 96 is smaller than the minimum 512 the model accepts/);
    const b = await cli('model', 'predict', path.join(dir, 'model.zip'), small, '-o', path.join(dir, 'x.npy'), '--block', '12');
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--block 12: expected Y,X/);
  });
});
