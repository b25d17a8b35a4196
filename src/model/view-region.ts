/**
 * Which part of an OME-Zarr image a viewer shows: from a deck.gl orthographic view state
 * (target in level-0 pixels, zoom = log2 screen px per level-0 px) and the canvas size, pick the
 * pyramid level the viewer would draw and the visible y/x range there, as a Zarr selection.
 */
import type { Multiscale } from '../ngff/read.js';
import type { Selection } from './region.js';

export interface ViewState {
  target: number[];
  zoom: number;
}

export interface ViewRegion {
  level: number;
  path: string;
  selection: Selection;
  /** Visible range at that level. */
  y: [number, number];
  x: [number, number];
}

export function regionForView(
  ms: Multiscale,
  shapes: number[][],
  view: ViewState,
  canvas: { width: number; height: number },
  pick: Record<string, number> = {},
): ViewRegion {
  const names = ms.axes.map((a) => a.name.toLowerCase());
  const yi = names.indexOf('y');
  const xi = names.indexOf('x');
  if (yi < 0 || xi < 0) throw new Error(`the image has no y and x axes (axes: ${names.join(', ')})`);
  const level = Math.max(0, Math.min(ms.paths.length - 1, Math.floor(-view.zoom)));
  const sy = ms.scales[level][yi] / ms.scales[0][yi];
  const sx = ms.scales[level][xi] / ms.scales[0][xi];
  const half = (px: number) => px / 2 / 2 ** view.zoom;
  const shape = shapes[level];
  const clamp = (v: number, n: number) => Math.max(0, Math.min(n, v));
  const y0 = clamp(Math.floor((view.target[1] - half(canvas.height)) / sy), shape[yi]);
  const y1 = clamp(Math.ceil((view.target[1] + half(canvas.height)) / sy), shape[yi]);
  const x0 = clamp(Math.floor((view.target[0] - half(canvas.width)) / sx), shape[xi]);
  const x1 = clamp(Math.ceil((view.target[0] + half(canvas.width)) / sx), shape[xi]);
  if (y1 <= y0 || x1 <= x0) throw new Error('the view shows no part of the image');
  const selection: Selection = names.map((n, k) => {
    if (k === yi) return [y0, y1];
    if (k === xi) return [x0, x1];
    const i = pick[n] ?? (n === 'z' ? Math.floor(shape[k] / 2) : 0);
    if (i < 0 || i >= shape[k]) throw new Error(`index ${i} is outside axis ${n} (size ${shape[k]})`);
    return i;
  });
  return { level, path: ms.paths[level], selection, y: [y0, y1], x: [x0, x1] };
}
