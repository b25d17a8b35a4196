/** A 2-D view of a model result for display: the last two axes, first plane, min–max to 0–255 grey. */
import type { NdArray } from '../ndarray/ndarray.js';

export function toGreyRgba(a: NdArray): { width: number; height: number; rgba: Uint8ClampedArray; min: number; max: number } {
  if (a.shape.length < 2) throw new Error(`cannot display an array of shape [${a.shape}] as an image`);
  const height = a.shape[a.shape.length - 2];
  const width = a.shape[a.shape.length - 1];
  const n = width * height;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = Number(a.data[i]);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = max > min ? 255 / (max - min) : 0;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const g = (Number(a.data[i]) - min) * scale;
    rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = g;
    rgba[4 * i + 3] = 255;
  }
  return { width, height, rgba, min, max };
}
