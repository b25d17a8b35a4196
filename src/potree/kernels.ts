/**
 * The converter's inner loops over one block of input records (little-endian, as stored in a
 * `.smlm` table): the extent and column ranges (pass 1), each point's level and cell (passes 2
 * and 3), and the Potree records of a block grouped by node (pass 3). Pure: the caller reads the
 * blocks and writes the runs, in one thread or in several.
 */
import type { SmlmDType } from '../smlm/types.js';
import type { CellTable, Grid } from './grid.js';
import { hashRow, hashRowSigned } from './lod.js';
import type { RecordPlan, TablePlan } from './record-plan.js';
import { find, type MinTable, putMin } from './poisson.js';

type Getter = (dv: DataView, o: number) => number;

function getter(dtype: SmlmDType): Getter {
  switch (dtype) {
    case 'float32': return (dv, o) => dv.getFloat32(o, true);
    case 'float64': return (dv, o) => dv.getFloat64(o, true);
    case 'uint8': return (dv, o) => dv.getUint8(o);
    case 'uint16': return (dv, o) => dv.getUint16(o, true);
    case 'uint32': return (dv, o) => dv.getUint32(o, true);
  }
}

function setter(dtype: SmlmDType): (dv: DataView, o: number, v: number) => void {
  switch (dtype) {
    case 'float32': return (dv, o, v) => dv.setFloat32(o, v, true);
    case 'float64': return (dv, o, v) => dv.setFloat64(o, v, true);
    case 'uint8': return (dv, o, v) => dv.setUint8(o, v);
    case 'uint16': return (dv, o, v) => dv.setUint16(o, v, true);
    case 'uint32': return (dv, o, v) => dv.setUint32(o, v, true);
  }
}

const dataView = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

const VIEW = { float32: Float32Array, float64: Float64Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array } as const;

/**
 * Column `offset` of records `stride` bytes apart as a typed array and the step between rows, when
 * the bytes are aligned for it (reading through a typed array is ~3× faster than a DataView getter
 * here); undefined otherwise. Little-endian hosts only, as the records are.
 */
function columnView(block: Uint8Array, rows: number, stride: number, offset: number, dtype: SmlmDType): { a: ArrayLike<number>; step: number; first: number } | undefined {
  const C = VIEW[dtype];
  const size = C.BYTES_PER_ELEMENT;
  if (!LITTLE_ENDIAN || stride % size || offset % size || block.byteOffset % size) return undefined;
  return { a: new C(block.buffer as ArrayBuffer, block.byteOffset, Math.floor((rows * stride) / size)), step: stride / size, first: offset / size };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Per column of one table: min and max (NaN skipped), x/y/z checked finite. */
export interface ColumnRange {
  min: number;
  max: number;
  /** uint8 columns: how many rows hold each value (Potree's histogram for one-byte attributes). */
  hist?: number[];
}

/**
 * The ranges of a block's columns. Each column is scanned by one small top-level loop, through a
 * typed array (over the records where aligned for one, else over the column read out), with the
 * checks after it: one loop holding it all (a closure per block, a branch per dtype) was
 * deoptimized on each new dtype and on its first check, and ran in the interpreter meanwhile, one
 * boxed number per value (seen: 180 scavenges in the first pass of a two-thread run).
 */
export function rangeBlock(block: Uint8Array, rows: number, stride: number, cols: { name: string; offset: number; dtype: SmlmDType }[], ranges: ColumnRange[], row0: number, where: string): void {
  const dv = dataView(block);
  const acc = new Float64Array(2);
  for (let j = 0; j < cols.length; j++) {
    const c = cols[j]!;
    const r = ranges[j]!;
    acc[0] = r.min;
    acc[1] = r.max;
    const view = columnView(block, rows, stride, c.offset, c.dtype);
    if (view) scanView(view.a, view.first, view.step, rows, acc);
    else {
      // values not aligned for a typed array (rare): read through a getter, then the same scan
      const get = getter(c.dtype);
      const col = new Float64Array(rows);
      for (let k = 0, o = c.offset; k < rows; k++, o += stride) col[k] = get(dv, o);
      scanView(col, 0, 1, rows, acc);
    }
    // a point without a place cannot go in a box
    if ((c.name === 'x' || c.name === 'y' || c.name === 'z') && scannedBad !== 0) {
      const get = getter(c.dtype);
      for (let k = 0, o = c.offset; k < rows; k++, o += stride) {
        const v = get(dv, o);
        if (!Number.isFinite(v)) throw new Error(`${where}: row ${row0 + k}: ${c.name} is ${v}, not a finite coordinate`);
      }
    }
    r.min = scannedLo;
    r.max = scannedHi;
    if (c.dtype === 'uint8') {
      const h = (r.hist ??= new Array(256).fill(0));
      for (let k = 0, o = c.offset; k < rows; k++, o += stride) h[block[o]!]!++;
    }
  }
}

/**
 * scanView's results: min and max (NaN skipped) of the values and of acc[0], acc[1] (the range so
 * far, read as doubles: given as arguments they came boxed, and the loop got ~25 % slower);
 * `scannedBad` 0 while every value is finite (v·0 is NaN for NaN and ±Infinity). Module variables,
 * not stores into an array or an object: V8 compiles scanView's loop while the first block runs it,
 * before the code after the loop has run once, and such stores (which need type feedback, none
 * yet) deoptimized it in each thread; a variable needs none.
 */
let scannedLo = 0;
let scannedHi = 0;
let scannedBad = 0;

function scanView(a: ArrayLike<number>, first: number, step: number, rows: number, acc: Float64Array): void {
  let lo = acc[0]!;
  let hi = acc[1]!;
  let bad = 0;
  for (let k = 0, i = first; k < rows; k++, i += step) {
    const v = a[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    bad += v * 0;
  }
  scannedLo = lo;
  scannedHi = hi;
  scannedBad = bad;
}

export interface Locator {
  grid: Grid;
  /** Hash limits per level, compared with hashRowSigned (lod.ts hashLimits). */
  limits: number[];
  seed: number;
  /** Poisson sampling (poisson.ts): the finest sampling cells' winners and their levels. */
  poisson?: { table: MinTable; res: number };
}

/** Reading a record's x, y, z (z absent: none) and the factor to cells at `res` per axis of the cube. */
function coordinates(block: Uint8Array, t: TablePlan, grid: Grid, res: number) {
  return {
    dv: dataView(block),
    k: res / (grid.cube.max[0] - grid.cube.min[0]),
    min: grid.cube.min,
    gx: getter(t.xyz[0]!.dtype),
    gy: getter(t.xyz[1]!.dtype),
    gz: t.xyz[2] ? getter(t.xyz[2].dtype) : undefined,
    ox: t.xyz[0]!.offset,
    oy: t.xyz[1]!.offset,
    oz: t.xyz[2]?.offset ?? 0,
  };
}

/** One row's sampling cell at resolution `res` per axis of the cube (poisson.ts). */
function samplingKeys(block: Uint8Array, rows: number, stride: number, t: TablePlan, grid: Grid, res: number, out: Float64Array): void {
  const { dv, k, min, gx, gy, gz, ox, oy, oz } = coordinates(block, t, grid, res);
  const [mx, my, mz] = min;
  const clamp = (v: number) => (v < 0 ? 0 : v >= res ? res - 1 : v);
  for (let r = 0, o = 0; r < rows; r++, o += stride) {
    const sx = clamp(Math.floor((gx(dv, o + ox) - mx) * k));
    const sy = clamp(Math.floor((gy(dv, o + oy) - my) * k));
    const sz = clamp(gz ? Math.floor((gz(dv, o + oz) - mz) * k) : Math.floor(-mz * k));
    out[r] = (sx * res + sy) * res + sz;
  }
}

/** Poisson's first look at the rows: the smallest row hash in each finest sampling cell. */
export function sampleBlock(block: Uint8Array, rows: number, stride: number, t: TablePlan, row0: number, grid: Grid, seed: number, res: number, table: MinTable, keys: Float64Array, limit: number, where: string): void {
  samplingKeys(block, rows, stride, t, grid, res, keys);
  for (let r = 0; r < rows; r++) putMin(table, keys[r]!, hashRow(row0 + r, seed), limit, where);
}

/**
 * Each record's level (from the hash of its global row number) and its cell index at that level.
 * Three small loops rather than one: levels, then cells through a Float32Array when x, y, z are
 * aligned float32 (the usual .smlm), else through DataView getters. One loop doing all of it (and
 * one placing loop) was deoptimized and recompiled again and again, in each thread, while both cores
 * were busy converting: ~0.5 s of a two-thread run's CPU went to compiling the two (--trace-opt),
 * ~0.1 s after the split.
 */
export function locateBlock(block: Uint8Array, rows: number, stride: number, t: TablePlan, row0: number, loc: Locator, level: Uint8Array, cell: Float64Array): void {
  const last = loc.limits.length - 1;
  if (loc.poisson) {
    samplingKeys(block, rows, stride, t, loc.grid, loc.poisson.res, cell); // cell[] holds the keys until cellsOf
    poissonLevels(rows, row0, loc.seed, loc.poisson.table, last, cell, level);
  } else hashLevels(rows, row0, loc.seed, loc.limits, level);
  const f = float32xyz(block, rows, stride, t);
  if (f) cellsOfFloat32(f, rows, loc.grid, level, cell);
  else cellsOf(block, rows, stride, t, loc.grid, level, cell);
}

/**
 * Each row's level: the first L with hashRowSigned < limits[L], the deepest one at most. Most rows
 * (3 in 4 at growth 4) belong to the deepest level, so that is asked first: one comparison for them
 * instead of one per level; the int32 hash keeps the loop in 32-bit integers (~25 % faster than
 * comparing the unsigned hash, a double past 2³¹, level by level).
 */
function hashLevels(rows: number, row0: number, seed: number, limits: number[], level: Uint8Array): void {
  const last = limits.length - 1;
  const deep = last > 0 ? limits[last - 1]! : -Infinity;
  for (let r = 0; r < rows; r++) {
    const h = hashRowSigned(row0 + r, seed);
    let L = last;
    if (h < deep) {
      L = 0;
      while (h >= limits[L]!) L++;
    }
    level[r] = L;
  }
}

/** A row wins its finest sampling cell, hence is kept from that cell's winner's level, or goes to the leaves. */
function poissonLevels(rows: number, row0: number, seed: number, table: MinTable, last: number, keys: Float64Array, level: Uint8Array): void {
  for (let r = 0; r < rows; r++) {
    const i = find(table, keys[r]!);
    level[r] = i >= 0 && table.mins[i] === hashRow(row0 + r, seed) ? table.levels[i]! : last;
  }
}

/** x, y (and z) of the block's records as one Float32Array and word offsets, when all are aligned float32. */
function float32xyz(block: Uint8Array, rows: number, stride: number, t: TablePlan) {
  const [x, y, z] = t.xyz;
  if (!LITTLE_ENDIAN || stride % 4 || block.byteOffset % 4 || !x || !y) return undefined;
  if (![x, y, z].every((c) => !c || (c.dtype === 'float32' && c.offset % 4 === 0))) return undefined;
  const a = new Float32Array(block.buffer as ArrayBuffer, block.byteOffset, (rows * stride) >> 2);
  return { a, step: stride >> 2, ox: x.offset >> 2, oy: y.offset >> 2, oz: z ? z.offset >> 2 : -1 };
}

/** The deepest level's cell of a coordinate, clamped to the grid, at level L (shift s = depth − L). */
const cellAxis = (v: number, n: number, s: number) => (v < 0 ? 0 : v >= n ? n - 1 : v) >> s;

function cellsOfFloat32(f: NonNullable<ReturnType<typeof float32xyz>>, rows: number, grid: Grid, level: Uint8Array, cell: Float64Array): void {
  const D = grid.depth;
  const n = 2 ** D;
  const k = n / (grid.cube.max[0] - grid.cube.min[0]);
  const [mx, my, mz] = grid.cube.min;
  // typed arrays: plain ones built by map() came with elements kinds that varied between passes
  const ny = Int32Array.from(grid.dims, (d) => d[1]);
  const nz = Int32Array.from(grid.dims, (d) => d[2]);
  const { a, step, ox, oy, oz } = f;
  const z0 = Math.floor(-mz * k);
  for (let r = 0, i = 0; r < rows; r++, i += step) {
    const L = level[r]!;
    const s = D - L;
    const ix = cellAxis(Math.floor((a[i + ox]! - mx) * k), n, s);
    const iy = cellAxis(Math.floor((a[i + oy]! - my) * k), n, s);
    const iz = cellAxis(oz < 0 ? z0 : Math.floor((a[i + oz]! - mz) * k), n, s);
    cell[r] = (ix * ny[L]! + iy) * nz[L]! + iz;
  }
}

function cellsOf(block: Uint8Array, rows: number, stride: number, t: TablePlan, grid: Grid, level: Uint8Array, cell: Float64Array): void {
  const D = grid.depth;
  const n = 2 ** D;
  const { dv, k, min, gx, gy, gz, ox, oy, oz } = coordinates(block, t, grid, n);
  const [mx, my, mz] = min;
  const ny = Int32Array.from(grid.dims, (d) => d[1]);
  const nz = Int32Array.from(grid.dims, (d) => d[2]);
  for (let r = 0, o = 0; r < rows; r++, o += stride) {
    const L = level[r]!;
    const s = D - L;
    const ix = cellAxis(Math.floor((gx(dv, o + ox) - mx) * k), n, s);
    const iy = cellAxis(Math.floor((gy(dv, o + oy) - my) * k), n, s);
    const iz = cellAxis(gz ? Math.floor((gz(dv, o + oz) - mz) * k) : Math.floor(-mz * k), n, s);
    cell[r] = (ix * ny[L]! + iy) * nz[L]! + iz;
  }
}

export function countBlock(rows: number, level: Uint8Array, cell: Float64Array, counts: CellTable[]): void {
  for (let r = 0; r < rows; r++) counts[level[r]!]!.add(cell[r]!, 1);
}

/**
 * Math.round without its branch: V8 compiles Math.round(x) as ⌈x⌉ and a branch on whether
 * ⌈x⌉ − ½ > x, which a coordinate's fraction makes a coin toss (placeWords's three roundings
 * took ~25 ns of its ~40 ns per record on random positions; this form ~2 ns). ⌊x + ½⌋ is
 * Math.round(x) except where x + ½ rounds up to the next power of two (x = 0.49999999999999994),
 * which the second test, never true otherwise, corrects. The same value for every x (checked
 * against Math.round on ties, their neighbours and random doubles in the tests), −0 aside (stored as 0).
 */
export const roundHalfUp = (x: number): number => {
  const y = Math.floor(x + 0.5);
  return y - 0.5 > x ? y - 1 : y;
};

export interface Quant {
  scale: [number, number, number];
  offset: [number, number, number];
}

/**
 * Views for placeRows's fast path, when it applies: records in whole aligned 4-byte words, x and y
 * (and z, if present) float32, every other output column a copied span of words.
 */
function fastWords(block: Uint8Array, rows: number, inStride: number, t: TablePlan, S: number, out: Uint8Array) {
  if (!LITTLE_ENDIAN || inStride % 4 || S % 4 || block.byteOffset % 4 || out.byteOffset % 4) return undefined;
  const [x, y, z] = t.xyz;
  if (![x, y, z].every((c) => !c || (c.dtype === 'float32' && c.offset % 4 === 0)) || !x || !y) return undefined;
  for (const op of t.ops) if (op.kind !== 'copy' || op.src % 4 || op.dst % 4 || op.len % 4) return undefined;
  const spans = t.ops as { src: number; dst: number; len: number }[];
  const words = (rows * inStride) >> 2;
  return {
    in32: new Int32Array(block.buffer as ArrayBuffer, block.byteOffset, words),
    inF: new Float32Array(block.buffer as ArrayBuffer, block.byteOffset, words),
    out32: new Int32Array(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength >> 2),
    src: Int32Array.from(spans, (op) => op.src >> 2),
    dst: Int32Array.from(spans, (op) => op.dst >> 2),
    len: Int32Array.from(spans, (op) => op.len >> 2),
    xo: x.offset >> 2,
    yo: y.offset >> 2,
    zo: z ? z.offset >> 2 : -1,
  };
}

/**
 * Rows' Potree records, each at its node's next slot of `out` (`slot`: records, by node number,
 * advanced past each record placed). `index` maps each level's cells to node numbers. The node
 * lookup, the common case's copy and the general copy are three functions, so that each is
 * compiled for what it runs (see locateBlock).
 */
export function placeRows(
  block: Uint8Array, rows: number, inStride: number, t: TablePlan, plan: RecordPlan, q: Quant,
  level: Uint8Array, cell: Float64Array, index: CellTable[], slot: Uint32Array, nodeOf: Uint32Array, out: Uint8Array,
): void {
  nodesOf(rows, level, cell, index, nodeOf);
  const fast = fastWords(block, rows, inStride, t, plan.stride, out);
  if (fast) placeWords(fast, rows, inStride, plan.stride, q, slot, nodeOf);
  else placeAny(block, rows, inStride, t, plan.stride, q, slot, nodeOf, out);
}

/** Each row's node. */
function nodesOf(rows: number, level: Uint8Array, cell: Float64Array, index: CellTable[], nodeOf: Uint32Array): void {
  for (let r = 0; r < rows; r++) nodeOf[r] = index[level[r]!]!.get(cell[r]!);
}

/**
 * The common case — x, y, z float32 and every other column copied in whole 4-byte words — in one
 * loop without per-column dispatch: 6–13 % less time than the general loop (256k rows of 8
 * float32/uint32 columns, random and sorted); the rest is the scattered writes themselves.
 */
function placeWords(f: NonNullable<ReturnType<typeof fastWords>>, rows: number, inStride: number, S: number, q: Quant, slot: Uint32Array, nodeOf: Uint32Array): void {
  const { in32, inF, out32, src, dst, len, xo, yo, zo } = f;
  const [sx, sy, sz] = q.scale;
  const [qx, qy, qz] = q.offset;
  const SW = S >> 2;
  const IW = inStride >> 2;
  const ns = src.length;
  const z0 = Math.round((0 - qz) / sz);
  for (let r = 0, i = 0; r < rows; r++, i += IW) {
    const o = slot[nodeOf[r]!]++ * SW;
    out32[o] = roundHalfUp((inF[i + xo]! - qx) / sx);
    out32[o + 1] = roundHalfUp((inF[i + yo]! - qy) / sy);
    out32[o + 2] = zo < 0 ? z0 : roundHalfUp((inF[i + zo]! - qz) / sz);
    for (let k = 0; k < ns; k++) {
      const d = o + dst[k]!;
      const a = i + src[k]!;
      for (let w = 0, n = len[k]!; w < n; w++) out32[d + w] = in32[a + w]!;
    }
  }
}

/** Any record layout: values through DataViews, spans in words where aligned, else bytes. */
function placeAny(block: Uint8Array, rows: number, inStride: number, t: TablePlan, S: number, q: Quant, slot: Uint32Array, nodeOf: Uint32Array, out: Uint8Array): void {
  const [sx, sy, sz] = q.scale;
  const [qx, qy, qz] = q.offset;
  const ops = t.ops;
  const dv = dataView(block);
  const odv = dataView(out);
  const coord = (a: number) => {
    const c = t.xyz[a];
    if (!c) return { view: undefined, get: () => 0, offset: 0 };
    return { view: columnView(block, rows, inStride, c.offset, c.dtype), get: getter(c.dtype), offset: c.offset };
  };
  const [cx, cy, cz] = [coord(0), coord(1), coord(2)];
  // whole 4-byte words where records and spans allow (most tables: float32/uint32 columns only)
  const words = inStride % 4 === 0 && S % 4 === 0 && ops.every((op) => op.kind !== 'copy' || (op.src % 4 === 0 && op.dst % 4 === 0 && op.len % 4 === 0));
  const in32 = words ? new Uint32Array(block.buffer, block.byteOffset, (rows * inStride) / 4) : undefined;
  const out32 = words ? new Uint32Array(out.buffer, out.byteOffset, Math.floor(out.byteLength / 4)) : undefined;
  const conv = ops.map((op) => (op.kind === 'convert' ? { get: getter(op.from), set: setter(op.to) } : undefined));
  for (let r = 0, i = 0; r < rows; r++, i += inStride) {
    const node = nodeOf[r]!;
    const o = slot[node]++ * S;
    const x = cx.view ? cx.view.a[cx.view.first + r * cx.view.step]! : cx.get(dv, i + cx.offset);
    const y = cy.view ? cy.view.a[cy.view.first + r * cy.view.step]! : cy.get(dv, i + cy.offset);
    const z = cz.view ? cz.view.a[cz.view.first + r * cz.view.step]! : cz.get(dv, i + cz.offset);
    odv.setInt32(o, roundHalfUp((x - qx) / sx), true);
    odv.setInt32(o + 4, roundHalfUp((y - qy) / sy), true);
    odv.setInt32(o + 8, roundHalfUp((z - qz) / sz), true);
    for (let p = 0; p < ops.length; p++) {
      const op = ops[p]!;
      if (op.kind === 'copy') {
        if (out32) {
          const s0 = (i + op.src) >> 2;
          const d0 = (o + op.dst) >> 2;
          for (let w = 0, n = op.len >> 2; w < n; w++) out32[d0 + w] = in32![s0 + w]!;
        } else {
          const s0 = i + op.src;
          const d0 = o + op.dst;
          for (let b = 0; b < op.len; b++) out[d0 + b] = block[s0 + b]!;
        }
      } else if (op.kind === 'fill') {
        const d0 = o + op.dst;
        for (let b = 0; b < op.bytes.length; b++) out[d0 + b] = op.bytes[b]!;
      } else conv[p]!.set(odv, o + op.dst, conv[p]!.get(dv, i + op.src));
    }
  }
}
