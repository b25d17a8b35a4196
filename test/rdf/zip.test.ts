import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BytesSource } from '../../src/io/byte-source.js';
import { generateDemoModel } from '../../src/demo/model.js';
import { validateLoaded } from '../../src/rdf/full.js';
import { inspectRdf } from '../../src/rdf/inspect.js';
import { nodeFileAccess } from '../../src/rdf/node.js';
import { loadRdfFromZip } from '../../src/rdf/zip.js';
import { tmpDir } from '../helpers/host.js';
import { repoRoot } from '../helpers/paths.js';

let dir: string;
let files: Record<string, Uint8Array>;
beforeAll(async () => {
  dir = tmpDir('rdf-zip-');
  await generateDemoModel(dir);
  files = Object.fromEntries(['bioimageio.yaml', 'weights.onnx', 'test_input.npy', 'test_output.npy', 'README.md'].map((n) => [n, new Uint8Array(fs.readFileSync(path.join(dir, n)))]));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const sha = () => nodeFileAccess().sha256;

describe('RDF in a package zip', () => {
  it('the demo model.zip (deflated members) validates, sha256 of every member checked', async () => {
    const zip = new BytesSource(new Uint8Array(fs.readFileSync(path.join(dir, 'model.zip'))), 'model.zip');
    const { loaded, access } = await loadRdfFromZip(zip, sha());
    expect(loaded.location).toBe('model.zip/bioimageio.yaml');
    const r = await validateLoaded(loaded, { access });
    expect(r.errors).toEqual([]);
    expect(r.files.errors).toEqual([]);
    expect(r.files.ran).toBe(r.files.total);
    expect(r.valid).toBe(true);
  });

  it('stored members inside a top folder; a changed member → sha256 mismatch; a missing one → not found', async () => {
    const swapped = { ...files, 'test_output.npy': files['test_input.npy']! };
    delete (swapped as Record<string, Uint8Array>)['README.md'];
    const z = zipSync(Object.fromEntries(Object.entries(swapped).map(([k, v]) => [`pkg/${k}`, [v, { level: 0 }]])) as never);
    const { loaded, access } = await loadRdfFromZip(new BytesSource(z, 'broken.zip'), sha());
    expect(loaded.baseUrl).toBe('pkg/');
    const r = await validateLoaded(loaded, { access });
    expect(r.valid).toBe(true); // the format is fine; the files are not
    expect(r.files.errors.find((e) => e.path === 'outputs.0.test_tensor.source')?.message).toMatch(/sha256 mismatch for "test_output\.npy"/);
    expect(r.files.errors.find((e) => e.path === 'documentation')?.message).toMatch(/documentation file "README\.md" not found \(pkg\/README\.md\)/);
  });

  it('a zip without an RDF is unreadable, with a clear error', async () => {
    const z = zipSync({ 'a.txt': new Uint8Array([1]) });
    await expect(loadRdfFromZip(new BytesSource(z, 'x.zip'), sha())).rejects.toThrow('x.zip: no bioimageio.yaml or rdf.yaml in this zip');
  });

  it('inspectRdf takes zip bytes (as the plugin does for a dropped .zip)', async () => {
    const ins = await inspectRdf(new Uint8Array(fs.readFileSync(path.join(dir, 'model.zip'))), { access: nodeFileAccess() });
    expect(ins.readable).toBe(true);
    expect(ins.result.valid).toBe(true);
    expect(ins.card?.name).toBe('imjoy-share demo blob detector');
  });

  it('CLI: rdf validate model.zip → exit 0', () => {
    spawnSync(process.execPath, ['build.mjs', '--cli-only'], { cwd: repoRoot });
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/imjoy-share.mjs'), 'rdf', 'validate', path.join(dir, 'model.zip'), '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, ok: true, type: 'model', format: { errors: [] }, files: { checked: true, errors: [] } });
  });
});
