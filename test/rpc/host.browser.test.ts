import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { openHost, tmpDir, withTimeout, type Host } from '../helpers/host.js';
import { repoRoot } from '../helpers/paths.js';
import { connect, type Api } from './helpers.js';
import { createEngine } from '../../src/engine/engine.js';
import { startWorker, type RunningWorker } from '../../src/engine/worker.js';
import { readNpy, writeNpy } from '../../src/ndarray/npy.js';

/** A numpy array as the Python client encodes it (C-order bytes, numpy dtype string). */
const pyArray = (data: ArrayBufferView, shape: number[], dtype: string) => ({
  _rtype: 'ndarray',
  _rvalue: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  _rshape: shape,
  _rdtype: dtype,
});
/** Keyword arguments as the Python client sends them (`f(source=…, name=…)`). */
const kwargs = (o: Record<string, unknown>) => ({ ...o, _rkwargs: true });

// Python's view of the plugins, played by the npm hypha-rpc client: the host page in chromium
// connects to the embedded server and registers imjoy-host; every call below is what
// examples/python/*.py do with the official Python client. With HYPHA_SERVER (+ HYPHA_WORKSPACE,
// HYPHA_TOKEN) the page, the caller and an engine worker use that Hypha server instead (a real
// one: amun-ai/hypha), unchanged otherwise.
const external = process.env.HYPHA_SERVER
  ? { server_url: process.env.HYPHA_SERVER, workspace: process.env.HYPHA_WORKSPACE ?? '', token: process.env.HYPHA_TOKEN ?? '' }
  : undefined;

describe('plugins called over RPC through the host page', () => {
  let host: Host;
  let py: Api;
  let imjoyHost: Api;
  let worker: RunningWorker | undefined;
  beforeAll(async () => {
    host = await openHost({ demo: true, services: [], query: external ? `?${new URLSearchParams(external)}` : '' });
    const conn = external ?? host.app.rpc!;
    const bridge = await host.page.evaluate(() => window.rpcReady);
    expect(bridge?.workspace).toBe(conn.workspace);
    if (external) worker = await startWorker(external, createEngine({ dataDir: path.join(repoRoot, '.cache', 'demo'), cacheDir: tmpDir('engine-cache-') }).services());
    py = await connect({ ...conn, method_timeout: 60 });
    imjoyHost = await py.getService('imjoy-host');
  }, 240_000);
  afterAll(async () => {
    await py?.disconnect();
    await worker?.close();
    await host?.close();
  });

  const open = async (src: string) => {
    const w: Api = await withTimeout<Api>(imjoyHost.create_window(kwargs({ src })), 60_000, `create_window ${src}`);
    expect(w).toMatchObject({ service_id: expect.stringContaining(':rpc-window-'), window_id: expect.any(String), name: src });
    return { w, svc: await py.getService(w.service_id) };
  };

  it('lists the plugins and draws an array in the Reference Viewer that its screenshot shows', async () => {
    const plugins = await imjoyHost.list_plugins();
    expect(plugins.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['Reference Viewer', 'Model Runner', 'SMLM Viewer', 'RDF Inspector']));
    const { svc: viewer } = await open('Reference Viewer');
    // 96×128: dark, with a bright top-left quadrant
    const [h, w] = [96, 128];
    const img = new Uint8Array(h * w).map((_, i) => (Math.floor(i / w) < h / 2 && i % w < w / 2 ? 250 : 10));
    const info = await viewer.add_image(kwargs({ source: pyArray(img, [h, w], 'uint8'), name: 'quadrant' }));
    expect(info).toMatchObject({ shape: [h, w], labels: ['y', 'x'] });
    const png = PNG.sync.read(Buffer.from(await viewer.screenshot(), 'base64'));
    // where the image is drawn (opaque pixels), and the brightness of each quadrant of it
    let [x0, y0, x1, y1] = [png.width, png.height, 0, 0];
    for (let y = 0; y < png.height; y++)
      for (let x = 0; x < png.width; x++)
        if (png.data[(y * png.width + x) * 4 + 3] > 0) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    expect((x1 - x0) / (y1 - y0)).toBeCloseTo(w / h, 1);
    const at = (fx: number, fy: number) => png.data[(Math.round(y0 + fy * (y1 - y0)) * png.width + Math.round(x0 + fx * (x1 - x0))) * 4];
    expect(at(0.25, 0.25)).toBeGreaterThan(200);
    for (const [fx, fy] of [[0.75, 0.25], [0.25, 0.75], [0.75, 0.75]]) expect(at(fx, fy)).toBeLessThan(60);
  });

  it('predicts with the Model Runner what the CLI predicts for the same array', async () => {
    const { svc: runner } = await open('Model Runner');
    const rdf = path.join(repoRoot, '.cache', 'demo', 'model', 'bioimageio.yaml');
    await runner.load_model({ source: `${host.app.url}/demo/model/bioimageio.yaml` });
    const [h, w] = [64, 80];
    const x = new Float32Array(h * w).map((_, i) => Math.sin(i / 7) * 100 + (i % w));
    const out = await runner.predict(kwargs({ inputs: pyArray(x, [1, 1, h, w], 'float32') }));
    const blobs = out.blobs;
    expect(blobs).toMatchObject({ _rtype: 'ndarray', _rshape: [1, 1, h, w], _rdtype: 'float32' });
    expect(blobs._rvalue).toBeInstanceOf(Uint8Array); // bytes, as Python's decoder needs

    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'in.npy'), writeNpy({ data: x, shape: [1, 1, h, w], dtype: 'float32' }));
    execFileSync(process.execPath, [path.join(repoRoot, 'bin', 'imjoy-share.mjs'), 'model', 'predict', rdf, path.join(dir, 'in.npy'), '-o', path.join(dir, 'out.npy')], { stdio: 'pipe' });
    const cli = readNpy(fs.readFileSync(path.join(dir, 'out.npy')));
    expect(cli.shape).toEqual([1, 1, h, w]);
    const got = new Float32Array(blobs._rvalue.slice().buffer);
    let diff = 0;
    for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - (cli.data as Float32Array)[i]));
    expect(diff).toBeLessThan(1e-5);
  });

  it('loads numpy columns into the SMLM Viewer and validates an RDF', async () => {
    const { svc: smlm } = await open('SMLM Viewer');
    const n = 5000;
    const xs = new Float32Array(n).map((_, i) => (i * 37) % 1000);
    const ys = new Float32Array(n).map((_, i) => (i * 91) % 1000);
    const frames = new Int32Array(n).map((_, i) => i % 50);
    const tables = await smlm.load({ columns: { x: pyArray(xs, [n], 'float32'), y: pyArray(ys, [n], 'float32'), frame: pyArray(frames, [n], 'int32') }, name: 'from numpy' });
    expect(tables).toEqual([expect.objectContaining({ name: 'from numpy', rows: n, columns: ['x', 'y', 'frame'] })]);
    expect(await smlm.get_tables()).toEqual(tables);

    const { svc: rdf } = await open('RDF Inspector');
    expect(await rdf.validate(kwargs({ source: `${host.app.url}/demo/model/bioimageio.yaml` }))).toMatchObject({ valid: true });
    expect(await rdf.validate({ source: `${host.app.url}/demo/rdf/model/invalid.bioimageio.yaml` })).toMatchObject({ valid: false });
  });

  it("shows an engine image in the Reference Viewer: by service id (store(image)) and by its /zarr/ URL, drawn as the TIFF is", async () => {
    const { svc: viewer } = await open('Reference Viewer');
    const zarrSvc = await py.getService('imjoy-share-zarr', { mode: 'random' });
    const image = 'viewer/demo.ome.tif';
    expect((await zarrSvc.list_images()).map((f: { name: string }) => f.name)).toContain(image);
    const shots: Record<string, PNG> = {};
    const sources: [string, unknown][] = [
      // the TIFF itself, indexed in the browser (the reference maker's path, checked against tifffile elsewhere)
      ['tiff', `${host.app.url}/demo/${image}`],
      ['url', `${host.app.url}/zarr/${image}/`],
      ['store', await zarrSvc.store(kwargs({ image }))],
    ];
    let shape: number[] | undefined;
    for (const [name, source] of sources) {
      const info = await viewer.add_image(kwargs({ source, name }));
      shape ??= info.shape;
      expect(info.shape, name).toEqual(shape);
      shots[name] = PNG.sync.read(Buffer.from(await viewer.screenshot(), 'base64'));
      await viewer.remove_image(name);
    }
    const diff = (a: PNG, b: PNG) => {
      let sum = 0;
      for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
      return sum / a.data.length;
    };
    const mean = (a: PNG) => a.data.reduce((s, v, i) => (i % 4 === 3 ? s : s + v), 0) / ((a.data.length * 3) / 4);
    expect(mean(shots.tiff!)).toBeGreaterThan(10); // something is drawn
    expect(diff(shots.url!, shots.tiff!)).toBeLessThan(0.5);
    expect(diff(shots.store!, shots.tiff!)).toBeLessThan(0.5);
  });

  it('unregisters a closed window: calls to it fail at once, also one running when it closes', async () => {
    const { w, svc: viewer } = await open('Reference Viewer');
    expect((await imjoyHost.list_windows()).map((x: { window_id: string }) => x.window_id)).toContain(w.window_id);
    await imjoyHost.close_window(w.window_id);
    // close_window returns once the server has dropped the window's service
    await expect(py.getService(w.service_id)).rejects.toThrow(/not found/);
    expect((await imjoyHost.list_windows()).map((x: { window_id: string }) => x.window_id)).not.toContain(w.window_id);
    let t = Date.now();
    await expect(viewer.get_view_state()).rejects.toThrow(/closed|not found/);
    await expect(py.getService(w.service_id)).rejects.toThrow(/not found/);
    expect(Date.now() - t).toBeLessThan(1000);

    // the user closes the window (its tab's ×) while a call waits on it: a store whose reads never end
    const { w: w2, svc: v2 } = await open('Reference Viewer');
    let reading!: () => void;
    const read = new Promise<void>((r) => (reading = r));
    const stuck = { _rintf: true, getItem: () => (reading(), new Promise(() => {})), containsItem: () => true };
    const running = v2.add_image({ source: stuck }).catch((e: Error) => e);
    await read;
    t = Date.now();
    await host.page.evaluate((id) => {
      const panels = [...document.querySelectorAll('#windows .imjoy-window')];
      const i = panels.findIndex((p) => p.querySelector(`[id="${id}"]`));
      (document.querySelectorAll('#tabs .tab')[i]?.querySelector('.x') as HTMLElement).click();
    }, w2.window_id);
    expect(String(await running)).toMatch(/was closed/);
    expect(Date.now() - t).toBeLessThan(1000);
  });

  it('rejects a call running when the browser tab closes, at once', async () => {
    const { svc: viewer } = await open('Reference Viewer');
    let reading!: () => void;
    const read = new Promise<void>((r) => (reading = r));
    const stuck = { _rintf: true, getItem: () => (reading(), new Promise(() => {})), containsItem: () => true };
    const running = viewer.add_image({ source: stuck }).catch((e: Error) => e);
    await read;
    const t = Date.now();
    await host.page.close();
    expect(String(await running)).toMatch(/disconnected|not connected/);
    expect(Date.now() - t).toBeLessThan(2000);
  });
});
