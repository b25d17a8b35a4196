/** Test helpers for the TIFF reference tests: a minimal read-only zarrita store over references
 * and a local file, the Python oracle runner, and reading every level with zarrita. */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as zarr from 'zarrita';
import { FileSource } from '../../src/io/file-source.js';
import type { References } from '../../src/reference/types.js';
import { registerCodecs } from '../../src/codecs/index.js';
import { readNpy } from '../../src/ndarray/npy.js';
import { python, repoRoot } from '../helpers/paths.js';

export const run = promisify(execFile);

/** zarrita `Readable` over a reference set whose template points at a local file. */
function fileRefStore(refs: References, file: string) {
  const src = new FileSource(file);
  return {
    close: () => src.close(),
    async get(key: string): Promise<Uint8Array | undefined> {
      const v = refs.refs[key.replace(/^\//, '')];
      if (v === undefined) return undefined;
      if (typeof v === 'string') return new TextEncoder().encode(v);
      if (v.length !== 3) throw new Error('whole-file refs not expected');
      return src.read(v[1], v[2]);
    },
  };
}

interface OracleLevel { level: number; shape: number[]; dtype: string; decoder: string; python_readable: boolean; python_equal?: boolean; python_error?: string; python_shape?: number[] }
export interface OracleResult { levels: OracleLevel[]; tifffile_refs: Record<string, [number, number][]> | null; tifffile_codecs?: Record<string, { compressor: any; filters: any[] | null }>; tifffile_error: string | null; dir: string }

/** `refs`: the object, or the JSON text exactly as our writer produced it. */
export async function runOracle(tif: string, refs: References | Uint8Array): Promise<OracleResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tiff-oracle-'));
  const refsPath = path.join(dir, 'refs.json');
  await writeFile(refsPath, refs instanceof Uint8Array ? refs : JSON.stringify(refs));
  const { stdout } = await run(python, [path.join(repoRoot, 'test/tiff/py/tiff_oracle.py'), tif, refsPath, dir], { maxBuffer: 1 << 28 });
  return { ...JSON.parse(stdout), dir };
}

export function expectedPixels(dir: string, level: number) {
  const f = path.join(dir, `${level}.npy`);
  return readNpy(new Uint8Array(readFileSync(f)), f);
}

/** Read a whole level with zarrita + our codecs. */
export async function readLevel(refs: References, file: string, level: number) {
  registerCodecs();
  const store = fileRefStore(refs, file);
  try {
    const arr = await zarr.open.v2(zarr.root(store).resolve(String(level)), { kind: 'array' });
    return await zarr.get(arr);
  } finally {
    await store.close(); // not left to the garbage collector (Node warns)
  }
}

/** Sorted (offset, length) pairs of our chunk refs, per level. */
export function ourPairs(refs: References): Record<string, [number, number][]> {
  const out: Record<string, [number, number][]> = {};
  for (const [k, v] of Object.entries(refs.refs)) {
    if (Array.isArray(v) && v.length === 3) (out[k.split('/')[0]] ??= []).push([v[1], v[2]]);
  }
  for (const k of Object.keys(out)) out[k].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return out;
}

/** Element-wise equality; typed arrays compare their bytes (so NaN payloads compare too). */
export function equalArrays(a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>): { equal: boolean; firstDiff?: number } {
  if (a.length !== b.length) return { equal: false, firstDiff: -1 };
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    if (x.length !== y.length) return { equal: false, firstDiff: -1 };
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return { equal: false, firstDiff: Math.floor(i / (x.length / a.length)) };
    return { equal: true };
  }
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return { equal: false, firstDiff: i };
  return { equal: true };
}

/**
 * Our codec configs must match tifffile write_fsspec's (same ids and parameters) except the
 * filters' `shape`, which follows each side's chunk shape (tifffile squeezes length-1 axes).
 */
export function sameCodecs(ours: References, tifffile: NonNullable<OracleResult['tifffile_codecs']>) {
  const strip = (fs: any[] | null) => fs?.map(({ shape: _s, ...rest }) => rest) ?? null;
  return Object.fromEntries(Object.entries(tifffile).map(([lev, t]) => {
    const z = JSON.parse(ours.refs[`${lev}/.zarray`] as string);
    return [lev, { same: JSON.stringify([z.compressor, strip(z.filters)]) === JSON.stringify([t.compressor, strip(t.filters)]), ours: [z.compressor, strip(z.filters)], tifffile: [t.compressor, strip(t.filters)] }];
  }));
}
