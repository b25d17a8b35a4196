/**
 * `imjoy-share potree convert`: localizations (.smlm, every table; a CSV) → a Potree 2.0 folder,
 * out of core (convert.ts). The records are never held whole: the passes read them block by block
 * from the .smlm itself (a stored table) or from one inflated copy (a deflated table is inflated
 * once, not three times), in worker threads over row ranges. Everything is written into a
 * temporary folder renamed at the end, so a killed conversion leaves no octree that looks complete.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { FileSource } from '../io/file-source.js';
import { streamEntry } from '../smlm/archive.js';
import { interleave } from '../smlm/layout.js';
import { loadLocalizations } from '../smlm/load.js';
import { planTables, readSmlmManifest } from '../smlm/read.js';
import type { SmlmTable } from '../smlm/types.js';
import { ZIP_STORED } from '../zip/zip.js';
import { buildOctree, type ConvertOptions, type ConvertSummary, recordLayout, type Runner } from './convert.js';
import type { PassResult } from './passes.js';
import { type RecordFile, runTask, type Task } from './tasks-node.js';
import { defaultThreads, stopEarlyWorkers, takeWorkers } from './workers-node.js';

export type { ConvertOptions };

export interface ConvertResult extends ConvertSummary {
  /** Peak resident memory of the process, MB. */
  peak_rss_mb: number;
}

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
    const layout = recordLayout(t, 'tables');
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

/**
 * Runs a pass's tasks in this thread and `size − 1` worker threads, reporting rows done. Every
 * thread takes the next task from a shared counter when it is done with one: the two cores of a
 * virtual machine need not be equally fast (seen here: one 1.3× slower than the other on the same
 * pass), and tasks handed out in turn would leave the fast one idle while the slow one finishes.
 * This thread works too, so the first pass starts while the workers are still starting.
 */
class Pool {
  private workers: Worker[];
  constructor(readonly size: number) {
    this.workers = takeWorkers(size - 1);
  }
  async run(tasks: Task[], progress: (rows: number) => void): Promise<PassResult[]> {
    if (!this.workers.length) return tasks.map((t) => runTask(t, progress));
    // what every task holds (the plan, the cell → node index, Poisson's table: megabytes at 10⁹
    // points) goes to each worker once, with each task's own part (its rows; pass 3: its number)
    const keys = Object.keys(tasks[0]!) as (keyof Task)[];
    const same = keys.filter((k) => tasks.every((t) => t[k] === tasks[0]![k]));
    const shared = Object.fromEntries(same.map((k) => [k, inSharedMemory(tasks[0]![k])]));
    const own = tasks.map((t) => Object.fromEntries(keys.filter((k) => !same.includes(k)).map((k) => [k, t[k]])));
    const counter = new Int32Array(new SharedArrayBuffer(4));
    const results: PassResult[] = new Array(tasks.length);
    const finished = this.workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          const stop = (e?: Error) => {
            w.off('message', onMessage);
            w.off('error', stop);
            Atomics.store(counter, 0, tasks.length); // the other threads stop after their task
            if (e) reject(e);
            else resolve();
          };
          const onMessage = (m: { progress?: number; k?: number; result?: PassResult; error?: string; done?: boolean }) => {
            if (m.progress) progress(m.progress);
            if (m.result) results[m.k!] = m.result;
            if (m.error) stop(new Error(m.error));
            else if (m.done) stop();
          };
          w.on('message', onMessage);
          w.on('error', stop);
          w.postMessage({ shared, own, counter });
        }),
    );
    let failed: unknown;
    try {
      for (let k: number; (k = Atomics.add(counter, 0, 1)) < tasks.length; ) results[k] = runTask(tasks[k]!, progress);
    } catch (e) {
      Atomics.store(counter, 0, tasks.length);
      failed = e;
    }
    const settled = await Promise.allSettled(finished);
    if (failed) throw failed;
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
    return results;
  }
  /**
   * Stops the workers without waiting for them: a worker's teardown (~7 ms here, its heap handed
   * back) then overlaps the writing of the hierarchy and metadata. A stopping worker keeps the
   * process alive until it is gone, so nothing is left behind.
   */
  async close() {
    for (const w of this.workers) void w.terminate();
  }
}

/**
 * A typed array every task holds, in shared memory, so that posting it to each worker shares it
 * instead of copying it (pass 3's rows of each node before each task: 4 bytes a node and a task,
 * megabytes at 10⁹ points). Every one, whatever its size, so that every two-thread test runs it.
 */
function inSharedMemory<T>(v: T): T {
  if (!ArrayBuffer.isView(v) || v instanceof DataView || v.buffer instanceof SharedArrayBuffer) return v;
  const a = v as unknown as Uint8Array;
  const copy = new (a.constructor as Uint8ArrayConstructor)(new SharedArrayBuffer(a.byteLength));
  copy.set(a);
  return copy as unknown as T;
}

/** Passes run over record files: in this thread, and in worker threads beside it. */
function fileRunner(tables: RecordFile[], out: string): Runner {
  return {
    threads: defaultThreads(),
    async start(threads) {
      const pool = new Pool(threads);
      const writeLock = threads > 1 ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
      return {
        run: (passes, progress) => pool.run(passes.map((p) => ({ ...p, tables, out, writeLock })), progress),
        allocate: async (bytes) => {
          fs.closeSync(fs.openSync(out, 'w'));
          fs.truncateSync(out, bytes);
        },
        close: () => pool.close(),
      };
    },
  };
}

async function convertRecords(tables: RecordFile[], channels: string[], tmp: string, opts: ConvertOptions, where: string): Promise<ConvertSummary> {
  const built = await buildOctree(tables, channels, opts, where, fileRunner(tables, path.join(tmp, 'octree.bin')));
  fs.writeFileSync(path.join(tmp, 'hierarchy.bin'), built.hierarchy);
  fs.writeFileSync(path.join(tmp, 'metadata.json'), JSON.stringify(built.metadata, null, 2));
  return built.summary;
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
    try {
      return await convertInput(input, tmp, { ...opts, name });
    } finally {
      stopEarlyWorkers();
    }
  });
}

/** A .smlm's tables read in place (or inflated once), a CSV read whole: converted into `tmp`. */
async function convertInput(input: string, tmp: string, opts: ConvertOptions & { name: string }): Promise<ConvertSummary> {
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
  return convertRecords(records.tables, records.channels, tmp, opts, input);
}

/** Tables in memory (the demo) → an octree folder, the same way. */
export async function convertTables(tables: SmlmTable[], outDir: string, opts: ConvertOptions = {}): Promise<ConvertResult> {
  return atomically(outDir, opts.name ?? 'tables', async (tmp) => {
    return convertRecords(tablesToRecords(tables, tmp), tables.map((t) => t.channel), tmp, { threads: 1, ...opts }, opts.name ?? 'tables');
  });
}
