/**
 * A model RDF (0.4.x or 0.5.x) normalized to one 0.5-like shape, so the runner never branches on
 * the format version. Conversion rules follow bioimageio.spec's 0.4→0.5 converter and
 * bioimageio.core's processing setup (docs/bioimageio-facts.md).
 */
import { ModelError } from './errors.js';

export type AxisType = 'batch' | 'channel' | 'index' | 'time' | 'space';

/** How an axis length is determined. */
type SizeSpec =
  | { kind: 'fixed'; value: number }
  /** min + n*step, n = 0, 1, 2, … */
  | { kind: 'param'; min: number; step: number }
  /** floor(size(tensor.axis) * factor + offset); 0.5 SizeReference and 0.4 ImplicitOutputShape. */
  | { kind: 'ref'; tensor: string; axis: string; factor: number; offset: number }
  /** batch without a size, or a data-dependent output size. */
  | { kind: 'any' };

export interface AxisSpec {
  id: string;
  type: AxisType;
  size: SizeSpec;
  /** Output halo to crop on both sides (0 when none). */
  halo: number;
  /** Physical scale (0.5 `scale`), used to map output halos to input halos. */
  scale: number;
  channelNames?: string[];
}

export interface ProcStep {
  id: string;
  kwargs: Record<string, unknown>;
}

export interface TensorSpec {
  id: string;
  axes: AxisSpec[];
  /** dtype after processing (0.5 data.type / 0.4 data_type). */
  dtype: string;
  /** Test tensor path, relative to the RDF. */
  testTensor?: string;
  testSha256?: string;
  /** Pre- (inputs) or postprocessing (outputs), with the implicit ensure_dtype steps made explicit. */
  processing: ProcStep[];
  description?: string;
}

interface WeightsEntry {
  source: string;
  sha256?: string;
  opsetVersion?: number;
}

export interface ToleranceRule {
  relativeTolerance: number;
  absoluteTolerance: number;
  mismatchedElementsPerMillion: number;
  outputIds: string[];
  weightsFormats: string[];
}

export interface ModelSpec {
  name: string;
  formatVersion: string;
  /** "0.4" or "0.5". */
  major: '0.4' | '0.5';
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  weights: Record<string, WeightsEntry>;
  /** 0.5: config.bioimageio.reproducibility_tolerance (may be empty: defaults apply). */
  tolerances: ToleranceRule[];
  /** 0.5: legacy config.bioimageio.test_kwargs per weights format. */
  legacyTestKwargs: Record<string, { relativeTolerance: number; absoluteTolerance: number }>;
}

/** Thrown with the file or tensor it is about first, like every ModelError. */
class ModelSpecError extends ModelError {
  override name = 'ModelSpecError';
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => !!x && typeof x === 'object' && !Array.isArray(x);
const LETTER_IDS: Record<string, string> = { b: 'batch', t: 'time', i: 'index', c: 'channel' };
const LETTER_TYPES: Record<string, AxisType> = { b: 'batch', t: 'time', i: 'index', c: 'channel', x: 'space', y: 'space', z: 'space' };

export function describeModel(rdf: unknown, where = 'rdf'): ModelSpec {
  if (!isObj(rdf)) throw new ModelSpecError(where, 'the RDF is not a YAML mapping');
  if (rdf.type !== 'model') throw new ModelSpecError(where, `type is "${String(rdf.type)}", not "model"`);
  const fv = String(rdf.format_version ?? '');
  const m = /^0\.(4|5)\.\d+/.exec(fv);
  if (!m) throw new ModelSpecError(where, `unsupported model format_version "${fv}" (supported: 0.4.x, 0.5.x)`);
  const major = m[1] === '4' ? '0.4' : '0.5';
  if (!Array.isArray(rdf.inputs) || rdf.inputs.length === 0) throw new ModelSpecError(where, 'inputs: missing or empty');
  if (!Array.isArray(rdf.outputs) || rdf.outputs.length === 0) throw new ModelSpecError(where, 'outputs: missing or empty');
  const weights = describeWeights(rdf.weights, where);
  const spec: ModelSpec =
    major === '0.4'
      ? {
          name: String(rdf.name ?? ''),
          formatVersion: fv,
          major,
          inputs: [],
          outputs: [],
          weights,
          tolerances: [],
          legacyTestKwargs: {},
        }
      : { name: String(rdf.name ?? ''), formatVersion: fv, major, inputs: [], outputs: [], weights, tolerances: tolerancesOf(rdf), legacyTestKwargs: legacyOf(rdf) };
  if (major === '0.4') {
    const ti = Array.isArray(rdf.test_inputs) ? rdf.test_inputs : [];
    const to = Array.isArray(rdf.test_outputs) ? rdf.test_outputs : [];
    spec.inputs = rdf.inputs.map((t, i) => tensor04(t, i, 'inputs', where, ti[i] as string | undefined));
    spec.outputs = rdf.outputs.map((t, i) => tensor04(t, i, 'outputs', where, to[i] as string | undefined));
    resolve04Refs(spec, where);
  } else {
    spec.inputs = rdf.inputs.map((t, i) => tensor05(t, i, 'inputs', where));
    spec.outputs = rdf.outputs.map((t, i) => tensor05(t, i, 'outputs', where));
    resolve05Refs(spec, where);
  }
  const ids = [...spec.inputs, ...spec.outputs].map((t) => t.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new ModelSpecError(where, `tensor name "${dup}" is used twice; tensor names must be unique`);
  return spec;
}

function describeWeights(w: unknown, where: string): Record<string, WeightsEntry> {
  if (!isObj(w) || Object.keys(w).length === 0) throw new ModelSpecError(where, 'weights: missing or empty');
  const out: Record<string, WeightsEntry> = {};
  for (const [k, v] of Object.entries(w)) {
    if (!isObj(v)) continue;
    const source = typeof v.source === 'string' ? v.source : isObj(v.source) ? String((v.source as Obj).source ?? '') : '';
    out[k] = {
      source,
      sha256: typeof v.sha256 === 'string' ? v.sha256 : undefined,
      opsetVersion: typeof v.opset_version === 'number' ? v.opset_version : undefined,
    };
  }
  return out;
}

function tolerancesOf(rdf: Obj): ToleranceRule[] {
  const cfg = isObj(rdf.config) && isObj(rdf.config.bioimageio) ? rdf.config.bioimageio : undefined;
  const list = cfg && Array.isArray(cfg.reproducibility_tolerance) ? cfg.reproducibility_tolerance : [];
  return list.filter(isObj).map((r) => ({
    relativeTolerance: num(r.relative_tolerance, 1e-3),
    absoluteTolerance: num(r.absolute_tolerance, 1e-3),
    mismatchedElementsPerMillion: num(r.mismatched_elements_per_million, 100),
    outputIds: Array.isArray(r.output_ids) ? r.output_ids.map(String) : [],
    weightsFormats: Array.isArray(r.weights_formats) ? r.weights_formats.map(String) : [],
  }));
}

/** bioimageio.core _get_tolerance: legacy test_kwargs default to rtol 1e-3, atol 1e-4. */
function legacyOf(rdf: Obj): ModelSpec['legacyTestKwargs'] {
  const cfg = isObj(rdf.config) && isObj(rdf.config.bioimageio) ? rdf.config.bioimageio : undefined;
  const tk = cfg && isObj(cfg.test_kwargs) ? cfg.test_kwargs : {};
  const out: ModelSpec['legacyTestKwargs'] = {};
  for (const [wf, v] of Object.entries(tk)) {
    if (isObj(v)) out[wf] = { relativeTolerance: num(v.relative_tolerance, 1e-3), absoluteTolerance: num(v.absolute_tolerance, 1e-4) };
  }
  return out;
}

const num = (x: unknown, d: number) => (typeof x === 'number' && Number.isFinite(x) ? x : d);

// ---- 0.5 ----------------------------------------------------------------------------------------

function tensor05(t: unknown, i: number, kind: 'inputs' | 'outputs', where: string): TensorSpec {
  const at = `${where}: ${kind}[${i}]`;
  if (!isObj(t)) throw new ModelSpecError(at, 'not a mapping');
  const id = String(t.id ?? (kind === 'inputs' ? 'input' : 'output'));
  if (!Array.isArray(t.axes) || t.axes.length === 0) throw new ModelSpecError(at, 'axes: missing or empty');
  const axes = t.axes.map((a, j) => axis05(a, `${at}.axes[${j}]`));
  const data = Array.isArray(t.data) ? t.data[0] : t.data;
  const dtype = isObj(data) && typeof data.type === 'string' ? data.type : 'float32';
  const procKey = kind === 'inputs' ? 'preprocessing' : 'postprocessing';
  const raw = Array.isArray(t[procKey]) ? (t[procKey] as unknown[]) : [];
  const steps: ProcStep[] = raw.filter(isObj).map((p) => ({ id: String(p.id ?? p.name), kwargs: isObj(p.kwargs) ? p.kwargs : {} }));
  // The spec's validators make ensure_dtype explicit; models written by hand may omit it.
  if (kind === 'inputs' && steps[0]?.id !== 'ensure_dtype') steps.unshift({ id: 'ensure_dtype', kwargs: { dtype } });
  const last = steps[steps.length - 1]?.id;
  if (last !== 'ensure_dtype' && last !== 'binarize') steps.push({ id: 'ensure_dtype', kwargs: { dtype } });
  const test = isObj(t.test_tensor) ? t.test_tensor : undefined;
  return {
    id,
    axes,
    dtype,
    processing: steps,
    testTensor: test && typeof test.source === 'string' ? test.source : undefined,
    testSha256: test && typeof test.sha256 === 'string' ? test.sha256 : undefined,
    description: typeof t.description === 'string' ? t.description : undefined,
  };
}

function axis05(a: unknown, at: string): AxisSpec {
  if (!isObj(a)) throw new ModelSpecError(at, 'axis is not a mapping');
  const type = String(a.type) as AxisType;
  if (!['batch', 'channel', 'index', 'time', 'space'].includes(type)) throw new ModelSpecError(at, `unknown axis type "${String(a.type)}"`);
  const defaults: Record<AxisType, string> = { batch: 'batch', channel: 'channel', index: 'index', time: 'time', space: 'x' };
  const rawId = String(a.id ?? defaults[type]);
  const id = LETTER_IDS[rawId] ?? rawId;
  let size: SizeSpec;
  if (type === 'channel') {
    const names = Array.isArray(a.channel_names) ? a.channel_names.map(String) : [];
    size = { kind: 'fixed', value: names.length || num(a.size, 1) };
    return { id, type, size, halo: 0, scale: 1, channelNames: names };
  }
  if (type === 'batch') size = typeof a.size === 'number' ? { kind: 'fixed', value: a.size } : { kind: 'any' };
  else if (typeof a.size === 'number') size = { kind: 'fixed', value: a.size };
  else if (isObj(a.size) && typeof a.size.tensor_id === 'string') {
    // resolved to a factor once every axis (and its scale) is known, in resolve05Refs
    size = { kind: 'ref', tensor: a.size.tensor_id, axis: String(a.size.axis_id), factor: NaN, offset: num(a.size.offset, 0) };
  } else if (isObj(a.size) && typeof a.size.min === 'number' && typeof a.size.step === 'number') {
    size = { kind: 'param', min: a.size.min, step: a.size.step };
  } else if (isObj(a.size)) size = { kind: 'any' }; // DataDependentSize
  else throw new ModelSpecError(at, 'size: missing');
  return { id, type, size, halo: num(a.halo, 0), scale: num(a.scale, 1) };
}

function resolve05Refs(spec: ModelSpec, where: string) {
  for (const t of [...spec.inputs, ...spec.outputs]) {
    for (const a of t.axes) {
      if (a.size.kind !== 'ref') continue;
      const ref = findAxis(spec, a.size.tensor, a.size.axis, `${where}: ${t.id}.${a.id}`);
      // size = ref_size * ref_axis.scale / axis.scale + offset  (spec v0_5 SizeReference)
      a.size.factor = ref.scale / a.scale;
    }
  }
}

function findAxis(spec: ModelSpec, tensor: string, axis: string, at: string): AxisSpec {
  const t = [...spec.inputs, ...spec.outputs].find((x) => x.id === tensor);
  if (!t) throw new ModelSpecError(at, `size refers to tensor "${tensor}", which does not exist`);
  const a = t.axes.find((x) => x.id === (LETTER_IDS[axis] ?? axis));
  if (!a) throw new ModelSpecError(at, `size refers to axis "${axis}" of "${tensor}", which has no such axis`);
  return a;
}

// ---- 0.4 ----------------------------------------------------------------------------------------

function tensor04(t: unknown, i: number, kind: 'inputs' | 'outputs', where: string, test: string | undefined): TensorSpec {
  const at = `${where}: ${kind}[${i}]`;
  if (!isObj(t)) throw new ModelSpecError(at, 'not a mapping');
  const id = String(t.name ?? '');
  if (!id) throw new ModelSpecError(at, 'name: missing');
  if (typeof t.axes !== 'string' || !/^[bitczyx]+$/.test(t.axes)) {
    throw new ModelSpecError(at, `axes must be a string of the letters bitczyx, got ${JSON.stringify(t.axes)}`);
  }
  const letters = t.axes.split('');
  const shape = t.shape;
  const axes: AxisSpec[] = letters.map((l, j) => {
    let size: SizeSpec = { kind: 'any' };
    if (Array.isArray(shape)) size = { kind: 'fixed', value: Number(shape[j]) };
    else if (isObj(shape) && Array.isArray(shape.min) && Array.isArray(shape.step)) {
      const min = Number(shape.min[j]);
      const step = Number(shape.step[j]);
      size = step === 0 ? { kind: 'fixed', value: min } : { kind: 'param', min, step };
    } else if (isObj(shape) && typeof shape.reference_tensor === 'string') {
      const scale = Array.isArray(shape.scale) ? shape.scale[j] : 1;
      const offset = Array.isArray(shape.offset) ? Number(shape.offset[j]) : 0;
      // out = ref * scale + 2*offset; a scale of 0 or null gives a fixed axis of length 2*offset
      size =
        scale === null || Number(scale) === 0
          ? { kind: 'fixed', value: 2 * offset }
          : { kind: 'ref', tensor: shape.reference_tensor, axis: `#${j}`, factor: Number(scale), offset: 2 * offset };
    } else throw new ModelSpecError(at, 'shape: missing or not understood');
    const halo = Array.isArray(t.halo) ? Number(t.halo[j] ?? 0) : 0;
    return { id: LETTER_IDS[l] ?? l, type: LETTER_TYPES[l], size, halo, scale: 1 };
  });
  const dtype = String(t.data_type ?? 'float32');
  const procKey = kind === 'inputs' ? 'preprocessing' : 'postprocessing';
  const raw = Array.isArray(t[procKey]) ? (t[procKey] as unknown[]) : [];
  const converted = raw.filter(isObj).map((p) => convertProc04(String(p.name), isObj(p.kwargs) ? p.kwargs : {}, letters, `${at}.${procKey}`));
  // bioimageio.core proc_setup: a 0.4 tensor gets ensure_dtype(data_type) first (dropped when it
  // would be the only step) and always ends with ensure_dtype(float32).
  const steps: ProcStep[] = converted.length ? [{ id: 'ensure_dtype', kwargs: { dtype } }, ...converted] : [];
  steps.push({ id: 'ensure_dtype', kwargs: { dtype: 'float32' } });
  return { id, axes, dtype, processing: steps, testTensor: test, description: typeof t.description === 'string' ? t.description : undefined };
}

function resolve04Refs(spec: ModelSpec, where: string) {
  for (const t of spec.outputs) {
    for (const a of t.axes) {
      const size = a.size;
      if (size.kind !== 'ref') continue;
      const ref = spec.inputs.find((x) => x.id === size.tensor);
      if (!ref) throw new ModelSpecError(`${where}: ${t.id}`, `shape.reference_tensor "${size.tensor}" is not an input`);
      // 0.4 implicit shapes are positional: axis j follows axis j of the reference tensor
      const j = Number(size.axis.slice(1));
      if (j >= ref.axes.length) throw new ModelSpecError(`${where}: ${t.id}`, `shape has more axes than reference tensor "${ref.id}"`);
      size.axis = ref.axes[j].id;
    }
  }
}

function axesOf04(axes: unknown, mode: unknown): string[] | undefined {
  if (typeof axes !== 'string') return undefined;
  const ids = axes.split('').map((l) => LETTER_IDS[l] ?? l);
  return mode === 'per_dataset' ? ['batch', ...ids] : ids;
}

/** 0.4 processing → 0.5 form, as bioimageio.spec's `_convert_proc`. */
function convertProc04(name: string, kw: Obj, letters: string[], at: string): ProcStep {
  switch (name) {
    case 'binarize':
    case 'clip':
    case 'sigmoid':
      return { id: name, kwargs: kw };
    case 'scale_linear': {
      const axes = axesOf04(kw.axes, 'per_sample');
      if (axes && (Array.isArray(kw.gain) || Array.isArray(kw.offset))) {
        const rest = letters.map((l) => LETTER_IDS[l] ?? l).filter((a) => !axes.includes(a) && a !== 'batch');
        if (rest.length !== 1) throw new ModelSpecError(at, `scale_linear: cannot tell which axis gain/offset lists run along (axes "${String(kw.axes)}")`);
        return { id: 'scale_linear', kwargs: { axis: rest[0], gain: kw.gain ?? 1, offset: kw.offset ?? 0 } };
      }
      return { id: 'scale_linear', kwargs: { gain: kw.gain ?? 1, offset: kw.offset ?? 0 } };
    }
    case 'zero_mean_unit_variance': {
      const mode = kw.mode ?? 'fixed';
      if (mode === 'fixed') {
        const axes = axesOf04(kw.axes, 'per_sample');
        if (Array.isArray(kw.mean) || Array.isArray(kw.std)) {
          const rest = letters.map((l) => LETTER_IDS[l] ?? l).filter((a) => !(axes ?? []).includes(a) && a !== 'batch');
          if (rest.length !== 1) throw new ModelSpecError(at, 'zero_mean_unit_variance: cannot tell which axis mean/std lists run along');
          return { id: 'fixed_zero_mean_unit_variance', kwargs: { axis: rest[0], mean: kw.mean, std: kw.std } };
        }
        return { id: 'fixed_zero_mean_unit_variance', kwargs: { mean: kw.mean, std: kw.std } };
      }
      return { id: 'zero_mean_unit_variance', kwargs: { axes: axesOf04(kw.axes, mode), eps: kw.eps } };
    }
    case 'scale_range':
      return {
        id: 'scale_range',
        kwargs: {
          axes: axesOf04(kw.axes, kw.mode),
          min_percentile: kw.min_percentile ?? 0,
          max_percentile: kw.max_percentile ?? 100,
          eps: kw.eps,
          reference_tensor: kw.reference_tensor,
        },
      };
    case 'scale_mean_variance':
      return { id: 'scale_mean_variance', kwargs: { axes: axesOf04(kw.axes, kw.mode), reference_tensor: kw.reference_tensor, eps: kw.eps ?? 1e-6 } };
    default:
      throw new ModelSpecError(at, `unknown processing "${name}"`);
  }
}

/** Axis ids of a tensor, in order. */
