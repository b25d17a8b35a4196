import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA, repoRoot } from './schema-oracle.js';

// The real zoo model folder and RDFs (corpus); bad input without the corpus: cli.test.ts.

const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/imjoy-share.mjs'), 'rdf', ...args], { encoding: 'utf8', cwd: repoRoot });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'rdf-cli-'));

beforeAll(() => {
  const b = spawnSync(process.execPath, ['build.mjs', '--cli-only'], { cwd: repoRoot, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(b.stderr);
  // A complete model folder: the 0.4.9 description with only the ONNX weights (the file exists).
  const src = path.join(DATA, 'models/unet2d_nuclei_broad');
  for (const f of ['README.md', 'cover0.png', 'test_input.npy', 'test_output.npy', 'test_input.png', 'test_output.png', 'weights.onnx']) copyFileSync(path.join(src, f), path.join(tmp, f));
  const text = readFileSync(path.join(src, 'v0_4_9.bioimageio.yaml'), 'utf8');
  const onnxOnly = text.replace(/weights:[\s\S]*?\n {2}onnx:/, 'weights:\n  onnx:').replace(/\n {4}parent: pytorch_state_dict\n {2}torchscript:[\s\S]*?\n\ntype:/, '\n\ntype:');
  writeFileSync(path.join(tmp, 'rdf.yaml'), onnxOnly);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('imjoy-share rdf', () => {
  it('validate: a complete valid model folder → exit 0 and JSON with both levels', () => {
    const r = cli('validate', tmp, '--json');
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ valid: true, ok: true, type: 'model', format_version: '0.4.9', format: { valid: true, errors: [] }, files: { checked: true, errors: [], skipped: [] } });
    expect(Object.keys(j).sort()).toEqual(['files', 'format', 'format_version', 'ok', 'type', 'valid']);
    expect(j.files.ran).toBe(j.files.total);
    expect(r.status).toBe(0);
  });

  it('validate: valid format but a referenced file missing → valid true, files error with its path, exit 1', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rdf-cli-missing-'));
    copyFileSync(path.join(tmp, 'rdf.yaml'), path.join(dir, 'rdf.yaml'));
    const r = cli('validate', dir, '--json');
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ valid: true, ok: false, format: { valid: true, errors: [] }, files: { checked: true } });
    expect(j.files.errors.map((e: { path: string }) => e.path)).toContain('weights.onnx.source');
    expect(j.files.errors.find((e: { path: string }) => e.path === 'documentation').message).toMatch(/documentation file "README\.md" not found/);
    expect(r.status).toBe(1);
    // Without file checks the format alone decides (exit 0), unless --strict: then the files that could not be checked fail it.
    const nf = cli('validate', dir, '--json', '--no-files');
    expect(JSON.parse(nf.stdout)).toMatchObject({ valid: true, ok: true, files: { checked: false, errors: [] } });
    expect(nf.status).toBe(0);
    const strict = cli('validate', dir, '--no-files', '--strict');
    expect(strict.stdout).toMatch(/format: valid/);
    expect(strict.stdout).toMatch(/files: not checked \(file checks turned off; \d+ referenced\) — fails with --strict/);
    expect(strict.status).toBe(1);
    rmSync(dir, { recursive: true, force: true });
  });

  it('validate: a sha256 mismatch of a file that is there is a files error', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rdf-cli-sha-'));
    for (const f of ['README.md', 'cover0.png', 'test_input.npy', 'test_output.npy', 'test_input.png', 'test_output.png']) copyFileSync(path.join(tmp, f), path.join(dir, f));
    writeFileSync(path.join(dir, 'weights.onnx'), 'not the weights');
    copyFileSync(path.join(tmp, 'rdf.yaml'), path.join(dir, 'rdf.yaml'));
    const r = cli('validate', dir, '--json');
    const j = JSON.parse(r.stdout);
    expect(j.valid).toBe(true);
    expect(j.files.errors).toHaveLength(1);
    expect(j.files.errors[0]).toMatchObject({ path: 'weights.onnx.source', severity: 'error' });
    expect(j.files.errors[0].message).toMatch(/sha256 mismatch for "weights\.onnx"/);
    expect(r.status).toBe(1);
    rmSync(dir, { recursive: true, force: true });
  });

  it('validate: a real model 0.3.6 from the zoo is converted like the official library and valid (format)', () => {
    const r = cli('validate', path.join(DATA, 'rdf-corpus/real_model_v0_3_6_hpa_bestfitting_inceptionv3.yaml'), '--json');
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ valid: true, format: { converted_from: '0.3.6', checked_as: '0.4.10', errors: [] } });
  });

  it('validate: duplicate tensor names → exit 1, reported at the root as the official validator does, with the line of the name', () => {
    const r = cli('validate', path.join(DATA, 'models/unet2d_nuclei_broad/invalid_v0_4_0_duplicate_tensor_names.bioimageio.yaml'), '--json', '--no-files');
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.valid).toBe(false);
    expect(j.format.errors[0]).toMatchObject({ path: '', at: 'outputs.0.name', line: 44, column: 5, severity: 'error' });
  });

  it('validate: human output names file:line', () => {
    const r = cli('validate', path.join(DATA, 'models/unet2d_nuclei_broad/invalid_v0_4_0_duplicate_tensor_names.bioimageio.yaml'), '--no-files');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/format: INVALID/);
    expect(r.stdout).toMatch(/invalid_v0_4_0_duplicate_tensor_names\.bioimageio\.yaml:44:5 error \(root\): tensor name "data" of outputs\.0 is already used/);
  });

  it('show: readable summary, and the 0.4 → 0.5 preview', () => {
    const r = cli('show', path.join(DATA, 'models/upsample_test_model/v0_4.bioimageio.yaml'), '--convert-preview');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('[model 0.4.10]');
    expect(r.stdout).toMatch(/axes: batch=any, channel=1 \(channel0\), y=5 \+ n·5, x=5 \+ n·5/);
    expect(r.stdout).toMatch(/y=input\.y \(scale 0\.25\)/); // 4× upsampling → 0.5 axis scale 1/4
    expect(r.stdout).toContain('not the official bioimageio.spec converter');
  });
});
