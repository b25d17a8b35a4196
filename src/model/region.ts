/**
 * A region of a Zarr array as a model input, so a model can run on part of a huge shared image
 * without downloading it: any zarrita store (kerchunk references over HTTP/S3, an OME-Zarr URL,
 * a local folder in Node) and a numpy-style selection, read with zarrita (only the chunks hit).
 */
import * as zarr from 'zarrita';
import { registerCodecs } from '../codecs/index.js';
import { readRegion } from '../reference/read-region.js';
import { DTYPE_CTORS, dtypeOf, isDType, sizeOf, stridesOf, toCOrder, type NdArray, type TypedArray } from '../ndarray/ndarray.js';
import { ModelError } from './errors.js';

/** Per dimension: an index (dimension dropped), [start, stop) or null (all). */
export type Selection = (number | [number, number] | null)[];

/** Thrown with the file or tensor it is about first, like every ModelError. */
class RegionError extends ModelError {
  override name = 'RegionError';
}

/** Parses "0,:,100:612,2000:2512" (ints, start:stop, ':' for all). */
export function parseSelection(text: string): Selection {
  return text.split(',').map((part) => {
    const p = part.trim();
    if (p === ':' || p === '') return null;
    const m = /^(\d*):(\d*)$/.exec(p);
    if (m) {
      if (m[1] === '' || m[2] === '') throw new RegionError('--region', `"${p}": give both start and stop (or ':' for the whole axis)`);
      return [Number(m[1]), Number(m[2])] as [number, number];
    }
    if (/^\d+$/.test(p)) return Number(p);
    throw new RegionError('--region', `"${p}" is not an index, start:stop or ':'`);
  });
}

/** An input larger than the caller allows (hosts tell the user how to raise their limit). */
export class InputTooLargeError extends RegionError {
  override name = 'InputTooLargeError';
}

/** The most bytes one input array may take unless the caller says otherwise (a tab or a CLI run). */
export const DEFAULT_MAX_INPUT_BYTES = 2 ** 31;

export const bytesText = (n: number) =>
  n >= 2 ** 30 ? `${+(n / 2 ** 30).toFixed(1)} GiB` : n >= 2 ** 20 ? `${+(n / 2 ** 20).toFixed(1)} MiB` : `${n} bytes`;

/**
 * Refuses an input whose decoded size exceeds `maxBytes`, before anything is allocated: sizes
 * come from file headers, and typed arrays that large fail (or take the machine's memory) late.
 */
export function checkInputSize(where: string, shape: number[], dtype: string, maxBytes = DEFAULT_MAX_INPUT_BYTES): void {
  const bytes = sizeOf(shape) * (isDType(dtype) ? DTYPE_CTORS[dtype].BYTES_PER_ELEMENT : 8);
  if (bytes > maxBytes) {
    throw new InputTooLargeError(where, `${shape.join('×')} ${dtype} is ${bytesText(bytes)}, more than the ${bytesText(maxBytes)} an input may take here`);
  }
}

export async function readZarrRegion(
  store: zarr.Readable,
  path: string,
  selection: Selection,
  where = 'zarr',
  opts: { maxBytes?: number } = {},
): Promise<NdArray> {
  registerCodecs();
  let arr: zarr.Array<zarr.DataType, zarr.Readable>;
  try {
    arr = await zarr.open(zarr.root(store).resolve(path), { kind: 'array' });
  } catch (e) {
    throw new RegionError(`${where}/${path}`, `not a Zarr array (${(e as Error).message})`);
  }
  const shape = arr.shape;
  if (selection.length !== shape.length) {
    throw new RegionError(`${where}/${path}`, `the selection has ${selection.length} entries, the array has ${shape.length} dimensions (shape [${shape}])`);
  }
  const sel = selection.map((s, k) => {
    if (s === null) return null;
    if (typeof s === 'number') {
      if (s < 0 || s >= shape[k]) throw new RegionError(`${where}/${path}`, `index ${s} is outside dimension ${k} (size ${shape[k]})`);
      return s;
    }
    const [a, b] = s;
    if (!(a >= 0 && b > a && b <= shape[k])) throw new RegionError(`${where}/${path}`, `range ${a}:${b} is outside dimension ${k} (size ${shape[k]}) or empty`);
    return zarr.slice(a, b);
  });
  const outShape = selection.flatMap((s, k) => (s === null ? [shape[k]] : typeof s === 'number' ? [] : [s[1] - s[0]]));
  checkInputSize(`${where}/${path}`, outShape, String(arr.dtype), opts.maxBytes);
  const chunk = (await readRegion(arr, sel)) as { data: TypedArray | TypedArray; shape: number[]; stride: number[] };
  let data = chunk.data as TypedArray;
  if (!ArrayBuffer.isView(data)) throw new RegionError(`${where}/${path}`, `dtype ${arr.dtype} is not a numeric array`);
  const cStrides = stridesOf(chunk.shape);
  if (chunk.stride.some((s, k) => chunk.shape[k] > 1 && s !== cStrides[k])) data = toCOrder(data, chunk.shape, chunk.stride);
  const n = chunk.shape.reduce((x, y) => x * y, 1);
  if (data.length !== n) data = data.slice(0, n) as TypedArray;
  const dtype = arr.dtype === 'bool' ? 'bool' : dtypeOf(data);
  return { data, shape: [...chunk.shape], dtype };
}

/** A selection of the whole array at `path` (one null per dimension). */
export async function wholeSelection(store: zarr.Readable, path: string): Promise<Selection> {
  registerCodecs();
  const arr = await zarr.open(zarr.root(store).resolve(path), { kind: 'array' }).catch((e: Error) => {
    throw new RegionError(path || '/', `not a Zarr array (${e.message})`);
  });
  return arr.shape.map(() => null);
}

/** The store for a model input given by URL: kerchunk references (.json) or a Zarr URL (browser-safe). */
export async function openZarrStoreUrl(url: string, fetchFn?: typeof fetch): Promise<zarr.Readable> {
  if (/\.json($|\?)/i.test(url)) {
    const { openReferences } = await import('../reference/open.js');
    return (await openReferences(url, { fetch: fetchFn })) as unknown as zarr.Readable;
  }
  const { default: FetchStore } = await import('@zarrita/storage/fetch');
  return new FetchStore(url.replace(/\/$/, ''), fetchFn ? { fetch: fetchFn } as never : undefined);
}

/** NGFF multiscale metadata and the shape of every level. */
export async function openNgffLevels(store: zarr.Readable, where: string) {
  const { readMultiscale } = await import('../ngff/read.js');
  registerCodecs();
  const grp = await zarr.open(zarr.root(store), { kind: 'group' }).catch((e: Error) => {
    throw new RegionError(where, `not an OME-Zarr group (${e.message})`);
  });
  const ms = readMultiscale(grp.attrs, where);
  const shapes: number[][] = [];
  for (const p of ms.paths) shapes.push((await zarr.open(zarr.root(store).resolve(p), { kind: 'array' })).shape);
  return { multiscale: ms, shapes };
}
