/**
 * An image whose file names its axes (a TIFF read as NGFF t, c, z, y, x) fitted to a model
 * input's axes (bcyx, byxc, bczyx…): singleton axes the model lacks are dropped, axes the model
 * has and the image lacks are added as size 1 where the model allows it, and the rest are
 * transposed into the model's order. What cannot be mapped is refused naming the file. Without
 * axis names (npy, PNG) the array is passed on as it is and the runner fits it by sizes alone
 * (conformRank): names make a 2-channel image against a 1-channel model an error, not a guess.
 */
import type { NdArray } from '../ndarray/ndarray.js';
import { ModelError } from './errors.js';
import { canBeOne, sizeText, transpose } from './shapes.js';
import type { AxisType, TensorSpec } from './spec.js';

/** A decoded input image; `axes` when the file names them (NGFF names: t, c, z, y, x). */
export interface InputImage {
  array: NdArray;
  axes?: string[];
}

const NOUNS: Record<string, [string, string]> = { c: ['channel', 'channels'], z: ['z plane', 'z planes'], t: ['time point', 'time points'] };

function count(name: string, n: number): string {
  const noun = NOUNS[name];
  return noun ? `${n} ${noun[n === 1 ? 0 : 1]}` : `an ${name} axis of size ${n}`;
}

/** The model axis an image axis is: channel and time by type (their ids vary), space axes by id. */
function modelAxisOf(name: string, t: TensorSpec): number {
  const type: AxisType = name === 'c' ? 'channel' : name === 't' ? 'time' : 'space';
  return t.axes.findIndex((a) => a.type === type && (type !== 'space' || a.id === name));
}

function matchAxes(axes: string[], shape: number[], t: TensorSpec, where: string): number[] {
  const modelAxes = t.axes.map((a) => a.id).join(', ');
  return axes.map((name, k) => {
    const m = modelAxisOf(name, t);
    if (m < 0 && shape[k] > 1) {
      throw new ModelError(where, `the image has ${count(name, shape[k])} (image axes ${axes.join(', ')}) but the model input ${t.id} has no ${{ c: 'channel', t: 'time' }[name] ?? name} axis (model axes ${modelAxes})`);
    }
    const a = t.axes[m];
    // space and time axes may be tiled; the others must match the model exactly
    if (a && a.type !== 'space' && a.type !== 'time' && a.size.kind === 'fixed' && a.size.value !== shape[k]) {
      throw new ModelError(where, `the image has ${count(name, shape[k])} (image axes ${axes.join(', ')}) but the model input ${t.id} takes ${count(name, a.size.value)}`);
    }
    return m;
  });
}

/**
 * Model axis index per image axis (-1: a singleton the model lacks); throws, naming `where`, what
 * cannot be mapped. Needs only the header (axes and shape), so a file can be refused unread.
 */
export function mapAxes(axes: string[], shape: number[], t: TensorSpec, where: string): number[] {
  if (axes.length !== shape.length) throw new ModelError(where, `${axes.length} axis names for an array of shape [${shape}]`);
  const target = matchAxes(axes, shape, t, where);
  t.axes.forEach((a, j) => {
    if (!target.includes(j) && !canBeOne(a)) {
      throw new ModelError(where, `the model input ${t.id} needs a ${a.id} axis (size ${sizeText(a)}); the image has none (image axes ${axes.join(', ')})`);
    }
  });
  return target;
}

export function fitToInput(img: InputImage, t: TensorSpec, where: string): NdArray {
  const { array, axes } = img;
  if (!axes) return array;
  const target = mapAxes(axes, array.shape, t, where);
  const kept = target.flatMap((m, k) => (m >= 0 ? [k] : []));
  // dropping singleton axes of a C-order array leaves its data as it is
  const squeezed: NdArray = { ...array, shape: kept.map((k) => array.shape[k]) };
  const perm = kept.map((_, i) => i).sort((i, j) => target[kept[i]] - target[kept[j]]);
  const moved = perm.every((p, i) => p === i) ? squeezed : transpose(squeezed, perm);
  const order = perm.map((i) => target[kept[i]]);
  return { ...moved, shape: t.axes.map((_, j) => (order.includes(j) ? moved.shape[order.indexOf(j)] : 1)) };
}
