/**
 * What shapes a tensor description allows, as checks on a concrete shape (used for test tensors):
 * 0.4 fixed / {min, step} / {reference_tensor, scale, offset}; 0.5 per-axis sizes.
 */
import { isObj } from './check.js';

export interface ShapeRule {
  /** Where to report a mismatch (the test tensor field). */
  testPath: string;
  /** undefined when `shape` is allowed; `inputs` are the actual input shapes (for references). */
  check(shape: number[], inputs: (number[] | undefined)[]): string | undefined;
}

export function expectedShapes(data: unknown): { inputs: ShapeRule[]; outputs: ShapeRule[] } {
  if (!isObj(data) || !Array.isArray(data.inputs) || !Array.isArray(data.outputs)) return { inputs: [], outputs: [] };
  const v05 = typeof data.format_version === 'string' && data.format_version.startsWith('0.5.');
  return v05 ? rules05(data.inputs, data.outputs) : rules04(data.inputs, data.outputs);
}

const rank = (shape: number[], n: number, axes: string) => (shape.length !== n ? `has rank ${shape.length} but the tensor has ${n} axes (${axes}); readers may add or drop singleton axes` : undefined);

function rules04(inputs: unknown[], outputs: unknown[]) {
  const names = inputs.map((t) => (isObj(t) ? t.name : undefined));
  const ins: ShapeRule[] = inputs.map((t, i) => ({
    testPath: `test_inputs.${i}`,
    check(shape) {
      if (!isObj(t) || typeof t.axes !== 'string') return undefined;
      const axes = t.axes;
      const r = rank(shape, axes.length, axes);
      if (r) return r;
      if (Array.isArray(t.shape)) {
        return t.shape.every((s, k) => s === shape[k]) ? undefined : `does not match the fixed shape (${t.shape.join(', ')}) of input "${t.name}"`;
      }
      if (isObj(t.shape) && Array.isArray(t.shape.min) && Array.isArray(t.shape.step)) {
        const { min, step } = t.shape as { min: number[]; step: number[] };
        for (let k = 0; k < shape.length; k++) {
          const s = shape[k]!;
          const ok = step[k] === 0 ? s === min[k] : s >= min[k]! && (s - min[k]!) % step[k]! === 0;
          if (!ok) return `does not fit input "${t.name}": axis "${axes[k]}" size ${s} is not ${min[k]} + k·${step[k]}`;
        }
      }
      return undefined;
    },
  }));
  const outs: ShapeRule[] = outputs.map((t, i) => ({
    testPath: `test_outputs.${i}`,
    check(shape, actualIns) {
      if (!isObj(t) || typeof t.axes !== 'string') return undefined;
      const axes = t.axes;
      const r = rank(shape, axes.length, axes);
      if (r) return r;
      let expected: number[] | undefined;
      if (Array.isArray(t.shape)) expected = t.shape as number[];
      else if (isObj(t.shape) && Array.isArray(t.shape.scale) && Array.isArray(t.shape.offset)) {
        const ref = actualIns[names.indexOf(t.shape.reference_tensor)];
        if (!ref) return undefined;
        const scale = t.shape.scale as (number | null)[];
        const offset = t.shape.offset as number[];
        expected = [];
        let k = 0;
        for (let a = 0; a < scale.length; a++) {
          const s = scale[a];
          expected.push(s === null ? 2 * offset[a]! : ref[k++]! * s + 2 * offset[a]!);
        }
      }
      if (!expected) return undefined;
      return expected.every((e, k) => e === shape[k]) ? undefined : `does not match the shape (${expected.join(', ')}) that output "${t.name}" should have for the test input`;
    },
  }));
  return { inputs: ins, outputs: outs };
}

interface Ax {
  id: string;
  type: string;
  size: unknown;
  scale: number;
}

const DEFAULT_ID: Record<string, string> = { batch: 'batch', channel: 'channel', index: 'index', time: 'time', space: 'x' };

function axesOf(t: unknown): Ax[] {
  if (!isObj(t) || !Array.isArray(t.axes)) return [];
  return t.axes.filter(isObj).map((a) => ({
    id: typeof a.id === 'string' ? a.id : DEFAULT_ID[String(a.type)] ?? String(a.type),
    type: String(a.type),
    size: a.type === 'channel' ? (Array.isArray(a.channel_names) ? a.channel_names.length : undefined) : a.size,
    scale: typeof a.scale === 'number' ? a.scale : 1,
  }));
}

function rules05(inputs: unknown[], outputs: unknown[]) {
  const tensors = [...inputs.map((t) => ({ t, io: 'in' })), ...outputs.map((t) => ({ t, io: 'out' }))];
  const ids = tensors.map(({ t, io }) => (isObj(t) && typeof t.id === 'string' ? t.id : io === 'in' ? 'input' : 'output'));
  const rule = (t: unknown, key: string, i: number): ShapeRule => ({
    testPath: `${key}.${i}.test_tensor`,
    check(shape, actualIns) {
      const axes = axesOf(t);
      const r = rank(shape, axes.length, axes.map((a) => a.id).join(','));
      if (r) return r;
      for (let k = 0; k < axes.length; k++) {
        const a = axes[k]!;
        const s = shape[k]!;
        const sz = a.size;
        const bad = (why: string) => `does not fit axis "${a.id}": size ${s} ${why}`;
        if (a.type === 'batch') {
          if (sz === 1 && s !== 1) return bad('but the batch size is fixed to 1');
          continue;
        }
        if (typeof sz === 'number') {
          if (s !== sz) return bad(`but the axis size is ${sz}`);
        } else if (isObj(sz) && typeof sz.min === 'number' && typeof sz.step === 'number') {
          if (s < sz.min || (s - sz.min) % sz.step !== 0) return bad(`is not ${sz.min} + n·${sz.step}`);
        } else if (isObj(sz) && typeof sz.tensor_id === 'string') {
          const ti = ids.indexOf(sz.tensor_id);
          const refT = ti >= 0 && ti < inputs.length ? inputs[ti] : undefined;
          const refShape = ti >= 0 && ti < inputs.length ? actualIns[ti] : undefined;
          const refAxes = axesOf(refT);
          const ra = refAxes.findIndex((x) => x.id === sz.axis_id);
          if (!refShape || ra < 0 || refShape.length !== refAxes.length) continue;
          const expected = Math.trunc((refShape[ra]! * refAxes[ra]!.scale) / a.scale + (typeof sz.offset === 'number' ? sz.offset : 0));
          if (s !== expected) return bad(`but "${sz.tensor_id}.${sz.axis_id}" (${refShape[ra]}) gives ${expected}`);
        } else if (isObj(sz)) {
          const min = typeof sz.min === 'number' ? sz.min : 1;
          if (s < min || (typeof sz.max === 'number' && s > sz.max)) return bad(`is outside [${min}, ${sz.max ?? '∞'}]`);
        }
      }
      return undefined;
    },
  });
  return { inputs: inputs.map((t, i) => rule(t, 'inputs', i)), outputs: outputs.map((t, i) => rule(t, 'outputs', i)) };
}
