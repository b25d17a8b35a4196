import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toCard } from '../../src/rdf/card.js';
import { explain04to05 } from '../../src/rdf/convert.js';
import { parseRdf } from '../../src/rdf/parse.js';
import { DATA } from './schema-oracle.js';

const load = (rel: string) => parseRdf(readFileSync(path.join(DATA, rel), 'utf8'), { name: rel }).data;

describe('0.4 → 0.5 preview against the spec’s own 0.5 version of the same model', () => {
  // unet2d_nuclei_broad ships both v0_4_9 and a 0.5.4 bioimageio.yaml written by the spec authors.
  const v04 = load('models/unet2d_nuclei_broad/v0_4_9.bioimageio.yaml') as Record<string, unknown>;
  const v05 = load('models/unet2d_nuclei_broad/bioimageio.yaml') as { inputs: { axes: Record<string, unknown>[] }[]; outputs: { axes: Record<string, unknown>[] }[] };
  const p = explain04to05(v04);

  it('axis types and ids match the official 0.5 file', () => {
    // 0.5 defaults: a space axis without id is "x" (spec v0_5 SpaceAxisBase.id default).
    const norm = (axes: Record<string, unknown>[]) => axes.map((a) => `${a.type}:${a.id ?? (a.type === 'space' ? 'x' : '')}`);
    expect(norm(p.inputs[0]!.axes as never)).toEqual(norm(v05.inputs[0]!.axes).map((s) => s.replace(/^(batch|channel):.*/, '$1:')));
    expect(norm(p.outputs[0]!.axes as never)).toEqual(norm(v05.outputs[0]!.axes).map((s) => s.replace(/^(batch|channel):.*/, '$1:')));
  });

  it('halo and size reference as in the official file', () => {
    const outY = (p.outputs[0]!.axes as Record<string, unknown>[]).find((a) => a.id === 'y')!;
    const offY = v05.outputs[0]!.axes.find((a) => a.id === 'y')!;
    expect(outY.halo).toBe(offY.halo);
    expect((outY.size as { axis_id: string }).axis_id).toBe((offY.size as { axis_id: string }).axis_id);
  });

  it('test tensors move into the tensors; disclaimer present', () => {
    expect(p.inputs[0]!.test_tensor).toEqual({ source: 'test_input.npy' });
    expect(p.disclaimer).toMatch(/not the official/);
    expect(p.steps.some((s) => s.from === 'inputs.0.data_type' && s.to === 'inputs.0.data.type')).toBe(true);
  });
});

describe('card', () => {
  it('0.5 model card', () => {
    const c = toCard(load('models/unet2d_nuclei_broad/bioimageio.yaml'), 'https://example.org/m/');
    expect(c.name).toBe('UNet 2D Nuclei Broad');
    expect(c.cite[0]!.href).toBe('https://doi.org/10.1007/978-3-319-24574-4_28');
    expect(c.covers).toEqual(['https://example.org/m/cover0.png']);
    expect(c.weights.map((w) => w.format).sort()).toEqual(['onnx', 'pytorch_state_dict', 'torchscript']);
    const onnx = c.weights.find((w) => w.format === 'onnx')!;
    expect(onnx.url).toBe('https://example.org/m/weights.onnx');
    expect(onnx.details).toContain('opset_version: 20');
    expect(c.outputs[0]!.axes.find((a) => a.id === 'y')!.halo).toBe(32);
  });
});
