/**
 * The converter's three passes over a range of rows, whatever holds the records: read them block by
 * block (`PassIo.block`), run the kernels and (pass 3) write each node's records at its place in
 * octree.bin (`PassIo.write`). Node reads and writes files (tasks-node.ts, also in worker threads);
 * the browser reads and writes arrays (convert-memory.ts). Several ranges run at once write disjoint
 * byte ranges, so they need no locks.
 */
import { CellTable } from './grid.js';
import { type ColumnRange, countBlock, locateBlock, type Locator, placeRows, type Quant, rangeBlock, sampleBlock } from './kernels.js';
import type { Grid } from './grid.js';
import { type MinTable, newMinTable } from './poisson.js';
import type { InputTable, RecordPlan } from './record-plan.js';

interface Common {
  plan: RecordPlan;
  /** Global rows [start, end): the tables one after the other. */
  start: number;
  end: number;
  blockRows: number;
  where: string;
}

/** Serialized CellTable (structured clone keeps typed arrays and Maps, not classes). */
type CellData = { dense?: Float64Array; map?: Map<number, number> };

/** A level's non-zero counts: a row range's share of each cell it holds points of. */
export interface CellCounts {
  cells: Float64Array;
  values: Float64Array;
}

export type Pass =
  | ({ kind: 'range' } & Common)
  | ({ kind: 'sample'; grid: Grid; seed: number; res: number; limit: number } & Common)
  | ({ kind: 'count'; loc: Locator; denseLimit: number } & Common)
  | ({
      kind: 'place';
      loc: Locator;
      q: Quant;
      index: CellData[];
      nodes: number;
      /** each node's byte offset in octree.bin */
      offsets: Float64Array;
      /** each task's rows of each node before it, a row per task and one more (convert.ts rowsBefore) */
      before: Uint32Array;
      task: number;
      /** rows the output block holds: the task's at most */
      outRows: number;
    } & Common);

export type PassResult = { ranges: ColumnRange[][] } | { table: MinTable } | { counts: CellCounts[] } | { written: number };

export interface PassIo {
  tables: InputTable[];
  /** Records [row, row + n) of table `t`: into `buf` (n records long), or a view of them held already. */
  block(t: number, row: number, n: number, buf: Uint8Array): Uint8Array;
  /** Writes a block's runs (pass 3): `parts[i]` at byte `at[i]` of octree.bin. */
  write(parts: Uint8Array[], at: number[]): void;
}

/**
 * Block-sized arrays kept from one range to the next: a thread runs many ranges of a pass, and
 * fresh arrays of tens of megabytes for each cost more in page faults than the pass's work (seen:
 * 2 s of system time in 8 s).
 */
const kept = new Map<string, ArrayBuffer>();
type ArrayOf<T> = { new (b: ArrayBuffer, o: number, n: number): T; BYTES_PER_ELEMENT: number };
function scratch<T>(name: string, C: ArrayOf<T>, n: number): T {
  let b = kept.get(name);
  if (!b || b.byteLength < n * C.BYTES_PER_ELEMENT) kept.set(name, (b = new ArrayBuffer(n * C.BYTES_PER_ELEMENT)));
  return new C(b, 0, n);
}

/** Lets the kept arrays go (a conversion in this thread is over). */
export function dropScratch(): void {
  kept.clear();
}

/** Calls f for each block of records in the pass's rows. */
function eachBlock(pass: Common, io: PassIo, f: (t: number, block: Uint8Array, rows: number, row0: number) => void, progress?: (rows: number) => void) {
  let first = 0;
  io.tables.forEach((tbl, t) => {
    const a = Math.max(pass.start, first);
    const b = Math.min(pass.end, first + tbl.rows);
    const stride = tbl.layout.stride;
    if (a < b) {
      const buf = scratch(`in${stride}`, Uint8Array, pass.blockRows * stride);
      for (let r = a; r < b; r += pass.blockRows) {
        const n = Math.min(pass.blockRows, b - r);
        f(t, io.block(t, r - first, n, buf), n, r);
        progress?.(n);
      }
    }
    first += tbl.rows;
  });
}

export function runPass(pass: Pass, io: PassIo, progress?: (rows: number) => void): PassResult {
  if (pass.kind === 'range') {
    const ranges = io.tables.map((t) => t.layout.columns.map(() => ({ min: Infinity, max: -Infinity })));
    eachBlock(pass, io, (t, block, rows, row0) => {
      const tbl = io.tables[t]!;
      const cols = tbl.layout.columns.map((c) => ({ name: c.name, offset: c.byteOffset, dtype: c.dtype }));
      rangeBlock(block, rows, tbl.layout.stride, cols, ranges[t]!, row0, `${pass.where}: table ${tbl.name}`);
    }, progress);
    return { ranges };
  }
  if (pass.kind === 'sample') {
    const table = newMinTable();
    const keys = scratch('keys', Float64Array, pass.blockRows);
    eachBlock(pass, io, (t, block, rows, row0) => {
      sampleBlock(block, rows, io.tables[t]!.layout.stride, pass.plan.tables[t]!, row0, pass.grid, pass.seed, pass.res, table, keys, pass.limit, pass.where);
    }, progress);
    return { table };
  }
  if (pass.kind === 'count') {
    const level = scratch('level', Uint8Array, pass.blockRows);
    const cell = scratch('cell', Float64Array, pass.blockRows);
    const counts = pass.loc.grid.cells.map((n) => new CellTable(n, pass.denseLimit));
    eachBlock(pass, io, (t, block, rows, row0) => {
      locateBlock(block, rows, io.tables[t]!.layout.stride, pass.plan.tables[t]!, row0, pass.loc, level, cell);
      countBlock(rows, level, cell, counts);
    }, progress);
    // only the cells this range holds points of: the caller keeps every range's counts until it
    // knows the nodes, and a range holds few of a level's cells
    return { counts: counts.map((c) => c.nonZero()) };
  }
  const index = pass.index.map((d) => CellTable.from(d));
  const S = pass.plan.stride;
  const out = scratch('out', Uint8Array, pass.outRows * S);
  const level = scratch('level', Uint8Array, pass.blockRows);
  const cell = scratch('cell', Float64Array, pass.blockRows);
  const nodeOf = scratch('nodeOf', Uint32Array, pass.blockRows);
  // each node's next slot in `out` (records): the task's nodes one after the other, in node order
  const slot = scratch('slot', Uint32Array, pass.nodes);
  const first = scratch('first', Uint32Array, pass.nodes);
  slotsOf(pass, slot, first);
  eachBlock(pass, io, (t, block, rows, row0) => {
    const stride = io.tables[t]!.layout.stride;
    locateBlock(block, rows, stride, pass.plan.tables[t]!, row0, pass.loc, level, cell);
    placeRows(block, rows, stride, pass.plan.tables[t]!, pass.plan, pass.q, level, cell, index, slot, nodeOf, out);
  }, progress);
  const { parts, at } = runsOf(pass, first, slot, out);
  io.write(parts, at);
  return { written: (pass.end - pass.start) * S };
}

type Place = Extract<Pass, { kind: 'place' }>;
const rowsOf = (p: Place, k: number) => p.before[(p.task + 1) * p.nodes + k]! - p.before[p.task * p.nodes + k]!;

/**
 * Each node's first slot in the task's output block, in `first` and `slot`. Functions of their own,
 * with the write's runs: a loop over the nodes in runPass made V8 compile it whole, every kernel
 * inlined (~18 ms of TurboFan in each thread).
 */
function slotsOf(p: Place, slot: Uint32Array, first: Uint32Array): void {
  let at = 0;
  for (let k = 0; k < p.nodes; k++) {
    first[k] = slot[k] = at;
    at += rowsOf(p, k);
  }
  if (at !== p.end - p.start) throw new RangeError(`${p.where}: pass 2 counted ${at} points for rows ${p.start}–${p.end}`);
}

/** The task's run of each node it holds points of, and where it goes in octree.bin. */
function runsOf(p: Place, first: Uint32Array, slot: Uint32Array, out: Uint8Array): { parts: Uint8Array[]; at: number[] } {
  const S = p.plan.stride;
  const parts: Uint8Array[] = [];
  const at: number[] = [];
  for (let k = 0; k < p.nodes; k++) {
    const n = rowsOf(p, k);
    // a row placed in another node's slots would leave its own short: a bug (a RangeError, reported
    // as one), never a wrong octree
    if (slot[k] !== first[k]! + n) throw new RangeError(`${p.where}: node ${k} got ${slot[k]! - first[k]!} points of rows ${p.start}–${p.end}, pass 2 counted ${n}`);
    if (n === 0) continue;
    parts.push(out.subarray(first[k]! * S, (first[k]! + n) * S));
    at.push(p.offsets[k]! + p.before[p.task * p.nodes + k]! * S);
  }
  return { parts, at };
}
