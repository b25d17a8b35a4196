import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA, repoRoot } from './schema-oracle.js';

const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/imjoy-share.mjs'), 'rdf', ...args], { encoding: 'utf8', cwd: repoRoot });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'rdf-cli-'));

beforeAll(() => {
  const b = spawnSync(process.execPath, ['build.mjs', '--cli-only'], { cwd: repoRoot, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(b.stderr);
  // A complete model folder: the 0.4.9 description with only the ONNX weights (the file exists).
  const src = path.join(DATA, 'models/unet2d_nuclei_broad');
  for (const f of ['README.md', 'cover0.png', 'test_input.npy', 'test_output.npy', 'test_input.png', 'test_output.png', 'weights.onnx']) copyFileSync(path.join(src, f), path.join(tmp, f));
  const text = readFileSync(path.join(src, 'v0_4_9.bioimageio.yaml'), 'utf8');
  const onnxOnly = text.replace(/weights:[\s\S]*?\n  onnx:/, 'weights:\n  onnx:').replace(/\n    parent: pytorch_state_dict\n  torchscript:[\s\S]*?\n\ntype:/, '\n\ntype:');
  writeFileSync(path.join(tmp, 'rdf.yaml'), onnxOnly);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('imjoy-share rdf', () => {
  it('validate: a complete valid model folder → exit 0 and JSON', () => {
    const r = cli('validate', tmp, '--json');
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ valid: true, type: 'model', format_version: '0.4.9', errors: [] });
    expect(Object.keys(j).sort()).toEqual(['errors', 'format_version', 'type', 'valid', 'warnings']);
    expect(r.status).toBe(0);
  });

  it('validate: duplicate tensor names → exit 1 with path, line, column', () => {
    const r = cli('validate', path.join(DATA, 'models/unet2d_nuclei_broad/invalid_v0_4_0_duplicate_tensor_names.bioimageio.yaml'), '--json', '--no-files');
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.valid).toBe(false);
    expect(j.errors[0]).toMatchObject({ path: 'outputs.0.name', line: 44, column: 5, severity: 'error' });
  });

  it('validate: human output names file:line', () => {
    const r = cli('validate', path.join(DATA, 'models/unet2d_nuclei_broad/invalid_v0_4_0_duplicate_tensor_names.bioimageio.yaml'), '--no-files');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/invalid_v0_4_0_duplicate_tensor_names\.bioimageio\.yaml:44:5 error outputs\.0\.name: tensor name "data" is already used/);
  });

  it('validate: unreadable → exit 2 (missing file, YAML error, alias bomb)', () => {
    expect(cli('validate', path.join(tmp, 'nope.yaml')).status).toBe(2);
    writeFileSync(path.join(tmp, 'broken.yaml'), 'name: [a\n');
    const b = cli('validate', path.join(tmp, 'broken.yaml'), '--json');
    expect(b.status).toBe(2);
    expect(JSON.parse(b.stdout)).toMatchObject({ valid: false, readable: false, line: 2 });
    writeFileSync(path.join(tmp, 'bomb.yaml'), ['a: &a [x,x,x,x,x,x,x,x,x]'].concat('bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill('*' + 'abcdefg'[i]).join(',')}]`)).join('\n'));
    const bomb = cli('validate', path.join(tmp, 'bomb.yaml'));
    expect(bomb.status).toBe(2);
    expect(bomb.stderr).toContain('bomb.yaml: YAML alias expansion exceeds the limit');
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
