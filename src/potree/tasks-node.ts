/**
 * The converter's three passes over a range of rows, as tasks a worker thread (worker-node.ts) or
 * the main thread runs: read the records block by block from their files, run the kernels, and
 * (pass 3) write each node's records at its place in octree.bin. Several ranges run at once write
 * disjoint byte ranges, so they need no locks.
 */
import fs from 'node:fs';
import { CellTable } from './grid.js';
import { type ColumnRange, countBlock, locateBlock, type Locator, placeBlock, type Quant, rangeBlock } from './kernels.js';
import type { RecordPlan } from './record-plan.js';
import type { TableLayout } from '../smlm/layout.js';

/** A table's records: `rows` records of `layout.stride` bytes at `offset` of `file`. */
export interface RecordFile {
  name: string;
  file: string;
  offset: number;
  rows: number;
  layout: TableLayout;
}

interface Common {
  tables: RecordFile[];
  plan: RecordPlan;
  /** Global rows [start, end): the tables one after the other. */
  start: number;
  end: number;
  blockRows: number;
  where: string;
}

/** Serialized CellTable (structured clone keeps typed arrays and Maps, not classes). */
export type CellData = { dense?: Float64Array; map?: Map<number, number> };

export type Task =
  | ({ kind: 'range' } & Common)
  | ({ kind: 'count'; loc: Locator; denseLimit: number } & Common)
  | ({ kind: 'place'; loc: Locator; q: Quant; index: CellData[]; nodes: number; cursor: Float64Array; out: string } & Common);

export type TaskResult = { ranges: ColumnRange[][] } | { counts: CellData[] } | { written: number };

/** Calls f for each block of records in the task's rows. */
function eachBlock(task: Common, f: (t: number, block: Uint8Array, rows: number, row0: number) => void, progress?: (rows: number) => void) {
  let first = 0;
  const bufs = new Map<number, Uint8Array>();
  task.tables.forEach((tbl, t) => {
    const a = Math.max(task.start, first);
    const b = Math.min(task.end, first + tbl.rows);
    const stride = tbl.layout.stride;
    if (a < b) {
      let buf = bufs.get(stride);
      if (!buf) bufs.set(stride, (buf = new Uint8Array(task.blockRows * stride)));
      const fd = fs.openSync(tbl.file, 'r');
      try {
        for (let r = a; r < b; r += task.blockRows) {
          const n = Math.min(task.blockRows, b - r);
          const want = n * stride;
          let got = 0;
          while (got < want) {
            const k = fs.readSync(fd, buf, got, want - got, tbl.offset + (r - first) * stride + got);
            if (k === 0) throw new Error(`${tbl.name}: the records end early (at row ${r - first + Math.floor(got / stride)} of ${tbl.rows})`);
            got += k;
          }
          f(t, buf, n, r);
          progress?.(n);
        }
      } finally {
        fs.closeSync(fd);
      }
    }
    first += tbl.rows;
  });
}

export function runTask(task: Task, progress?: (rows: number) => void): TaskResult {
  if (task.kind === 'range') {
    const ranges = task.tables.map((t) => t.layout.columns.map(() => ({ min: Infinity, max: -Infinity })));
    eachBlock(task, (t, block, rows, row0) => {
      const tbl = task.tables[t]!;
      const cols = tbl.layout.columns.map((c) => ({ name: c.name, offset: c.byteOffset, dtype: c.dtype }));
      rangeBlock(block, rows, tbl.layout.stride, cols, ranges[t]!, row0, `${task.where}: table ${tbl.name}`);
    }, progress);
    return { ranges };
  }
  const level = new Uint8Array(task.blockRows);
  const cell = new Float64Array(task.blockRows);
  if (task.kind === 'count') {
    const counts = task.loc.grid.cells.map((n) => new CellTable(n, task.denseLimit));
    eachBlock(task, (t, block, rows, row0) => {
      locateBlock(block, rows, task.tables[t]!.layout.stride, task.plan.tables[t]!, row0, task.loc, level, cell);
      countBlock(rows, level, cell, counts);
    }, progress);
    return { counts: counts.map((c) => ({ dense: c.dense, map: c.map })) };
  }
  const index = task.index.map((d) => CellTable.from(d));
  const inBlock = new Uint32Array(task.nodes);
  const nodeOf = new Uint32Array(task.blockRows);
  const out = new Uint8Array(task.blockRows * task.plan.stride);
  const cursor = task.cursor;
  const fd = fs.openSync(task.out, 'r+');
  let written = 0;
  try {
    eachBlock(task, (t, block, rows, row0) => {
      const stride = task.tables[t]!.layout.stride;
      locateBlock(block, rows, stride, task.plan.tables[t]!, row0, task.loc, level, cell);
      const runs = placeBlock(block, rows, stride, task.plan.tables[t]!, task.plan, task.q, level, cell, index, inBlock, nodeOf, out);
      for (const r of runs) {
        let done = 0;
        while (done < r.length) done += fs.writeSync(fd, out, r.start + done, r.length - done, cursor[r.node]! + done);
        cursor[r.node] += r.length;
        written += r.length;
      }
    }, progress);
  } finally {
    fs.closeSync(fd);
  }
  return { written };
}
