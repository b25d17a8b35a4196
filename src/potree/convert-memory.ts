/**
 * Tables in memory → a Potree 2.0 octree in memory (its three files as arrays), in this thread:
 * for the browser — the Potree Viewer converting columns it is given (numpy arrays over RPC, the
 * SMLM Viewer's tables) — with the same passes, and so the same bytes, as `potree convert`.
 */
import { interleave } from '../smlm/layout.js';
import type { SmlmTable } from '../smlm/types.js';
import { buildOctree, type ConvertOptions, type ConvertSummary, recordLayout, type Runner } from './convert.js';
import { runPass, type PassIo } from './passes.js';
import type { OctreeFile } from './single-file.js';

/** Input records and the octree together must fit this (bytes): beyond, convert with the CLI. */
const MEMORY_LIMIT = 2 ** 31;

export interface OctreeInMemory {
  files: Record<OctreeFile, Uint8Array>;
  summary: ConvertSummary;
}

export async function convertInMemory(tables: SmlmTable[], opts: ConvertOptions = {}): Promise<OctreeInMemory> {
  const where = opts.name ?? 'columns';
  const inputs = tables.map((t) => ({ name: t.name, rows: t.rows, layout: recordLayout(t, where) }));
  const rows = inputs.reduce((a, t) => a + t.rows, 0);
  // the records, and the octree's about as many bytes again (int32 positions added)
  const need = inputs.reduce((a, t) => a + t.rows * (2 * t.layout.stride + 12), 0);
  if (need > MEMORY_LIMIT) throw new Error(`${where}: ${rows} points need about ${(need / 2 ** 30).toFixed(1)} GiB to convert here; convert them with \`imjoy-share potree convert\``);
  const records = tables.map((t, k) => interleave(t.columns, inputs[k]!.layout, 0, t.rows));
  let octree = new Uint8Array(0);
  const io: PassIo = {
    tables: inputs,
    block: (t, row, n) => records[t]!.subarray(row * inputs[t]!.layout.stride, (row + n) * inputs[t]!.layout.stride),
    write: (parts, at) => parts.forEach((p, i) => octree.set(p, at[i]!)),
  };
  const runner: Runner = {
    threads: 1,
    start: async () => ({
      run: async (passes, progress) => passes.map((p) => runPass(p, io, progress)),
      allocate: async (bytes) => {
        octree = new Uint8Array(bytes);
      },
      close: async () => {},
    }),
  };
  const built = await buildOctree(inputs, tables.map((t) => t.channel), { ...opts, threads: 1 }, where, runner);
  const json = new TextEncoder().encode(JSON.stringify(built.metadata, null, 2));
  return { files: { 'metadata.json': json, 'hierarchy.bin': built.hierarchy, 'octree.bin': octree }, summary: built.summary };
}
