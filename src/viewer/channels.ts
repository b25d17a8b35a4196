/**
 * Channel display settings (names, colours, contrast limits, visibility): explicit `add_image`
 * options win, then the `omero` block, then defaults. Pure functions.
 */
import type { Omero, OmeroChannel } from '../ngff/read.js';

export type Rgb = [number, number, number];

export interface ChannelSettings {
  name: string;
  color: Rgb;
  /** In raw data units. */
  contrast: [number, number];
  visible: boolean;
}

/** Vizarr's defaults: the first channels get distinct primaries, a single channel is white. */
const PALETTE: Rgb[] = [
  [0, 0, 255],
  [0, 255, 0],
  [255, 0, 255],
  [255, 255, 0],
  [255, 128, 0],
  [0, 255, 255],
  [255, 255, 255],
  [255, 0, 0],
];

/** Viv's MultiscaleImageLayer draws at most this many channels at once. */
const MAX_VISIBLE = 6;

export function parseColor(c: unknown, where: string): Rgb {
  if (Array.isArray(c) && c.length >= 3 && c.slice(0, 3).every((v) => typeof v === 'number')) {
    return c.slice(0, 3).map((v) => Math.max(0, Math.min(255, Math.round(v)))) as Rgb;
  }
  if (typeof c === 'string') {
    const m = /^#?([0-9a-f]{6})$/i.exec(c.trim());
    if (m) {
      const n = parseInt(m[1], 16);
      return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
    }
  }
  throw new Error(`${where}: colour ${JSON.stringify(c)} is not "RRGGBB", "#RRGGBB" or [r, g, b]`);
}

export function toHex([r, g, b]: Rgb): string {
  return '#' + [r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('');
}

/** Integer ranges by viv dtype; Float32 has none worth spanning. */
export const DTYPE_RANGE: Partial<Record<string, [number, number]>> = {
  Uint8: [0, 255],
  Uint16: [0, 65535],
  Uint32: [0, 4294967295],
  Int8: [-128, 127],
  Int16: [-32768, 32767],
  Int32: [-2147483648, 2147483647],
};

/**
 * The omero window to display, if it is a real choice: writers that never looked at the pixels
 * (our TIFF/ZIP reference makers among them) put the whole dtype range there, which shows a
 * 12-bit camera image in uint16 nearly black — such a window counts as absent.
 */
export function omeroWindow(om: OmeroChannel | undefined, dtype: string | undefined): [number, number] | undefined {
  const w = om?.window;
  if (!w || typeof w.start !== 'number' || typeof w.end !== 'number') return undefined;
  const full = dtype === undefined ? undefined : DTYPE_RANGE[dtype];
  if (full && w.start <= full[0] && w.end >= full[1]) return undefined;
  return [w.start, w.end];
}

export interface ChannelOptions {
  colors?: unknown[];
  contrast_limits?: [number, number][];
  names?: string[];
  visibilities?: boolean[];
}

/**
 * @param count number of channels (size of the channel axis, or 1)
 * @param dataRange per channel, the contrast computed from the data (only asked when neither the
 *   options nor omero give one; undefined when it could not be read)
 * @param dtype viv dtype, to tell a chosen omero window from a full-range placeholder
 */
export function channelSettings(
  count: number,
  opts: ChannelOptions,
  omero: Omero | undefined,
  dataRange: ((c: number) => [number, number] | undefined) | undefined,
  where: string,
  dtype?: string,
): ChannelSettings[] {
  for (const [k, v] of Object.entries({ colors: opts.colors, contrast_limits: opts.contrast_limits, names: opts.names, visibilities: opts.visibilities })) {
    if (v !== undefined && (!Array.isArray(v) || v.length !== count)) {
      throw new Error(`${where}: "${k}" must be a list of ${count} entries (one per channel), got ${JSON.stringify(v)}`);
    }
  }
  const out: ChannelSettings[] = [];
  for (let c = 0; c < count; c++) {
    const om = omero?.channels[c];
    const name = opts.names?.[c] ?? om?.label ?? `channel ${c}`;
    const color = opts.colors
      ? parseColor(opts.colors[c], where)
      : om?.color
        ? parseColor(om.color, where)
        : count === 1
          ? ([255, 255, 255] as Rgb)
          : PALETTE[c % PALETTE.length];
    // without data (its read failed, and the tiles will say why) the image still opens
    const contrast = opts.contrast_limits?.[c] ?? omeroWindow(om, dtype) ?? dataRange?.(c) ?? (dtype === undefined ? undefined : DTYPE_RANGE[dtype]) ?? [0, 1];
    const visible = opts.visibilities?.[c] ?? om?.active ?? c < MAX_VISIBLE;
    out.push({ name, color, contrast, visible });
  }
  return out;
}

/** The channels whose contrast must come from the data (no explicit limits, no chosen omero window). */
export function channelsNeedingData(count: number, opts: ChannelOptions, omero: Omero | undefined, dtype: string | undefined): number[] {
  if (opts.contrast_limits) return [];
  return Array.from({ length: count }, (_, c) => c).filter((c) => !omeroWindow(omero?.channels[c], dtype));
}

/**
 * Contrast limits from pixel values: the 0.1th and 99.9th percentiles (QuPath's default 0.1 %
 * saturation), so a few hot or dead pixels do not flatten the display. Nearest rank — the smallest
 * value whose empirical CDF reaches q, numpy's method="inverted_cdf" — keeps integer data integer.
 * `lo` and `hi` are in percent and turned into fractions as numpy does, so that ranks on exact
 * boundaries (99.9 % of 1000 values) round the same way.
 */
export function percentileLimits(values: ArrayLike<number>, lo = 0.1, hi = 99.9): [number, number] {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  // float data may hold NaN (sorted last), which must not become a limit
  let n = sorted.length;
  while (n > 0 && Number.isNaN(sorted[n - 1])) n--;
  if (n === 0) return [0, 1];
  const at = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(n * (p / 100) - 1)))];
  const a = at(lo);
  let b = at(hi);
  if (b <= a) b = a + 1;
  return [a, b];
}

/** A histogram of `bins` equal bins over [min, max] (the panel draws it under the contrast slider). */
export function histogram(values: ArrayLike<number>, min: number, max: number, bins = 64): number[] {
  const h = new Array(bins).fill(0);
  const w = (max - min) / bins || 1;
  for (let i = 0; i < values.length; i++) {
    const b = Math.floor((values[i] - min) / w);
    h[Math.max(0, Math.min(bins - 1, b))]++;
  }
  return h;
}
