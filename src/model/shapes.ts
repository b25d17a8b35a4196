/**
 * Axes and sizes at run time: fitting an array's rank to a tensor's axes, validating input sizes
 * against the RDF and the ONNX graph's static dims, choosing block shapes, input halos, and the
 * output shapes the RDF implies.
 */
import { stridesOf, toCOrder, type NdArray } from '../ndarray/ndarray.js';
import { ModelError } from './errors.js';
import type { AxisSpec, ModelSpec, TensorSpec } from './spec.js';

/** Output shape the RDF implies for the given input shapes (-1 where it cannot say: data-dependent). */
export function expectedOutputShape(spec: ModelSpec, t: TensorSpec, inputShapes: number[][]): number[] {
  return t.axes.map((a) => {
    const s = a.size;
    if (s.kind === 'fixed') return s.value;
    if (s.kind === 'ref') {
      const ri = spec.inputs.findIndex((x) => x.id === s.tensor);
      const rk = spec.inputs[ri]?.axes.findIndex((x) => x.id === s.axis) ?? -1;
      if (ri >= 0 && rk >= 0) return Math.floor(inputShapes[ri][rk] * s.factor + s.offset);
    }
    if (a.type === 'batch') {
      const bi = spec.inputs[0]?.axes.findIndex((x) => x.type === 'batch') ?? -1;
      return bi >= 0 ? inputShapes[0][bi] : 1;
    }
    return -1;
  });
}

export function sizeText(a: AxisSpec): string {
  const s = a.size;
  switch (s.kind) {
    case 'fixed':
      return String(s.value);
    case 'param':
      return `${s.min} + n·${s.step}`;
    case 'ref':
      return `${s.tensor}.${s.axis}${s.factor !== 1 ? `·${s.factor}` : ''}${s.offset ? ` ${s.offset > 0 ? '+' : '−'} ${Math.abs(s.offset)}` : ''}`;
    default:
      return 'any';
  }
}

/** Whether an axis accepts length 1, so a size-1 dimension may be added for it. */
export const canBeOne = (a: AxisSpec) =>
  a.type === 'batch' ||
  (a.size.kind === 'fixed' && a.size.value === 1) ||
  (a.size.kind === 'param' && a.size.min === 1) ||
  a.size.kind === 'any';

/**
 * Fits an array's rank to the tensor's axes as core's test-tensor loading does: drop singleton
 * dims, then put size-1 dims back where an axis may be 1 (batch first, then size-1 axes).
 */
export function conformRank(a: NdArray, t: TensorSpec, where: string): NdArray {
  if (a.shape.length === t.axes.length) return a;
  const dims = a.shape.filter((d) => d !== 1);
  const need = t.axes.length - dims.length;
  const bad = () =>
    new ModelError(where, `shape [${a.shape.join(', ')}] does not fit the axes (${t.axes.map((x) => x.id).join(', ')}): wrong rank ${a.shape.length}, expected ${t.axes.length}`);
  if (need < 0) throw bad();
  const ones = new Set<number>();
  const order = [...t.axes.keys()].sort((i, j) => Number(t.axes[j].type === 'batch') - Number(t.axes[i].type === 'batch'));
  for (const i of order) {
    if (ones.size === need) break;
    if (canBeOne(t.axes[i])) ones.add(i);
  }
  if (ones.size !== need) throw bad();
  let j = 0;
  const shape = t.axes.map((_, i) => (ones.has(i) ? 1 : dims[j++]));
  return { data: a.data, shape, dtype: a.dtype };
}

export interface InputPlan {
  tiled: boolean;
  blockShape: number[];
}

/** Per-axis validity of an input shape, and the block shape to use when it must be tiled. */
export function planInput(
  t: TensorSpec,
  shape: number[],
  graphShape: (number | string)[] | undefined,
  spec: ModelSpec,
  all: NdArray[],
  block: Record<string, number> | undefined,
): InputPlan {
  let tiled = false;
  const blockShape = t.axes.map((a, k) => {
    const S = shape[k];
    const g = graphShape && typeof graphShape[k] === 'number' && (graphShape[k] as number) > 0 ? (graphShape[k] as number) : undefined;
    const where = `input ${t.id}, axis ${a.id}`;
    const tileable = a.type === 'space' || a.type === 'time';
    const req = block?.[a.id];
    let fixed = a.size.kind === 'fixed' ? a.size.value : g;
    if (a.size.kind === 'fixed' && g !== undefined && g !== a.size.value) {
      throw new ModelError(where, `the RDF says size ${a.size.value} but the ONNX graph has ${g}`);
    }
    if (a.size.kind === 'ref') {
      const ri = spec.inputs.findIndex((x) => x.id === (a.size as { tensor: string }).tensor);
      const rt = spec.inputs[ri];
      const rk = rt ? rt.axes.findIndex((x) => x.id === (a.size as { axis: string }).axis) : -1;
      if (rk >= 0 && all[ri]) fixed = Math.floor(all[ri].shape[rk] * a.size.factor + a.size.offset);
    }
    if (fixed !== undefined) {
      if (S === fixed) return S;
      if (!tileable) throw new ModelError(where, `size ${S}, the model needs exactly ${fixed}`);
      if (S < fixed) throw new ModelError(where, `size ${S} is smaller than the minimum ${fixed} the model accepts`);
      if (req !== undefined && req !== fixed) throw new ModelError(where, `block size ${req} is not possible: the model needs exactly ${fixed}`);
      tiled = true;
      return fixed;
    }
    if (a.size.kind === 'param') {
      const { min, step } = a.size;
      if (S < min) throw new ModelError(where, `size ${S} is smaller than the minimum ${min} the model accepts`);
      const valid = (S - min) % step === 0;
      if (req === undefined && valid) return S;
      if (!tileable) throw new ModelError(where, `size ${S} is not ${min} + n·${step}`);
      const target = Math.min(req ?? S, S);
      if (req !== undefined && req < min) throw new ModelError(where, `block size ${req} is smaller than the minimum ${min}`);
      const B = min + Math.floor((target - min) / step) * step;
      if (B !== S) tiled = true;
      return B;
    }
    // batch without size, data-dependent: take the input as it is
    if (req !== undefined && tileable && req < S) {
      tiled = true;
      return req;
    }
    return S;
  });
  return { tiled, blockShape };
}

/** Input halo per input axis: output halo mapped back through the size reference (must be whole). */
export function inputHalo(input: TensorSpec, spec: ModelSpec): number[] {
  return input.axes.map((a) => {
    let h = 0;
    for (const o of spec.outputs) {
      for (const oa of o.axes) {
        if (oa.size.kind === 'ref' && oa.size.tensor === input.id && oa.size.axis === a.id && oa.halo > 0) {
          const hi = oa.halo / oa.size.factor;
          if (!Number.isInteger(hi)) throw new ModelError(`output ${o.id}, axis ${oa.id}`, `halo ${oa.halo} does not map to a whole input halo (${hi})`);
          h = Math.max(h, hi);
        }
      }
    }
    return h;
  });
}

/** For each output axis: which input axis it follows (and the scale), or -1 when it is not tiled. */
export function outputAxisMap(o: TensorSpec, input: TensorSpec, spec: ModelSpec): { inputAxis: number; factor: number }[] {
  void spec;
  return o.axes.map((a) => {
    if (a.size.kind === 'ref' && a.size.tensor === input.id && (a.type === 'space' || a.type === 'time')) {
      if (a.size.offset !== 0) throw new ModelError(`output ${o.id}, axis ${a.id}`, `tiling outputs with a size offset (${a.size.offset}) is not supported; give an input of a valid shape`);
      return { inputAxis: input.axes.findIndex((x) => x.id === (a.size as { axis: string }).axis), factor: a.size.factor };
    }
    return { inputAxis: -1, factor: 1 };
  });
}

/** Whether a shape satisfies the sizes the RDF fixes on its own (references are not checked). */
function fitsSizes(shape: number[], t: TensorSpec): boolean {
  return t.axes.every((a, k) => {
    const s = a.size;
    if (s.kind === 'fixed') return shape[k] === s.value;
    if (s.kind === 'param') return shape[k] >= s.min && (shape[k] - s.min) % s.step === 0;
    return true;
  });
}

/** C-order transpose: out axis k is input axis perm[k]. */
export function transpose(a: NdArray, perm: number[]): NdArray {
  const shape = perm.map((p) => a.shape[p]);
  const inStrides = stridesOf(a.shape);
  const strides = perm.map((p) => inStrides[p]);
  // a transpose is a strided view of the input, copied out in C order
  return { data: toCOrder(a.data, shape, strides), shape, dtype: a.dtype };
}

function permutations(n: number): number[][] {
  if (n <= 1) return [[...Array(n).keys()]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

/**
 * Test tensors as core loads them (tensor.py `_get_array_view`): singleton axes dropped or added,
 * and when the sizes still do not fit the RDF, the array's axes permuted (as stored, then every
 * other order) until they do. Falls back to the plain fit, so a real mismatch is reported as such.
 */
export function conformTestTensor(a: NdArray, t: TensorSpec, where: string): NdArray {
  let first: NdArray | undefined;
  let firstErr: unknown;
  try {
    first = conformRank(a, t, where);
    if (fitsSizes(first.shape, t)) return first;
  } catch (e) {
    firstErr = e;
  }
  if (a.shape.length <= 6) {
    for (const perm of permutations(a.shape.length).slice(1)) {
      try {
        const c = conformRank(transpose(a, perm), t, where);
        if (fitsSizes(c.shape, t)) return c;
      } catch {
        // try the next order
      }
    }
  }
  if (first) return first;
  throw firstErr;
}
