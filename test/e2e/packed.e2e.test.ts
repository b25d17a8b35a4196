import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePortPair, freshCopy, serve } from '../helpers/fresh-copy.js';
import { tmpDir } from '../helpers/host.js';
import { python } from '../helpers/paths.js';

const run = promisify(execFile);

// The published package as a user gets it: `npm pack` of a fresh clone, installed globally into a
// temporary prefix, then the installed `imjoy-share` binary — with no source tree, no esbuild and
// no devDependencies anywhere near it.
describe('the packed tarball, installed with npm i -g', () => {
  let bin: string;
  let work: string;
  let tarFiles: string[];
  const cli = (args: string[]) =>
    run(bin, args, { cwd: work, timeout: 120_000, env: { ...process.env, IMJOY_SHARE_CACHE: path.join(work, 'cache') } }).then(
      (r) => ({ code: 0, ...r }),
      (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
    );

  beforeAll(async () => {
    const src = freshCopy();
    work = tmpDir('imjoy-share-pack-');
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: src, maxBuffer: 64 << 20 });
    const [info] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    tarFiles = info.files.map((f) => f.path);
    const prefix = path.join(work, 'prefix');
    // --prefer-offline: the registry packages come from npm's cache when `npm ci` already fetched them
    await run('npm', ['i', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', path.join(work, info.filename)], { cwd: work, timeout: 300_000 });
    bin = path.join(prefix, 'bin', 'imjoy-share');
    fs.rmSync(src, { recursive: true, force: true });
  }, 400_000);
  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('ships the built CLI, host, plugins and decks, and no tests, benchmarks or sources', () => {
    for (const f of ['bin/imjoy-share.mjs', 'dist/cli.mjs', 'dist/host/index.html', 'dist/plugins/Reference-Viewer.imjoy.html', 'manifest.imjoy.json', 'slides/scalable-data-sharing.md']) {
      expect(tarFiles, f).toContain(f);
    }
    expect(tarFiles.filter((f) => /^(test|bench|src|plugins|host)\/|^dist\/test-plugins\/|^build\.mjs$/.test(f))).toEqual([]);
  });

  it('installs runtime dependencies only (no esbuild, vitest or browser-bundled libraries)', () => {
    const modules = path.join(path.dirname(path.dirname(bin)), 'lib', 'node_modules', 'imjoy-share', 'node_modules');
    // s3rver (koa, winston, lodash) serves only the sharing demo and the tests
    for (const dev of ['esbuild', 'vitest', 'typescript', 'playwright-core', '@deck.gl/core', 'three', 's3rver', 'koa']) {
      expect(fs.existsSync(path.join(modules, dev)), dev).toBe(false);
    }
  });

  it('--help lists every command', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['serve', 'ref', 'share', 'smlm', 'rdf', 'model']) expect(r.stdout).toMatch(new RegExp(`^ {2}${c}\\b`, 'm'));
  });

  it('ref indexes a TIFF written by tifffile into references that fsspec+zarr read pixel-exact', async () => {
    const tif = path.join(work, 'cells.tif');
    const refs = path.join(work, 'cells.json');
    await run(python, ['-c', `import numpy as np, tifffile; tifffile.imwrite(${JSON.stringify(tif)}, (np.arange(3*64*80) % 4093).astype('uint16').reshape(3, 64, 80), tile=(32, 32))`]);
    const r = await cli(['ref', tif, '-o', refs]);
    expect(r.code, r.stderr).toBe(0);
    const check = await run(python, ['-c', `
import fsspec, zarr, numpy as np, tifffile, json
m = fsspec.get_mapper('reference://', fo=${JSON.stringify(refs)})
g = zarr.open(m, mode='r')
a = g['0'] if hasattr(g, 'keys') else g
print(json.dumps(bool(np.array_equal(a[:], tifffile.imread(${JSON.stringify(tif)})))))`]);
    expect(check.stdout.trim()).toBe('true');
  });

  it('smlm info reads a localization CSV and refuses a text file that is not one', async () => {
    fs.writeFileSync(path.join(work, 'locs.csv'), 'x [nm],y [nm],frame\n1.5,2.5,1\n3.5,4.5,2\n');
    const ok = await cli(['smlm', 'info', 'locs.csv', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    const t = JSON.parse(ok.stdout).tables[0];
    expect(t.rows).toBe(2);
    fs.writeFileSync(path.join(work, 'notes.txt'), 'hello world\n1 2\n');
    const bad = await cli(['smlm', 'info', 'notes.txt']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/notes\.txt.*not a localization table/);
  });

  it('potree convert runs its worker threads from the installed package; the octree holds every point', async () => {
    // more than 100 000 rows: fewer run in one thread
    const rows = Array.from({ length: 120_000 }, (_, i) => `${(i * 7.3) % 1000},${(i * 13.1) % 1000},${i % 50}`);
    fs.writeFileSync(path.join(work, 'pts.csv'), `x,y,frame\n${rows.join('\n')}\n`);
    const r = await cli(['potree', 'convert', 'pts.csv', '-o', 'pts.zip', '--threads', '2', '--node-points', '5000', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ points: 120_000, threads: 2 });
    const check = await run(python, ['-c', `
import json, zipfile
z = zipfile.ZipFile(${JSON.stringify(path.join(work, 'pts.zip'))})
print(json.dumps([z.namelist(), z.testzip(), json.loads(z.read('metadata.json'))['points']]))`]);
    expect(JSON.parse(check.stdout)).toEqual([['octree.bin', 'hierarchy.bin', 'metadata.json'], null, 120_000]);
  });

  it('serve answers 200 for the host page, generates the demo data, and model test / rdf validate pass on it', async () => {
    const port = await freePortPair();
    const s = await serve(bin, ['serve', '--port', String(port)], { cwd: work, env: { IMJOY_SHARE_CACHE: path.join(work, 'cache') } });
    try {
      expect((await fetch(`${s.url}/`)).status).toBe(200);
      expect((await fetch(`${s.url}/dist/plugins/SMLM-Viewer.imjoy.html`)).status).toBe(200);
      expect((await fetch(`${s.url}/?slides=scalable-data-sharing`)).status).toBe(200);
      expect(s.stderr()).toMatch(/s3: no local S3 server/); // s3rver stays a development dependency
      // the engine of the installed package: the demo image as Zarr, the demo model predicting in
      // its worker process (dist/model-worker.mjs shipped)
      const { files } = (await (await fetch(`${s.url}/zarr/`)).json()) as { files: { name: string }[] };
      expect(files.map((f) => f.name)).toContain('viewer/demo.ome.tif');
      expect((await fetch(`${s.url}/zarr-decoded/viewer/demo.ome.tif/0/.zarray`)).status).toBe(200);
      const input = fs.readFileSync(path.join(work, 'cache', 'demo', 'model', 'test_input.npy'));
      const pred = await fetch(`${s.url}/models/demo%2Fblob-detector/predict`, { method: 'POST', body: new Blob([input]) });
      expect(pred.status, await pred.clone().text()).toBe(200);
      expect(pred.headers.get('x-output-shape')).toBe('1,1,96,128');
    } finally {
      await s.stop();
    }
    const model = path.join(work, 'cache', 'demo', 'model', 'bioimageio.yaml');
    const test = await cli(['model', 'test', model, '--json']);
    expect(test.code, test.stderr).toBe(0);
    expect(JSON.parse(test.stdout).passed).toBe(true);
    const valid = await cli(['rdf', 'validate', model, '--json']);
    expect(valid.code, valid.stderr).toBe(0);
    expect(JSON.parse(valid.stdout).valid).toBe(true);
  });
});
