/**
 * Opens an NGFF image from a zarrita store into what viv's MultiscaleImageLayer renders: one
 * pixel source per level (tiles read with zarrita, cancellable), channel settings, the default
 * z/t selection and the physical pixel size. No DOM, no deck.gl: testable in Node.
 */
import * as zarr from 'zarrita';
import type { AsyncReadable } from '@zarrita/storage';
import { readRegion } from '../reference/read-region.js';
import { readMultiscale, defaultAxes, type Multiscale, type NgffAxis } from '../ngff/read.js';
import { channelSettings, channelsNeedingData, percentileLimits, type ChannelOptions, type ChannelSettings } from './channels.js';

/** viv's string for an abort it should ignore (`SIGNAL_ABORTED` in @vivjs/loaders). */
export const SIGNAL_ABORTED = '__vivSignalAborted';

type VivDtype = 'Uint8' | 'Uint16' | 'Uint32' | 'Int8' | 'Int16' | 'Int32' | 'Float32';

const DTYPES: Record<string, VivDtype> = {
  uint8: 'Uint8',
  uint16: 'Uint16',
  uint32: 'Uint32',
  int8: 'Int8',
  int16: 'Int16',
  int32: 'Int32',
  float32: 'Float32',
  float64: 'Float32', // cast on read: WebGL2 has no 64-bit float textures
};

interface ImageOptions extends ChannelOptions {
  name?: string;
  channel_axis?: number;
  opacity?: number;
}

export interface Tile {
  data: ArrayLike<number> & { length: number };
  width: number;
  height: number;
}

export interface TileRequest {
  x: number;
  y: number;
  selection: Record<string, number>;
  signal?: AbortSignal;
}

/** The members of viv's PixelSource that MultiscaleImageLayer uses. */
export interface TileSource {
  shape: number[];
  labels: string[];
  tileSize: number;
  dtype: VivDtype;
  getTile(req: TileRequest): Promise<Tile>;
  getRaster(req: { selection: Record<string, number>; signal?: AbortSignal }): Promise<Tile>;
  onTileError(e: Error): void;
  /** viv reads `photometricInterpretation` from it for interleaved RGB (2 = RGB). */
  meta: { photometricInterpretation?: number };
}

export interface ViewerImage {
  name: string;
  multiscale: Multiscale;
  levels: TileSource[];
  /** Lower-case axis names (viv selections are keyed by them). */
  labels: string[];
  shape: number[];
  width: number;
  height: number;
  channelAxis: number | undefined;
  channels: ChannelSettings[];
  interleaved: boolean;
  dtype: VivDtype;
  /** Index along every axis that is not y, x, the channel axis or the RGB(A) axis: z, t, … */
  selection: Record<string, number>;
  /** Physical size of a level-0 pixel along x. */
  pixelSize: { size: number; unit?: string };
  opacity: number;
}

type ZArray = zarr.Array<zarr.DataType, AsyncReadable>;

function fail(where: string, msg: string): never {
  throw new Error(`${where}: ${msg}`);
}

/** The largest power of two ≤ n, at most 512 (viv needs power-of-two tiles; Vizarr's guessTileSize). */
function tileSizeFor(chunkY: number, chunkX: number): number {
  const m = Math.min(chunkY, chunkX, 512);
  return 2 ** Math.floor(Math.log2(Math.max(1, m)));
}

function isAbort(e: unknown, signal?: AbortSignal): boolean {
  return !!signal?.aborted || (e as Error)?.name === 'AbortError' || e === SIGNAL_ABORTED;
}

class ZarrTileSource implements TileSource {
  readonly shape: number[];
  readonly dtype: VivDtype;
  readonly meta: { photometricInterpretation?: number };
  private xi: number;
  private yi: number;
  constructor(
    private arr: ZArray,
    readonly labels: string[],
    readonly tileSize: number,
    private interleaved: boolean,
    private where: string,
    private onError: (e: Error) => void,
  ) {
    this.shape = arr.shape;
    this.dtype = DTYPES[arr.dtype];
    this.meta = interleaved ? { photometricInterpretation: 2 } : {};
    this.xi = interleaved ? labels.length - 2 : labels.length - 1;
    this.yi = this.xi - 1;
  }

  private selectionFor(sel: Record<string, number>, ys: zarr.Slice | null, xs: zarr.Slice | null) {
    return this.labels.map((l, i) => {
      if (i === this.yi) return ys;
      if (i === this.xi) return xs;
      if (this.interleaved && i === this.labels.length - 1) return null;
      const v = sel[l] ?? 0;
      if (!Number.isInteger(v) || v < 0 || v >= this.shape[i]) fail(this.where, `index ${l}=${v} is outside 0..${this.shape[i] - 1}`);
      return v;
    });
  }

  private async read(sel: (number | zarr.Slice | null)[], signal: AbortSignal | undefined, what: string): Promise<Tile> {
    if (signal?.aborted) throw SIGNAL_ABORTED;
    try {
      const r = await readRegion(this.arr, sel, { signal });
      const data = this.arr.dtype === 'float64' ? Float32Array.from(r.data as Float64Array) : (r.data as Tile['data']);
      return { data, width: r.shape[this.interleaved ? r.shape.length - 2 : r.shape.length - 1], height: r.shape[this.interleaved ? r.shape.length - 3 : r.shape.length - 2] };
    } catch (e) {
      if (isAbort(e, signal)) throw SIGNAL_ABORTED;
      throw new Error(`${this.where}: reading ${what} failed: ${(e as Error)?.message ?? e}`);
    }
  }

  getTile({ x, y, selection, signal }: TileRequest): Promise<Tile> {
    const ts = this.tileSize;
    const h = this.shape[this.yi];
    const w = this.shape[this.xi];
    const ys = zarr.slice(y * ts, Math.min((y + 1) * ts, h));
    const xs = zarr.slice(x * ts, Math.min((x + 1) * ts, w));
    return this.read(this.selectionFor(selection, ys, xs), signal, `tile x=${x} y=${y} ${JSON.stringify(selection)}`);
  }

  getRaster({ selection, signal }: { selection: Record<string, number>; signal?: AbortSignal }): Promise<Tile> {
    return this.read(this.selectionFor(selection, null, null), signal, `plane ${JSON.stringify(selection)}`);
  }

  onTileError(e: Error): void {
    this.onError(e);
  }
}

/** Opens the root: an NGFF multiscale group, or a bare array shown as a single level. */
async function openRoot(store: AsyncReadable, where: string): Promise<{ ms: Multiscale; arrays: ZArray[] }> {
  let node: zarr.Group<AsyncReadable> | ZArray;
  try {
    node = await zarr.open(store);
  } catch (e) {
    if ((e as Error)?.name === 'NotFoundError' || /not found|NotFound/i.test(String((e as Error)?.message))) {
      fail(where, 'no Zarr metadata (.zgroup/.zattrs or zarr.json) at the root: this is not a Zarr or OME-Zarr source');
    }
    throw e;
  }
  if (node instanceof zarr.Array) {
    const dims = (node.attrs?._ARRAY_DIMENSIONS as string[] | undefined) ?? (node as unknown as { dimensionNames?: string[] }).dimensionNames;
    const axes: NgffAxis[] = Array.isArray(dims) && dims.length === node.shape.length && dims.every((d) => typeof d === 'string') ? dims.map((name) => ({ name })) : defaultAxes(node.shape.length);
    return { ms: { version: 'array', axes, paths: [''], scales: [axes.map(() => 1)] }, arrays: [node as ZArray] };
  }
  const group = node;
  let ms: Multiscale;
  try {
    ms = readMultiscale(group.attrs, where);
  } catch (e) {
    // NGFF < 0.4 has no axes; the rank of level 0 decides the defaults.
    if (!/has no "axes"/.test((e as Error).message)) throw e;
    const first = await openLevel(group, (group.attrs as { multiscales: { datasets: { path: string }[] }[] }).multiscales[0].datasets[0].path, where);
    ms = readMultiscale(group.attrs, where, first.shape.length);
  }
  const arrays = await Promise.all(ms.paths.map((p) => openLevel(group, p, where)));
  return { ms, arrays };
}

async function openLevel(group: zarr.Group<AsyncReadable>, path: string, where: string): Promise<ZArray> {
  try {
    return (await zarr.open(group.resolve(path), { kind: 'array' })) as ZArray;
  } catch (e) {
    fail(where, `level "${path}" listed in multiscales cannot be opened: ${(e as Error)?.message ?? e}`);
  }
}

export interface OpenImageOptions extends ImageOptions {
  /** Reports tile errors (viv calls it; the viewer shows it). */
  onTileError?: (e: Error) => void;
}

export async function openImage(store: AsyncReadable, where: string, opts: OpenImageOptions = {}): Promise<ViewerImage> {
  const { ms, arrays } = await openRoot(store, where);
  const labels = ms.axes.map((a) => a.name.toLowerCase());
  const ndim = labels.length;
  arrays.forEach((a, i) => {
    if (a.shape.length !== ndim) fail(where, `level "${ms.paths[i]}" has ${a.shape.length} dimensions but the metadata lists ${ndim} axes (${labels.join(',')})`);
    if (!(a.dtype in DTYPES)) {
      fail(where, `level "${ms.paths[i]}" has data type ${a.dtype}, which cannot be displayed (supported: ${Object.keys(DTYPES).join(', ')})`);
    }
  });
  const shape = arrays[0].shape;
  const last = labels[ndim - 1];
  const interleaved = ndim >= 3 && last !== 'x' && (shape[ndim - 1] === 3 || shape[ndim - 1] === 4) && labels[ndim - 2] === 'x';
  const xi = interleaved ? ndim - 2 : ndim - 1;
  if (labels[xi] !== 'x' || labels[xi - 1] !== 'y') {
    fail(where, `axes are (${labels.join(',')}); the viewer needs y, x as the last two axes (or y, x, rgb)`);
  }
  if (interleaved && arrays[0].dtype !== 'uint8') fail(where, `interleaved RGB(A) images must be uint8, not ${arrays[0].dtype}`);
  let channelAxis: number | undefined = opts.channel_axis;
  if (channelAxis !== undefined) {
    if (!Number.isInteger(channelAxis) || channelAxis < 0 || channelAxis >= xi - 1) fail(where, `channel_axis ${channelAxis} is not one of the non-spatial axes 0..${xi - 2}`);
  } else if (!interleaved) {
    const byType = ms.axes.findIndex((a) => a.type === 'channel');
    const byName = labels.indexOf('c');
    const ci = byType >= 0 ? byType : byName;
    channelAxis = ci >= 0 && ci < xi - 1 ? ci : undefined;
  }
  const count = channelAxis === undefined ? 1 : shape[channelAxis];

  // Default position on the other axes: omero rdefs, else the middle z and the first t.
  const selection: Record<string, number> = {};
  labels.forEach((l, i) => {
    if (i >= xi - 1 || i === channelAxis) return;
    const rd = ms.omero?.rdefs;
    let v = l === 'z' ? (rd?.defaultZ ?? Math.floor(shape[i] / 2)) : l === 't' ? (rd?.defaultT ?? 0) : 0;
    if (!(v >= 0 && v < shape[i])) v = 0;
    selection[l] = v;
  });

  const onTileError = opts.onTileError ?? ((e: Error) => console.error(e));
  const levels = arrays.map((a, i) => {
    const chunks = a.chunks;
    return new ZarrTileSource(a, labels, tileSizeFor(chunks[xi - 1], chunks[xi]), interleaved, `${where} level "${ms.paths[i]}"`, onTileError);
  });
  // viv reads tileSize from level 0 for all levels; keep them consistent.
  const ts = Math.min(...levels.map((l) => l.tileSize));
  levels.forEach((l) => ((l as { tileSize: number }).tileSize = ts));

  const dtype = levels[0].dtype;
  const ranges = new Map<number, [number, number]>();
  if (!interleaved) {
    const cl = channelAxis === undefined ? undefined : labels[channelAxis];
    const need = channelsNeedingData(count, opts, ms.omero, dtype);
    await Promise.all(need.map((c) => dataLimits(levels, { ...selection, ...(cl ? { [cl]: c } : {}) }).then((r) => ranges.set(c, r), () => {})));
  }
  const channels = interleaved
    ? [{ name: 'RGB', color: [255, 255, 255] as [number, number, number], contrast: [0, 255] as [number, number], visible: true }]
    : channelSettings(count, opts, ms.omero, (c) => ranges.get(c), where, dtype);
  const sx = ms.scales[0][xi];
  return {
    name: opts.name ?? ms.name ?? where,
    multiscale: ms,
    levels,
    labels,
    shape,
    width: shape[xi],
    height: shape[xi - 1],
    channelAxis,
    channels,
    interleaved,
    dtype,
    selection,
    pixelSize: { size: sx, unit: ms.axes[xi].unit },
    opacity: opts.opacity ?? 1,
  };
}

/** Pixels of the lowest level read for contrast: all of a pyramid's top, at most this many of a big single level. */
export const SAMPLE_PIXELS = 1024 * 1024;

/**
 * Contrast limits from the data of one plane of a non-interleaved image (`selection` names every
 * non-spatial index, channel included): percentiles of the lowest-resolution level, as napari and
 * QuPath do, so opening reads a thumbnail's worth of pixels. A single-level image must not be read
 * whole before its first frame, so when the lowest level is larger than SAMPLE_PIXELS only its
 * central tiles are read.
 */
export async function dataLimits(levels: TileSource[], selection: Record<string, number>): Promise<[number, number]> {
  const low = levels[levels.length - 1];
  const [h, w] = low.shape.slice(-2);
  if (h * w <= SAMPLE_PIXELS) return percentileLimits((await low.getRaster({ selection })).data);
  const ts = low.tileSize;
  const span = Math.max(1, Math.floor(Math.sqrt(SAMPLE_PIXELS) / ts));
  const x0 = Math.max(0, Math.round((w / ts - span) / 2));
  const y0 = Math.max(0, Math.round((h / ts - span) / 2));
  const tiles: Promise<Tile>[] = [];
  for (let y = y0; y < Math.min(y0 + span, Math.ceil(h / ts)); y++) for (let x = x0; x < Math.min(x0 + span, Math.ceil(w / ts)); x++) tiles.push(low.getTile({ x, y, selection }));
  const parts = (await Promise.all(tiles)).map((t) => t.data);
  const all = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return percentileLimits(all);
}

/** viv `selections` (one per visible channel) and the matching colours/limits, in panel order. */
export function layerProps(img: ViewerImage) {
  const visible = img.channels.map((c, i) => ({ c, i })).filter(({ c }) => c.visible).slice(0, 6);
  const cl = img.channelAxis === undefined ? undefined : img.labels[img.channelAxis];
  return {
    selections: visible.map(({ i }) => ({ ...img.selection, ...(cl ? { [cl]: i } : {}) })),
    colors: visible.map(({ c }) => c.color),
    contrastLimits: visible.map(({ c }) => c.contrast),
    channelsVisible: visible.map(() => true),
    channelIndices: visible.map(({ i }) => i),
  };
}
