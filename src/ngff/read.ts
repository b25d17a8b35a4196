/**
 * Reads OME-NGFF image metadata (v0.1–0.4 in zarr v2 attributes, v0.5 under `ome` in zarr v3)
 * into what a viewer needs: axes, level paths, per-level scale and the omero rendering settings.
 * Pure: attributes in, model out, with errors that say what is missing.
 */
export interface NgffAxis {
  name: string;
  type?: string;
  unit?: string;
}

export interface OmeroChannel {
  label?: string;
  color?: string;
  active?: boolean;
  window?: { min?: number; max?: number; start?: number; end?: number };
}

export interface Omero {
  channels: OmeroChannel[];
  rdefs?: { defaultT?: number; defaultZ?: number; model?: string };
}

export interface Multiscale {
  version: string;
  name?: string;
  axes: NgffAxis[];
  /** Level paths, highest resolution first. */
  paths: string[];
  /** Per level: the scale of each axis (dataset transform × multiscale transform). */
  scales: number[][];
  omero?: Omero;
}

type Json = Record<string, unknown>;

const isObj = (x: unknown): x is Json => !!x && typeof x === 'object' && !Array.isArray(x);

function scaleOf(transforms: unknown, n: number): number[] {
  if (!Array.isArray(transforms)) return new Array(n).fill(1);
  const t = transforms.find((t) => isObj(t) && t.type === 'scale') as Json | undefined;
  const s = t?.scale;
  return Array.isArray(s) && s.length === n && s.every((v) => typeof v === 'number') ? (s as number[]) : new Array(n).fill(1);
}

/** Axes for NGFF < 0.4 (no `axes`): the 5D order t,c,z,y,x, trimmed from the left to `ndim`. */
export function defaultAxes(ndim: number): NgffAxis[] {
  const names = ['t', 'c', 'z', 'y', 'x'];
  if (ndim > 5) return [...Array.from({ length: ndim - 2 }, (_, i) => ({ name: `dim_${i}` })), { name: 'y' }, { name: 'x' }];
  return names.slice(5 - ndim).map((name) => ({ name, type: name === 'c' ? 'channel' : name === 't' ? 'time' : 'space' }));
}

/**
 * @param attrs the root group's attributes (v2 `.zattrs` or v3 `zarr.json` attributes)
 * @param where names the source in error messages
 * @param ndim dimensionality of level 0, needed only when the metadata predates `axes`
 */
export function readMultiscale(attrs: unknown, where: string, ndim?: number): Multiscale {
  if (!isObj(attrs)) throw new Error(`${where}: the group has no attributes, so it is not an OME-Zarr image`);
  const ome = isObj(attrs.ome) ? attrs.ome : attrs;
  const list = ome.multiscales;
  if (!Array.isArray(list) || list.length === 0 || !isObj(list[0])) {
    throw new Error(`${where}: no "multiscales" in the group attributes, so it is not an OME-Zarr image`);
  }
  const ms = list[0];
  const version = String(ome.version ?? ms.version ?? '0.4');
  const datasets = ms.datasets;
  if (!Array.isArray(datasets) || datasets.length === 0) throw new Error(`${where}: multiscales[0] has no "datasets"`);
  const paths = datasets.map((d, i) => {
    if (!isObj(d) || typeof d.path !== 'string') throw new Error(`${where}: multiscales[0].datasets[${i}] has no "path"`);
    return d.path;
  });
  let axes: NgffAxis[];
  if (Array.isArray(ms.axes)) {
    axes = ms.axes.map((a, i) => {
      if (typeof a === 'string') return { name: a };
      if (isObj(a) && typeof a.name === 'string') return { name: a.name, type: a.type as string | undefined, unit: a.unit as string | undefined };
      throw new Error(`${where}: multiscales[0].axes[${i}] has no name`);
    });
  } else {
    if (ndim === undefined) throw new Error(`${where}: multiscales[0] has no "axes" and the array rank is unknown`);
    axes = defaultAxes(ndim);
  }
  const n = axes.length;
  const top = scaleOf(ms.coordinateTransformations, n);
  const scales = datasets.map((d) => scaleOf((d as Json).coordinateTransformations, n).map((s, i) => s * top[i]));
  let omero: Omero | undefined;
  if (isObj(ome.omero) && Array.isArray(ome.omero.channels)) {
    omero = { channels: ome.omero.channels.filter(isObj) as OmeroChannel[], rdefs: isObj(ome.omero.rdefs) ? (ome.omero.rdefs as Omero['rdefs']) : undefined };
  }
  return { version, name: typeof ms.name === 'string' ? ms.name : undefined, axes, paths, scales, omero };
}
