/**
 * Model inputs and outputs as files: .npy (ours); TIFF read through the reference maker
 * (src/reference: the first series with all its planes and named axes, the codecs the viewer
 * uses) and written as plain uncompressed TIFF by geotiff.js (tifffile reads it); PNG through an
 * injected decoder (pngjs in Node, the browser's image decoder in plugins).
 */
import { writeArrayBuffer } from 'geotiff';
import type { Readable } from 'zarrita';
import { BytesSource, type ByteSource } from '../io/byte-source.js';
import { sizeOf, type NdArray, type TypedArray } from '../ndarray/ndarray.js';
import { tiffReferences } from '../reference/from-tiff.js';
import { ReferenceStore } from '../reference/open.js';
import { readNpy, writeNpy } from '../ndarray/npy.js';
import { ModelError } from './errors.js';
import type { InputImage } from './fit-axes.js';
import { bytesText, checkInputSize, readZarrRegion } from './region.js';

export type PngDecoder = (bytes: Uint8Array, name: string) => Promise<NdArray>;

/** Thrown with the file or tensor it is about first, like every ModelError. */
export class ImageIoError extends ModelError {
  override name = 'ImageIoError';
}

const isPng = (b: Uint8Array) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
export const isTiff = (b: Uint8Array) => (b[0] === 0x49 && b[1] === 0x49 && b[2] === 42) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 42) || (b[0] === 0x49 && b[1] === 0x49 && b[2] === 43) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 43);
const isNpy = (b: Uint8Array) => b[0] === 0x93 && b[1] === 0x4e && b[2] === 0x55;

export interface TiffReadOptions {
  /** Most bytes the decoded image may take (default DEFAULT_MAX_INPUT_BYTES). */
  maxBytes?: number;
  /** Called with the axis names and shape before any pixel is read; throws to refuse the image. */
  check?: (axes: string[], shape: number[]) => void;
}

/**
 * Decodes an input image by its content: npy as stored (no axis names), TIFF as its first series
 * with NGFF axis names, PNG as [H, W] or [C, H, W].
 */
export async function decodeImage(bytes: Uint8Array, name: string, decodePng?: PngDecoder, opts: TiffReadOptions = {}): Promise<InputImage> {
  if (isNpy(bytes)) return { array: readNpy(bytes, name) };
  if (isTiff(bytes)) return readTiffImage(new BytesSource(bytes, name), opts);
  if (isPng(bytes)) {
    if (!decodePng) throw new ImageIoError(name, 'PNG decoding is not available here');
    return { array: await decodePng(bytes, name) };
  }
  throw new ImageIoError(name, 'not a .npy, TIFF or PNG file (unrecognised signature)');
}

/**
 * Decoded bytes per stored byte beyond which a TIFF header is not believed: Deflate cannot
 * exceed ~1032:1 and LZW ~1400:1, so a header claiming more than this is corrupt (or made up).
 */
const MAX_EXPANSION = 4096;

interface ZarrayMeta {
  shape: number[];
  /** numpy style: '<u2', '|u1', '>f4'. */
  dtype: string;
  compressor: unknown;
}

const dtypeName = (d: string) => `${{ i: 'int', u: 'uint', f: 'float' }[d[1]] ?? d}${8 * Number(d.slice(2))}`;

/** A header's image must fit in the file: stored as is, or compressed at most MAX_EXPANSION:1. */
function checkAgainstFile(name: string, meta: ZarrayMeta, fileSize: number): void {
  const bytes = sizeOf(meta.shape) * Number(meta.dtype.slice(2));
  const ratio = meta.compressor ? MAX_EXPANSION : 1;
  if (bytes > fileSize * ratio) {
    throw new ImageIoError(
      name,
      `the header claims a ${meta.shape.join('×')} ${dtypeName(meta.dtype)} image (${bytesText(bytes)}), more than the file (${bytesText(fileSize)}) can hold${ratio > 1 ? ` even compressed ${ratio}:1` : ''}; the file is corrupt`,
    );
  }
}

/**
 * A TIFF's first series as the reference maker and the viewer read it: every plane that OME-XML
 * (or ImageJ metadata, or a plain page stack) assigns to it, its level-0 array and axis names.
 * Sizes from the header are checked against the file and `maxBytes` before anything is allocated.
 */
export async function readTiffImage(source: ByteSource, { maxBytes, check }: TiffReadOptions = {}): Promise<InputImage> {
  const refs = await tiffReferences(source, { url: source.name });
  const ms = (JSON.parse(refs.refs['.zattrs'] as string) as { multiscales: { axes: { name: string }[]; datasets: { path: string }[] }[] }).multiscales[0];
  const level0 = ms.datasets[0].path;
  const meta = JSON.parse(refs.refs[`${level0}/.zarray`] as string) as ZarrayMeta;
  checkAgainstFile(source.name, meta, await source.size());
  checkInputSize(source.name, meta.shape, dtypeName(meta.dtype), maxBytes);
  const axes = ms.axes.map((a) => a.name);
  check?.(axes, meta.shape);
  const store = new ReferenceStore(refs, { openSource: () => source });
  try {
    const array = await readZarrRegion(store as unknown as Readable, level0, meta.shape.map(() => null), source.name, { maxBytes });
    return { array, axes };
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ImageIoError(source.name, `cannot decode TIFF: ${(e as Error).message}`);
  }
}

/** Encodes a model output: 'npy' as is; 'tif' as a 2-D plane or interleaved channels (singleton axes dropped). */
export function encodeImage(a: NdArray, format: 'npy' | 'tif', name = 'output'): Uint8Array {
  if (format === 'npy') return writeNpy(a);
  const dims = a.shape.filter((d) => d !== 1);
  if (dims.length < 2 || dims.length > 3) {
    throw new ImageIoError(name, `shape [${a.shape}] cannot be written as a TIFF image (needs 2 non-singleton axes, or 3 with channels first); use .npy`);
  }
  const [c, h, w] = dims.length === 2 ? [1, dims[0], dims[1]] : dims;
  if (a.dtype === 'int64' || a.dtype === 'uint64') throw new ImageIoError(name, `${a.dtype} cannot be written as TIFF here; use .npy`);
  const bits = { bool: 8, int8: 8, uint8: 8, int16: 16, uint16: 16, int32: 32, uint32: 32, float32: 32, float64: 64 }[a.dtype];
  const fmt = a.dtype.startsWith('float') ? 3 : a.dtype.startsWith('int') ? 2 : 1;
  let data = a.data;
  if (c > 1) {
    const src = a.data;
    const out = new (src.constructor as { new (n: number): TypedArray })(src.length);
    for (let k = 0; k < c; k++) for (let i = 0; i < h * w; i++) (out as Float32Array)[i * c + k] = (src as Float32Array)[k * h * w + i];
    data = out;
  }
  const buf = writeArrayBuffer(data as never, {
    width: w,
    height: h,
    SamplesPerPixel: c,
    BitsPerSample: new Array(c).fill(bits),
    SampleFormat: new Array(c).fill(fmt),
    PhotometricInterpretation: c === 3 ? 2 : 1,
    PlanarConfiguration: 1,
  } as never);
  return new Uint8Array(buf);
}
