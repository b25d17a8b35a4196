/**
 * One defect per mutation of a valid shared RDF → invalid, with the right path and the line the
 * test itself located in the text (never a position computed by our parser). Where the JSON schema
 * can decide, it must agree the mutant is invalid.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRdf } from '../../src/rdf/parse.js';
import { validateRdf } from '../../src/rdf/validate.js';
import { DATA, schemaVerdict } from './schema-oracle.js';

const V049 = readFileSync(path.join(DATA, 'models/unet2d_nuclei_broad/v0_4_9.bioimageio.yaml'), 'utf8');
const V054 = readFileSync(path.join(DATA, 'models/unet2d_nuclei_broad/bioimageio.yaml'), 'utf8');
const DATASET = readFileSync(path.join(DATA, 'datasets/covid_if_training_data/bioimageio.yaml'), 'utf8');

/** Replaces the n-th line containing `find` (1-based occurrence); returns the text and that line number. */
function edit(text: string, find: string, replace: string | null, occurrence = 1): { text: string; line: number } {
  const lines = text.split('\n');
  let seen = 0;
  const i = lines.findIndex((l) => l.includes(find) && ++seen === occurrence);
  if (i < 0) throw new Error(`fixture changed: "${find}" not found`);
  if (replace === null) lines.splice(i, 1);
  else lines[i] = lines[i]!.replace(find, replace);
  return { text: lines.join('\n'), line: i + 1 };
}

/** 1-based line of the first line containing `s`. */
const lineOf = (text: string, s: string) => text.split('\n').findIndex((l) => l.includes(s)) + 1;

interface Case {
  name: string;
  base: string;
  mutate: (t: string) => { text: string; line: number };
  path: string;
  message: RegExp;
  /** Expected line; default the edited line. */
  line?: (t: string) => number;
  /** The schema cannot express this rule (cross-field). */
  schemaBlind?: boolean;
}

const cases: Case[] = [
  {
    name: '0.4 missing required field (license)',
    base: V049,
    mutate: (t) => edit(t, 'license: MIT', null),
    path: 'license',
    message: /required field "license" is missing/,
    line: (t) => lineOf(t, 'format_version:'), // reported at the document root
  },
  { name: '0.4 wrong type (opset_version as string)', base: V049, mutate: (t) => edit(t, 'opset_version: 20', 'opset_version: twenty'), path: 'weights.onnx.opset_version', message: /expected an integer/ },
  { name: '0.4 bad axes letter', base: V049, mutate: (t) => edit(t, 'axes: bcyx', 'axes: bcyq'), path: 'inputs.0.axes', message: /"q" is not an axis letter/, schemaBlind: true },
  { name: '0.4 repeated axis letter', base: V049, mutate: (t) => edit(t, 'axes: bcyx', 'axes: bcyy', 2), path: 'outputs.0.axes', message: /repeat/, schemaBlind: true },
  { name: '0.4 unknown postprocessing op', base: V049, mutate: (t) => edit(t, 'name: sigmoid', 'name: sigmoidal'), path: 'outputs.0.postprocessing.0', message: /unknown postprocessing op "sigmoidal"/ },
  { name: '0.4 kwargs axes not of the tensor', base: V049, mutate: (t) => edit(t, 'axes: yx # subset', 'axes: zyx # subset'), path: 'inputs.0', message: /kwargs\.axes "zyx" must be a subset/, schemaBlind: true },
  { name: '0.4 unsupported version', base: V049, mutate: (t) => edit(t, 'format_version: 0.4.9', 'format_version: 1.0.1'), path: 'format_version', message: /must be "0\.5\.7"/ },
  { name: '0.4 halo larger than the output', base: V049, mutate: (t) => edit(t, 'halo: [0, 0, 32, 32]', 'halo: [0, 0, 256, 32]'), path: '', message: /too small for halo \[0, 0, 256, 32\]/, schemaBlind: true },
  { name: '0.4 reference_tensor unknown', base: V049, mutate: (t) => edit(t, 'reference_tensor: raw', 'reference_tensor: rawr'), path: '', message: /"rawr" is not a tensor of this model/, schemaBlind: true },
  { name: '0.5 unknown axis type', base: V054, mutate: (t) => edit(t, 'type: space', 'type: spaec'), path: 'inputs.0.axes.2.type', message: /unknown axis type "spaec"/ },
  {
    name: '0.5 missing required ONNX opset_version',
    base: V054,
    mutate: (t) => edit(t, 'opset_version: 20', null),
    path: 'weights.onnx.opset_version',
    message: /required field "opset_version" is missing/,
    line: (t) => lineOf(t, '  onnx:'),
  },
  { name: '0.5 license not SPDX', base: V054, mutate: (t) => edit(t, 'license: MIT', 'license: MIT-ish'), path: 'license', message: /not an SPDX license id/ },
  { name: '0.5 wrong type (channel_names not a list)', base: V054, mutate: (t) => edit(t, 'channel_names:', 'channel_names: raw_intensity\n        x_channel_names:'), path: 'inputs.0.axes.1.channel_names', message: /expected a list/ },
  { name: '0.5 size reference to a missing tensor', base: V054, mutate: (t) => edit(t, 'tensor_id: raw', 'tensor_id: rawr'), path: 'outputs.0.axes.2.size.tensor_id', message: /does not exist/, schemaBlind: true },
  { name: '0.5 unknown preprocessing op', base: V054, mutate: (t) => edit(t, 'id: zero_mean_unit_variance', 'id: zero_mean'), path: 'inputs.0.preprocessing.1.id', message: /unknown preprocessing op "zero_mean"/ },
  { name: 'dataset 0.2 wrong type (name is a list)', base: DATASET, mutate: (t) => edit(t, 'name: Covid-IF Training Data', 'name: [Covid-IF]'), path: 'name', message: /expected a string/ },
  { name: 'dataset 0.2 source not a URL', base: DATASET, mutate: (t) => edit(t, 'source: https://zenodo.org/records/5092850', 'source: zenodo 5092850'), path: 'source', message: /not an http\(s\) URL/ },
];

// Paths are the official validator's: a model-level rule (unique names, minimal shape vs halo,
// references) is reported at the root "" and a tensor rule at the tensor; the line is that of the
// field the rule is about. An unsupported version is checked as the latest format (0.5.7).
describe('mutations of valid RDFs', () => {
  it('0.4 test_outputs count differing from the outputs is a warning (the official validator does not check it)', () => {
    const { text } = edit(V049, 'test_outputs: [test_output.npy]', 'test_outputs: [test_output.npy, test_output.npy]');
    const r = validateRdf(parseRdf(text, { name: 'mutant.yaml' }));
    expect(r.valid).toBe(true);
    expect(r.warnings.find((w) => w.path === 'test_outputs')?.message).toMatch(/2 file\(s\) but the model has 1/);
  });

  it('the bases are valid (no errors) for us and the schema', () => {
    for (const b of [V049, V054, DATASET]) {
      const p = parseRdf(b, { name: 'base' });
      expect(validateRdf(p).errors).toEqual([]);
      expect(schemaVerdict(p.data).valid).toBe(true);
    }
  });

  for (const c of cases) {
    it(c.name, () => {
      const { text, line } = c.mutate(c.base);
      const parsed = parseRdf(text, { name: 'mutant.yaml' });
      const r = validateRdf(parsed);
      expect(r.valid).toBe(false);
      const hit = r.errors.find((e) => e.path === c.path);
      expect(hit, JSON.stringify(r.errors, null, 1)).toBeDefined();
      expect(hit!.message).toMatch(c.message);
      expect(hit!.line).toBe(c.line ? c.line(text) : line);
      expect(hit!.severity).toBe('error');
      const oracle = schemaVerdict(parsed.data);
      if (c.schemaBlind) expect(oracle.valid).toBe(true); // we catch what the schema misses
      else expect(oracle.valid).toBe(false); // the schema agrees
    });
  }
});
