/**
 * Model format 0.4.x (spec model/v0_4.py): fields, tensors with axes strings, explicit /
 * parameterized / implicit shapes, halo, processing, test tensors, weights.
 */
import { arr, type Check, Ctx, fail, int, isObj, mapping, nullable, num, obj, oneOfValues, str, union } from '../check.js';
import type { Path } from '../types.js';
import { author, fileRef, license } from './common.js';
import { base02, genericChecker, linkedDataset } from './generic.js';
import { checkProcessing04 } from './processing.js';
import { checkWeights } from './weights.js';

export const AXES_04 = 'bitczyx';
const INPUT_DTYPES_04 = ['float32', 'uint8', 'uint16'];
const OUTPUT_DTYPES_04 = ['float32', 'float64', 'uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'uint64', 'int64', 'bool'];
const IDENT = /^[a-z_][a-z0-9_]*$/;

const dataRange: Check = arr(union(num(), (v, p, c) => v === null || fail(c, p, 'expected a number')), { min: 2, max: 2 });

const tensorName: Check = (v, p, ctx) => {
  if (!str({ min: 1 })(v, p, ctx)) return false;
  if (!IDENT.test(v as string)) ctx.warn(p, `tensor name ${JSON.stringify(v)} should be a lowercase identifier`);
  return true;
};

const axes04: Check = (v, p, ctx) => {
  if (!str()(v, p, ctx)) return false;
  const s = v as string;
  for (const ch of s) if (!AXES_04.includes(ch)) return fail(ctx, p, `axes ${JSON.stringify(s)}: "${ch}" is not an axis letter (allowed: ${AXES_04.split('').join(' ')})`);
  if (new Set(s).size !== s.length) return fail(ctx, p, `axes ${JSON.stringify(s)} repeat a letter`);
  if (s.length === 0) return fail(ctx, p, 'axes must not be empty');
  return true;
};

const paramShape = obj({ min: { check: arr(int(), { min: 1 }), required: true }, step: { check: arr(int(), { min: 1 }), required: true } }, { what: 'shape {min, step}' });
const implicitShape = obj(
  {
    reference_tensor: { check: str({ min: 1 }), required: true },
    scale: { check: arr(union(num(), (v, p, c) => v === null || fail(c, p, 'expected a number or null')), { min: 1 }), required: true },
    offset: { check: arr(num(), { min: 1 }), required: true },
  },
  { what: 'shape {reference_tensor, scale, offset}' },
);

const processingField: Check = (v, p, ctx) => Array.isArray(v) || fail(ctx, p, 'expected a list of processing steps');

const inputTensor = obj({
  name: { check: tensorName, required: true },
  description: str(),
  axes: { check: axes04, required: true },
  data_range: nullable(dataRange),
  data_type: { check: oneOfValues(INPUT_DTYPES_04, 'input data_type'), required: true },
  shape: { check: union(arr(int()), paramShape), required: true },
  preprocessing: processingField,
});

const outputTensor = obj({
  name: { check: tensorName, required: true },
  description: str(),
  axes: { check: axes04, required: true },
  data_range: nullable(dataRange),
  data_type: { check: oneOfValues(OUTPUT_DTYPES_04, 'output data_type'), required: true },
  shape: { check: union(arr(int()), implicitShape), required: true },
  halo: nullable(arr(int())),
  postprocessing: processingField,
});

const npyList: Check = arr((v, p, ctx) => {
  if (!fileRef(v, p, ctx)) return false;
  // Suffix check is case-sensitive in bioimageio.spec.
  if (!/\.npy$/.test((v as string).replace(/[?#].*$/, ''))) return fail(ctx, p, `test tensor ${JSON.stringify(v)} must be a .npy file`);
  return true;
}, { min: 1 });

export function modelFields04() {
  return {
    ...base02(),
    authors: { check: arr(author('v02'), { min: 1 }), required: true },
    documentation: { check: base02().documentation!, required: true },
    license: { check: license(false), required: true },
    git_repo: nullable(str()),
    inputs: { check: arr(inputTensor, { min: 1 }), required: true },
    outputs: { check: arr(outputTensor, { min: 1 }), required: true },
    packaged_by: arr(author('v02')),
    parent: nullable(obj({ id: { check: str({ min: 1 }), required: true }, version_number: nullable(int()) })),
    run_mode: nullable(obj({ name: { check: str(), required: true }, kwargs: mapping })),
    sample_inputs: arr(fileRef),
    sample_outputs: arr(fileRef),
    test_inputs: { check: npyList, required: true },
    test_outputs: { check: npyList, required: true },
    timestamp: { check: str({ format: 'date-time' }), required: true },
    training_data: nullable(union(linkedDataset('v02'), genericChecker('dataset', 'v02'))),
    weights: { check: mapping, required: true },
    config: mapping,
  };
}

const rootCache = new Map<boolean, Check>();
/** Built once per variant: constructing the field checkers is a measurable part of validation. */
function rootChecker04(v040: boolean): Check {
  let c = rootCache.get(v040);
  if (!c) {
    const fields: Record<string, unknown> = modelFields04();
    // 0.4.0 had `dependencies` at the root; the 0.4.1 converter moves it into the weights entry.
    if (v040) fields.dependencies = { check: str({ pattern: /^.+:.+$/, patternHint: 'must look like "conda:environment.yaml" or "pip:requirements.txt"' }), deprecated: '"dependencies" at the root is 0.4.0 syntax; since 0.4.1 it belongs to weights.pytorch_state_dict.dependencies' };
    c = obj(fields as never);
    rootCache.set(v040, c);
  }
  return c;
}

interface T04 {
  name: string;
  axes: string;
  shape: unknown;
  path: Path;
}

export function checkModel04(d: Record<string, unknown>, ctx: Ctx, patch: number): void {
  rootChecker04(patch === 0)(d, [], ctx);

  const ins = tensors(d.inputs, 'inputs');
  const outs = tensors(d.outputs, 'outputs');
  uniqueNames([...ins, ...outs], ctx);
  const byName = new Map(ins.map((t) => [t.name, t]));
  const inputNames = ins.map((t) => t.name);

  for (const t of ins) inputShape(t, ctx);
  for (const t of outs) outputShape(t, d, ctx, byName);

  for (const [list, kind] of [[d.inputs, 'preprocessing'], [d.outputs, 'postprocessing']] as const) {
    if (!Array.isArray(list)) continue;
    list.forEach((t, i) => {
      if (!isObj(t) || t[kind] == null || typeof t.axes !== 'string') return;
      checkProcessing04(t[kind], [kind === 'preprocessing' ? 'inputs' : 'outputs', i, kind], ctx, {
        axes: t.axes.split(''),
        axisSize: new Map(),
        tensorName: String(t.name),
        inputNames,
        kind,
      });
    });
  }

  for (const [key, list] of [['test_inputs', d.inputs], ['test_outputs', d.outputs]] as const) {
    const tl = d[key];
    if (Array.isArray(tl) && Array.isArray(list) && tl.length !== list.length) {
      ctx.error([key], `${key} lists ${tl.length} file(s) but the model has ${list.length} ${key === 'test_inputs' ? 'input' : 'output'} tensor(s); give one per tensor, in order`);
    }
  }
  if (d.weights !== undefined) checkWeights(d.weights, ['weights'], ctx, '0.4');
  if (Array.isArray(d.cite) && d.cite.length === 0) ctx.warn(['cite'], 'no citation given');
}

function tensors(list: unknown, key: string): T04[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((t, i) =>
    isObj(t) && typeof t.name === 'string' && typeof t.axes === 'string' ? [{ name: t.name, axes: t.axes, shape: t.shape, path: [key, i] as Path }] : [],
  );
}

export function uniqueNames(ts: { name: string; path: Path }[], ctx: Ctx, field = 'name'): void {
  const seen = new Map<string, Path>();
  for (const t of ts) {
    const prev = seen.get(t.name);
    if (prev) ctx.error([...t.path, field], `tensor ${field} "${t.name}" is already used by ${prev.join('.')}; tensor ${field}s must be unique across inputs and outputs`);
    else seen.set(t.name, t.path);
  }
}

function inputShape(t: T04, ctx: Ctx): void {
  const p = [...t.path, 'shape'];
  const n = t.axes.length;
  const bi = t.axes.indexOf('b');
  if (Array.isArray(t.shape)) {
    if (t.shape.length !== n) return void ctx.error(p, `shape has ${t.shape.length} entries but axes "${t.axes}" has ${n}`);
    t.shape.forEach((s, i) => typeof s === 'number' && s < 1 && ctx.error([...p, i], `size ${s} of axis "${t.axes[i]}" must be ≥ 1`));
    if (bi >= 0 && t.shape[bi] !== 1) ctx.error([...p, bi], `batch size must be 1 (is ${t.shape[bi]})`);
  } else if (isObj(t.shape) && Array.isArray(t.shape.min) && Array.isArray(t.shape.step)) {
    const { min, step } = t.shape as { min: number[]; step: number[] };
    if (min.length !== n) ctx.error([...p, 'min'], `min has ${min.length} entries but axes "${t.axes}" has ${n}`);
    if (step.length !== min.length) ctx.error([...p, 'step'], `step has ${step.length} entries but min has ${min.length}`);
    min.forEach((m, i) => m < 1 && ctx.error([...p, 'min', i], `minimum size ${m} must be ≥ 1`));
    step.forEach((s, i) => s < 0 && ctx.error([...p, 'step', i], `step ${s} must be ≥ 0`));
    if (bi >= 0) {
      if (step[bi] !== 0) ctx.error([...p, 'step', bi], `the batch axis step must be 0 (is ${step[bi]})`);
      if (min[bi] !== 1) ctx.error([...p, 'min', bi], `batch size must be 1 (is ${min[bi]})`);
    }
  }
}

/** Minimal (and, when fixed, exact) size of each axis of an input; undefined when not derivable. */
function minShape04(t: T04): number[] | undefined {
  if (Array.isArray(t.shape)) return t.shape as number[];
  if (isObj(t.shape) && Array.isArray(t.shape.min)) return t.shape.min as number[];
  return undefined;
}

function outputShape(t: T04, d: Record<string, unknown>, ctx: Ctx, byName: Map<string, T04>): void {
  const p = [...t.path, 'shape'];
  const n = t.axes.length;
  const out = d.outputs as Record<string, unknown>[];
  const raw = out[t.path[1] as number]!;
  let minOut: number[] | undefined;
  if (Array.isArray(t.shape)) {
    if (t.shape.length !== n) return void ctx.error(p, `shape has ${t.shape.length} entries but axes "${t.axes}" has ${n}`);
    minOut = t.shape as number[];
  } else if (isObj(t.shape) && Array.isArray(t.shape.scale) && Array.isArray(t.shape.offset)) {
    const { reference_tensor: refName, scale, offset } = t.shape as { reference_tensor: string; scale: (number | null)[]; offset: number[] };
    if (scale.length !== n) ctx.error([...p, 'scale'], `scale has ${scale.length} entries but axes "${t.axes}" has ${n}`);
    if (offset.length !== scale.length) ctx.error([...p, 'offset'], `offset has ${offset.length} entries but scale has ${scale.length}`);
    offset.forEach((o, i) => {
      if (Math.round(o * 2) !== o * 2) ctx.error([...p, 'offset', i], `offset ${o} must be a multiple of 0.5`);
    });
    const ref = byName.get(refName);
    if (!ref) return void ctx.error([...p, 'reference_tensor'], `reference_tensor "${refName}" is not an input tensor (inputs: ${[...byName.keys()].join(', ')})`);
    const kept = scale.filter((s) => s !== null).length;
    if (kept !== ref.axes.length) {
      return void ctx.error([...p, 'scale'], `${kept} non-null scale entries but reference tensor "${refName}" has ${ref.axes.length} axes ("${ref.axes}")`);
    }
    const refMin = minShape04(ref);
    minOut = [];
    let r = 0;
    for (let i = 0; i < scale.length; i++) {
      const s = scale[i];
      const o = offset[i] ?? 0;
      if (s === null) {
        minOut.push(2 * o);
        continue;
      }
      const refAxis = ref.axes[r];
      const refSize = refMin?.[r];
      r++;
      if (t.axes[i] === 'b' || refAxis === 'b') {
        // Batch passes through: input batch 1 → output batch must be 1 as well.
        if (t.axes[i] !== refAxis) ctx.error([...p, 'scale', i], `output axis "${t.axes[i]}" is computed from reference axis "${refAxis}"; the batch axis must map to the batch axis`);
        else if (s !== 1 || o !== 0) ctx.error([...p, 'offset', i], `batch axis: scale ${s}, offset ${o} would give an output batch of ${1 * s + 2 * o} for an input batch of 1; the batch must pass through (scale 1, offset 0)`);
      }
      minOut.push(refSize === undefined ? NaN : refSize * s + 2 * o);
    }
    minOut.forEach((m, i) => {
      if (!Number.isNaN(m) && m < 1) ctx.error([...p], `axis "${t.axes[i]}" would have size ${m} for the smallest input; sizes must be ≥ 1`);
    });
  }
  const halo = raw.halo;
  if (Array.isArray(halo)) {
    if (halo.length !== n) return void ctx.error([...t.path, 'halo'], `halo has ${halo.length} entries but axes "${t.axes}" has ${n}`);
    halo.forEach((h: unknown, i: number) => {
      if (typeof h !== 'number') return;
      if (h < 0) ctx.error([...t.path, 'halo', i], `halo ${h} must be ≥ 0`);
      const m = minOut?.[i];
      if (m !== undefined && !Number.isNaN(m) && m - 2 * h < 1) {
        ctx.error([...t.path, 'halo', i], `halo ${h} on axis "${t.axes[i]}" leaves ${m - 2 * h} pixels of the minimal output size ${m} (needs size − 2·halo ≥ 1)`);
      }
    });
  }
}
