import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { python } from '../helpers/paths.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Writes the OME-Zarr fixtures with Debian python (zarr 2.13 + numpy) into `dir`. */
export function makeOmeZarrFixtures(dir: string): void {
  execFileSync(python, [path.join(here, 'fixtures', 'make_omezarr.py'), dir], { stdio: 'pipe' });
}

export interface RawLevel {
  shape: number[];
  dtype: string;
  data: Uint16Array | Uint8Array | Float32Array;
}

/** The numpy-written pixels of level `i` of fixture `name` (independent of zarr and of our code). */
export function rawLevel(dir: string, name: string, i: number): RawLevel {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, `level_${name}.json`), 'utf8'))[i];
  const buf = fs.readFileSync(path.join(dir, `level_${name}_${i}.raw`));
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const data = meta.dtype === 'uint16' ? new Uint16Array(ab) : meta.dtype === 'uint8' ? new Uint8Array(ab) : new Float32Array(ab);
  return { shape: meta.shape, dtype: meta.dtype, data };
}

/** Region [y0,y1)×[x0,x1) of plane `plane` (flat index over the leading axes) of a raw level. */
export function rawRegion(level: RawLevel, plane: number, y0: number, y1: number, x0: number, x1: number): number[] {
  const [h, w] = level.shape.slice(-2);
  const out: number[] = [];
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) out.push(level.data[plane * h * w + y * w + x]);
  return out;
}
