/**
 * Channel display settings (names, colours, contrast limits, visibility): explicit `add_image`
 * options win, then the `omero` block, then defaults. Pure functions.
 */
import type { Omero } from './ngff-read.js';

export type Rgb = [number, number, number];

export interface ChannelSettings {
  name: string;
  color: Rgb;
  /** In raw data units. */
  contrast: [number, number];
  visible: boolean;
}

/** Vizarr's defaults: the first channels get distinct primaries, a single channel is white. */
export const PALETTE: Rgb[] = [
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
export const MAX_VISIBLE = 6;

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

export interface ChannelOptions {
  colors?: unknown[];
  contrast_limits?: [number, number][];
  names?: string[];
  visibilities?: boolean[];
}

/**
 * @param count number of channels (size of the channel axis, or 1)
 * @param dataRange per channel, the contrast computed from the data (only needed when neither the
 *   options nor omero give one; callers compute it lazily)
 */
export function channelSettings(
  count: number,
  opts: ChannelOptions,
  omero: Omero | undefined,
  dataRange: ((c: number) => [number, number]) | undefined,
  where: string,
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
    let contrast: [number, number] | undefined = opts.contrast_limits?.[c];
    if (!contrast && om?.window && typeof om.window.start === 'number' && typeof om.window.end === 'number') {
      contrast = [om.window.start, om.window.end];
    }
    if (!contrast) {
      if (!dataRange) throw new Error(`${where}: no contrast limits for channel ${c}`);
      contrast = dataRange(c);
    }
    const visible = opts.visibilities?.[c] ?? om?.active ?? c < MAX_VISIBLE;
    out.push({ name, color, contrast, visible });
  }
  return out;
}

/** Whether contrast must be computed from data (no explicit limits, no complete omero windows). */
export function needsDataRange(count: number, opts: ChannelOptions, omero: Omero | undefined): boolean {
  if (opts.contrast_limits) return false;
  for (let c = 0; c < count; c++) {
    const w = omero?.channels[c]?.window;
    if (!w || typeof w.start !== 'number' || typeof w.end !== 'number') return true;
  }
  return false;
}

/**
 * Contrast limits from pixel values: the 0.5th and 99.5th percentiles (nearest rank, i.e. the
 * smallest value whose empirical CDF reaches q — numpy's method="inverted_cdf"), so a few hot or
 * dead pixels do not flatten the display.
 */
export function percentileLimits(values: ArrayLike<number>, lo = 0.005, hi = 0.995): [number, number] {
  const n = values.length;
  if (n === 0) return [0, 1];
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  let a = at(lo);
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
