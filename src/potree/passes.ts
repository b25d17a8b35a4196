/**
 * The converter's three passes over a range of rows, whatever holds the records: read them block by
 * block (`PassIo.block`), run the kernels and (pass 3) write each node's records at its place in
 * octree.bin (`PassIo.write`). Node reads and writes files (tasks-node.ts, also in worker threads);
 * the browser reads and writes arrays (convert-memory.ts). Several ranges run at once write disjoint
 * byte ranges, so they need no locks.
 */
import { CellTable } from './grid.js';
import { type ColumnRange, countBlock, locateBlock, type Locator, placeBlock, type Quant, rangeBlock, sampleBlock } from './kernels.js';
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

/** Where a row range's records of each node it holds points of go in octree.bin. */
export interface NodeCursors {
  nodes: Uint32Array;
  at: Float64Array;
}

export type Pass =
  | ({ kind: 'range' } & Common)
  | ({ kind: 'sample'; grid: Grid; seed: number; res: number; limit: number } & Common)
  | ({ kind: 'count'; loc: Locator; denseLimit: number } & Common)
  | ({ kind: 'place'; loc: Locator; q: Quant; index: CellData[]; nodes: number; cursor: NodeCursors } & Common);

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

/**
 * Each node's next place in octree.bin, by node number. A function of its own: a loop in runPass
 * made V8 compile runPass whole (~18 ms, every kernel inlined) in each thread; a closure per task
 * (forEach) was recompiled for each task's new shape.
 */
function cursorOf(c: NodeCursors, nodes: number): Float64Array {
  const cursor = new Float64Array(nodes);
  for (let i = 0; i < c.nodes.length; i++) cursor[c.nodes[i]!] = c.at[i]!;
  return cursor;
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
  const inBlock = new Uint32Array(pass.nodes);
  const seen = new Uint32Array(pass.nodes);
  const nodeOf = scratch('nodeOf', Uint32Array, pass.blockRows);
  const out = scratch('out', Uint8Array, pass.blockRows * pass.plan.stride);
  // each row's level and cell are read up (into nodeOf) before the block's records are written
  // into `out`, so they live in its first 9 bytes per row: 9 MB less of fresh memory per thread
  // at a million rows a block, whose first touch costs more than the pass's work on it here (a VM
  // where a fresh megabyte costs 1–3 ms)
  const cell = new Float64Array(out.buffer, out.byteOffset, pass.blockRows);
  const level = new Uint8Array(out.buffer, out.byteOffset + 8 * pass.blockRows, pass.blockRows);
  const cursor = cursorOf(pass.cursor, pass.nodes);
  let written = 0;
  eachBlock(pass, io, (t, block, rows, row0) => {
    const stride = io.tables[t]!.layout.stride;
    locateBlock(block, rows, stride, pass.plan.tables[t]!, row0, pass.loc, level, cell);
    const runs = placeBlock(block, rows, stride, pass.plan.tables[t]!, pass.plan, pass.q, level, cell, index, inBlock, nodeOf, out, seen);
    const parts = runs.map((r) => out.subarray(r.start, r.start + r.length));
    const at = runs.map((r) => {
      const a = cursor[r.node]!;
      cursor[r.node] += r.length;
      written += r.length;
      return a;
    });
    io.write(parts, at);
  }, progress);
  return { written };
}
