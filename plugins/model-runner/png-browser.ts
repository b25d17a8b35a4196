/** PNG decoding with the browser's decoder (8-bit): grey → [H, W], colour → [3, H, W]. */
import type { NdArray } from '../../src/ndarray/ndarray.js';

export async function decodePngBrowser(bytes: Uint8Array, name: string): Promise<NdArray> {
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' }), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (e) {
    throw new Error(`${name}: cannot decode PNG (${(e as Error).message})`);
  }
  const { width: w, height: h } = bmp;
  const ctx = new OffscreenCanvas(w, h).getContext('2d')!;
  ctx.drawImage(bmp, 0, 0);
  const px = ctx.getImageData(0, 0, w, h).data;
  let grey = true;
  for (let i = 0; i < w * h && grey; i++) grey = px[4 * i] === px[4 * i + 1] && px[4 * i] === px[4 * i + 2];
  const c = grey ? 1 : 3;
  const out = new Uint8Array(c * w * h);
  for (let k = 0; k < c; k++) for (let i = 0; i < w * h; i++) out[k * w * h + i] = px[4 * i + k];
  return { data: out, shape: grey ? [h, w] : [3, h, w], dtype: 'uint8' };
}
