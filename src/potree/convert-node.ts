/**
 * `imjoy-share potree convert`: localizations (.smlm, every table; a CSV) → a Potree 2.0 folder,
 * out of core. The records are never held whole: three passes read them block by block from the
 * .smlm itself (a stored table) or from one inflated copy (a deflated table is inflated once, not
 * three times) — 1: column ranges and the extent; 2: points per level and cell, hence the nodes
 * and each node's place in octree.bin; 3: every record written at its place. Passes run over row
 * ranges in worker threads. Memory stays within `maxMemory` (block sizes and per-level tables are
 * sized from it). Everything is written into a temporary folder renamed at the end, so a killed
 * conversion leaves no octree that looks complete.
 *
 * Written by hand rather than with PotreeConverter (C++, not in npm) because the level of detail
 * differs on purpose (lod.ts) and every column is kept in its own type.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { FileSource } from '../io/file-source.js';
import { packageRoot } from '../package-root.js';
import { streamEntry } from '../smlm/archive.js';
import { interleave, tableLayout } from '../smlm/layout.js';
import { loadLocalizations } from '../smlm/load.js';
import { planTables, readSmlmManifest } from '../smlm/read.js';
import type { SmlmTable } from '../smlm/types.js';
import { dtypeOfData } from '../smlm/write.js';
import { ZIP_STORED } from '../zip/zip.js';
import { metadata, quantization, type AttributeStats } from './format.js';
import { gridOf, type Box, type Vec3 } from './grid.js';
import type { ColumnRange, Locator } from './kernels.js';
import { hashLimits, levelThresholds } from './lod.js';
import { hierarchyOf, listNodes } from './nodes.js';
import { planRecords, type RecordPlan } from './record-plan.js';
import { type CellData, type RecordFile, runTask, type Task, type TaskResult } from './tasks-node.js';
import { CellTable } from './grid.js';

export interface ConvertOptions {
  /** Points of the root level (default 20 000); level L holds about nodePoints · growth^L. */
  nodePoints?: number;
  growth?: number;
  seed?: number;
  /** Levels per hierarchy chunk (default: one chunk up to 50 000 nodes, else 4). */
  hierarchyStep?: number;
  /** Worker threads (default: the machine's cores, at most 8; 1 runs in this thread). */
  threads?: number;
  /** Bytes the conversion may use beyond the process's own (default 1 GiB). */
  maxMemory?: number;
  onProgress?: (phase: 'read' | 'count' | 'write', done: number, total: number) => void;
  name?: string;
  description?: string;
}

export interface ConvertResult {
  points: number;
  nodes: number;
  depth: number;
  bytes: number;
  attributes: string[];
  channels: string[];
  threads: number;
  /** Peak resident memory of the process, MB. */
  peak_rss_mb: number;
  /** Seconds of each pass: ranges, counts, writing (inflating a deflated table comes before). */
  pass_seconds: number[];
}

const GiB = 2 ** 30;

/** Parses a memory size: 1073741824, 512M, 2G, 1.5GiB. */
export function parseBytes(s: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(s.trim());
  if (!m) throw new Error(`${what}: "${s}" is not a size (e.g. 512M, 2G)`);
  const n = Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase());
  if (!(n >= 64 * 2 ** 20)) throw new Error(`${what}: ${s} is too little; give at least 64M`);
  return Math.floor(n);
}

/** The tables of a .smlm as record files: stored tables read in place, deflated ones inflated once into `tmp`. */
async function smlmRecords(input: string, tmp: string): Promise<{ tables: RecordFile[]; channels: string[] } | undefined> {
  const source = new FileSource(input);
  try {
    const { manifest, entries } = await readSmlmManifest(source);
    const plans = planTables(source, manifest, entries);
    // text tables have no records to read in place: the whole file goes the in-memory way
    if (plans.some((p) => !p.layout)) return undefined;
    const tables: RecordFile[] = [];
    for (const [k, p] of plans.entries()) {
      if (p.entry.method === ZIP_STORED) {
        tables.push({ name: p.f.name, file: input, offset: p.entry.dataOffset, rows: p.rows, layout: p.layout! });
        continue;
      }
      const file = path.join(tmp, `table-${k}.records`);
      const fd = fs.openSync(file, 'w');
      try {
        await streamEntry(source, p.entry, (chunk) => {
          for (let at = 0; at < chunk.length; ) at += fs.writeSync(fd, chunk, at);
        });
      } finally {
        fs.closeSync(fd);
      }
      tables.push({ name: p.f.name, file, offset: 0, rows: p.rows, layout: p.layout! });
    }
    return { tables, channels: plans.map((p) => (typeof p.f.channel === 'string' ? p.f.channel : 'default')) };
  } finally {
    await source.close();
  }
}

/** Tables held in memory (a CSV, the demo) as record files in `tmp`, written a block at a time. */
function tablesToRecords(tables: SmlmTable[], tmp: string): RecordFile[] {
  return tables.map((t, k) => {
    const layout = tableLayout(t.columns.map((c) => c.name), t.columns.map((c) => c.dtype ?? dtypeOfData(c.data)), t.columns.map((c) => c.shape ?? [1]), `table ${t.name}`);
    const file = path.join(tmp, `table-${k}.records`);
    const fd = fs.openSync(file, 'w');
    try {
      const block = 1 << 16;
      for (let r = 0; r < t.rows; r += block) {
        const bytes = interleave(t.columns, layout, r, Math.min(block, t.rows - r));
        for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at);
      }
    } finally {
      fs.closeSync(fd);
    }
    return { name: t.name, file, offset: 0, rows: t.rows, layout };
  });
}

/** Runs tasks in worker threads (or in this thread for one), reporting rows done. */
class Pool {
  private workers: Worker[] = [];
  constructor(readonly size: number) {
    if (size > 1) {
      const file = path.join(packageRoot(), 'dist', 'potree-worker.mjs');
      if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`node build.mjs\` (or use --threads 1)`);
      for (let i = 0; i < size; i++) this.workers.push(new Worker(file));
    }
  }
  async run(tasks: Task[], progress: (rows: number) => void): Promise<TaskResult[]> {
    if (!this.workers.length) return tasks.map((t) => runTask(t, progress));
    return Promise.all(
      tasks.map(
        (task, i) =>
          new Promise<TaskResult>((resolve, reject) => {
            const w = this.workers[i % this.workers.length]!;
            const onMessage = (m: { progress?: number; result?: TaskResult; error?: string }) => {
              if (m.progress) progress(m.progress);
              else {
                w.off('message', onMessage);
                w.off('error', onError);
                if (m.error) reject(new Error(m.error));
                else resolve(m.result!);
              }
            };
            const onError = (e: Error) => reject(e);
            w.on('message', onMessage);
            w.on('error', onError);
            w.postMessage(task);
          }),
      ),
    );
  }
  async close() {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Rows [0, rows) in `parts` contiguous ranges. */
const split = (rows: number, parts: number) => Array.from({ length: parts }, (_, i) => [Math.floor((rows * i) / parts), Math.floor((rows * (i + 1)) / parts)] as const);

async function convertRecords(tables: RecordFile[], channels: string[], tmp: string, opts: ConvertOptions, where: string): Promise<Omit<ConvertResult, 'peak_rss_mb'>> {
  const plan: RecordPlan = planRecords(tables.map((t) => ({ name: t.name, rows: t.rows, layout: t.layout })), where);
  const rows = tables.reduce((a, t) => a + t.rows, 0);
  if (rows === 0) throw new Error(`${where}: no localizations (every table is empty)`);
  if (rows > 2 ** 32 - 1) throw new Error(`${where}: ${rows} rows; at most 2³²−1 points`);
  const maxMemory = opts.maxMemory ?? GiB;
  const threads = Math.max(1, Math.min(opts.threads ?? Math.min(os.availableParallelism(), 8), Math.ceil(rows / 100_000)));
  // memory: a quarter for the per-level cell tables (one per thread plus the merged one), the
  // rest for each thread's blocks (input + output records + 13 bytes of scratch per row)
  const maxIn = Math.max(...tables.map((t) => t.layout.stride));
  const blockRows = Math.max(1024, Math.min(1 << 20, Math.floor((maxMemory * 0.5) / threads / (maxIn + plan.stride + 13))));
  const denseLimit = Math.floor((maxMemory * 0.25) / 8 / (threads + 2));
  const ranges = split(rows, threads * 2 > rows ? 1 : threads);
  const common = (start: number, end: number) => ({ tables, plan, start, end, blockRows, where });
  const pool = new Pool(threads);
  const passSeconds: number[] = [];
  let t0 = performance.now();
  const report = (phase: 'read' | 'count' | 'write') => {
    let done = 0;
    const now = performance.now();
    if (phase !== 'read') passSeconds.push((now - t0) / 1000);
    t0 = now;
    opts.onProgress?.(phase, 0, rows);
    return (n: number) => opts.onProgress?.(phase, (done += n), rows);
  };
  try {
    // pass 1: ranges of every column, the extent
    const r1 = (await pool.run(ranges.map(([a, b]) => ({ kind: 'range', ...common(a, b) })), report('read'))) as { ranges: ColumnRange[][] }[];
    const tableRanges = tables.map((t, k) =>
      t.layout.columns.map((_, j) => ({ min: Math.min(...r1.map((r) => r.ranges[k]![j]!.min)), max: Math.max(...r1.map((r) => r.ranges[k]![j]!.max)) })),
    );
    const stats: AttributeStats[] = plan.columns.map((c) => {
      let min = Infinity;
      let max = -Infinity;
      tables.forEach((t, k) => {
        const j = t.layout.columns.findIndex((cc) => cc.name === c.name);
        if (j >= 0 && t.rows) {
          min = Math.min(min, tableRanges[k]![j]!.min);
          max = Math.max(max, tableRanges[k]![j]!.max);
        } else if (c.name === 'channel' && tables.length > 1) {
          min = Math.min(min, k);
          max = Math.max(max, k);
        } else if (c.name === 'z' && t.rows) min = Math.min(min, 0), max = Math.max(max, 0);
      });
      return { name: c.name, dtype: c.dtype, min: min <= max ? min : 0, max: min <= max ? max : 0 };
    });
    const axis = (n: string) => stats.find((s) => s.name === n);
    const extent: Box = {
      min: ['x', 'y', 'z'].map((n) => axis(n)?.min ?? 0) as Vec3,
      max: ['x', 'y', 'z'].map((n) => axis(n)?.max ?? 0) as Vec3,
    };
    const t = levelThresholds(rows, opts.nodePoints ?? 20_000, opts.growth ?? 4);
    const grid = gridOf(extent, t.length - 1);
    const loc: Locator = { grid, limits: hashLimits(t), seed: opts.seed ?? 0 };

    // pass 2: points per level and cell → the nodes and their places in octree.bin
    const r2 = (await pool.run(ranges.map(([a, b]) => ({ kind: 'count', loc, denseLimit, ...common(a, b) })), report('count'))) as { counts: CellData[] }[];
    const counts = grid.cells.map((cells, L) => {
      const merged = new CellTable(cells, denseLimit);
      for (const r of r2) merged.merge(CellTable.from(r.counts[L]!));
      return merged;
    });
    const nodes = listNodes(grid, counts, plan.stride, denseLimit);
    const n = nodes.level.length;
    const octreeBytes = nodes.offset[n - 1]! + nodes.points[n - 1]! * plan.stride;
    // each range writes its rows of a node after those of the ranges before it
    const perRange = r2.map((r) => r.counts.map((c) => CellTable.from(c)));
    const cursors = perRange.map(() => new Float64Array(n));
    for (let k = 0; k < n; k++) {
      let at = nodes.offset[k]!;
      perRange.forEach((pr, i) => {
        cursors[i]![k] = at;
        at += pr[nodes.level[k]!]!.get(nodes.cell[k]!) * plan.stride;
      });
    }
    const out = path.join(tmp, 'octree.bin');
    fs.closeSync(fs.openSync(out, 'w'));
    fs.truncateSync(out, octreeBytes);
    const q = quantization(grid.cube);
    const index = nodes.index.map((c) => ({ dense: c.dense, map: c.map }));
    await pool.run(ranges.map(([a, b], i) => ({ kind: 'place', loc, q, index, nodes: n, cursor: cursors[i]!, out, ...common(a, b) })), report('write'));

    passSeconds.push((performance.now() - t0) / 1000);
    const hierarchy = hierarchyOf(nodes, plan.stride, opts.hierarchyStep);
    fs.writeFileSync(path.join(tmp, 'hierarchy.bin'), hierarchy.bytes);
    const meta = metadata(grid, q, stats, { name: opts.name ?? 'cloud', points: rows, hierarchy, description: opts.description });
    fs.writeFileSync(path.join(tmp, 'metadata.json'), JSON.stringify(meta, null, 2));
    return { points: rows, nodes: n, depth: grid.depth, bytes: octreeBytes + hierarchy.bytes.length, attributes: meta.attributes.map((a) => a.name), channels, threads, pass_seconds: passSeconds.map((v) => Math.round(v * 1000) / 1000) };
  } finally {
    await pool.close();
  }
}

/** Runs `build` into a temporary folder beside `outDir` and renames it into place when complete. */
async function atomically<T>(outDir: string, where: string, build: (tmp: string) => Promise<T>): Promise<T & { peak_rss_mb: number }> {
  const tmp = `${outDir}.partial-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    const r = await build(tmp);
    for (const f of fs.readdirSync(tmp)) if (f.endsWith('.records')) fs.rmSync(path.join(tmp, f));
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.renameSync(tmp, outDir);
    return { ...r, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) };
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const msg = (e as Error).message;
    throw msg.startsWith(where) ? e : new Error(`${where}: ${msg}`);
  }
}

export async function convertFile(input: string, outDir: string, opts: ConvertOptions = {}): Promise<ConvertResult> {
  const name = opts.name ?? path.basename(input);
  return atomically(outDir, input, async (tmp) => {
    let records = await smlmRecords(input, tmp).catch((e) => {
      // not a ZIP: a CSV, read whole below
      if (/not a ZIP/i.test((e as Error).message)) return undefined;
      throw e;
    });
    if (!records) {
      const source = new FileSource(input);
      try {
        const data = await loadLocalizations(source);
        records = { tables: tablesToRecords(data.tables, tmp), channels: data.tables.map((t) => t.channel) };
      } finally {
        await source.close();
      }
    }
    const description = opts.description ?? (records.channels.length > 1 ? `channels: ${records.channels.join(', ')}` : '');
    return convertRecords(records.tables, records.channels, tmp, { ...opts, name, description }, input);
  });
}

/** Tables in memory (the demo) → an octree folder, the same way. */
export async function convertTables(tables: SmlmTable[], outDir: string, opts: ConvertOptions = {}): Promise<ConvertResult> {
  return atomically(outDir, opts.name ?? 'tables', async (tmp) => {
    const channels = tables.map((t) => t.channel);
    const description = opts.description ?? (channels.length > 1 ? `channels: ${channels.join(', ')}` : '');
    return convertRecords(tablesToRecords(tables, tmp), channels, tmp, { threads: 1, ...opts, description }, opts.name ?? 'tables');
  });
}
