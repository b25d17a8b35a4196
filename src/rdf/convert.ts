/**
 * Explains how a model 0.4 description maps to 0.5: axes strings → axis objects, shapes → axis
 * sizes, test_inputs/outputs → per-tensor test_tensor, data_type → data.type, processing name → id.
 * This is a readable preview following the spec's changelog ("model 0.5.0") and v0_5.convert_axes;
 * it is NOT the official converter (bioimageio.spec) and does not produce a validated 0.5 file.
 */
import { isObj } from './check.js';

export interface AxisObject {
  type: 'batch' | 'channel' | 'index' | 'time' | 'space';
  id?: string;
  size?: number | { min: number; step: number } | { tensor_id: string; axis_id: string; offset?: number };
  channel_names?: string[];
  scale?: number;
  halo?: number;
}

interface ConversionStep {
  /** Dotted 0.4 path. */
  from: string;
  /** Dotted 0.5 path. */
  to: string;
  note: string;
}

export interface ConversionPreview {
  disclaimer: string;
  steps: ConversionStep[];
  /** A 0.5-shaped sketch of the tensors (inputs/outputs only). */
  inputs: Record<string, unknown>[];
  outputs: Record<string, unknown>[];
}

const LETTER: Record<string, AxisObject['type']> = { b: 'batch', i: 'index', t: 'time', c: 'channel', z: 'space', y: 'space', x: 'space' };

/** 0.4 axis letters + shape → 0.5 axis objects (spec v0_5.convert_axes). */
export function convertAxes04(axes: string, shape: unknown, halo?: unknown, refAxes?: string): AxisObject[] {
  return axes.split('').map((ch, i) => {
    const type = LETTER[ch] ?? 'space';
    const a: AxisObject = { type };
    if (type === 'space') a.id = ch;
    if (type === 'time') a.id = 'time';
    if (type === 'index') a.id = 'index';
    let size: AxisObject['size'];
    if (Array.isArray(shape)) size = shape[i] as number;
    else if (isObj(shape) && Array.isArray(shape.min) && Array.isArray(shape.step)) {
      const min = shape.min[i] as number;
      const step = shape.step[i] as number;
      size = step === 0 ? min : { min, step };
    } else if (isObj(shape) && Array.isArray(shape.scale) && Array.isArray(shape.offset)) {
      const s = shape.scale[i] as number | null;
      const o = shape.offset[i] as number;
      if (s === null || s === 0) size = 2 * o;
      else {
        // 0.4: out = ref*scale + 2*offset; 0.5: out = ref*ref.scale/axis.scale + offset.
        const refLetter = refAxes?.[i] ?? ch;
        size = { tensor_id: String(shape.reference_tensor), axis_id: LETTER[refLetter] === 'space' ? refLetter : (LETTER[refLetter] ?? refLetter), offset: 2 * o };
        if (s !== 1) a.scale = 1 / s;
      }
    }
    if (type === 'channel') {
      const n = typeof size === 'number' ? size : isObj(size) && 'min' in size ? size.min : 1;
      a.channel_names = Array.from({ length: n }, (_, k) => `channel${k}`);
    } else if (type !== 'batch' && size !== undefined) a.size = size;
    if (Array.isArray(halo) && typeof halo[i] === 'number' && (halo[i] as number) > 0) a.halo = halo[i] as number;
    return a;
  });
}

export function explain04to05(data: unknown): ConversionPreview {
  const steps: ConversionStep[] = [];
  const d = isObj(data) ? data : {};
  const ins = Array.isArray(d.inputs) ? d.inputs.filter(isObj) : [];
  const outs = Array.isArray(d.outputs) ? d.outputs.filter(isObj) : [];
  const axesByName = new Map(ins.map((t) => [String(t.name), String(t.axes ?? '')]));
  const tensor = (t: Record<string, unknown>, i: number, io: 'inputs' | 'outputs') => {
    const testKey = io === 'inputs' ? 'test_inputs' : 'test_outputs';
    const ref = isObj(t.shape) && typeof t.shape.reference_tensor === 'string' ? axesByName.get(t.shape.reference_tensor) : undefined;
    const axes = typeof t.axes === 'string' ? convertAxes04(t.axes, t.shape, t.halo, ref) : [];
    steps.push({ from: `${io}.${i}.name`, to: `${io}.${i}.id`, note: 'tensor "name" becomes "id"' });
    steps.push({ from: `${io}.${i}.axes`, to: `${io}.${i}.axes`, note: `axes "${t.axes}" become ${axes.length} axis objects; the shape moves into each axis "size"` });
    if (isObj(t.shape) && 'reference_tensor' in t.shape) {
      steps.push({ from: `${io}.${i}.shape`, to: `${io}.${i}.axes[*].size`, note: 'implicit shape: size = {tensor_id, axis_id, offset: 2·offset}; a scale s becomes axis scale 1/s' });
    }
    if (t.halo) steps.push({ from: `${io}.${i}.halo`, to: `${io}.${i}.axes[*].halo`, note: 'halo moves onto each axis (an axis with halo needs a size reference)' });
    steps.push({ from: `${io}.${i}.data_type`, to: `${io}.${i}.data.type`, note: `data_type ${JSON.stringify(t.data_type)} becomes data: {type: ${JSON.stringify(t.data_type)}}${t.data_range ? ', data_range becomes data.range' : ''}` });
    const tests = d[testKey];
    if (Array.isArray(tests) && tests[i] !== undefined) steps.push({ from: `${testKey}.${i}`, to: `${io}.${i}.test_tensor`, note: `test file becomes test_tensor: {source: ${JSON.stringify(tests[i])}, sha256}` });
    const procKey = io === 'inputs' ? 'preprocessing' : 'postprocessing';
    const proc = Array.isArray(t[procKey]) ? (t[procKey] as unknown[]).filter(isObj) : [];
    const proc05 = proc.map((p, j) => {
      const kw = isObj(p.kwargs) ? { ...p.kwargs } : {};
      let id = String(p.name);
      if (id === 'zero_mean_unit_variance' && (kw.mode ?? 'fixed') === 'fixed') {
        id = 'fixed_zero_mean_unit_variance';
        steps.push({ from: `${io}.${i}.${procKey}.${j}`, to: `${io}.${i}.${procKey}.${j}`, note: 'zero_mean_unit_variance with mode fixed becomes fixed_zero_mean_unit_variance {mean, std}' });
      }
      if (typeof kw.axes === 'string') {
        const ax = kw.axes.split('').map((c) => (LETTER[c] === 'space' ? c : LETTER[c] ?? c));
        if (kw.mode === 'per_dataset') ax.unshift('batch');
        kw.axes = ax;
        steps.push({ from: `${io}.${i}.${procKey}.${j}.kwargs.axes`, to: `${io}.${i}.${procKey}.${j}.kwargs.axes`, note: `axes string becomes a list of axis ids [${ax.join(', ')}]${kw.mode === 'per_dataset' ? ' (per_dataset adds batch)' : ''}` });
      }
      delete kw.mode;
      return { id, ...(Object.keys(kw).length ? { kwargs: kw } : {}) };
    });
    if (proc.length) steps.push({ from: `${io}.${i}.${procKey}.*.name`, to: `${io}.${i}.${procKey}.*.id`, note: 'processing "name" becomes "id"; 0.5 adds ensure_dtype steps around the list' });
    return {
      id: t.name,
      axes,
      data: { type: t.data_type, ...(Array.isArray(t.data_range) ? { range: t.data_range.map((x) => (typeof x === 'number' && Number.isFinite(x) ? x : null)) } : {}) },
      ...(Array.isArray(tests) && tests[i] !== undefined ? { test_tensor: { source: tests[i] } } : {}),
      ...(proc05.length ? { [procKey]: proc05 } : {}),
    };
  };
  const inputs = ins.map((t, i) => tensor(t, i, 'inputs'));
  const outputs = outs.map((t, i) => tensor(t, i, 'outputs'));
  if (isObj(d.weights) && isObj(d.weights.onnx) && d.weights.onnx.opset_version == null) {
    steps.push({ from: 'weights.onnx', to: 'weights.onnx.opset_version', note: 'opset_version becomes required for ONNX weights' });
  }
  if (isObj(d.weights) && isObj(d.weights.pytorch_state_dict) && typeof d.weights.pytorch_state_dict.architecture === 'string') {
    steps.push({ from: 'weights.pytorch_state_dict.architecture', to: 'weights.pytorch_state_dict.architecture', note: '"file.py:Callable" becomes {source: file.py, callable: Callable, sha256}; pytorch_version becomes required' });
  }
  steps.push({ from: 'format_version', to: 'format_version', note: 'set to 0.5.x; description, authors, cite, license, documentation become optional but recommended (warnings when missing)' });
  return {
    disclaimer: 'Preview of the 0.4 → 0.5 mapping for reading; it is not the official bioimageio.spec converter.',
    steps,
    inputs,
    outputs,
  };
}
