/**
 * Localizations → a Potree 2.0 octree, whatever holds the records and the output: three passes over
 * row ranges (passes.ts) — 1: column ranges and the extent; 2: points per level and cell, hence
 * the nodes and each node's place in octree.bin; 3: every record written at its place — run by a
 * `Runner`: worker threads over files in Node (convert-node.ts), arrays in the browser
 * (convert-memory.ts). Memory stays within `maxMemory` (block sizes and per-level tables are sized
 * from it).
 *
 * Written by hand rather than with PotreeConverter (C++, not in npm) because the level of detail
 * differs on purpose (lod.ts) and every column is kept in its own type.
 */
import { metadata, quantization, type AttributeStats } from './format.js';
import { CellTable, gridOf, type Box, type Vec3 } from './grid.js';
import type { ColumnRange, Locator } from './kernels.js';
import { hashLimits, levelThresholds } from './lod.js';
import { hierarchyOf, listNodes } from './nodes.js';
import { type CellCounts, dropScratch, type Pass, type PassResult } from './passes.js';
import { planRecords, type InputTable, type RecordPlan } from './record-plan.js';
import { tableLayout, type TableLayout } from '../smlm/layout.js';
import type { SmlmTable } from '../smlm/types.js';
import { dtypeOfData } from '../smlm/write.js';
import { MAX_POISSON_DEPTH, type MinTable, mergeMin, resolveLevels, samplingResolution, tableBytes } from './poisson.js';

export interface ConvertOptions {
  /** Points of the root level (default 20 000); level L holds about nodePoints · growth^L. */
  nodePoints?: number;
  growth?: number;
  seed?: number;
  /**
   * 'density' (default): each level a uniform sample of all the points, so density is kept at every
   * level (lod.ts); 'poisson': at most one point per sampling cell and level, space covered evenly
   * (poisson.ts).
   */
  sampling?: 'density' | 'poisson';
  /** Levels per hierarchy chunk (default: one chunk up to 50 000 nodes, else 4). */
  hierarchyStep?: number;
  /** Threads (this one and threads − 1 workers; default: the machine's cores, at most 8). */
  threads?: number;
  /** Bytes the conversion may use beyond the process's own (default 1 GiB). */
  maxMemory?: number;
  onProgress?: (phase: 'read' | 'sample' | 'count' | 'write', done: number, total: number) => void;
  name?: string;
  description?: string;
}

export interface ConvertSummary {
  points: number;
  nodes: number;
  depth: number;
  bytes: number;
  attributes: string[];
  channels: string[];
  threads: number;
  /** Seconds of each pass: ranges, (Poisson's sampling cells,) counts, writing (inflating a deflated table comes before). */
  pass_seconds: number[];
}

/** Runs the passes: in this thread or in several, over whatever holds the records. */
export interface Runner {
  /** The threads it would use by default. */
  threads: number;
  start(threads: number): Promise<{
    run(passes: Pass[], progress: (rows: number) => void): Promise<PassResult[]>;
    /** octree.bin is this many bytes: make room before pass 3 writes it. */
    allocate(bytes: number): Promise<void>;
    close(): Promise<void>;
  }>;
}

export interface BuiltOctree {
  summary: ConvertSummary;
  hierarchy: Uint8Array;
  metadata: ReturnType<typeof metadata>;
}

const GiB = 2 ** 30;

/** The records of a table held in memory (columns → interleaved rows), as `interleave` writes them. */
export function recordLayout(t: SmlmTable, where: string): TableLayout {
  return tableLayout(t.columns.map((c) => c.name), t.columns.map((c) => c.dtype ?? dtypeOfData(c.data)), t.columns.map((c) => c.shape ?? [1]), `${where}: table ${t.name}`);
}

const SCAN_ROWS = 16_384;
/** Blocks grow past a million rows rather than make more ranges than this: pass 2 keeps each range's count of each node. */
const MAX_TASKS = 256;

/** Fewer than 100 000 rows per thread are not worth one. */
const threadsFor = (rows: number, wanted: number) => Math.max(1, Math.min(wanted, Math.ceil(rows / 100_000)));

/**
 * Rows [0, rows) in contiguous ranges of at most a block for the threads to take in turn as they
 * finish: blocks in order for one thread; else whole blocks while a quarter of what is left per
 * thread is a block or more, then each a quarter of that, down to a small last few — so a pass
 * ends with both threads busy to within a small range, not a block of a second of work, and a
 * slower core takes fewer rows. Pass 2 counts each range's points of each node, so that pass 3
 * can place a range's records as it reads them (passes.ts).
 */
function split(rows: number, threads: number, blockRows: number): (readonly [number, number])[] {
  const least = threads === 1 ? blockRows : Math.min(blockRows, Math.max(SCAN_ROWS, Math.ceil(rows / (threads * 32))));
  const out: (readonly [number, number])[] = [];
  for (let at = 0; at < rows; ) {
    const size = Math.min(blockRows, Math.max(least, Math.ceil((rows - at) / (threads * 4))));
    out.push([at, Math.min(rows, at + size)]);
    at += size;
  }
  return out;
}

/**
 * Pass 3's tasks: consecutive ranges joined while they span at most one block. Each task writes
 * every node it holds points of once a block, and a write costs ~7.5 µs here whatever its length
 * (a syscall is ~3 µs on this VM; ext4 adds the inode lock and the timestamps), so the fine last
 * ranges that let passes 1–2 end together cost pass 3 one write per node each: 29 blocks' writes
 * for 20 M rows on two threads instead of 20 (30,000 writes against 20,000), all under one file's
 * lock. Passes 1–2 read 16 k rows at a time, so their fine ranges cost them nothing.
 */
function joinRanges(ranges: readonly (readonly [number, number])[], blockRows: number): number[][] {
  const groups: number[][] = [];
  for (const [i, [, end]] of ranges.entries()) {
    const g = groups.at(-1);
    if (g && end - ranges[g[0]!]![0] <= blockRows) g.push(i);
    else groups.push([i]);
  }
  return groups;
}

/**
 * Each task's rows of each node before it: row t of a (tasks + 1) × nodes matrix, the last row
 * every node's points. A task's rows of node k are then `before[(t + 1)·n + k] − before[t·n + k]`,
 * and they go at node k's offset plus `before[t·n + k]` records. One array for every task (shared
 * memory for worker threads), not a list per task for each worker: 4 bytes a node and a task.
 */
function rowsBefore(groups: number[][], r2: { counts: CellCounts[] }[], index: CellTable[], n: number): Uint32Array {
  const before = new Uint32Array((groups.length + 1) * n); // row 0: nothing before the first task
  for (const [t, g] of groups.entries()) {
    const row = before.subarray((t + 1) * n, (t + 2) * n);
    row.set(before.subarray(t * n, (t + 1) * n));
    for (const i of g) addCounts(r2[i]!.counts, index, row);
  }
  return before;
}

/** A range's counts by level and cell, added to `row` by node. */
function addCounts(counts: CellCounts[], index: CellTable[], row: Uint32Array): void {
  for (const [L, { cells, values }] of counts.entries()) for (let j = 0; j < cells.length; j++) row[index[L]!.get(cells[j]!)] += values[j]!;
}

export async function buildOctree(tables: InputTable[], channels: string[], opts: ConvertOptions, where: string, runner: Runner): Promise<BuiltOctree> {
  // several tables: their channel names, which the `channel` attribute numbers
  const description = opts.description ?? (channels.length > 1 ? `channels: ${channels.join(', ')}` : '');
  const plan: RecordPlan = planRecords(tables.map((t) => ({ name: t.name, rows: t.rows, layout: t.layout })), where);
  const rows = tables.reduce((a, t) => a + t.rows, 0);
  if (rows === 0) throw new Error(`${where}: no localizations (every table is empty)`);
  if (rows > 2 ** 32 - 1) throw new Error(`${where}: ${rows} rows; at most 2³²−1 points`);
  const maxMemory = opts.maxMemory ?? GiB;
  const threads = threadsFor(rows, opts.threads ?? runner.threads);
  // memory: a quarter for the per-level cell tables (one per thread plus the merged one) and the
  // ranges' counts, half for each thread's output block (pass 3 places a task's records into it
  // as it reads them). A block is a million rows (a write per node and block, ~7.5 µs each here),
  // more when that makes over MAX_TASKS ranges: each range's counts hold a number per node.
  const blockRows = Math.max(1024, Math.min(Math.max(1 << 20, Math.ceil(rows / MAX_TASKS)), Math.floor((maxMemory * 0.5) / threads / plan.stride)));
  const denseLimit = Math.floor((maxMemory * 0.25) / 8 / (threads + 2));
  const ranges = split(rows, threads, blockRows);
  // every pass reads 16 384 rows (½ MB) at a time: reads that stay in a core's cache scale over
  // two threads where 1 M-row reads do not (measured: pass 1 1.0× → 2.1×); pass 3 places them
  // into its task's output block, written once it is full: a write per node and block
  const scan = (start: number, end: number) => ({ plan, start, end, blockRows: Math.min(blockRows, SCAN_ROWS), where });
  const pool = await runner.start(threads);
  const passSeconds: number[] = [];
  let t0 = performance.now();
  const report = (phase: 'read' | 'sample' | 'count' | 'write') => {
    let done = 0;
    const now = performance.now();
    if (phase !== 'read') passSeconds.push((now - t0) / 1000);
    t0 = now;
    opts.onProgress?.(phase, 0, rows);
    return (n: number) => opts.onProgress?.(phase, (done += n), rows);
  };
  try {
    // pass 1: ranges of every column, the extent
    const r1 = (await pool.run(ranges.map(([a, b]) => ({ kind: 'range', ...scan(a, b) })), report('read'))) as { ranges: ColumnRange[][] }[];
    const tableRanges = tables.map((t, k) =>
      t.layout.columns.map((_, j) => {
        const parts = r1.map((r) => r.ranges[k]![j]!);
        const hist = parts.some((p) => p.hist) ? Array.from({ length: 256 }, (_, v) => parts.reduce((a, p) => a + (p.hist?.[v] ?? 0), 0)) : undefined;
        return { min: Math.min(...parts.map((p) => p.min)), max: Math.max(...parts.map((p) => p.max)), hist };
      }),
    );
    const stats: AttributeStats[] = plan.columns.map((c) => {
      let min = Infinity;
      let max = -Infinity;
      // one-byte output columns: a histogram when every row's value is known (a column some tables
      // lack is filled, not counted, so it gets none)
      let histogram: number[] | undefined = c.dtype === 'uint8' ? new Array(256).fill(0) : undefined;
      tables.forEach((t, k) => {
        const j = t.layout.columns.findIndex((cc) => cc.name === c.name);
        if (j >= 0 && t.rows) {
          min = Math.min(min, tableRanges[k]![j]!.min);
          max = Math.max(max, tableRanges[k]![j]!.max);
          const h = tableRanges[k]![j]!.hist;
          if (histogram && h) h.forEach((n, v) => (histogram![v] += n));
          else histogram = undefined;
        } else if (c.name === 'channel' && tables.length > 1) {
          min = Math.min(min, k);
          max = Math.max(max, k);
          if (histogram) histogram[k] += t.rows;
        } else {
          if (c.name === 'z' && t.rows) (min = Math.min(min, 0)), (max = Math.max(max, 0));
          if (t.rows) histogram = undefined;
        }
      });
      return { name: c.name, dtype: c.dtype, min: min <= max ? min : 0, max: min <= max ? max : 0, ...(histogram ? { histogram } : {}) };
    });
    const axis = (n: string) => stats.find((s) => s.name === n);
    const extent: Box = {
      min: ['x', 'y', 'z'].map((n) => axis(n)?.min ?? 0) as Vec3,
      max: ['x', 'y', 'z'].map((n) => axis(n)?.max ?? 0) as Vec3,
    };
    const t = levelThresholds(rows, opts.nodePoints ?? 20_000, opts.growth ?? 4);
    const grid = gridOf(extent, t.length - 1);
    const loc: Locator = { grid, limits: hashLimits(t), seed: opts.seed ?? 0 };
    const poisson = opts.sampling === 'poisson' && grid.depth > 0;
    if (poisson) {
      if (grid.depth > MAX_POISSON_DEPTH) throw new Error(`${where}: Poisson sampling goes to depth ${MAX_POISSON_DEPTH}; this octree needs ${grid.depth} (use the default sampling or more --node-points)`);
      const res = samplingResolution(grid.depth);
      // the tables of every thread and the merged one share a quarter of the memory
      const limit = Math.floor((maxMemory * 0.25) / tableBytes(1) / (threads + 1));
      // one range per thread here: each returns a table of up to `limit` cells, all held until merged
      const halves = Array.from({ length: threads }, (_, i) => [Math.floor((rows * i) / threads), Math.floor((rows * (i + 1)) / threads)] as const);
      const rs = (await pool.run(halves.map(([a, b]) => ({ kind: 'sample', grid, seed: loc.seed, res, limit, ...scan(a, b) })), report('sample'))) as { table: MinTable }[];
      const table = rs[0]!.table;
      for (const r of rs.slice(1)) mergeMin(table, r.table, limit, where);
      resolveLevels(table, grid.depth);
      loc.poisson = { table, res };
    }

    // pass 2: points per level and cell → the nodes and their places in octree.bin
    const r2 = (await pool.run(ranges.map(([a, b]) => ({ kind: 'count', loc, denseLimit, ...scan(a, b) })), report('count'))) as { counts: CellCounts[] }[];
    const counts = grid.cells.map((cells, L) => {
      const merged = new CellTable(cells, denseLimit);
      for (const r of r2) {
        const { cells: c, values: v } = r.counts[L]!;
        for (let i = 0; i < c.length; i++) merged.add(c[i]!, v[i]!);
      }
      return merged;
    });
    const nodes = listNodes(grid, counts, plan.stride, denseLimit);
    const n = nodes.level.length;
    const octreeBytes = nodes.offset[n - 1]! + nodes.points[n - 1]! * plan.stride;
    await pool.allocate(octreeBytes);
    // the coordinates' own precision: a float's spacing at the largest magnitude, 1 for integers
    const far = Math.max(...extent.min.map(Math.abs), ...extent.max.map(Math.abs));
    const xyz = plan.columns.filter((c) => c.name === 'x' || c.name === 'y' || c.name === 'z');
    const ulp = xyz.some((c) => c.dtype === 'float32') ? 2 ** -23 : xyz.some((c) => c.dtype === 'float64') ? 2 ** -52 : 0;
    const q = quantization(grid.cube, ulp ? far * ulp : 1);
    const index = nodes.index.map((c) => ({ dense: c.dense, map: c.map }));
    const groups = joinRanges(ranges, blockRows);
    // each task writes its rows of a node after those of the tasks before it
    const before = rowsBefore(groups, r2, nodes.index, n);
    const tasks = groups.map((g, task) => ({
      kind: 'place' as const,
      loc,
      q,
      index,
      nodes: n,
      offsets: nodes.offset,
      before,
      task,
      outRows: blockRows,
      ...scan(ranges[g[0]!]![0], ranges[g.at(-1)!]![1]),
    }));
    await pool.run(tasks, report('write'));

    passSeconds.push((performance.now() - t0) / 1000);
    const hierarchy = hierarchyOf(nodes, plan.stride, opts.hierarchyStep);
    const meta = metadata(grid, q, stats, { name: opts.name ?? 'cloud', points: rows, hierarchy, description, levelShares: poisson ? undefined : t });
    const summary = { points: rows, nodes: n, depth: grid.depth, bytes: octreeBytes + hierarchy.bytes.length, attributes: meta.attributes.map((a) => a.name), channels, threads, pass_seconds: passSeconds.map((v) => Math.round(v * 1000) / 1000) };
    return { summary, hierarchy: hierarchy.bytes, metadata: meta };
  } finally {
    await pool.close();
    dropScratch();
  }
}
