/**
 * ImageJ hyperstack metadata (the `ImageJ=…` ImageDescription Fiji writes): plane counts and
 * spacing, so a non-OME multi-page TIFF from Fiji gets t, c, z axes instead of a flat page stack.
 *
 * Exports: `parseImageJ(description)` → `ImageJMeta | undefined`, `imagejPlane(meta, t, c, z)`.
 * ImageJ stores planes channel-fastest, then slice, then frame (order CZT).
 */
export interface ImageJMeta {
  images: number;
  channels: number;
  slices: number;
  frames: number;
  /** z spacing in `unit`. */
  spacing?: number;
  unit?: string;
  /** Frame interval in `tunit` (ImageJ default: seconds). */
  finterval?: number;
  tunit?: string;
}

export function parseImageJ(description: string | undefined): ImageJMeta | undefined {
  if (!description?.startsWith('ImageJ=')) return undefined;
  const kv = new Map<string, string>();
  for (const line of description.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const int = (k: string) => {
    const v = Number(kv.get(k));
    return Number.isInteger(v) && v > 0 ? v : undefined;
  };
  const num = (k: string) => {
    const v = Number(kv.get(k));
    return kv.has(k) && Number.isFinite(v) && v > 0 ? v : undefined;
  };
  const images = int('images') ?? 1;
  return {
    images,
    channels: int('channels') ?? 1,
    slices: int('slices') ?? 1,
    frames: int('frames') ?? 1,
    spacing: num('spacing'),
    unit: kv.get('unit')?.replace(/\\u00B5/g, 'µ'),
    finterval: num('finterval'),
    tunit: kv.get('tunit') ?? (kv.has('finterval') ? 's' : undefined),
  };
}

/** Page index of plane (t, c, z). */
export function imagejPlane(m: ImageJMeta, t: number, c: number, z: number): number {
  return c + m.channels * (z + m.slices * t);
}
