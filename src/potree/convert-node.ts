/**
 * `imjoy-share potree convert`: localizations (.smlm, every table, or a CSV) → a Potree 2.0
 * folder, written into a temporary folder and renamed at the end, so a killed conversion leaves no
 * octree that looks complete.
 */
import fs from 'node:fs';
import path from 'node:path';
import { withNodeSource } from '../io/open-node.js';
import { loadLocalizations } from '../smlm/load.js';
import type { SmlmTable } from '../smlm/types.js';
import { hierarchyBytes, metadata, nodeBytes, potreeType, quantization, type Column } from './format.js';
import { buildOctree, type BuildOptions, type Coord } from './octree.js';

export interface ConvertResult {
  points: number;
  nodes: number;
  depth: number;
  bytes: number;
  attributes: string[];
}

/**
 * One set of columns from the tables of a file: a column every table has keeps its type; one that
 * only some tables have becomes float (NaN where absent; z is 0), so no column is lost; several tables add
 * a `channel` column (the table's index).
 */
export function columnsOf(tables: SmlmTable[], where: string): { columns: Column[]; rows: number; channels: string[] } {
  if (!tables.length) throw new Error(`${where}: no localization table`);
  const names: string[] = [];
  for (const t of tables) {
    for (const c of t.columns) {
      if (c.shape.length > 1 || c.shape[0] > 1) throw new Error(`${where}: column ${c.name} of table ${t.name} has several values per row; not supported`);
      if (!names.includes(c.name)) names.push(c.name);
    }
  }
  if (!names.includes('x') || !names.includes('y')) throw new Error(`${where}: no x and y columns (columns: ${names.join(', ')})`);
  if (tables.some((t) => !t.columns.some((c) => c.name === 'x') || !t.columns.some((c) => c.name === 'y'))) throw new Error(`${where}: a table has no x or y column`);
  const rows = tables.reduce((a, t) => a + t.rows, 0);
  const columns: Column[] = names.map((name) => {
    const parts = tables.map((t) => t.columns.find((c) => c.name === name)?.data);
    const types = new Set(parts.map((p) => p?.constructor));
    const C = (types.size === 1 && parts[0] ? parts[0].constructor : parts.some((p) => p instanceof Float64Array) ? Float64Array : Float32Array) as new (n: number) => Column['data'];
    const out = new C(rows);
    let at = 0;
    tables.forEach((t, k) => {
      const p = parts[k];
      if (p) (out as Float64Array).set(p as unknown as Float64Array, at);
      // a 2D table among 3D ones lies in the plane z = 0, as the viewer shows it
      else (out as Float64Array).fill(name === 'z' ? 0 : NaN, at, at + t.rows);
      at += t.rows;
    });
    return { name, data: out };
  });
  const channels = tables.map((t) => t.channel);
  if (tables.length > 1) {
    if (names.includes('channel')) throw new Error(`${where}: a column is named "channel" and there are several tables`);
    const ch = new Uint8Array(rows);
    let at = 0;
    tables.forEach((t, k) => {
      ch.fill(k, at, at + t.rows);
      at += t.rows;
    });
    columns.push({ name: 'channel', data: ch });
  }
  return { columns, rows, channels };
}

export function writePotree(dir: string, columns: Column[], rows: number, opts: BuildOptions & { name?: string; description?: string } = {}): ConvertResult {
  const col = (n: string) => columns.find((c) => c.name === n)?.data as Coord | undefined;
  const [x, y, z] = [col('x'), col('y'), col('z')];
  if (!x || !y) throw new Error('no x and y columns');
  for (const c of columns) if (c.data.length !== rows) throw new Error(`column ${c.name} has ${c.data.length} values for ${rows} rows`);
  const tree = buildOctree({ x, y, z }, rows, opts);
  const q = quantization(tree);
  const bytesPerPoint = 12 + columns.reduce((a, c) => a + potreeType(c.data).size, 0);
  const { bytes: hierarchy } = hierarchyBytes(tree, bytesPerPoint);
  const meta = metadata(tree, q, columns, { name: opts.name ?? path.basename(dir), points: rows, hierarchyBytes: hierarchy.length, description: opts.description });
  const tmp = `${dir}.partial-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    const fd = fs.openSync(path.join(tmp, 'octree.bin'), 'w');
    let bytes = 0;
    try {
      for (const n of tree.nodes) {
        const b = nodeBytes(n, [x, y, z], q, columns);
        fs.writeSync(fd, b);
        bytes += b.length;
      }
    } finally {
      fs.closeSync(fd);
    }
    fs.writeFileSync(path.join(tmp, 'hierarchy.bin'), hierarchy);
    fs.writeFileSync(path.join(tmp, 'metadata.json'), JSON.stringify(meta, null, 2));
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    return { points: rows, nodes: tree.nodes.length, depth: tree.depth, bytes: bytes + hierarchy.length, attributes: meta.attributes.map((a) => a.name) };
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

export async function convertFile(input: string, outDir: string, opts: BuildOptions = {}): Promise<ConvertResult & { channels: string[] }> {
  const data = await withNodeSource(input, (s) => loadLocalizations(s));
  const { columns, rows, channels } = columnsOf(data.tables, input);
  try {
    const r = writePotree(outDir, columns, rows, { ...opts, name: path.basename(input), description: channels.length > 1 ? `channels: ${channels.join(', ')}` : '' });
    return { ...r, channels };
  } catch (e) {
    const msg = (e as Error).message;
    throw msg.startsWith(input) ? e : new Error(`${input}: ${msg}`);
  }
}
