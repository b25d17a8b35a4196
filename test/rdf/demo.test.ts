import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCollection } from '../../src/rdf/collection.js';
import { generateDemoRdfs } from '../../src/demo/rdfs.js';
import { validateLoaded } from '../../src/rdf/full.js';
import { loadRdfNode, nodeFileAccess } from '../../src/rdf/node.js';
import { tmpDir } from '../helpers/host.js';

let dir: string;
beforeAll(async () => {
  dir = tmpDir('rdf-demo-');
  await generateDemoRdfs(dir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const lineOf = (text: string, re: RegExp) => text.split('\n').findIndex((l) => re.test(l)) + 1;

describe('demo RDFs for the slide', () => {
  it('the demo model (built by src/model) is valid, with every file present and every sha256 matching', async () => {
    const l = await loadRdfNode(path.join(dir, 'model'));
    const r = await validateLoaded(l, { access: nodeFileAccess() });
    expect(r.errors).toEqual([]);
    expect(r).toMatchObject({ valid: true, type: 'model', format_version: '0.5.4' });
    // …and valid for the official JSON schema too: demo.corpus.test.ts (the schema is a corpus file).
  });

  it('the broken variant fails on each planted defect, at its line', async () => {
    const f = path.join(dir, 'model/invalid.bioimageio.yaml');
    const text = fs.readFileSync(f, 'utf8');
    const r = await validateLoaded(await loadRdfNode(f), { access: nodeFileAccess() });
    const at = (p: string) => r.errors.find((e) => e.path === p);
    // Tensor ids are checked by the official validator on `outputs` (the line is that of the id).
    expect(at('outputs')?.message).toMatch(/already used by inputs\.0/);
    expect(at('inputs.0.preprocessing.1.id')?.message).toMatch(/unknown preprocessing op "zero_mean_unit_varianse"/);
    expect(at('inputs.0.preprocessing.1.id')?.line).toBe(lineOf(text, /id: zero_mean_unit_varianse/));
    expect(at('license')?.line).toBe(lineOf(text, /^license: MIT License/));
    expect(at('weights.onnx.opset_version')?.message).toMatch(/required field "opset_version" is missing/);
    expect(r.files.errors.find((e) => e.path === 'inputs.0.test_tensor.source')?.message).toMatch(/sha256 mismatch/);
    expect(r.errors.some((e) => /^outputs\.0\.axes\.\d\.halo$/.test(e.path) && /halo 24 leaves/.test(e.message))).toBe(true);
  });

  it('collection.json lists the three demo resources', async () => {
    const l = await loadRdfNode(path.join(dir, 'collection.json'));
    const e = readCollection(l.parsed.data, l.baseUrl);
    expect(e.map((x) => x.type)).toEqual(['model', 'model', 'dataset']);
    for (const x of e) expect(fs.existsSync(x.rdf_source!)).toBe(true);
  });
});
