import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHost, tmpDir, withTimeout, type Host } from '../helpers/host.js';
import { testData } from '../helpers/fixtures.js';
import { repoRoot } from '../helpers/paths.js';
import { generateDemoModel } from '../../src/demo/model.js';
import { demoImage, demoReference } from '../../src/demo/model-files.js';

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
  fs.writeFileSync(path.join(dir, 'keras.bioimageio.yaml'), fs.readFileSync(path.join(dir, 'bioimageio.yaml'), 'utf8').replace(/\nweights:\n {2}onnx:\n[\s\S]*?\n(?=\S)/, '\nweights:\n  keras_hdf5:\n    source: weights.h5\n    tensorflow_version: "2.15"\n'));
  host = await openHost({ mounts: { '/data/': testData(), '/m/': dir } });
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

describe('Model Runner plugin in the ImJoy host (onnxruntime-web wasm in a web worker)', { timeout: 240_000 }, () => {
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

  it('loads a model package zip given as a Blob and as bytes (the file picker path)', async () => {
    for (const kind of ['blob', 'bytes']) {
      const info = await host.page.evaluate(
        async ([url, kind]) => {
          const res = await fetch(url as string);
          const source = kind === 'blob' ? await res.blob() : new Uint8Array(await res.arrayBuffer());
          return (window as any).mr.load_model({ source });
        },
        [`${host.app.url}/m/model.zip`, kind] as const,
      );
      expect(info.name).toBe('imjoy-share demo blob detector');
      expect(info.location).toMatch(/\/bioimageio\.yaml$/);
    }
    expect((await mr('test')).passed).toBe(true);
  });

  it('predict_file decodes a PNG in the browser like pngjs in Node; the result downloads as a TIFF tifffile reads', async () => {
    // The demo model on an 8-bit PNG written from the PNG specification (test/fixtures/make_data.py).
    await mr('load_model', { source: `${host.app.url}/m/model.zip` });
    const r = await mr('predict_file', { source: `${host.app.url}/data/png/gray-96x128.png` });
    expect(r).toEqual({ name: 'gray-96x128.png', shape: [1, 1, 96, 128], dtype: 'float32' });
    const got = await host.page.evaluate(async () => {
      const o = await (window as any).mr.get_result();
      const v = o._rvalue instanceof ArrayBuffer ? new Float32Array(o._rvalue) : new Float32Array(o._rvalue.buffer, o._rvalue.byteOffset, o._rvalue.byteLength / 4);
      return Array.from(v);
    });
    const { decodePngNode } = await import('../../src/model/png-node.js');
    const { loadOrtNode, openModelPackageNode } = await import('../../src/model/node.js');
    const { ModelRunner } = await import('../../src/model/runner.js');
    const img = await decodePngNode(new Uint8Array(fs.readFileSync(path.join(testData(), 'png', 'gray-96x128.png'))), 'gray-96x128.png');
    const pkg = await openModelPackageNode(path.join(dir, 'model.zip'));
    const node = await ModelRunner.create(pkg, await loadOrtNode());
    const want = (await node.predict([img])).blobs.data as Float32Array;
    await node.release();
    await pkg.close?.(); // the zip's file handle: closed here, not by the garbage collector
    let m = 0;
    for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]));
    expect(m).toBeLessThan(1e-4);
    // the Download .tif button inside the plugin's frame
    let frame;
    for (const f of host.page.frames()) if (await f.$('#mr-dl-tif').catch(() => null)) frame = f;
    expect(frame).toBeDefined();
    const [download] = await Promise.all([host.page.waitForEvent('download', { timeout: 60_000 }), frame!.click('#mr-dl-tif')]);
    expect(download.suggestedFilename()).toBe('gray-96x128_blobs.tif');
    const file = path.join(dir, 'downloaded.tif');
    await download.saveAs(file);
    const wantFile = path.join(dir, 'want.f32');
    fs.writeFileSync(wantFile, new Uint8Array(want.buffer, want.byteOffset, want.byteLength));
    const check = execFileSync('/usr/bin/python3', ['-c', `import sys, tifffile, numpy as np
a = tifffile.imread(sys.argv[1]); print(a.dtype, a.shape, float(np.abs(a.ravel() - np.fromfile(sys.argv[2], '<f4')).max()))`, file, wantFile]).toString().trim();
    expect(check).toBe('float32 (96, 128) 0.0');
  });

  it('a running prediction can be cancelled', async () => {
    await mr('load_model', { source: `${host.app.url}/m/bioimageio.yaml` });
    await host.page.evaluate(() => {
      const nd = { _rtype: 'ndarray', _rvalue: new Float32Array(2048 * 1024).map((_, i) => i % 251), _rshape: [2048, 1024], _rdtype: 'float32' };
      const w = window as any;
      w.running = w.mr.predict({ inputs: nd, block: '64,64', show: false }).then(() => 'finished', (e: Error) => String(e.message ?? e));
    });
    // cancel once blocks are being predicted (the window reports "predict: block n of N")
    let frame: import('playwright-core').Frame | undefined;
    await expect.poll(async () => {
      for (const f of host.page.frames()) {
        const status = await f.evaluate(() => document.getElementById('mr-status')?.textContent ?? '').catch(() => '');
        if (/predict: block \d+ of \d+/.test(status)) frame = f;
      }
      return !!frame;
    }, { timeout: 30_000 }).toBe(true);
    await host.page.evaluate(() => (window as any).mr.cancel());
    const msg = await host.page.evaluate(() => (window as any).running);
    expect(msg).toMatch(/cancelled/);
    // stopped between blocks, not at the end
    const status = await frame!.evaluate(() => document.getElementById('mr-status')!.textContent ?? '');
    const [done, total] = /block (\d+) of (\d+)/.exec(status)!.slice(1).map(Number);
    expect(done).toBeLessThan(total);
  });

  it('adds the result to an open Reference Viewer only when asked (show_in), never on its own', async () => {
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
    // an unrelated viewer stays as it was: no grey square pasted over its images
    expect((await host.page.evaluate(async () => (window as any).rv.get_stats())).cache).toEqual([]);
    await host.page.evaluate(async () => {
      const nd = { _rtype: 'ndarray', _rvalue: new Float32Array(64 * 96).map((_, i) => (i * 7919) % 255), _rshape: [64, 96], _rdtype: 'float32' };
      const w = window as any;
      await w.mr.predict({ inputs: nd, show_in: w.rv });
    });
    const stats = await host.page.evaluate(async () => (window as any).rv.get_stats());
    expect(stats.cache.map((c: { name: string }) => c.name)).toEqual(['input → blobs']);
    expect(stats.errors).toEqual([]);
  });

  it('opens with a model from createWindow({data: {source}}) as the RDF Inspector does, and runs its test', async () => {
    const info = await withTimeout(
      host.page.evaluate(async ([src, source]) => {
        const w = await (window as any).imjoy.api.createWindow({ src, name: 'Model Runner', data: { source } });
        (window as any).mr2 = w;
        return w.get_info();
      }, [SRC(), `${host.app.url}/m/bioimageio.yaml`] as const),
      60_000,
      'second window',
    );
    expect(info.name).toBe('imjoy-share demo blob detector');
    const r = await host.page.evaluate(async () => (window as any).mr2.test());
    expect(r.passed).toBe(true);
    expect(r.shapeChecks).toHaveLength(3);
    await host.page.evaluate(async () => (window as any).mr2.close());
  });

  it('names the problem for a model without ONNX weights and for a too-small input', async () => {
    // The demo model's RDF with its weights declared as Keras only (a zoo Keras model: the corpus test).
    await expect(mr('load_model', { source: `${host.app.url}/m/keras.bioimageio.yaml` })).rejects.toThrow(
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

describe('Model Runner on a region of a Zarr image (references) and on the Reference Viewer view', { timeout: 240_000 }, () => {
  const NGFF = String.raw`
import sys, os, json, numpy as np, zarr, numcodecs
d = sys.argv[1]
rng = np.random.default_rng(5)
yy, xx = np.mgrid[0:600, 0:800]
a = np.zeros((2, 600, 800), 'float32')
for c in range(2):
    for _ in range(60):
        cy, cx, s = rng.random() * 600, rng.random() * 800, 2 + rng.random() * 5
        a[c] += 150 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
a += rng.random(a.shape).astype('float32') * 10
g = zarr.open_group(os.path.join(d, 'img.zarr'), mode='w')
g.create_dataset('0', data=a, chunks=(1, 128, 128), compressor=numcodecs.Zlib(level=1))
g.create_dataset('1', data=a[:, ::2, ::2].copy(), chunks=(1, 128, 128), compressor=numcodecs.Zlib(level=1))
g.attrs['multiscales'] = [{'version': '0.4', 'axes': [{'name': 'c', 'type': 'channel'}, {'name': 'y', 'type': 'space'}, {'name': 'x', 'type': 'space'}],
  'datasets': [{'path': '0', 'coordinateTransformations': [{'type': 'scale', 'scale': [1, 1, 1]}]},
               {'path': '1', 'coordinateTransformations': [{'type': 'scale', 'scale': [1, 2, 2]}]}]}]
np.save(os.path.join(d, 'level0.npy'), a)
np.save(os.path.join(d, 'level1.npy'), a[:, ::2, ::2])
refs = {}
root = os.path.join(d, 'img.zarr')
for dp, dn, fn in os.walk(root):
    for f in fn:
        p = os.path.join(dp, f); k = os.path.relpath(p, root)
        refs[k] = open(p).read() if f.startswith('.') else ['{{u}}/' + k, 0, os.path.getsize(p)]
json.dump({'version': 1, 'templates': {'u': sys.argv[2]}, 'refs': refs}, open(os.path.join(d, 'img.json'), 'w'))
`;
  let ref: import('../../src/model/runner.js').ModelRunner;

  beforeAll(async () => {
    execFileSync('/usr/bin/python3', ['-c', NGFF, dir, `${host.app.url}/m/img.zarr`]);
    const { loadOrtNode, openModelPackageNode } = await import('../../src/model/node.js');
    const { ModelRunner } = await import('../../src/model/runner.js');
    ref = await ModelRunner.create(await openModelPackageNode(path.join(dir, 'bioimageio.yaml')), await loadOrtNode());
    await mr('load_model', { source: `${host.app.url}/m/model.zip` });
  }, 120_000);
  afterAll(async () => ref?.release());

  async function expectedFor(level: number, c: number, y: [number, number], x: [number, number]) {
    const { readNpy } = await import('../../src/ndarray/npy.js');
    const a = readNpy(fs.readFileSync(path.join(dir, `level${level}.npy`)));
    const [, Y, X] = a.shape;
    const h = y[1] - y[0];
    const w = x[1] - x[0];
    const crop = new Float32Array(h * w);
    for (let j = 0; j < h; j++) crop.set((a.data as Float32Array).subarray(c * Y * X + (y[0] + j) * X + x[0], c * Y * X + (y[0] + j) * X + x[1]), j * w);
    return (await ref.predict([{ data: crop, shape: [h, w], dtype: 'float32' }])).blobs.data as Float32Array;
  }

  async function resultValues(): Promise<{ shape: number[]; values: number[] }> {
    return host.page.evaluate(async () => {
      const r = await (window as any).mr.get_result();
      const v = r._rvalue instanceof ArrayBuffer ? new Float32Array(r._rvalue) : new Float32Array(r._rvalue.buffer, r._rvalue.byteOffset, r._rvalue.byteLength / 4);
      return { shape: r._rshape, values: Array.from(v) };
    });
  }

  it('predict_region reads only the region through pre-built references and matches the crop', async () => {
    const before = host.requests.length;
    const r = await mr('predict_region', { source: `${host.app.url}/m/img.json`, array: '0', region: '1,100:260,200:520', block: '96,96' });
    expect(r.shape).toEqual([1, 1, 160, 320]);
    const got = await resultValues();
    const want = await expectedFor(0, 1, [100, 260], [200, 520]);
    let m = 0;
    for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got.values[i] - want[i]));
    expect(m).toBeLessThan(1e-5);
    // chunk files of level 0, channel 1 that intersect rows 100..260 and columns 200..520 only
    const chunks = host.requests.slice(before).filter((u) => /\/m\/img\.zarr\/0\/\d+\.\d+\.\d+$/.test(u)).map((u) => u.split('/').pop());
    expect(new Set(chunks)).toEqual(new Set(['1.0.1', '1.0.2', '1.0.3', '1.0.4', '1.1.1', '1.1.2', '1.1.3', '1.1.4', '1.2.1', '1.2.2', '1.2.3', '1.2.4']));
  });

  it('predict_view runs on what the Reference Viewer shows (level and visible area) and adds the result there', async () => {
    await host.page.evaluate(async (src) => {
      const w = (window as any).rv;
      for (const c of (await w.get_stats()).cache) await w.remove_image(c.name);
      await w.add_image({ source: src });
      await w.set_view_state({ target: [400, 300], zoom: -1 });
    }, `${host.app.url}/m/img.zarr`);
    const r = await mr('predict_view', { source: `${host.app.url}/m/img.zarr`, pick: { c: 0 } });
    expect(r.level).toBe(1);
    const shot = await host.page.evaluate(async () => (window as any).rv.screenshot());
    const bin = Buffer.from(shot.replace(/^data:image\/png;base64,/, ''), 'base64');
    const [W, H] = [bin.readUInt32BE(16), bin.readUInt32BE(20)];
    // zoom -1 → 2 level-0 px per screen px → level 1 at 1:1, centred on (400, 300)/2
    const exp = (c: number, n: number, size: number) => [Math.max(0, Math.floor(c - n / 2)), Math.min(size, Math.ceil(c + n / 2))];
    expect(r.y).toEqual(exp(150, H, 300));
    expect(r.x).toEqual(exp(200, W, 400));
    const got = await resultValues();
    expect(got.shape).toEqual([1, 1, r.y[1] - r.y[0], r.x[1] - r.x[0]]);
    const want = await expectedFor(1, 0, r.y, r.x);
    let m = 0;
    for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got.values[i] - want[i]));
    expect(m).toBeLessThan(1e-5);
    const names = (await host.page.evaluate(async () => (window as any).rv.get_stats())).cache.map((c: { name: string }) => c.name);
    expect(names.some((n: string) => /^view L1 y\d+-\d+ x\d+-\d+ → blobs$/.test(n))).toBe(true);
  });
});
