/**
 * `readRegion(arr, selection)`: what `zarr.get(arr, selection)` returns (same pixels, shape and C
 * strides), with each chunk decoded straight into the output.
 *
 * Why: zarrita decodes every chunk into a chunk-sized buffer and then copies it row by row into
 * the output (`setFromChunkBinary`). For a 4096² uint16 region that is 64 fresh 512 KiB buffers,
 * ~33 000 row copies through `subarray`, and the output written twice; on the benchmark VM
 * (bench/refs-read) fresh memory is the dominant cost (~3 ms per MB of first-touch page faults).
 * Here the bytes of an uncompressed chunk are copied once, from the received bytes to the output:
 * through our ReferenceStore (`locate`) they are streamed (io/coalesce.ts `streamRanges`) straight
 * from the transport's receive buffer into the output rows, in the same coalesced requests as
 * chunk reads — no buffer per chunk or per request; Blosc unshuffles each block into the output
 * rows it covers (blosc.ts `decodeBloscInto`); other compressors decode through the same codec
 * registry as zarrita (native zlib in Node, …) and then copy rows once. An uncompressed chunk of
 * the wrong size is an error naming it.
 *
 * The fast path covers Zarr v2 and v3 arrays of little-endian numbers in C order whose chunks are
 * (optionally compressed) raw bytes: no filters, no transpose, no sharding. Anything else — and
 * selections with steps or negative indices — goes to `zarr.get`, so callers use this everywhere.
 */
import * as zarr from 'zarrita';
import { registry } from 'zarrita';
import { bloscHeader, decodeBloscInto, unshuffleInto, type BloscSink, type OutViews } from '../codecs/blosc.js';
import { registerCodecs } from '../codecs/registry.js';
import type { ByteRange, ByteSource } from '../io/byte-source.js';
import { streamRanges, type CoalesceOptions } from '../io/coalesce.js';
import type { ChunkLocation } from './open.js';

type Selection = (number | zarr.Slice | null)[] | null | undefined;
type Numeric = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;
type NumericCtor = { new (n: number): Numeric; BYTES_PER_ELEMENT: number };
type Store = { get(key: string, opts?: unknown): Promise<Uint8Array | undefined> };
type BytesDecoder = { decode(b: Uint8Array): Promise<Uint8Array> | Uint8Array };
/** A store that tells where each key's bytes are (our ReferenceStore). */
type Locator = Store & { locate(key: string): ChunkLocation | undefined; coalesce?: CoalesceOptions };

const CTORS: Record<string, NumericCtor> = {
  int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array,
  int64: BigInt64Array, uint64: BigUint64Array, float32: Float32Array, float64: Float64Array,
};
const V2_DTYPES: Record<string, string> = { i1: 'int8', u1: 'uint8', i2: 'int16', u2: 'uint16', i4: 'int32', u4: 'uint32', i8: 'int64', u8: 'uint64', f4: 'float32', f8: 'float64' };

const hostLittle = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface Plan {
  dtype: string;
  Ctor: NumericCtor;
  itemsize: number;
  shape: number[];
  chunks: number[];
  /** Store key of a chunk (relative to the array). */
  key(coords: number[]): string;
  /** bytes → bytes codecs in encoding order (zarrita registry names and configurations). */
  codecs: { name: string; configuration: unknown }[];
}

type Json = Record<string, unknown>;

/** The fast-path plan for an array's metadata, or null when zarrita must read it. */
export function planFor(meta: Json, dtype: string, shape: number[], chunks: number[]): Plan | null {
  if (!hostLittle) return null;
  const Ctor = CTORS[dtype];
  if (!Ctor) return null;
  const same = (a: unknown, b: number[]) => Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(meta.shape, shape)) return null;
  let key: (c: number[]) => string;
  const codecs: Plan['codecs'] = [];
  if (meta.zarr_format === 2) {
    const m = /^([<|])([iuf]\d)$/.exec(String(meta.dtype));
    if (!m || V2_DTYPES[m[2]] !== dtype || (m[1] === '|' && Ctor.BYTES_PER_ELEMENT > 1)) return null;
    if (!same(meta.chunks, chunks) || (meta.order ?? 'C') !== 'C') return null;
    if (Array.isArray(meta.filters) ? meta.filters.length > 0 : meta.filters != null) return null;
    const sep = typeof meta.dimension_separator === 'string' ? meta.dimension_separator : '.';
    key = (c) => c.join(sep) || '0';
    const comp = meta.compressor as Json | null | undefined;
    if (comp) {
      if (typeof comp.id !== 'string') return null;
      const { id, ...configuration } = comp;
      codecs.push({ name: `numcodecs.${id}`, configuration });
    }
  } else if (meta.zarr_format === 3) {
    if (meta.node_type !== 'array' || meta.data_type !== dtype) return null;
    const grid = meta.chunk_grid as { name?: string; configuration?: { chunk_shape?: unknown } } | undefined;
    if (grid?.name !== 'regular' || !same(grid.configuration?.chunk_shape, chunks)) return null;
    if (Array.isArray(meta.storage_transformers) && meta.storage_transformers.length) return null;
    const list = (meta.codecs as { name: string; configuration?: Json }[] | undefined) ?? [];
    if (list[0]?.name !== 'bytes') return null;
    const endian = list[0].configuration?.endian;
    if (Ctor.BYTES_PER_ELEMENT > 1 && endian !== 'little') return null;
    for (const c of list.slice(1)) codecs.push({ name: c.name, configuration: c.configuration ?? {} });
    const enc = meta.chunk_key_encoding as { name?: string; configuration?: { separator?: string } } | undefined;
    if (enc?.name === 'default' || enc === undefined) {
      const sep = enc?.configuration?.separator ?? '/';
      key = (c) => ['c', ...c].join(sep);
    } else if (enc.name === 'v2') {
      const sep = enc.configuration?.separator ?? '.';
      key = (c) => c.join(sep) || '0';
    } else return null;
  } else return null;
  for (const c of codecs) if (!registry.has(c.name)) return null;
  return { dtype, Ctor, itemsize: Ctor.BYTES_PER_ELEMENT, shape, chunks, key, codecs };
}

const plans = new WeakMap<object, Promise<Plan | null>>();

/**
 * zarrita's per-array context (chunk key encoder, sharded or not): not exported, so found by its
 * symbol's name; when a zarrita version renames it, both metadata files are tried instead.
 */
function zarritaContext(arr: object): { kind?: string; encodeChunkKey?: (c: number[]) => string } | undefined {
  const sym = Object.getOwnPropertySymbols(arr).find((s) => s.description === 'zarrita.context');
  return sym ? (arr as Record<symbol, { kind?: string; encodeChunkKey?: (c: number[]) => string }>)[sym] : undefined;
}

async function readPlan(arr: zarr.Array<zarr.DataType, zarr.Readable>): Promise<Plan | null> {
  const store = arr.store as unknown as Store & { has?(k: string): boolean };
  const shape = arr.shape, chunks = arr.chunks, dtype = String(arr.dtype);
  if (!CTORS[dtype] || shape.length === 0) return null;
  const ctx = zarritaContext(arr);
  if (ctx?.kind === 'sharded') return null;
  // v3's default chunk keys start with "c": no request for a .zarray that is not there
  const names = ctx?.encodeChunkKey?.(shape.map(() => 0)).startsWith('c') ? ['zarr.json'] : ['.zarray', 'zarr.json'];
  for (const name of names) {
    const path = arr.resolve(name).path;
    if (store.has && !store.has(path)) continue;
    // zarrita has just opened the array through this store: a failing get now (network, abort,
    // server error) is the caller's error, not a reason to fall back to a path that would hide it.
    const raw = await store.get(path);
    if (!raw) continue;
    try {
      return planFor(JSON.parse(new TextDecoder().decode(raw)) as Json, dtype, shape, chunks);
    } catch {
      return null;
    }
  }
  return null;
}

/** Per dimension: [start, stop) and whether the dimension stays in the output; null: not ours. */
function normalize(sel: Selection, shape: number[]): { start: number[]; stop: number[]; kept: boolean[] } | null {
  const s = sel ?? shape.map(() => null);
  if (s.length !== shape.length) return null;
  const start: number[] = [], stop: number[] = [], kept: boolean[] = [];
  for (let d = 0; d < shape.length; d++) {
    const x = s[d], n = shape[d];
    if (x === null) {
      start.push(0), stop.push(n), kept.push(true);
    } else if (typeof x === 'number') {
      if (!Number.isInteger(x) || x < 0 || x >= n) return null;
      start.push(x), stop.push(x + 1), kept.push(false);
    } else {
      if (x.step !== null && x.step !== 1) return null;
      const a = x.start ?? 0, b = Math.min(x.stop ?? n, n);
      if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b <= a) return null;
      start.push(a), stop.push(b), kept.push(true);
    }
  }
  if (!kept.some(Boolean)) return null;
  return { start, stop, kept };
}

/**
 * Where each part of a chunk goes in the output: runs of `n[i]` elements from chunk element
 * `c[i]` to output element `o[i]`, ascending in `c`, contiguous neighbours merged.
 */
interface Runs {
  c: number[];
  o: number[];
  n: number[];
}

function chunkRuns(coords: number[], chunks: number[], start: number[], stop: number[], outStride: number[]): Runs {
  const nd = chunks.length;
  const lo: number[] = [], hi: number[] = [], cStride: number[] = new Array(nd), base: number[] = [];
  let s = 1;
  for (let d = nd - 1; d >= 0; d--) (cStride[d] = s), (s *= chunks[d]);
  for (let d = 0; d < nd; d++) {
    const origin = coords[d] * chunks[d];
    lo.push(Math.max(start[d], origin) - origin);
    hi.push(Math.min(stop[d], origin + chunks[d]) - origin);
    base.push(origin - start[d]);
  }
  const runs: Runs = { c: [], o: [], n: [] };
  const last = nd - 1;
  const len = hi[last] - lo[last];
  const x = lo.slice();
  for (;;) {
    let c = 0, o = 0;
    for (let d = 0; d < nd; d++) (c += x[d] * cStride[d]), (o += (x[d] + base[d]) * outStride[d]);
    const k = runs.c.length - 1;
    if (k >= 0 && runs.c[k] + runs.n[k] === c && runs.o[k] + runs.n[k] === o) runs.n[k] += len;
    else runs.c.push(c), runs.o.push(o), runs.n.push(len);
    let d = last - 1;
    while (d >= 0 && ++x[d] === hi[d]) (x[d] = lo[d]), d--;
    if (d < 0) break;
  }
  return runs;
}

/** First run whose end lies after element `e` (runs are ascending and disjoint). */
function firstRun(r: Runs, e: number): number {
  let a = 0, b = r.c.length;
  while (a < b) {
    const m = (a + b) >> 1;
    if (r.c[m] + r.n[m] <= e) a = m + 1;
    else b = m;
  }
  return a;
}

/** A Blosc sink (and plain byte writer) that puts a chunk's bytes where its runs go in the output. */
function regionSink(out: OutViews, r: Runs, itemsize: number, chunkBytes: number): BloscSink {
  return {
    bytes(at, src, off, n) {
      const end = Math.min(at + n, chunkBytes);
      for (let i = firstRun(r, Math.floor(at / itemsize)); i < r.c.length; i++) {
        const cb = r.c[i] * itemsize;
        if (cb >= end) break;
        const a = Math.max(at, cb), b = Math.min(end, cb + r.n[i] * itemsize);
        if (b > a) out.u8.set(src.subarray(off + a - at, off + b - at), r.o[i] * itemsize + a - cb);
      }
    },
    shuffled(at, count, typesize, streams, offs) {
      const end = at + count;
      for (let i = firstRun(r, at); i < r.c.length; i++) {
        const c = r.c[i];
        if (c >= end) break;
        const a = Math.max(at, c), b = Math.min(end, c + r.n[i]);
        if (b > a) unshuffleInto(out, r.o[i] + a - c, b - a, typesize, streams, offs, a - at);
      }
    },
  };
}

async function bytesDecoders(plan: Plan): Promise<BytesDecoder[]> {
  const meta = { dataType: plan.dtype, shape: plan.chunks, codecs: [], fillValue: 0 };
  return Promise.all(
    plan.codecs.map(async ({ name, configuration }) => {
      const Codec = (await registry.get(name)!()) as unknown as { fromConfig(c: unknown, m: unknown): BytesDecoder & { kind?: string } };
      const codec = Codec.fromConfig(configuration, meta);
      if (codec.kind !== undefined && codec.kind !== 'bytes_to_bytes') throw new Error(`codec ${name} is not a bytes codec`);
      return codec;
    }),
  );
}

const decoderCache = new WeakMap<Plan, Promise<BytesDecoder[]>>();

const PAGE = 4096;
const SLICE = 64 * PAGE; // ~1 ms of page faults on the benchmark VM: I/O callbacks wait at most that long

/**
 * Takes the output's first-touch page faults in the main thread's idle time: in slices between
 * I/O callbacks while chunks are on the network, writing a zero into each page that no arrived
 * chunk covers (`claimed`, one byte per 4 KiB of output; a chunk claims its pages before it is
 * decoded, so a zero never lands on pixels), until every page is touched or the read is over.
 *
 * Why: a fresh 33.5 MB output costs ~100 ms of page faults on the VMs we measure on
 * (bench/refs-read), as much as all decoding, and the main thread waits for bytes for much of a
 * read. A helper thread cannot take them instead: page faults of one process serialize
 * (measured: two threads faulting at once each took twice as long; two processes did not), so a
 * worker pre-faulting the output only slowed the main thread's own faults. Node only
 * (setImmediate): a browser's allocator and scheduling differ, and nothing there was measured.
 */
function prefaultWhileWaiting(u8: Uint8Array, claimed: Uint8Array, over: () => boolean): void {
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  if (!immediate) return;
  let i = 0;
  const slice = () => {
    if (over()) return;
    const end = Math.min(u8.length, i + SLICE);
    for (; i < end; i += PAGE) if (!claimed[i >> 12]) u8[i] = 0;
    if (i < u8.length) immediate(slice);
  };
  immediate(slice);
}

/** Marks the output pages (4 KiB of bytes from its start) that a chunk's runs write. */
function claim(claimed: Uint8Array, r: Runs, itemsize: number): void {
  for (let i = 0; i < r.c.length; i++) {
    const a = (r.o[i] * itemsize) >> 12, b = ((r.o[i] + r.n[i]) * itemsize - 1) >> 12;
    for (let k = a; k <= b; k++) claimed[k] = 1;
  }
}

/** A region of `arr`: the same result as `zarr.get(arr, selection, opts)`. */
export async function readRegion<D extends zarr.DataType>(
  arr: zarr.Array<D, zarr.Readable>,
  selection?: Selection,
  opts: { signal?: AbortSignal } = {},
): Promise<zarr.Chunk<D>> {
  registerCodecs();
  const a = arr as unknown as zarr.Array<zarr.DataType, zarr.Readable>;
  let planP = plans.get(a);
  if (!planP) plans.set(a, (planP = readPlan(a)));
  const plan = await planP;
  const sel = plan && normalize(selection, plan.shape);
  if (!plan || !sel) return zarr.get(arr, selection ?? null, opts) as Promise<zarr.Chunk<D>>;
  const { signal } = opts;
  signal?.throwIfAborted();
  const { start, stop, kept } = sel;
  const nd = plan.shape.length;
  const outShape = start.map((x, d) => stop[d] - x).filter((_, d) => kept[d]);
  const outStrideKept: number[] = new Array(outShape.length);
  let size = 1;
  for (let k = outShape.length - 1; k >= 0; k--) (outStrideKept[k] = size), (size *= outShape[k]);
  const outStride: number[] = [];
  for (let d = 0, k = 0; d < nd; d++) outStride.push(kept[d] ? outStrideKept[k++] : 0);

  const data = new plan.Ctor(size);
  const views: OutViews = {
    u8: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    u16: plan.itemsize === 2 ? new Uint16Array(data.buffer, data.byteOffset, size) : undefined,
    u32: plan.itemsize === 4 ? new Uint32Array(data.buffer, data.byteOffset, size) : undefined,
  };
  const chunkBytes = plan.chunks.reduce((x, y) => x * y, 1) * plan.itemsize;
  const fill = (a as { fillValue?: unknown }).fillValue;
  let decoders: Promise<BytesDecoder[]> | undefined;
  if (plan.codecs.length) {
    decoders = decoderCache.get(plan);
    if (!decoders) decoderCache.set(plan, (decoders = bytesDecoders(plan)));
  }
  const blosc = plan.codecs.length === 1 && /^(numcodecs\.)?blosc$/.test(plan.codecs[0].name);

  const lo = start.map((x, d) => Math.floor(x / plan.chunks[d]));
  const hi = stop.map((x, d) => Math.ceil(x / plan.chunks[d]));
  const store = a.store as unknown as Store;
  const jobs: Promise<void>[] = [];
  // large outputs: pages touched ahead of the decoders (prefaultWhileWaiting)
  const claimed = data.byteLength >= 16 * SLICE ? new Uint8Array(Math.ceil(data.byteLength / PAGE)) : null;
  const fillRuns = (runs: Runs) => {
    if (fill === null || fill === undefined || fill === 0 || fill === 0n) return;
    for (let i = 0; i < runs.c.length; i++) (data.fill as (v: unknown, s: number, e: number) => void)(fill, runs.o[i], runs.o[i] + runs.n[i]);
  };
  /** Where a chunk goes: its runs, claimed before its first byte is written. */
  const target = (coords: number[]) => {
    const runs = chunkRuns(coords, plan.chunks, start, stop, outStride);
    if (claimed) claim(claimed, runs, plan.itemsize);
    return runs;
  };
  const sizeMessage = (n: number) => `${n} bytes, but a chunk of ${plan.chunks.join('×')} ${plan.dtype} has ${chunkBytes}; the reference or the data file is wrong`;
  const wrongSize = (key: string, n: number) => new Error(`chunk ${key} (raw): ${sizeMessage(n)}`);
  // Uncompressed chunks of our reference store: their bytes go from the transport's receive
  // buffer straight into the output (streamRanges), never through a buffer per chunk or read.
  const locator = !plan.codecs.length && typeof (store as Partial<Locator>).locate === 'function' ? (store as Locator) : null;
  const streams = new Map<ByteSource, { ranges: ByteRange[]; coords: number[][] }>();
  /** A chunk through the store's `get`, decoded into its place in the output. */
  const getAndDecode = async (key: string, coords: number[]): Promise<void> => {
    const bytes = await store.get(key, { signal });
    signal?.throwIfAborted();
    const runs = target(coords);
    if (!bytes) return fillRuns(runs);
    const sink = regionSink(views, runs, plan.itemsize, chunkBytes);
    try {
      if (blosc && bloscHeader(bytes).supported) {
        decodeBloscInto(bytes, sink);
        return;
      }
      let b = bytes;
      if (decoders) {
        const list = await decoders;
        for (let i = list.length - 1; i >= 0; i--) b = await list[i].decode(b);
      } else if (b.length !== chunkBytes) throw new Error(sizeMessage(b.length));
      sink.bytes(0, b, 0, b.length);
    } catch (e) {
      if (signal?.aborted) throw e;
      const codec = plan.codecs.map((x) => x.name).join(' + ') || 'raw';
      throw new Error(`chunk ${key} (${codec}): ${(e as Error)?.message ?? e}`, { cause: e });
    }
  };
  const c = lo.slice();
  try {
    for (;;) {
      const coords = c.slice();
      const key = a.resolve(plan.key(coords)).path;
      const loc = locator?.locate(key);
      if (locator && loc === undefined) fillRuns(target(coords));
      else if (loc && 'bytes' in loc) {
        if (loc.bytes.length !== chunkBytes) throw wrongSize(key, loc.bytes.length);
        regionSink(views, target(coords), plan.itemsize, chunkBytes).bytes(0, loc.bytes, 0, chunkBytes);
      } else if (loc && loc.offset !== undefined && loc.length !== undefined) {
        if (loc.length !== chunkBytes) throw wrongSize(key, loc.length);
        let s = streams.get(loc.source);
        if (!s) streams.set(loc.source, (s = { ranges: [], coords: [] }));
        s.ranges.push({ offset: loc.offset, length: loc.length });
        s.coords.push(coords);
      } else jobs.push(getAndDecode(key, coords));
      let d = nd - 1;
      while (d >= 0 && ++c[d] === hi[d]) (c[d] = lo[d]), d--;
      if (d < 0) break;
    }
  } catch (e) {
    for (const j of jobs) j.catch(() => {}); // the read fails here: no unhandled rejections later
    throw e;
  }
  for (const [source, s] of streams) {
    const sinks: (BloscSink | undefined)[] = new Array(s.ranges.length);
    jobs.push(
      streamRanges(source, s.ranges, (i, at, bytes) => {
        const sink = (sinks[i] ??= regionSink(views, target(s.coords[i]), plan.itemsize, chunkBytes));
        sink.bytes(at, bytes, 0, bytes.length);
      }, { ...locator?.coalesce, signal }),
    );
  }
  let settled = false; // an aborted or failed read stops the pre-faulting too
  if (claimed) prefaultWhileWaiting(views.u8, claimed, () => settled);
  try {
    await Promise.all(jobs);
  } finally {
    settled = true;
  }
  return { data, shape: outShape, stride: outStrideKept } as unknown as zarr.Chunk<D>;
}
