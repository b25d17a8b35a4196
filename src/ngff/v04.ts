/**
 * Brings the attributes of an existing OME-Zarr image (NGFF 0.1–0.5) to what our references
 * always carry: NGFF 0.4 `multiscales` with lowercase axes and one scale per level, plus an
 * `omero` block so viewers get channel colours and windows without scanning pixels.
 * Pure functions over plain JSON.
 */
import { omeroAttrs } from './write.js';

export interface LevelInfo {
  path: string;
  shape: number[];
  dtype: string;
}

type Json = Record<string, unknown>;
interface Axis {
  name: string;
  type?: string;
  unit?: string;
}

/** Default NGFF axes for n dimensions: the last n of t, c, z, y, x. */
function defaultAxes(n: number): Axis[] {
  const all: Axis[] = [{ name: 't', type: 'time' }, { name: 'c', type: 'channel' }, { name: 'z', type: 'space' }, { name: 'y', type: 'space' }, { name: 'x', type: 'space' }];
  if (n > 5 || n < 2) throw new Error(`cannot name ${n} axes (NGFF images have 2 to 5)`);
  return all.slice(5 - n);
}

/**
 * Root `.zattrs` for the references: `attrs` are the image group's attributes (v0.4 style, or
 * v0.5's `ome` object unwrapped), `levels` its arrays from highest to lowest resolution.
 */
export function normalizeImageAttrs(attrs: Json, levels: LevelInfo[], name = 'image'): Json {
  if (levels.length === 0) throw new Error('the image has no arrays');
  const src = (attrs.ome && typeof attrs.ome === 'object' ? (attrs.ome as Json) : attrs) as Json;
  const ms0 = (Array.isArray(src.multiscales) ? (src.multiscales[0] as Json) : undefined) ?? {};
  const ndim = levels[0].shape.length;
  let axes: Axis[] = Array.isArray(ms0.axes)
    ? (ms0.axes as (Axis | string)[]).map((a) => (typeof a === 'string' ? { name: a } : { ...a }))
    : defaultAxes(ndim);
  if (axes.length !== ndim) throw new Error(`multiscales axes (${axes.length}) do not match the array dimensions (${ndim})`);
  axes = axes.map((a) => {
    const out: Axis = { name: a.name.toLowerCase() };
    out.type = a.type ?? ({ t: 'time', c: 'channel', z: 'space', y: 'space', x: 'space' } as Record<string, string>)[out.name];
    if (a.unit) out.unit = a.unit;
    if (!out.type) delete out.type;
    return out;
  });
  const given = Array.isArray(ms0.datasets) ? (ms0.datasets as Json[]) : [];
  const datasets = levels.map((lv, i) => {
    const d = given.find((g) => g.path === lv.path) ?? given[i];
    const transforms = Array.isArray(d?.coordinateTransformations) ? (d.coordinateTransformations as Json[]) : [];
    const scale = transforms.find((t) => t.type === 'scale');
    const translation = transforms.find((t) => t.type === 'translation');
    const ct: Json[] = [
      scale ?? { type: 'scale', scale: lv.shape.map((s, k) => (axes[k].type === 'space' ? levels[0].shape[k] / s : 1)) },
    ];
    if (translation) ct.push(translation);
    return { path: lv.path, coordinateTransformations: ct };
  });
  const multiscale: Json = { version: '0.4', name: (ms0.name as string) ?? name, axes, datasets };
  if (Array.isArray(ms0.coordinateTransformations)) multiscale.coordinateTransformations = ms0.coordinateTransformations;
  if (ms0.type) multiscale.type = ms0.type;
  if (ms0.metadata) multiscale.metadata = ms0.metadata;

  const out: Json = {};
  for (const [k, v] of Object.entries(src)) if (k !== 'multiscales' && k !== 'omero' && k !== 'version') out[k] = v;
  out.multiscales = [multiscale];
  out.omero = normalizeOmero(src.omero as Json | undefined, axes, levels[0]);
  return out;
}

function normalizeOmero(omero: Json | undefined, axes: Axis[], level0: LevelInfo): Json {
  const ci = axes.findIndex((a) => a.type === 'channel');
  const zi = axes.findIndex((a) => a.name === 'z');
  const nc = ci >= 0 ? level0.shape[ci] : 1;
  const defaults = omeroAttrs({ channels: Array.from({ length: nc }, () => ({})), dtype: level0.dtype, sizeZ: zi >= 0 ? level0.shape[zi] : 1 });
  if (!omero) return defaults;
  const given = Array.isArray(omero.channels) ? (omero.channels as Json[]) : [];
  // Keep what the file says; fill only what NGFF requires and is missing (colour, window).
  const channels = defaults.channels.map((d, i) => {
    const g = given[i] ?? {};
    const w = (g.window ?? {}) as Json;
    return {
      ...d,
      ...g,
      color: typeof g.color === 'string' && /^[0-9a-fA-F]{6}$/.test(g.color) ? g.color : d.color,
      window: { min: w.min ?? d.window.min, max: w.max ?? d.window.max, start: w.start ?? d.window.start, end: w.end ?? d.window.end },
    };
  });
  return { ...omero, channels, rdefs: (omero.rdefs as Json) ?? defaults.rdefs };
}
