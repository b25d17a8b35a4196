/**
 * Model format 0.4.x (spec model/v0_4.py, after the official 0.3/0.4 converters): fields in the
 * spec's order, tensors with axes strings, explicit / parameterized / implicit shapes, halo,
 * processing, test tensors, weights; then the model-level rules (unique names, minimal output
 * shape vs halo, processing references), which the official validator reports at the root.
 * Checks that the spec does not make are warnings here, never format errors.
 */
import { arr, type Check, type Ctx, fail, int, isObj, mapping, nullable, num, obj, oneOfValues, str, union } from '../check.js';
import type { Path } from '../types.js';
import { author, license, packagedFile, resourceId, withSuffix } from './common.js';
import { formatVersion, genericChecker, linkedDataset, modelBase02 } from './generic.js';
import { checkProcessing04 } from './processing.js';
import { checkWeights } from './weights.js';

const AXES_04 = 'bitczyx';
const INPUT_DTYPES_04 = ['float32', 'uint8', 'uint16'];
const OUTPUT_DTYPES_04 = ['float32', 'float64', 'uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'uint64', 'int64', 'bool'];
const PY_KEYWORDS = new Set('False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '));

/** Python `str.isidentifier()` for the ASCII names RDFs use, and not a keyword. */
function isIdentifier(s: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !PY_KEYWORDS.has(s);
}

const identifier: Check = (v, p, ctx) => {
  if (!str({ min: 1 })(v, p, ctx)) return false;
  if (!isIdentifier(v as string)) return fail(ctx, p, `${JSON.stringify(v)} is not a valid Python identifier`);
  return true;
};

/** TensorName: a lower-case Python identifier (Python `islower`: some cased letter, none upper). */
const tensorName: Check = (v, p, ctx) => {
  if (!identifier(v, p, ctx)) return false;
  const s = v as string;
  if (!/[a-z]/.test(s) || /[A-Z]/.test(s)) return fail(ctx, p, `tensor name ${JSON.stringify(s)} must be lower case`);
  return true;
};

const axes04: Check = (v, p, ctx) => {
  if (!str()(v, p, ctx)) return false;
  const s = v as string;
  for (const ch of s) if (!AXES_04.includes(ch)) return fail(ctx, p, `axes ${JSON.stringify(s)}: "${ch}" is not an axis letter (allowed: ${AXES_04.split('').join(' ')})`);
  if (new Set(s).size !== s.length) return fail(ctx, p, `axes ${JSON.stringify(s)} repeat a letter`);
  return true;
};

const float = num();
// data_range allows infinities ("-inf" is read as a float by the official validator).
const dataRange: Check = (v, p, ctx) => (Array.isArray(v) ? arr(num({ allowInfNan: true }), { min: 2, max: 2 })(v, p, ctx) : fail(ctx, p, `data_range must be a pair [min, max], got ${JSON.stringify(v)}`));

const sameLength = (a: string, b: string, msg: string) => (v: Record<string, unknown>, p: Path, ctx: Ctx) => {
  if (Array.isArray(v[a]) && Array.isArray(v[b]) && (v[a] as unknown[]).length !== (v[b] as unknown[]).length) ctx.error(p, msg, [...p, b]);
};

const paramShape = obj({ min: { check: arr(int(), { min: 1 }), required: true }, step: { check: arr(int(), { min: 1 }), required: true } }, {
  what: 'shape {min, step}',
  rules: [sameLength('min', 'step', '`min` and `step` must have the same length')],
});

const halfStep: Check = (v, p, c) => (typeof v === 'number' && Number.isInteger(v * 2)) || fail(c, p, `offset ${JSON.stringify(v)} must be a multiple of 0.5`);
const implicitShape = obj(
  {
    reference_tensor: { check: tensorName, required: true },
    scale: { check: arr((v, p, c) => v === null || float(v, p, c), { min: 1 }), required: true },
    offset: { check: arr(halfStep, { min: 1 }), required: true },
  },
  {
    what: 'shape {reference_tensor, scale, offset}',
    rules: [
      sameLength('scale', 'offset', 'scale and offset must have the same length'),
      (v, p, ctx) => {
        const i = (v.scale as unknown[]).findIndex((s, k) => s === null && !(v.offset as unknown[])[k]);
        if (i >= 0) ctx.error(p, 'an offset must not be zero where scale is null (a new axis of size 2·offset)', [...p, 'offset', i]);
      },
    ],
  },
);

const processingField: Check = (v, p, ctx) => Array.isArray(v) || fail(ctx, p, 'expected a list of processing steps');

/** InputTensorDescr rule: the batch axis has size 1 and step 0. */
const batchOfOne = (t: Record<string, unknown>, p: Path, ctx: Ctx) => {
  const b = (t.axes as string).indexOf('b');
  if (b < 0) return;
  const shape = t.shape as number[] | { min: number[]; step: number[] };
  if (!Array.isArray(shape) && shape.step[b] !== 0) return void ctx.error(p, `the batch axis step must be 0 (is ${shape.step[b]})`, [...p, 'shape', 'step', b]);
  const size = Array.isArray(shape) ? shape[b] : shape.min[b];
  if (size !== 1) ctx.error(p, `the input shape must be 1 on the batch axis "b" (is ${size})`, [...p, 'shape', ...(Array.isArray(shape) ? [] : ['min']), b]);
};

/** Tensor rule: processing `kwargs.axes` must be axes of the tensor. */
const kwargsAxes = (kind: 'preprocessing' | 'postprocessing') => (t: Record<string, unknown>, p: Path, ctx: Ctx) => {
  const steps = Array.isArray(t[kind]) ? (t[kind] as unknown[]) : [];
  for (let i = 0; i < steps.length; i++) {
    const kw = isObj(steps[i]) && isObj((steps[i] as Record<string, unknown>).kwargs) ? ((steps[i] as Record<string, unknown>).kwargs as Record<string, unknown>) : {};
    if (typeof kw.axes === 'string' && [...kw.axes].some((a) => !(t.axes as string).includes(a))) {
      return void ctx.error(p, `${kind} ${i}: kwargs.axes "${kw.axes}" must be a subset of the tensor axes "${t.axes}"`, [...p, kind, i, 'kwargs', 'axes']);
    }
  }
};

const inputTensor = obj(
  {
    name: { check: tensorName, required: true },
    description: str(),
    axes: { check: axes04, required: true },
    data_range: nullable(dataRange),
    data_type: { check: oneOfValues(INPUT_DTYPES_04, 'input data_type'), required: true },
    shape: { check: union(arr(int()), paramShape), required: true },
    preprocessing: processingField,
  },
  { rules: [batchOfOne, kwargsAxes('preprocessing')] },
);

const outputTensor = obj(
  {
    name: { check: tensorName, required: true },
    description: str(),
    axes: { check: axes04, required: true },
    data_range: nullable(dataRange),
    data_type: { check: oneOfValues(OUTPUT_DTYPES_04, 'output data_type'), required: true },
    shape: { check: union(arr(int()), implicitShape), required: true },
    halo: nullable(arr(int())),
    postprocessing: processingField,
  },
  {
    rules: [
      (t, p, ctx) => {
        const n = Array.isArray(t.shape) ? t.shape.length : ((t.shape as { scale: unknown[] }).scale.length);
        if (Array.isArray(t.halo) && t.halo.length > 0 && t.halo.length !== n) ctx.error(p, `halo has ${t.halo.length} entries but the shape has ${n}`, [...p, 'halo']);
      },
      kwargsAxes('postprocessing'),
    ],
  },
);

/** Output tensor names must be unique within inputs and within outputs (reported at the list). */
const uniqueIn: Check = (v, p, ctx) => {
  const names = (v as Record<string, unknown>[]).map((t) => t.name);
  const dup = names.findIndex((n, i) => names.indexOf(n) !== i);
  if (dup >= 0) return fail(ctx, p, `duplicate tensor name "${String(names[dup])}"`);
  return true;
};
const tensorList = (t: Check): Check => (v, p, ctx) => arr(t, { min: 1 })(v, p, ctx) && uniqueIn(v, p, ctx);

const npyList: Check = arr(withSuffix(packagedFile, ['.npy'], true), { min: 1 });

/** ModelDescr 0.4 fields, in the spec's order (the generic base first, then the model's own). */
function modelFields04() {
  return {
    ...modelBase02(),
    name: { check: str({ min: 1 }), required: true },
    authors: { check: (v: unknown, p: Path, c: Ctx) => (modelBase02().authors as Check)(v, p, c) && (Array.isArray(v) && v.length > 0 ? true : fail(c, p, 'at least one author is required')), required: true },
    format_version: { check: formatVersion('0.4.10'), required: true },
    type: { check: (v: unknown, p: Path, c: Ctx) => v === 'model' || fail(c, p, `must be "model", got ${JSON.stringify(v)}`), required: true },
    id: nullable(resourceId),
    documentation: { check: packagedFile, required: true },
    inputs: { check: tensorList(inputTensor), required: true },
    license: { check: license(false), required: true },
    outputs: { check: tensorList(outputTensor), required: true },
    packaged_by: arr(author('v02')),
    parent: nullable(obj({ id: { check: resourceId, required: true }, version_number: nullable(int()) })),
    run_mode: nullable(obj({ name: { check: str(), required: true }, kwargs: mapping })),
    sample_inputs: arr(packagedFile),
    sample_outputs: arr(packagedFile),
    test_inputs: { check: npyList, required: true },
    test_outputs: { check: npyList, required: true },
    timestamp: { check: str({ format: 'date-time' }), required: true },
    training_data: nullable(union(linkedDataset('v02'), genericChecker('dataset', 'v02'))),
    weights: { check: (v: unknown, p: Path, c: Ctx) => checkWeights(v, p, c, '0.4'), required: true },
  };
}

let root: Check | undefined;

interface T04 {
  name: string;
  axes: string;
  shape: unknown;
  halo: unknown;
  path: Path;
  raw: Record<string, unknown>;
}

export function checkModel04(d: Record<string, unknown>, ctx: Ctx): void {
  // `parent` given as a mapping (an old URL parent) is ignored by the official validator.
  const data = isObj(d.parent) ? { ...d, parent: null } : d;
  root ??= obj(modelFields04() as never, { rules: [uniqueIoNames, minimalOutputShapes, processingReferences] });
  root(data, [], ctx);
  hints04(d, ctx);
}

function tensors(d: Record<string, unknown>): { ins: T04[]; outs: T04[] } {
  const list = (l: unknown, key: string) =>
    (Array.isArray(l) ? l : []).flatMap((t, i) => (isObj(t) ? [{ name: String(t.name), axes: String(t.axes), shape: t.shape, halo: t.halo, path: [key, i] as Path, raw: t }] : []));
  return { ins: list(d.inputs, 'inputs'), outs: list(d.outputs, 'outputs') };
}

function uniqueIoNames(d: Record<string, unknown>, _p: Path, ctx: Ctx): void {
  const { ins, outs } = tensors(d);
  const seen = new Map<string, Path>();
  for (const t of [...ins, ...outs]) {
    const prev = seen.get(t.name);
    if (prev) return void ctx.error([], `tensor name "${t.name}" of ${t.path.join('.')} is already used by ${prev.join('.')}; tensor names must be unique across inputs and outputs`, [...t.path, 'name']);
    seen.set(t.name, t.path);
  }
}

/** Smallest size of each axis (official `_get_min_shape`): fixed, `min`, or from the reference. */
function minShape(t: T04, byName: Map<string, T04>, depth = 0): number[] {
  if (Array.isArray(t.shape)) return t.shape as number[];
  const s = t.shape as Record<string, unknown>;
  if (Array.isArray(s.min)) return s.min as number[];
  const ref = byName.get(String(s.reference_tensor));
  let refShape = ref && depth < 8 ? minShape(ref, byName, depth + 1) : [];
  let scale = s.scale as (number | null)[];
  const offset = s.offset as number[];
  if (scale.includes(null)) {
    const expanded = scale.flatMap((x, i) => (x === null ? [i] : []));
    refShape = scale.map((_, i) => (x => (expanded.includes(i) ? 1 : refShape[x]!))(i - expanded.filter((e) => e < i).length));
    scale = scale.map((x) => x ?? 0);
  }
  return scale.map((sc, i) => Math.trunc(refShape[i]! * (sc as number) + 2 * offset[i]!));
}

function minimalOutputShapes(d: Record<string, unknown>, _p: Path, ctx: Ctx): void {
  const { ins, outs } = tensors(d);
  const byName = new Map([...ins, ...outs].map((t) => [t.name, t]));
  for (const out of outs) {
    const s = out.shape;
    if (isObj(s) && 'reference_tensor' in s) {
      const ref = byName.get(String(s.reference_tensor));
      if (!ref) return void ctx.error([], `output "${out.name}": reference_tensor "${String(s.reference_tensor)}" is not a tensor of this model`, [...out.path, 'shape', 'reference_tensor']);
      const nRef = Array.isArray(ref.shape) ? ref.shape.length : isObj(ref.shape) ? ((ref.shape.min ?? ref.shape.scale) as unknown[]).length : 0;
      const nOut = (s.scale as unknown[]).filter((x) => x !== null).length;
      if (nRef !== nOut) return void ctx.error([], `referenced tensor "${ref.name}" with ${nRef} dimensions does not match output tensor "${out.name}" with ${nOut} dimensions`, [...out.path, 'shape']);
    }
    const min = minShape(out, byName);
    const halo = Array.isArray(out.halo) && out.halo.length ? (out.halo as number[]) : min.map(() => 0);
    const k = min.findIndex((m, i) => m - 2 * (halo[i] ?? 0) < 1);
    if (k >= 0) {
      const withHalo = Array.isArray(out.halo) && out.halo.length ? ` for halo [${halo.join(', ')}]` : '';
      return void ctx.error([], `minimal shape [${min.join(', ')}] of output "${out.name}" is too small${withHalo} (axis "${out.axes[k]}": size − 2·halo must be ≥ 1)`, withHalo ? [...out.path, 'halo', k] : [...out.path, 'shape']);
    }
  }
}

function processingReferences(d: Record<string, unknown>, _p: Path, ctx: Ctx): void {
  const { ins, outs } = tensors(d);
  const inputNames = ins.map((t) => t.name);
  for (const [list, kind] of [[ins, 'preprocessing'], [outs, 'postprocessing']] as const) {
    for (const t of list) {
      const steps = Array.isArray(t.raw[kind]) ? (t.raw[kind] as unknown[]) : [];
      for (let i = 0; i < steps.length; i++) {
        const kw = isObj(steps[i]) && isObj((steps[i] as Record<string, unknown>).kwargs) ? ((steps[i] as Record<string, unknown>).kwargs as Record<string, unknown>) : {};
        const ref = kw.reference_tensor;
        if (ref == null) continue;
        const at = [...t.path, kind, i, 'kwargs', 'reference_tensor'];
        if (!inputNames.includes(String(ref))) return void ctx.error([], `reference_tensor "${String(ref)}" is not an input tensor (inputs: ${inputNames.join(', ')})`, at);
        if (kind === 'preprocessing' && ref === t.name) return void ctx.error([], `reference_tensor of a preprocessing step cannot be the tensor itself ("${t.name}")`, at);
      }
    }
  }
}

/** What the spec does not check but a reader would trip over: warnings only. */
function hints04(d: Record<string, unknown>, ctx: Ctx): void {
  const { ins, outs } = tensors(d);
  const inputNames = ins.map((t) => t.name);
  for (const t of [...ins, ...outs]) {
    const n = t.axes.length;
    if (Array.isArray(t.shape) && t.shape.length !== n) ctx.warn([...t.path, 'shape'], `shape has ${t.shape.length} entries but axes "${t.axes}" has ${n}`);
    if (isObj(t.shape) && Array.isArray(t.shape.min) && t.shape.min.length !== n) ctx.warn([...t.path, 'shape', 'min'], `min has ${t.shape.min.length} entries but axes "${t.axes}" has ${n}`);
    if (isObj(t.shape) && Array.isArray(t.shape.scale) && t.shape.scale.length !== n) ctx.warn([...t.path, 'shape', 'scale'], `scale has ${t.shape.scale.length} entries but axes "${t.axes}" has ${n}`);
  }
  for (const t of outs) {
    const s = t.shape;
    if (!isObj(s) || !Array.isArray(s.scale) || !Array.isArray(s.offset)) continue;
    const ref = ins.find((x) => x.name === s.reference_tensor);
    if (!ref) continue;
    let r = 0;
    (s.scale as (number | null)[]).forEach((sc, i) => {
      if (sc === null) return;
      const refAxis = ref.axes[r++];
      const o = (s.offset as number[])[i] ?? 0;
      if ((t.axes[i] === 'b' || refAxis === 'b') && (t.axes[i] !== refAxis || sc !== 1 || o !== 0)) {
        ctx.warn([...t.path, 'shape', 'offset', i], `batch axis: scale ${sc}, offset ${o} (from reference axis "${refAxis}") would not pass the batch through (expected scale 1, offset 0 on "b")`);
      }
    });
  }
  for (const [list, kind] of [[d.inputs, 'preprocessing'], [d.outputs, 'postprocessing']] as const) {
    if (!Array.isArray(list)) continue;
    list.forEach((t, i) => {
      if (!isObj(t) || t[kind] == null || typeof t.axes !== 'string') return;
      checkProcessing04(t[kind], [kind === 'preprocessing' ? 'inputs' : 'outputs', i, kind], ctx, { axes: t.axes.split(''), axisSize: new Map(), tensorName: String(t.name), inputNames, kind });
    });
  }
  for (const [key, list] of [['test_inputs', d.inputs], ['test_outputs', d.outputs]] as const) {
    const tl = d[key];
    if (Array.isArray(tl) && Array.isArray(list) && tl.length !== list.length) {
      ctx.warn([key], `${key} lists ${tl.length} file(s) but the model has ${list.length} ${key === 'test_inputs' ? 'input' : 'output'} tensor(s); give one per tensor, in order`);
    }
  }
  if (Array.isArray(d.cite) && d.cite.length === 0) ctx.warn(['cite'], 'no citation given');
}
