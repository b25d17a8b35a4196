import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoModel } from '../../src/demo/model.js';
import { openZarrStoreNode } from '../../src/model/node.js';
import { readNpy } from '../../src/ndarray/npy.js';
import { parseSelection, readZarrRegion } from '../../src/model/region.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);
let dir: string;

// zarr-python writes the arrays; a kerchunk-style reference file points at its chunk files.
const WRITER = String.raw`
import sys, os, json, numpy as np, zarr, numcodecs
d = sys.argv[1]
rng = np.random.default_rng(3)
a = (rng.random((2, 300, 400)) * 200).astype('float32')
g = zarr.open_group(os.path.join(d, 'img.zarr'), mode='w')
g.create_dataset('0', data=a, chunks=(1, 64, 64), compressor=numcodecs.Zlib(level=3))
b = (rng.random((50, 70)) * 60000).astype('uint16')
g.create_dataset('f', data=b, chunks=(16, 32), compressor=None, order='F')
np.save(os.path.join(d, 'region0.npy'), a[1, 20:276, 50:370])
np.save(os.path.join(d, 'regionf.npy'), b[3:40, 10:65])
refs = {}
root = os.path.join(d, 'img.zarr')
for dp, dn, fn in os.walk(root):
    for f in fn:
        p = os.path.join(dp, f); k = os.path.relpath(p, root)
        if f.startswith('.'): refs[k] = open(p).read()
        else: refs[k] = ['{{u}}/' + k, 0, os.path.getsize(p)]
json.dump({'version': 1, 'templates': {'u': root}, 'refs': refs}, open(os.path.join(d, 'refs.json'), 'w'))
`;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'model-region-'));
  execFileSync('/usr/bin/python3', ['-c', WRITER, dir]);
  fs.mkdirSync(path.join(dir, 'model'));
  await generateDemoModel(path.join(dir, 'model'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const same = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) throw new Error(`element ${i}: ${a[i]} ≠ ${b[i]}`);
};

describe('a region of a Zarr array as model input', { timeout: 240_000 }, () => {
  it('parses numpy-style selections', () => {
    expect(parseSelection('1, 20:276,:,7')).toEqual([1, [20, 276], null, 7]);
    expect(() => parseSelection('1,a:b')).toThrow(/--region: "a:b" is not an index/);
    expect(() => parseSelection('5:')).toThrow(/give both start and stop/);
  });
  for (const kind of ['folder', 'references'] as const) {
    it(`reads exactly numpy's slice through ${kind} (zlib chunks, and an order='F' array)`, async () => {
      const store = await openZarrStoreNode(kind === 'folder' ? path.join(dir, 'img.zarr') : path.join(dir, 'refs.json'));
      try {
        const r = await readZarrRegion(store, '0', [1, [20, 276], [50, 370]]);
        const want = readNpy(fs.readFileSync(path.join(dir, 'region0.npy')));
        expect(r.shape).toEqual([256, 320]);
        expect(r.dtype).toBe('float32');
        same(r.data as Float32Array, want.data as Float32Array);
        const f = await readZarrRegion(store, 'f', [[3, 40], [10, 65]]);
        expect(f.dtype).toBe('uint16');
        same(f.data as Uint16Array, readNpy(fs.readFileSync(path.join(dir, 'regionf.npy'))).data as Uint16Array);
      } finally {
        await store.close();
      }
    });
  }
  it('names the array and the problem for a bad selection', async () => {
    const store = await openZarrStoreNode(path.join(dir, 'img.zarr'));
    await expect(readZarrRegion(store, '0', [0, [0, 10]], 'img.zarr')).rejects.toThrow(/img\.zarr\/0: the selection has 2 entries, the array has 3 dimensions \(shape \[2,300,400\]\)/);
    await expect(readZarrRegion(store, '0', [0, [0, 10], [390, 401]], 'img.zarr')).rejects.toThrow(/range 390:401 is outside dimension 2 \(size 400\)/);
    await expect(readZarrRegion(store, 'nope', [0], 'img.zarr')).rejects.toThrow(/img\.zarr\/nope: not a Zarr array/);
  });
  it('CLI: model predict on a region through references equals predicting the numpy crop', async () => {
    execFileSync('node', ['build.mjs', '--cli-only'], { cwd: repoRoot });
    const cli = path.join(repoRoot, 'bin/imjoy-share.mjs');
    const model = path.join(dir, 'model', 'model.zip');
    const a = path.join(dir, 'a.npy');
    const b = path.join(dir, 'b.npy');
    await run('node', [cli, 'model', 'predict', model, path.join(dir, 'refs.json'), '-o', a, '--array', '0', '--region', '1,20:276,50:370', '--block', '96,96']);
    await run('node', [cli, 'model', 'predict', model, path.join(dir, 'region0.npy'), '-o', b]);
    const x = readNpy(fs.readFileSync(a));
    const y = readNpy(fs.readFileSync(b));
    expect(x.shape).toEqual([1, 1, 256, 320]);
    let m = 0;
    for (let i = 0; i < x.data.length; i++) m = Math.max(m, Math.abs((x.data[i] as number) - (y.data[i] as number)));
    expect(m).toBeLessThan(1e-5);
  });
});
