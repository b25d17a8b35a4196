/**
 * Pre/post-processing steps: op names and kwargs for model 0.4 (`name`) and 0.5 (`id`), plus the
 * cross-field rules the schema cannot express (kwargs axes ⊆ tensor axes, reference tensors,
 * percentile order, fixed-mode mean/std, redundant scale_linear).
 */
import { arr, type Check, type Ctx, fail, isObj, nullable, num, obj, oneOfValues, str, union } from '../check.js';
import type { Path } from '../types.js';

export interface ProcScope {
  /** Axes of the tensor the step belongs to: letters (0.4) or axis ids (0.5). */
  axes: string[];
  /** Axis sizes by id when fixed (0.5 along-axis lists must match). */
  axisSize: Map<string, number>;
  tensorName: string;
  inputNames: string[];
  kind: 'preprocessing' | 'postprocessing';
}

export const DTYPES = ['float32', 'float64', 'uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'uint64', 'int64', 'bool'];

const eps = num({ exclMin: 0, max: 0.1 });
const percentileMin = num({ min: 0, exclMax: 100 });
const percentileMax = num({ exclMin: 1, max: 100 });
const numOrList = union(num(), arr(num(), { min: 1 }));

// ---------- 0.4 ----------

const axesLetters = str();
const mode2 = oneOfValues(['per_dataset', 'per_sample'], 'mode');

const KW04: Record<string, { fields: Record<string, Check | { check: Check; required: true }>; post?: true }> = {
  binarize: { fields: { threshold: { check: num(), required: true } } },
  clip: { fields: { min: { check: num(), required: true }, max: { check: num(), required: true } } },
  scale_linear: { fields: { axes: nullable(axesLetters), gain: numOrList, offset: numOrList } },
  sigmoid: { fields: {} },
  zero_mean_unit_variance: {
    fields: { mode: oneOfValues(['fixed', 'per_dataset', 'per_sample'], 'mode'), axes: { check: axesLetters, required: true }, mean: nullable(numOrList), std: nullable(numOrList), eps },
  },
  scale_range: {
    fields: { mode: { check: mode2, required: true }, axes: { check: axesLetters, required: true }, min_percentile: percentileMin, max_percentile: percentileMax, eps, reference_tensor: nullable(str({ min: 1 })) },
  },
  scale_mean_variance: {
    post: true,
    fields: { mode: { check: mode2, required: true }, reference_tensor: { check: str({ min: 1 }), required: true }, axes: nullable(axesLetters), eps },
  },
};

export function checkProcessing04(steps: unknown, p: Path, ctx: Ctx, scope: ProcScope): void {
  if (!Array.isArray(steps)) {
    fail(ctx, p, `expected a list of processing steps, got ${typeof steps}`);
    return;
  }
  steps.forEach((step, i) => {
    const sp = [...p, i];
    if (!isObj(step)) return void fail(ctx, sp, 'expected a processing step {name, kwargs}');
    const known = Object.keys(KW04).filter((k) => scope.kind === 'postprocessing' || !KW04[k]!.post);
    // The official validator reports a bad or missing discriminator at the step itself.
    if (typeof step.name !== 'string' || !known.includes(step.name)) {
      if (step.name === undefined) return void fail(ctx, sp, 'required field "name" is missing');
      return void fail(ctx, sp, `unknown ${scope.kind} op ${JSON.stringify(step.name)}; expected one of ${known.join(', ')}`);
    }
    const spec = KW04[step.name]!;
    const hasKwargs = Object.keys(spec.fields).length > 0;
    const ok = obj({ name: str(), kwargs: hasKwargs ? { check: obj(spec.fields), required: true } : obj({}) })(step, sp, ctx);
    if (!ok || !isObj(step.kwargs)) return;
    semantic04(step.name, step.kwargs, [...sp, 'kwargs'], ctx, scope);
  });
}

/** The kwargs rules of 0.4 (at the kwargs, as in the spec); axes and reference tensors are tensor/model rules (model-v04.ts). */
function semantic04(name: string, kw: Record<string, unknown>, p: Path, ctx: Ctx, _scope: ProcScope): void {
  if (name === 'zero_mean_unit_variance') {
    const fixed = (kw.mode ?? 'fixed') === 'fixed';
    if (fixed && (kw.mean == null || kw.std == null)) ctx.error(p, 'mode "fixed" needs both "mean" and "std"', [...p, kw.mean == null ? 'mean' : 'std']);
    else if (!fixed && (kw.mean != null || kw.std != null)) ctx.error(p, `"mean"/"std" are only allowed with mode "fixed" (mode is ${JSON.stringify(kw.mode)})`, [...p, 'mode']);
  }
  if (name === 'scale_linear') {
    const all = (v: unknown, x: number) => (Array.isArray(v) ? v.every((e) => e === x) : (v ?? x) === x);
    if (all(kw.gain, 1) && all(kw.offset, 0)) ctx.error(p, 'scale_linear with gain 1 and offset 0 does nothing; remove the step');
  }
  // Not a spec rule for 0.4 clip: a hint only.
  if (name === 'clip' && typeof kw.min === 'number' && typeof kw.max === 'number' && kw.min > kw.max) ctx.warn([...p, 'min'], `min ${kw.min} is larger than max ${kw.max}`);
  if (name === 'scale_range') {
    const lo = typeof kw.min_percentile === 'number' ? kw.min_percentile : 0;
    const hi = typeof kw.max_percentile === 'number' ? kw.max_percentile : 100;
    if (lo >= hi) ctx.error(p, `min_percentile ${lo} must be smaller than max_percentile ${hi}`, [...p, 'min_percentile']);
  }
}

// ---------- 0.5 ----------

const axisId = str({ min: 1, max: 16 });
const axisList = nullable(arr(axisId));

const OPS05: Record<string, { kwargs?: Check; kwargsRequired?: boolean; post?: true }> = {
  binarize: {
    kwargsRequired: true,
    kwargs: union(obj({ threshold: { check: num(), required: true } }), obj({ threshold: { check: arr(num(), { min: 1 }), required: true }, axis: { check: axisId, required: true } })),
  },
  clip: { kwargsRequired: true, kwargs: obj({ min: nullable(num()), max: nullable(num()), min_percentile: nullable(percentileMin), max_percentile: nullable(percentileMax), axes: axisList }) },
  ensure_dtype: { kwargsRequired: true, kwargs: obj({ dtype: { check: oneOfValues(DTYPES, 'dtype'), required: true } }) },
  fixed_zero_mean_unit_variance: {
    kwargsRequired: true,
    kwargs: union(
      obj({ mean: { check: num(), required: true }, std: { check: num({ min: 1e-6 }), required: true } }),
      obj({ mean: { check: arr(num(), { min: 1 }), required: true }, std: { check: arr(num({ min: 1e-6 }), { min: 1 }), required: true }, axis: { check: axisId, required: true } }),
    ),
  },
  scale_linear: {
    kwargsRequired: true,
    kwargs: union(obj({ gain: num(), offset: num() }), obj({ axis: { check: axisId, required: true }, gain: numOrList, offset: numOrList })),
  },
  scale_range: { kwargs: obj({ axes: axisList, min_percentile: percentileMin, max_percentile: percentileMax, eps, reference_tensor: nullable(str({ min: 1, max: 32 })) }) },
  sigmoid: {},
  softmax: { kwargs: obj({ axis: axisId }) },
  zero_mean_unit_variance: { kwargs: obj({ axes: axisList, eps }) },
  scale_mean_variance: { post: true, kwargsRequired: true, kwargs: obj({ reference_tensor: { check: str({ min: 1, max: 32 }), required: true }, axes: axisList, eps }) },
};

const PROCESSING_IDS_05 = Object.keys(OPS05);

export function checkProcessing05(steps: unknown, p: Path, ctx: Ctx, scope: ProcScope): void {
  if (!Array.isArray(steps)) {
    fail(ctx, p, 'expected a list of processing steps');
    return;
  }
  steps.forEach((step, i) => {
    const sp = [...p, i];
    if (!isObj(step)) return void fail(ctx, sp, 'expected a processing step {id, kwargs}');
    const known = PROCESSING_IDS_05.filter((k) => scope.kind === 'postprocessing' || !OPS05[k]!.post);
    if (typeof step.id !== 'string' || !known.includes(step.id)) {
      if (step.id === undefined) {
        const hint = typeof step.name === 'string' ? ' (0.4 used "name"; 0.5 uses "id")' : '';
        return void fail(ctx, [...sp, 'id'], `required field "id" is missing${hint}`);
      }
      return void fail(ctx, [...sp, 'id'], `unknown ${scope.kind} op ${JSON.stringify(step.id)}; expected one of ${known.join(', ')}`);
    }
    const spec = OPS05[step.id]!;
    const ok = obj({ id: str(), kwargs: spec.kwargs ? { check: spec.kwargs, required: !!spec.kwargsRequired } : obj({}) })(step, sp, ctx);
    if (!ok || !isObj(step.kwargs)) return;
    semantic05(step.id, step.kwargs, [...sp, 'kwargs'], ctx, scope);
  });
}

function semantic05(id: string, kw: Record<string, unknown>, p: Path, ctx: Ctx, scope: ProcScope): void {
  const checkAxis = (a: unknown, ap: Path) => {
    if (typeof a === 'string' && !scope.axes.includes(a)) ctx.error(ap, `axis "${a}" is not an axis of tensor "${scope.tensorName}" (${scope.axes.join(', ')})`);
  };
  if (Array.isArray(kw.axes)) kw.axes.forEach((a, i) => checkAxis(a, [...p, 'axes', i]));
  if (typeof kw.axis === 'string') {
    checkAxis(kw.axis, [...p, 'axis']);
    const n = scope.axisSize.get(kw.axis);
    for (const k of ['threshold', 'mean', 'std', 'gain', 'offset']) {
      const v = kw[k];
      if (Array.isArray(v) && n !== undefined && v.length !== n) ctx.error([...p, k], `${k} has ${v.length} values but axis "${kw.axis}" has size ${n}`);
    }
    if (Array.isArray(kw.mean) && Array.isArray(kw.std) && kw.mean.length !== kw.std.length) ctx.error([...p, 'std'], `mean has ${kw.mean.length} values but std has ${kw.std.length}`);
  }
  if (id === 'scale_linear') {
    const all = (v: unknown, x: number) => (Array.isArray(v) ? v.every((e) => e === x) : (v ?? x) === x);
    if (all(kw.gain, 1) && all(kw.offset, 0)) ctx.error(p, 'scale_linear with gain 1 and offset 0 does nothing; remove the step');
  }
  if (id === 'clip') {
    if (kw.min == null && kw.max == null && kw.min_percentile == null && kw.max_percentile == null) ctx.error(p, 'clip needs at least one of min, max, min_percentile, max_percentile');
    if (kw.min != null && kw.min_percentile != null) ctx.error([...p, 'min_percentile'], 'give either "min" or "min_percentile", not both');
    if (kw.max != null && kw.max_percentile != null) ctx.error([...p, 'max_percentile'], 'give either "max" or "max_percentile", not both');
    if (typeof kw.min === 'number' && typeof kw.max === 'number' && kw.min >= kw.max) ctx.error([...p, 'min'], `min ${kw.min} must be smaller than max ${kw.max}`);
  }
  percentiles(kw, p, ctx);
  referenceTensor(kw, p, ctx, scope);
}

// ---------- shared ----------

function percentiles(kw: Record<string, unknown>, p: Path, ctx: Ctx): void {
  const lo = kw.min_percentile;
  const hi = kw.max_percentile;
  if (typeof lo === 'number' && typeof hi === 'number' && lo >= hi) ctx.error([...p, 'min_percentile'], `min_percentile ${lo} must be smaller than max_percentile ${hi}`);
}

function referenceTensor(kw: Record<string, unknown>, p: Path, ctx: Ctx, scope: ProcScope): void {
  const ref = kw.reference_tensor;
  if (typeof ref !== 'string') return;
  const rp = [...p, 'reference_tensor'];
  if (!scope.inputNames.includes(ref)) ctx.error(rp, `reference_tensor "${ref}" is not an input tensor (inputs: ${scope.inputNames.join(', ')})`);
  else if (scope.kind === 'preprocessing' && ref === scope.tensorName) ctx.error(rp, `reference_tensor of a preprocessing step cannot be the tensor itself ("${ref}")`);
}
