import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError, type ByteSource } from '../../src/io/byte-source.js';
import { startApp, type RunningApp } from '../../src/server/app.js';
import { checkFiles, listFileRefs, type FileAccess } from '../../src/rdf/files.js';
import { validateLoaded } from '../../src/rdf/full.js';
import { loadRdf } from '../../src/rdf/load.js';
import { loadRdfNode, nodeFileAccess } from '../../src/rdf/node.js';
import { DATA, repoRoot } from './schema-oracle.js';

/** Local files through the real Node access; any http(s) reference fails like an offline network. */
function offlineAccess(): FileAccess & { opened: string[] } {
  const real = nodeFileAccess();
  const opened: string[] = [];
  return {
    opened,
    sha256: real.sha256,
    open(loc) {
      opened.push(loc);
      if (/^https?:/.test(loc)) {
        const fail = async (): Promise<never> => {
          throw new SourceError(loc, 'offline (test)');
        };
        return { name: loc, size: fail, read: fail } as ByteSource;
      }
      return real.open(loc);
    },
  };
}

const pySha = (f: string) => execFileSync('/usr/bin/python3', ['-c', 'import hashlib,sys;print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())', f]).toString().trim();

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rdf-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('referenced files', () => {
  it('lists every reference of a 0.4 model', async () => {
    const l = await loadRdfNode(path.join(DATA, 'models/unet2d_nuclei_broad/v0_4_9.bioimageio.yaml'));
    const refs = listFileRefs(l.parsed.data).map((r) => `${r.kind}:${r.ref}`);
    expect(refs).toEqual([
      'documentation:README.md',
      'cover:cover0.png',
      'test_input:test_input.npy',
      'test_output:test_output.npy',
      'sample:test_input.png',
      'sample:test_output.png',
      'weights:http://files.ilastik.org/bioimageio_test/unet2d_nuclei_broad_weights.torch',
      'architecture:unet2d.py',
      'dependencies:environment.yaml',
      'weights:weights.onnx',
      'weights:weights.pt',
    ]);
  });

  it('0.4: ONNX sha256 verified, missing files are file errors (not format errors), unreachable ones skipped', async () => {
    const l = await loadRdfNode(path.join(DATA, 'models/unet2d_nuclei_broad/v0_4_9.bioimageio.yaml'));
    const r = await validateLoaded(l, { access: offlineAccess() });
    expect(r.valid).toBe(true);
    expect(r.files.checked).toBe(true);
    expect(r.files.skipped.map((s) => s.path)).toContain('weights.pytorch_state_dict.source');
    const errs = r.files.errors.map((e) => `${e.path}|${e.message}`);
    expect(errs.some((e) => e.startsWith('weights.torchscript.source|weights file "weights.pt" not found'))).toBe(true);
    expect(errs.some((e) => e.startsWith('weights.pytorch_state_dict.architecture|architecture file "unet2d.py" not found'))).toBe(true);
    expect(errs.filter((e) => e.startsWith('weights.onnx'))).toEqual([]); // the spec authors' sha256 matches the file
    expect(errs.filter((e) => /test_/.test(e))).toEqual([]); // test tensor shapes fit the description
    expect(r.files.warnings.some((w) => w.path === 'weights.pytorch_state_dict.source' && /could not check/.test(w.message))).toBe(true);
    expect(r.files.errors.every((e) => e.line! > 0)).toBe(true);
  });

  it('sha256 mismatch is reported with both digests (digest cross-checked with Python hashlib)', async () => {
    const npy = path.join(DATA, 'models/unet2d_multi_tensor/test_input_0.npy');
    const good = pySha(npy);
    const text = readFileSync(path.join(DATA, 'models/unet2d_multi_tensor/bioimageio.yaml'), 'utf8');
    expect(text).toContain(good); // the RDF's own sha256 equals Python's digest
    const bad = 'f'.repeat(64);
    const l = await loadRdf('x.yaml', { readFile: async () => new TextEncoder().encode(text.replace(good, bad)) });
    const issues = await checkFiles(l.parsed.data, path.join(DATA, 'models/unet2d_multi_tensor') + '/', offlineAccess());
    const mism = issues.filter((i) => /sha256 mismatch/.test(i.message));
    expect(mism).toHaveLength(1);
    expect(mism[0]!.path).toBe('inputs.0.test_tensor.source');
    expect(mism[0]!.message).toContain(`the RDF says ${bad}, the file has ${good}`);
  });

  it('test tensor shape that does not fit the shape description (stardist wrong_shape2)', async () => {
    const l = await loadRdfNode(path.join(DATA, 'models/stardist_example_model/rdf_wrong_shape2_v0_4.yaml'));
    const r = await validateLoaded(l, { access: offlineAccess(), hashes: false });
    expect(r.valid).toBe(true); // the format is valid for the official validator; the test tensor is not
    const e = r.files.errors.find((x) => x.path === 'test_inputs.0');
    expect(e?.message).toBe('test input shape (1, 512, 512, 1) does not fit input "input": axis "y" size 512 is not 80 + k·17');
    // the line of `test_inputs:` in the file
    expect(e!.line).toBe(readFileSync(path.join(DATA, 'models/stardist_example_model/rdf_wrong_shape2_v0_4.yaml'), 'utf8').split('\n').findIndex((s) => s.startsWith('test_inputs:')) + 1);
  });

  it('0.5: test output shape follows the size reference (diff_output_shape: scale 2 → 128 from 256)', async () => {
    const l = await loadRdfNode(path.join(DATA, 'models/unet2d_diff_output_shape/bioimageio.yaml'));
    const r = await validateLoaded(l, { access: offlineAccess(), hashes: true });
    expect(r.files.errors.filter((e) => /test_tensor/.test(e.path))).toEqual([]);
    // Now swap the test output for the input (256²): the reference rule must reject it.
    const swapped = l.text.replace(/source: test_output\.npy/, 'source: test_input.npy').replace(/(test_tensor:\s*\n\s*sha256: )\w+(\s*\n\s*source: test_input\.npy)/, '$1' + '0'.repeat(64) + '$2');
    const l2 = await loadRdf(path.join(DATA, 'models/unet2d_diff_output_shape/x.yaml'), { readFile: async () => new TextEncoder().encode(swapped) });
    const issues = await checkFiles(l2.parsed.data, l2.baseUrl, offlineAccess(), { hashes: false });
    expect(issues.find((i) => i.path === 'outputs.0.test_tensor')?.message).toMatch(/size 256 but "input\.y" \(256\) gives 128/);
  });
});

describe('documentation checks', () => {
  it('0.5 model documentation without a "Validation" section → warning; non-UTF-8 → error', async () => {
    const l = await loadRdfNode(path.join(DATA, 'models/unet2d_diff_output_shape/bioimageio.yaml'));
    const r = await validateLoaded(l, { access: offlineAccess(), hashes: false });
    expect(r.files.warnings.find((w) => w.path === 'documentation')?.message).toMatch(/no "# Validation" section/);
    const dir = path.join(tmp, 'doc');
    execFileSync('mkdir', ['-p', dir]);
    writeFileSync(path.join(dir, 'README.md'), Buffer.from([0x23, 0x20, 0xff, 0xfe, 0x0a]));
    writeFileSync(path.join(dir, 'rdf.yaml'), 'type: dataset\nformat_version: 0.3.0\nname: doc test\ndocumentation: README.md\n');
    const r2 = await validateLoaded(await loadRdfNode(dir), { access: nodeFileAccess() });
    expect(r2.files.errors.find((e) => e.path === 'documentation')?.message).toBe('documentation is not UTF-8 text');
  });
});

describe('referenced files over HTTP (Range reads, relative to the RDF URL)', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ root: repoRoot, port: 0, mounts: { '/data/': DATA }, demo: false });
  });
  afterAll(() => app?.close());

  it('resolves against the URL, verifies the ONNX sha256 remotely, 404 → error', async () => {
    const url = `${app.url}/data/models/unet2d_nuclei_broad/v0_4_9.bioimageio.yaml`;
    const l = await loadRdf(url);
    expect(l.baseUrl).toBe(`${app.url}/data/models/unet2d_nuclei_broad/`);
    const acc = offlineAccess();
    // offlineAccess refuses http; use the real access for our own server only.
    const real = nodeFileAccess();
    const access: FileAccess = { sha256: real.sha256, open: (loc) => (loc.startsWith(app.url) ? real.open(loc) : acc.open(loc)) };
    const r = await validateLoaded(l, { access });
    expect(r.files.errors.filter((e) => e.path.startsWith('weights.onnx'))).toEqual([]);
    expect(r.files.errors.find((e) => e.path === 'weights.torchscript.source')?.message).toContain(`not found (${app.url}/data/models/unet2d_nuclei_broad/weights.pt)`);
  });

  it('an RDF folder URL finds bioimageio.yaml', async () => {
    const l = await loadRdf(`${app.url}/data/models/unet2d_multi_tensor/`);
    expect(l.location).toBe(`${app.url}/data/models/unet2d_multi_tensor/bioimageio.yaml`);
  });
});
