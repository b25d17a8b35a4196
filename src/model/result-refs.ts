/**
 * A model result as an in-memory OME-Zarr (NGFF 0.4, zarr v2) in kerchunk references with
 * inline base64 chunks, so the Reference Viewer can show it as a layer via add_image({source}).
 */
import type { NdArray } from '../ndarray/ndarray.js';
import type { References } from '../reference/types.js';
import { gather } from './tiling.js';

const DT: Partial<Record<NdArray['dtype'], string>> = {
  bool: '|u1', int8: '|i1', uint8: '|u1', int16: '<i2', uint16: '<u2', int32: '<i4', uint32: '<u4', float32: '<f4', float64: '<f8',
};

function b64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** [.., C?, Y, X] → a (c, y, x) single-scale image; leading singleton axes are dropped. */
export function resultToReferences(
  a: NdArray,
  name: string,
  place: { scale?: [number, number]; translation?: [number, number] } = {},
  chunk = 256,
): References {
  const dims = [...a.shape];
  while (dims.length > 3 && dims[0] === 1) dims.shift();
  if (dims.length === 2) dims.unshift(1);
  if (dims.length !== 3) throw new Error(`${name}: shape [${a.shape}] is not an image with at most one channel axis`);
  const dtype = DT[a.dtype];
  if (!dtype) throw new Error(`${name}: ${a.dtype} results cannot be shown as a layer`);
  const [C, Y, X] = dims;
  const arr = { data: a.data, shape: dims, dtype: a.dtype };
  const refs: References['refs'] = {
    '.zgroup': JSON.stringify({ zarr_format: 2 }),
    '.zattrs': JSON.stringify({
      multiscales: [
        {
          version: '0.4',
          name,
          axes: [{ name: 'c', type: 'channel' }, { name: 'y', type: 'space' }, { name: 'x', type: 'space' }],
          // placed over the region it was computed from (level-0 units), when given
          datasets: [
            {
              path: '0',
              coordinateTransformations: [
                { type: 'scale', scale: [1, ...(place.scale ?? [1, 1])] },
                ...(place.translation ? [{ type: 'translation', translation: [0, ...place.translation] }] : []),
              ],
            },
          ],
        },
      ],
    }),
    '0/.zarray': JSON.stringify({
      zarr_format: 2, shape: [C, Y, X], chunks: [1, Math.min(chunk, Y), Math.min(chunk, X)], dtype, compressor: null,
      fill_value: 0, order: 'C', filters: null, dimension_separator: '.',
    }),
  };
  const cy = Math.min(chunk, Y);
  const cx = Math.min(chunk, X);
  for (let c = 0; c < C; c++)
    for (let iy = 0; iy * cy < Y; iy++)
      for (let ix = 0; ix * cx < X; ix++) {
        // edge chunks are stored full-size (zarr v2), padded with the fill value
        const idx = [
          Int32Array.of(c),
          Int32Array.from({ length: cy }, (_, j) => Math.min(iy * cy + j, Y - 1)),
          Int32Array.from({ length: cx }, (_, j) => Math.min(ix * cx + j, X - 1)),
        ];
        const block = gather(arr, idx);
        for (let j = 0; j < cy; j++)
          for (let k = 0; k < cx; k++) if (iy * cy + j >= Y || ix * cx + k >= X) (block.data as Float32Array)[j * cx + k] = 0;
        const d = block.data;
        refs[`0/${c}.${iy}.${ix}`] = 'base64:' + b64(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      }
  return { version: 1, templates: {}, refs };
}
