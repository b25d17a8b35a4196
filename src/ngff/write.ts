/**
 * NGFF 0.4 metadata builders for the root group `.zattrs` of a reference set.
 *
 * Exports: `ngffUnit(unit)`, `multiscalesAttrs(opts)`, `omeroAttrs(opts)`, `dtypeWindow(dtype)`,
 * types `NgffAxisOut`, `ChannelInfo`.
 *
 * Layout rules the reference maker follows:
 * - Axes are lowercase and in NGFF order t, c, z, y, x. Length-1 `t` and `z` are dropped (NGFF
 *   only requires 2–3 space axes); `c` is kept so the `omero` channel list always has an axis.
 * - Interleaved (chunky) RGB(A): a TIFF tile stores samples innermost, so the array is
 *   (…, y, x, c) with `c` = 3 or 4 LAST and every chunk covering all samples (chunk shape
 *   […, tileH, tileW, 3]). NGFF 0.4 asks for channel before space, but moving `c` would require
 *   re-encoding the tiles; the trailing sample axis is what tifffile emits (`YXS`) and what
 *   Vizarr detects as interleaved RGB. Planar RGB (PlanarConfiguration=2) stores each sample as
 *   its own tiles, so there `c` sits in its normal place (c, y, x) with chunk [1, tileH, tileW].
 * - One `scale` transform per level: physical pixel size (when known) × the level's downsampling
 *   factor (level-0 size / level size, per axis).
 * - `omero` windows come from the dtype range (never from scanning pixels), colours from OME
 *   channel colours when present.
 */

type AxisName = 't' | 'c' | 'z' | 'y' | 'x';
/** An axis as we write it (stricter than what `read.ts` accepts). */
export interface NgffAxisOut {
  name: AxisName;
  type: 'time' | 'channel' | 'space';
  unit?: string;
}

const UNITS: Record<string, string> = {
  'µm': 'micrometer', 'μm': 'micrometer', um: 'micrometer', micron: 'micrometer', microns: 'micrometer', micrometer: 'micrometer',
  nm: 'nanometer', nanometer: 'nanometer', mm: 'millimeter', millimeter: 'millimeter', cm: 'centimeter',
  m: 'meter', meter: 'meter', 'Å': 'angstrom', angstrom: 'angstrom', pm: 'picometer', km: 'kilometer',
  in: 'inch', inch: 'inch', ft: 'foot',
  s: 'second', sec: 'second', second: 'second', ms: 'millisecond', millisecond: 'millisecond',
  'µs': 'microsecond', 'μs': 'microsecond', us: 'microsecond', ns: 'nanosecond', min: 'minute', minute: 'minute',
  h: 'hour', hour: 'hour', d: 'day', day: 'day',
};

/** OME/UCUM-ish unit symbol → NGFF (UDUNITS-2 name); undefined when unknown (NGFF: SHOULD). */
export function ngffUnit(unit: string | undefined): string | undefined {
  if (!unit) return undefined;
  return UNITS[unit] ?? UNITS[unit.toLowerCase()];
}

export interface MultiscalesOptions {
  name?: string;
  axes: NgffAxisOut[];
  /** Per level, the `scale` vector (same length as axes). Paths are "0", "1", …. */
  scales: number[][];
}

export function multiscalesAttrs(o: MultiscalesOptions) {
  return [
    {
      version: '0.4',
      name: o.name ?? 'image',
      axes: o.axes.map((a) => (a.unit ? { name: a.name, type: a.type, unit: a.unit } : { name: a.name, type: a.type })),
      datasets: o.scales.map((scale, i) => ({
        path: String(i),
        coordinateTransformations: [{ type: 'scale', scale }],
      })),
    },
  ];
}

/** Display range of a numpy dtype string (`<u2` → [0, 65535]); floats → [0, 1]. */
function dtypeWindow(dtype: string): [number, number] {
  const kind = dtype[1];
  const bits = Number(dtype.slice(2)) * 8;
  if (kind === 'u') return [0, 2 ** bits - 1];
  if (kind === 'i') return [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1];
  return [0, 1];
}

export interface ChannelInfo {
  label?: string;
  /** RGBA bytes; the alpha byte is ignored (omero colours are 6-hex RGB). */
  color?: [number, number, number, number];
}

const DEFAULT_COLORS = ['FF0000', '00FF00', '0000FF', 'FF00FF', '00FFFF', 'FFFF00'];
const hex = (c: [number, number, number, number]) => c.slice(0, 3).map((v) => v.toString(16).padStart(2, '0')).join('').toUpperCase();

export interface OmeroOptions {
  name?: string;
  channels: ChannelInfo[];
  dtype: string;
  /** RGB(A) samples shown as red, green, blue(, white). */
  rgb?: boolean;
  sizeZ?: number;
}

export function omeroAttrs(o: OmeroOptions) {
  const [min, max] = dtypeWindow(o.dtype);
  const n = o.channels.length;
  return {
    name: o.name ?? 'image',
    version: '0.4',
    channels: o.channels.map((ch, i) => ({
      active: i < 6,
      coefficient: 1,
      color: ch.color ? hex(ch.color) : n === 1 ? 'FFFFFF' : o.rgb ? ['FF0000', '00FF00', '0000FF', 'FFFFFF'][i] : DEFAULT_COLORS[i % 6],
      family: 'linear',
      inverted: false,
      label: ch.label ?? (o.rgb ? ['red', 'green', 'blue', 'alpha'][i] : `c${i}`),
      window: { min, max, start: min, end: max },
    })),
    rdefs: { defaultT: 0, defaultZ: Math.floor(((o.sizeZ ?? 1) - 1) / 2), model: 'color' },
  };
}
