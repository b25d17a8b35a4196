/**
 * Model inputs and outputs as files: .npy (ours), TIFF (geotiff.js: decodes every compression
 * geotiff supports, and writes plain uncompressed TIFF that tifffile reads), and PNG through an
 * injected decoder (pngjs in Node, the browser's image decoder in plugins).
 */
import { fromArrayBuffer, writeArrayBuffer } from 'geotiff';
import { dtypeOf, type NdArray, type TypedArray } from '../ndarray/ndarray.js';
import { readNpy, writeNpy } from './npy.js';
import { ModelError } from './errors.js';

export type PngDecoder = (bytes: Uint8Array, name: string) => Promise<NdArray>;

/** Thrown with the file or tensor it is about first, like every ModelError. */
export class ImageIoError extends ModelError {
  override name = 'ImageIoError';
}

const isPng = (b: Uint8Array) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isTiff = (b: Uint8Array) => (b[0] === 0x49 && b[1] === 0x49 && b[2] === 42) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 42) || (b[0] === 0x49 && b[1] === 0x49 && b[2] === 43) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 43);
const isNpy = (b: Uint8Array) => b[0] === 0x93 && b[1] === 0x4e && b[2] === 0x55;

/** Decodes an input image by its content: npy as stored, TIFF/PNG as [H, W] or [C, H, W]. */
export async function decodeImage(bytes: Uint8Array, name: string, decodePng?: PngDecoder): Promise<NdArray> {
  if (isNpy(bytes)) return readNpy(bytes, name);
  if (isTiff(bytes)) return decodeTiff(bytes, name);
  if (isPng(bytes)) {
    if (!decodePng) throw new ImageIoError(name, 'PNG decoding is not available here');
    return decodePng(bytes, name);
  }
  throw new ImageIoError(name, 'not a .npy, TIFF or PNG file (unrecognised signature)');
}

async function decodeTiff(bytes: Uint8Array, name: string): Promise<NdArray> {
  try {
    const buf = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
    const tiff = await fromArrayBuffer(buf);
    const img = await tiff.getImage(0);
    const w = img.getWidth();
    const h = img.getHeight();
    const rasters = (await img.readRasters({ interleave: false })) as unknown as TypedArray[];
    const first = rasters[0];
    const dtype = dtypeOf(first);
    if (rasters.length === 1) return { data: first, shape: [h, w], dtype };
    const out = new (first.constructor as { new (n: number): TypedArray })(rasters.length * w * h);
    rasters.forEach((r, c) => out.set(r as never, c * w * h));
    return { data: out, shape: [rasters.length, h, w], dtype };
  } catch (e) {
    throw new ImageIoError(name, `cannot decode TIFF: ${(e as Error).message}`);
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
