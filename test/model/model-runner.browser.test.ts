import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHost, tmpDir, withTimeout, type Host } from '../helpers/host.js';
import { repoRoot, sharedData } from '../helpers/paths.js';
import { generateDemoModel } from '../../src/model/demo-generate.js';
import { demoImage, demoReference } from '../../src/model/demo-model.js';

let host: Host;
let dir: string;
const SRC = () => `${host.app.url}/dist/plugins/Model-Runner.imjoy.html`;

/** Calls a method of the Model Runner window in the page. */
async function mr<T = any>(method: string, ...args: unknown[]): Promise<T> {
  return withTimeout(
    host.page.evaluate(async ([m, a]) => (window as any).mr[m as string](...(a as unknown[])), [method, args] as const),
    120_000,
    `Model Runner ${method}`,
  ) as Promise<T>;
}

beforeAll(async () => {
  execFileSync('node', ['build.mjs', '--only', 'model-runner'], { cwd: repoRoot });
  dir = tmpDir('model-runner-browser-');
  await generateDemoModel(dir);
  host = await openHost({ mounts: { '/data/': sharedData, '/m/': dir } });
  await withTimeout(
    host.page.evaluate(async (src) => {
      (window as any).mr = await (window as any).imjoy.api.createWindow({ src, name: 'Model Runner' });
    }, SRC()),
    60_000,
    'creating the Model Runner window',
  );
}, 180_000);

afterAll(async () => {
  await host?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('Model Runner plugin in the ImJoy host (onnxruntime-web wasm in a web worker)', () => {
  for (const file of ['bioimageio.yaml', 'v0_4_9.bioimageio.yaml']) {
    it(`unet2d_nuclei_broad ${file} passes the spec test`, async () => {
      const info = await mr('load_model', { source: `${host.app.url}/data/bioimageio/models/unet2d_nuclei_broad/${file}` });
      expect(info.name).toBe('UNet 2D Nuclei Broad');
      expect(info.weights).toContain('onnx');
      expect(info.inputs[0].graphShape).toEqual([1, 1, 512, 512]);
      const r = await mr('test');
      expect(r.passed).toBe(true);
      expect(r.outputs).toHaveLength(1);
      expect(r.outputs[0]).toMatchObject({ name: 'probability', mismatched: 0, total: 262144, passed: true });
      expect(r.outputs[0].max_abs_diff).toBeLessThan(1e-4);
    }, 180_000);
  }

  it('predict({inputs}) takes an ImJoy ndarray, tiles on request, and matches the plain-arithmetic reference', async () => {
    const info = await mr('load_model', { source: `${host.app.url}/m/model.zip` });
    expect(info.inputs[0].graphShape).toEqual([1, 1, 'height', 'width']);
    const [h, w] = [80, 112];
    const img = Array.from(demoImage(h, w, 21));
    const out = await withTimeout(
      host.page.evaluate(
        async ([img, h, w]) => {
          const nd = { _rtype: 'ndarray', _rvalue: new Float32Array(img as number[]), _rshape: [h, w], _rdtype: 'float32' };
          const res = await (window as any).mr.predict({ inputs: nd, block: '48,64' });
          const o = res.blobs;
          const v = o._rvalue instanceof ArrayBuffer ? new Float32Array(o._rvalue) : new Float32Array(o._rvalue.buffer, o._rvalue.byteOffset, o._rvalue.byteLength / 4);
          return { shape: o._rshape, dtype: o._rdtype, values: Array.from(v) };
        },
        [img, h, w] as const,
      ),
      120_000,
      'predict',
    );
    expect(out.shape).toEqual([1, 1, h, w]);
    expect(out.dtype).toBe('float32');
    const ref = demoReference(Float32Array.from(img), h, w);
    let m = 0;
    for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(out.values[i] - ref[i]));
    expect(m).toBeLessThan(1e-5);
  });

  it('shows the result as a new layer in the Reference Viewer when it is open', async () => {
    await withTimeout(
      host.page.evaluate(async (src) => {
        (window as any).rv = await (window as any).imjoy.api.createWindow({ src, name: 'Reference Viewer' });
      }, `${host.app.url}/dist/plugins/Reference-Viewer.imjoy.html`),
      60_000,
      'creating the viewer',
    );
    await mr('load_model', { source: `${host.app.url}/m/bioimageio.yaml` });
    await host.page.evaluate(async () => {
      const nd = { _rtype: 'ndarray', _rvalue: new Float32Array(64 * 96).map((_, i) => (i * 7919) % 255), _rshape: [64, 96], _rdtype: 'float32' };
      await (window as any).mr.predict({ inputs: nd });
    });
    const stats = await host.page.evaluate(async () => (window as any).rv.get_stats());
    expect(stats.cache.map((c: { name: string }) => c.name)).toContain('input → blobs');
    expect(stats.errors).toEqual([]);
  });

  it('names the problem for a model without ONNX weights and for a too-small input', async () => {
    await expect(mr('load_model', { source: `${host.app.url}/data/bioimageio/models/unet2d_keras_tf/v0_4.bioimageio.yaml` })).rejects.toThrow(
      /no ONNX weights: this model is not runnable here \(weights available: keras_hdf5/,
    );
    await mr('load_model', { source: `${host.app.url}/m/bioimageio.yaml` });
    await expect(
      host.page.evaluate(async () => {
        const nd = { _rtype: 'ndarray', _rvalue: new Float32Array(16 * 16), _rshape: [16, 16], _rdtype: 'float32' };
        await (window as any).mr.predict({ inputs: nd });
      }),
    ).rejects.toThrow(/input raw, axis y: size 16 is smaller than the minimum 32/);
    expect(host.external()).toEqual([]);
  });
});
