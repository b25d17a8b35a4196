/**
 * `ref check`: fetch and decode every chunk a reference set points to, with the same codec
 * registry viewers use, and report per array what was found and what failed.
 */
import * as zarr from 'zarrita';
import { registerCodecs } from '../codecs/index.js';
import type { ProgressCallback } from '../progress.js';
import type { ReferenceStore } from './open.js';
import type { ArraySummary } from './summary.js';

export interface ArrayReport extends ArraySummary {
  /** Chunks in the full grid (missing references read as the fill value). */
  gridChunks: number;
  decoded: number;
  failures: { key: string; error: string }[];
}

type Json = Record<string, unknown>;

export async function checkReferences(store: ReferenceStore, opts: { onProgress?: ProgressCallback; batch?: number } = {}): Promise<ArrayReport[]> {
  registerCodecs();
  const arrays = store.keys().filter((k) => k === '.zarray' || k.endsWith('/.zarray')).map((k) => k.slice(0, -'.zarray'.length).replace(/\/$/, '')).sort();
  const plan = arrays.map((p) => ({ p, prefix: p ? `${p}/` : '', meta: {} as Json }));
  const reports: ArrayReport[] = [];
  let total = 0;
  const keysOf: string[][] = [];
  const broken = new Map<string, string>();
  for (const item of plan) {
    const raw = await store.get(`/${item.prefix}.zarray`);
    const meta = parseZarray(raw);
    if (typeof meta === 'string') {
      broken.set(item.p, meta);
      keysOf.push([]);
      continue;
    }
    item.meta = meta;
    const sep = (item.meta.dimension_separator as string) ?? '.';
    const ndim = (item.meta.shape as number[]).length;
    const re = new RegExp(`^${item.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\d+(${sep === '/' ? '/' : '\\.'}\\d+){${ndim - 1}}$`);
    const keys = store.keys().filter((k) => re.test(k));
    keysOf.push(keys);
    total += keys.length;
  }
  let done = 0;
  opts.onProgress?.(0, total, 'chunks');
  for (const [i, item] of plan.entries()) {
    const bad = broken.get(item.p);
    if (bad !== undefined) {
      reports.push({ path: item.p || '/', shape: [], dtype: '?', chunks: [], codec: '?', chunkRefs: 0, gridChunks: 0, decoded: 0, failures: [{ key: `${item.prefix}.zarray`, error: bad }] });
      continue;
    }
    const m = item.meta;
    const shape = m.shape as number[];
    const chunks = m.chunks as number[];
    const comp = m.compressor as Json | null;
    const filters = (m.filters as Json[] | null) ?? [];
    const codec = [...filters.map((f) => String(f.id)), comp ? String(comp.id) : 'none'].join(' + ');
    const report: ArrayReport = {
      path: item.p || '/',
      shape,
      dtype: String(m.dtype),
      chunks,
      codec,
      chunkRefs: keysOf[i].length,
      gridChunks: shape.reduce((a, s, d) => a * Math.ceil(s / chunks[d]), 1),
      decoded: 0,
      failures: [],
    };
    let arr: zarr.Array<zarr.DataType, ReferenceStore>;
    try {
      arr = await zarr.open.v2(zarr.root(store).resolve(item.p), { kind: 'array', attrs: false });
    } catch (e) {
      report.failures.push({ key: `${item.prefix}.zarray`, error: (e as Error).message });
      reports.push(report);
      continue;
    }
    const sep = (m.dimension_separator as string) ?? '.';
    const batch = opts.batch ?? 64;
    for (let s = 0; s < keysOf[i].length; s += batch) {
      const slice = keysOf[i].slice(s, s + batch);
      // One batch is requested in the same tick, so the store coalesces neighbouring chunks.
      await Promise.all(
        slice.map(async (key) => {
          const coords = key.slice(item.prefix.length).split(sep).map(Number);
          try {
            const c = await arr.getChunk(coords);
            const n = c.shape.reduce((a, b) => a * b, 1);
            if (n !== chunks.reduce((a, b) => a * b, 1)) throw new Error(`decoded ${n} elements, expected ${chunks.join('×')}`);
            report.decoded++;
          } catch (e) {
            const err = e as Error & { cause?: Error };
            report.failures.push({ key, error: err.cause ? `${err.message}: ${err.cause.message}` : err.message });
          }
        }),
      );
      done += slice.length;
      opts.onProgress?.(done, total, 'chunks');
    }
    reports.push(report);
  }
  return reports;
}

const isCount = (v: unknown, min: number) => Number.isSafeInteger(v) && (v as number) >= min;

/**
 * A .zarray's JSON with the fields this check computes with (shape, chunks, dtype), or what is
 * wrong with it: references come from anywhere, and a chunk grid from unchecked numbers would
 * be nonsense (or NaN keys) rather than a report.
 */
function parseZarray(raw: Uint8Array | undefined): Json | string {
  if (!raw) return 'missing';
  let m: unknown;
  try {
    m = JSON.parse(new TextDecoder().decode(raw));
  } catch (e) {
    return `not valid JSON (${(e as Error).message})`;
  }
  if (!m || typeof m !== 'object' || Array.isArray(m)) return 'not a JSON object';
  const { shape, chunks, dtype, dimension_separator: sep } = m as Json;
  if (!Array.isArray(shape) || !shape.every((v) => isCount(v, 0))) return `"shape" must be a list of non-negative integers, found ${JSON.stringify(shape)}`;
  if (!Array.isArray(chunks) || chunks.length !== shape.length || !chunks.every((v) => isCount(v, 1))) {
    return `"chunks" must be ${shape.length} positive integers (one per dimension of shape ${JSON.stringify(shape)}), found ${JSON.stringify(chunks)}`;
  }
  if (typeof dtype !== 'string') return `"dtype" must be a string, found ${JSON.stringify(dtype)}`;
  if (sep !== undefined && sep !== '.' && sep !== '/') return `"dimension_separator" must be "." or "/", found ${JSON.stringify(sep)}`;
  return m as Json;
}
