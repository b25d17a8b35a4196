/**
 * Models as inference endpoints of `imjoy-share serve --collection …`: a numpy array predicted
 * over HTTP (Python requests + numpy) and over RPC (the npm hypha-rpc client, the array encoded as
 * the Python client encodes it) equals what `imjoy-share model predict` writes for the same array;
 * a full queue answers 429 (never a crash), and bad requests get a clear error.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/ndarray/npy.js';
import { ndarray } from '../../src/ndarray/ndarray.js';
import { generateDemoRdfs } from '../../src/demo/rdfs.js';
import { connectionOf, serveData, type Served } from '../helpers/fresh-copy.js';
import { tmpDir } from '../helpers/host.js';
import { python, repoRoot } from '../helpers/paths.js';
import { type Api, connect } from '../rpc/helpers.js';

const run = promisify(execFile);
const ID = 'demo/blob-detector';
let dir: string;
let served: Served;
let input: string;
let cliOut: Uint8Array;

beforeAll(async () => {
  dir = tmpDir('models-');
  const coll = path.join(dir, 'collection');
  await generateDemoRdfs(coll);
  fs.writeFileSync(path.join(coll, 'collection.json'), JSON.stringify({ collection: [{ id: ID, type: 'model', name: 'blob detector', rdf_source: 'model/bioimageio.yaml' }] }));
  // an input numpy writes: not the model's own test tensor
  input = path.join(dir, 'input.npy');
  await run(python, ['-c', `import numpy as np; rng=np.random.default_rng(7); np.save(${JSON.stringify(input)}, (rng.random((1,1,200,320))*1000).astype('float32'))`]);
  const cli = path.join(dir, 'cli.npy');
  await run(process.execPath, ['bin/imjoy-share.mjs', 'model', 'predict', path.join(coll, 'model', 'bioimageio.yaml'), input, '-o', cli], { cwd: repoRoot });
  cliOut = fs.readFileSync(cli);
  fs.mkdirSync(path.join(dir, 'images'));
  served = await serveData(path.join(dir, 'images'), ['--collection', coll, '--model-queue', '1']);
}, 180_000);
afterAll(async () => {
  await served?.stop();
});

const url = (p: string) => served.url + p;

describe('models over HTTP and RPC', () => {
  it('lists the models', async () => {
    expect(await (await fetch(url('/models'))).json()).toEqual({ models: [{ id: ID, name: 'blob detector', description: '' }] });
  });

  it('predicts over HTTP from Python (requests + numpy) exactly what the CLI predicts', async () => {
    const code = `import io, sys, numpy as np, requests
r = requests.post(sys.argv[1], data=open(sys.argv[2], 'rb').read(), timeout=60)
r.raise_for_status()
got = np.load(io.BytesIO(r.content)); want = np.load(sys.argv[3])
print(r.headers['X-Output-Id'], got.shape, got.dtype, bool(got.shape == want.shape and got.dtype == want.dtype and np.array_equal(got, want)))`;
    const cliFile = path.join(dir, 'cli.npy');
    const { stdout } = await run(python, ['-c', code, url(`/models/${ID}/predict`), input, cliFile]);
    expect(stdout.trim()).toMatch(/ \(1, 1, 200, 320\) float32 True$/);
  });

  it('predicts over RPC (a numpy-encoded array in, an ndarray out) what the CLI predicts', async () => {
    const conn = connectionOf(served);
    const client: Api = await connect({ ...conn, method_timeout: 60 });
    try {
      const svc = await client.getService('imjoy-share-models');
      const x = readNpy(fs.readFileSync(input));
      // as the Python client sends it: the bytes a view into a larger buffer, keyword arguments
      const buf = new Uint8Array(x.data.byteLength + 7);
      buf.set(new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength), 7);
      const arr = { _rtype: 'ndarray', _rvalue: buf.subarray(7), _rshape: x.shape, _rdtype: 'float32' };
      const out = await svc.predict({ id: ID, array: arr, _rkwargs: true });
      expect(out).toMatchObject({ _rtype: 'ndarray', _rdtype: 'float32', _rshape: [1, 1, 200, 320] });
      const bytes = new Uint8Array(out._rvalue);
      const got = writeNpy(ndarray(new Float32Array(bytes.slice().buffer), out._rshape, 'float32'));
      expect(Buffer.compare(got, cliOut)).toBe(0);
      await expect(svc.predict('no-such-model', arr)).rejects.toThrow(/no model no-such-model/);
    } finally {
      await client.disconnect();
    }
  });

  it('answers a full queue with 429 and serves the rest', async () => {
    // large inputs keep the one running call busy while the others arrive
    const big = writeNpy(ndarray(new Float32Array(2048 * 2048).map((_, i) => i % 977), [1, 1, 2048, 2048], 'float32'));
    let firstAnswer = Infinity;
    const calls = Promise.all(
      Array.from({ length: 6 }, () =>
        fetch(url(`/models/${ID}/predict`), { method: 'POST', body: new Blob([big as Uint8Array<ArrayBuffer>]) }).then((r) => {
          if (r.status === 200) firstAnswer = Math.min(firstAnswer, performance.now());
          return r;
        }),
      ),
    );
    // inference runs in a worker process: the server answers other requests while a prediction
    // runs (on the main thread, /health would wait for the prediction to finish)
    expect((await fetch(url('/health'))).status).toBe(200);
    const healthAt = performance.now();
    const results = await calls;
    expect(healthAt).toBeLessThan(firstAnswer);
    const codes = results.map((r) => r.status).sort();
    expect(codes.filter((c) => c === 429).length).toBeGreaterThan(0);
    expect(codes.filter((c) => c === 200).length).toBeGreaterThan(0);
    expect(codes.every((c) => c === 200 || c === 429)).toBe(true);
    const refused = results.find((r) => r.status === 429)!;
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { error: string }).error).toMatch(/busy/);
    const metrics = await (await fetch(url('/metrics'))).text();
    expect(Number(/^imjoy_share_model_refused_total (\d+)/m.exec(metrics)?.[1])).toBe(codes.filter((c) => c === 429).length);
    // still serving
    expect((await fetch(url(`/models/${ID}/predict`), { method: 'POST', body: fs.readFileSync(input) })).status).toBe(200);
  });

  it('tiles a big input (with the halo) as `model predict --block 1024,1024` does, and close to one run', async () => {
    const bigIn = path.join(dir, 'big.npy');
    await run(python, ['-c', `import numpy as np; rng=np.random.default_rng(3); np.save(${JSON.stringify(bigIn)}, (rng.random((1,1,2100,2100))*100).astype('float32'))`]);
    const rdf = path.join(dir, 'collection', 'model', 'bioimageio.yaml');
    const tiled = path.join(dir, 'big-tiled.npy');
    const whole = path.join(dir, 'big-whole.npy');
    await run(process.execPath, ['bin/imjoy-share.mjs', 'model', 'predict', rdf, bigIn, '-o', tiled, '--block', '1024,1024'], { cwd: repoRoot });
    await run(process.execPath, ['bin/imjoy-share.mjs', 'model', 'predict', rdf, bigIn, '-o', whole], { cwd: repoRoot });
    const res = await fetch(url(`/models/${ID}/predict`), { method: 'POST', body: new Blob([fs.readFileSync(bigIn)]) });
    expect(res.status).toBe(200);
    const got = new Uint8Array(await res.arrayBuffer());
    expect(Buffer.compare(got, fs.readFileSync(tiled))).toBe(0);
    const a = readNpy(got).data as Float32Array;
    const b = readNpy(fs.readFileSync(whole)).data as Float32Array;
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    expect(maxDiff).toBeLessThan(1e-3);
  });

  it('says what is wrong with a bad request', async () => {
    const post = (p: string, body: BodyInit) => fetch(url(p), { method: 'POST', body });
    const notImage = await post(`/models/${ID}/predict`, 'hello');
    expect(notImage.status).toBe(415);
    const unknown = await post('/models/nope/predict', fs.readFileSync(input));
    expect(unknown.status).toBe(404);
    // 3 channels for a 1-channel model: refused from the shape, naming the problem
    const wrong = await post(`/models/${ID}/predict`, new Blob([writeNpy(ndarray(new Float32Array(3 * 64 * 64), [1, 3, 64, 64], 'float32')) as Uint8Array<ArrayBuffer>]));
    expect(wrong.status).toBe(422);
    expect(((await wrong.json()) as { error: string }).error).toMatch(/channel|shape|axis/i);
    expect((await fetch(url(`/models/${ID}/predict`))).status).toBe(405);
  });
});
