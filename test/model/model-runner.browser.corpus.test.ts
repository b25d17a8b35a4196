/** The Model Runner plugin on the real zoo model unet2d_nuclei_broad (corpus); the demo model: model-runner.browser.test.ts. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHost, tmpDir, withTimeout, type Host } from '../helpers/host.js';
import { corpusData as sharedData, repoRoot } from '../helpers/paths.js';
import { generateDemoModel } from '../../src/demo/model.js';

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

describe('Model Runner plugin on the zoo model (onnxruntime-web wasm in a web worker)', { timeout: 240_000 }, () => {
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

  it('predict_file decodes a PNG in the browser like pngjs in Node; the result downloads as a TIFF tifffile reads', async () => {
    await mr('load_model', { source: `${host.app.url}/data/bioimageio/models/unet2d_nuclei_broad/bioimageio.yaml` });
    const r = await mr('predict_file', { source: `${host.app.url}/data/bioimageio/models/unet2d_nuclei_broad/test_input.png` });
    expect(r).toEqual({ name: 'test_input.png', shape: [1, 1, 512, 512], dtype: 'float32' });
    const got = await host.page.evaluate(async () => {
      const o = await (window as any).mr.get_result();
      const v = o._rvalue instanceof ArrayBuffer ? new Float32Array(o._rvalue) : new Float32Array(o._rvalue.buffer, o._rvalue.byteOffset, o._rvalue.byteLength / 4);
      return Array.from(v);
    });
    const { decodePngNode } = await import('../../src/model/png-node.js');
    const { loadOrtNode, openModelPackageNode } = await import('../../src/model/node.js');
    const { ModelRunner } = await import('../../src/model/runner.js');
    const UNET = path.join(sharedData, 'bioimageio/models/unet2d_nuclei_broad');
    const img = await decodePngNode(new Uint8Array(fs.readFileSync(path.join(UNET, 'test_input.png'))), 'test_input.png');
    const node = await ModelRunner.create(await openModelPackageNode(path.join(UNET, 'bioimageio.yaml')), await loadOrtNode());
    const want = (await node.predict([img])).probability.data as Float32Array;
    await node.release();
    let m = 0;
    for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]));
    expect(m).toBeLessThan(1e-4);
    // the Download .tif button inside the plugin's frame
    let frame;
    for (const f of host.page.frames()) if (await f.$('#mr-dl-tif').catch(() => null)) frame = f;
    expect(frame).toBeDefined();
    const [download] = await Promise.all([host.page.waitForEvent('download', { timeout: 60_000 }), frame!.click('#mr-dl-tif')]);
    expect(download.suggestedFilename()).toBe('test_input_probability.tif');
    const file = path.join(dir, 'downloaded.tif');
    await download.saveAs(file);
    const check = execFileSync('/usr/bin/python3', ['-c', `import sys, tifffile, numpy as np
a = tifffile.imread(sys.argv[1]); print(a.dtype, a.shape, float(a.min()) >= 0, float(a.max()) <= 1)`, file]).toString().trim();
    expect(check).toBe('float32 (512, 512) True True');
  });

  it('names the problem for a zoo model without ONNX weights', async () => {
    await expect(mr('load_model', { source: `${host.app.url}/data/bioimageio/models/unet2d_keras_tf/v0_4.bioimageio.yaml` })).rejects.toThrow(
      /no ONNX weights: this model is not runnable here \(weights available: keras_hdf5/,
    );
  });
});
