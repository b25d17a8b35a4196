/**
 * How each input record becomes a Potree record: the output columns (the union of the tables'
 * columns, each in its native type where every table agrees; a `channel` column when there are
 * several tables) and, per table, byte spans copied as they are, values converted, or filled.
 * Records are copied as bytes, never through numbers, so every value arrives bit-exact.
 */
import type { SmlmDType } from '../smlm/types.js';
import type { TableLayout } from '../smlm/layout.js';

export interface InputTable {
  name: string;
  rows: number;
  layout: TableLayout;
}

interface OutColumn {
  name: string;
  dtype: SmlmDType;
  size: number;
}

/** One step of a record copy: bytes as they are, a value converted to another type, or a constant. */
type CopyOp =
  | { kind: 'copy'; src: number; dst: number; len: number }
  | { kind: 'convert'; src: number; from: SmlmDType; dst: number; to: SmlmDType }
  | { kind: 'fill'; dst: number; bytes: number[] };

export interface TablePlan {
  ops: CopyOp[];
  /** Where x, y, z sit in the input record and their types (z absent: 0). */
  xyz: ({ offset: number; dtype: SmlmDType } | undefined)[];
}

export interface RecordPlan {
  columns: OutColumn[];
  /** Bytes of an output record: int32 x, y, z, then every column. */
  stride: number;
  tables: TablePlan[];
}

const SIZE: Record<SmlmDType, number> = { uint8: 1, uint16: 2, uint32: 4, float32: 4, float64: 8 };

function bytesOf(dtype: SmlmDType, v: number): number[] {
  const b = new Uint8Array(SIZE[dtype]);
  const dv = new DataView(b.buffer);
  if (dtype === 'float32') dv.setFloat32(0, v, true);
  else if (dtype === 'float64') dv.setFloat64(0, v, true);
  else if (dtype === 'uint8') dv.setUint8(0, v);
  else if (dtype === 'uint16') dv.setUint16(0, v, true);
  else dv.setUint32(0, v, true);
  return [...b];
}

export function planRecords(tables: InputTable[], where: string): RecordPlan {
  if (!tables.length) throw new Error(`${where}: no localization table`);
  const names: string[] = [];
  for (const t of tables) {
    for (const c of t.layout.columns) {
      if (c.count > 1) throw new Error(`${where}: column ${c.name} of table ${t.name} has several values per row; not supported`);
      if (!names.includes(c.name)) names.push(c.name);
    }
  }
  if (!names.includes('x') || !names.includes('y')) throw new Error(`${where}: no x and y columns (columns: ${names.join(', ')})`);
  for (const t of tables) if (!t.layout.columns.some((c) => c.name === 'x') || !t.layout.columns.some((c) => c.name === 'y')) throw new Error(`${where}: table ${t.name} has no x or y column`);
  if (tables.length > 1 && names.includes('channel')) throw new Error(`${where}: a column is named "channel" and there are several tables`);
  if (tables.length > 65536) throw new Error(`${where}: ${tables.length} tables; at most 65536 channels`);

  // a column every table has in one type keeps it; otherwise float (float64 if any is), NaN where absent
  const columns: OutColumn[] = names.map((name) => {
    const types = tables.map((t) => t.layout.columns.find((c) => c.name === name)?.dtype);
    const dtype: SmlmDType = types.every((d) => d === types[0]) && types[0] ? types[0] : types.includes('float64') || types.includes('uint32') ? 'float64' : 'float32';
    return { name, dtype, size: SIZE[dtype] };
  });
  if (tables.length > 1) columns.push({ name: 'channel', dtype: tables.length > 256 ? 'uint16' : 'uint8', size: tables.length > 256 ? 2 : 1 });
  const stride = 12 + columns.reduce((a, c) => a + c.size, 0);

  const plans = tables.map((t, k): TablePlan => {
    const ops: CopyOp[] = [];
    let dst = 12;
    for (const col of columns) {
      const src = t.layout.columns.find((c) => c.name === col.name);
      if (col.name === 'channel' && tables.length > 1) ops.push({ kind: 'fill', dst, bytes: bytesOf(col.dtype, k) });
      else if (!src) ops.push({ kind: 'fill', dst, bytes: bytesOf(col.dtype, col.name === 'z' ? 0 : NaN) });
      else if (src.dtype !== col.dtype) ops.push({ kind: 'convert', src: src.byteOffset, from: src.dtype, dst, to: col.dtype });
      else {
        const last = ops[ops.length - 1];
        // neighbours in both records become one span
        if (last?.kind === 'copy' && last.src + last.len === src.byteOffset && last.dst + last.len === dst) last.len += col.size;
        else ops.push({ kind: 'copy', src: src.byteOffset, dst, len: col.size });
      }
      dst += col.size;
    }
    const xyz = ['x', 'y', 'z'].map((n) => {
      const c = t.layout.columns.find((cc) => cc.name === n);
      return c && { offset: c.byteOffset, dtype: c.dtype };
    });
    return { ops, xyz };
  });
  return { columns, stride, tables: plans };
}
