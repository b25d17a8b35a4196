/** PNG decoding for Node (pngjs): grey → [H, W], colour → [C, H, W]; 16-bit stays uint16. */
import { PNG } from 'pngjs';
import type { NdArray } from '../ndarray/ndarray.js';
import { ImageIoError } from './image-io.js';

export async function decodePngNode(bytes: Uint8Array, name: string): Promise<NdArray> {
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true });
  } catch (e) {
    throw new ImageIoError(name, `cannot decode PNG: ${(e as Error).message}`);
  }
  const { width: w, height: h } = png;
  const deep = png.depth === 16;
  const src = deep ? new Uint16Array(png.data.buffer, png.data.byteOffset, png.data.byteLength / 2) : png.data;
  // pngjs always expands to RGBA; the colour type says how many channels were really there
  const grey = (png.colorType & 2) === 0;
  const alpha = (png.colorType & 4) !== 0;
  const c = grey ? 1 : alpha ? 4 : 3;
  const out = deep ? new Uint16Array(c * w * h) : new Uint8Array(c * w * h);
  for (let k = 0; k < c; k++) for (let i = 0; i < w * h; i++) out[k * w * h + i] = src[i * 4 + k];
  return { data: out, shape: c === 1 ? [h, w] : [c, h, w], dtype: deep ? 'uint16' : 'uint8' };
}
