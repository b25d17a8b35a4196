import type { SmlmColumnArray, SmlmDType } from './types.js';

/** Byte sizes of the dtypes the format allows (spec table; int8/16/32 are struck out there). */
const DTYPE_SIZES: Record<SmlmDType, number> = { uint8: 1, uint16: 2, uint32: 4, float32: 4, float64: 8 };

type Ctor = { new (n: number): SmlmColumnArray; new (b: ArrayBufferLike, o: number, n: number): SmlmColumnArray; from(a: ArrayLike<number>): SmlmColumnArray };
export const DTYPE_ARRAYS: Record<SmlmDType, Ctor> = {
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
} as unknown as Record<SmlmDType, Ctor>;

const NUMPY_ALIASES: Record<string, SmlmDType> = {
  u1: 'uint8', u2: 'uint16', u4: 'uint32', f4: 'float32', f8: 'float64',
};

/**
 * Checks one manifest dtype string. numpy-style codes (`<f4`, `|u1`) are accepted because some
 * writers use them; big-endian codes are refused because the format stores little-endian only.
 */
export function parseDType(s: unknown, where: string): SmlmDType {
  if (typeof s !== 'string') throw new Error(`${where}: dtype ${JSON.stringify(s)} is not a string`);
  if (s in DTYPE_SIZES) return s as SmlmDType;
  const m = /^([<>|=!]?)([uf][1248])$/.exec(s);
  if (m && NUMPY_ALIASES[m[2]]) {
    if ((m[1] === '>' || m[1] === '!') && m[2] !== 'u1') {
      throw new Error(`${where}: big-endian dtype "${s}" is not allowed: the .smlm format stores little-endian values only`);
    }
    return NUMPY_ALIASES[m[2]];
  }
  if (/big|be$/i.test(s)) throw new Error(`${where}: big-endian dtype "${s}" is not allowed: the .smlm format stores little-endian values only`);
  throw new Error(`${where}: unknown dtype "${s}" (allowed: ${Object.keys(DTYPE_SIZES).join(', ')})`);
}

interface ColumnLayout {
  name: string;
  dtype: SmlmDType;
  shape: number[];
  /** Elements per row (product of shape). */
  count: number;
  /** Bytes per element. */
  size: number;
  /** Byte offset of this column inside a record. */
  byteOffset: number;
}

export interface TableLayout {
  columns: ColumnLayout[];
  /** Bytes per row: the sum over columns of size × count. */
  stride: number;
}

function normShape(s: unknown, where: string): number[] {
  const dims = s === undefined || s === null ? [1] : Array.isArray(s) ? s : [s];
  if (dims.length === 0) return [1];
  return dims.map((d) => {
    if (!Number.isSafeInteger(d) || (d as number) < 1) throw new Error(`${where}: shape ${JSON.stringify(s)} must hold positive integers`);
    return d as number;
  });
}

/** The record layout of a binary table from its column names, dtypes and shapes. */
export function tableLayout(headers: unknown, dtypes: unknown, shapes: unknown, where: string): TableLayout {
  if (!Array.isArray(headers) || headers.length === 0 || headers.some((h) => typeof h !== 'string')) {
    throw new Error(`${where}: "headers" must be a non-empty list of column names`);
  }
  const n = headers.length;
  const dt = Array.isArray(dtypes) ? dtypes : Array(n).fill(dtypes);
  if (dt.length !== n) throw new Error(`${where}: ${n} headers but ${dt.length} dtypes`);
  const sh = Array.isArray(shapes) ? shapes : Array(n).fill(shapes);
  if (sh.length !== n) throw new Error(`${where}: ${n} headers but ${sh.length} shapes`);
  if (new Set(headers).size !== n) throw new Error(`${where}: duplicate column names in headers`);
  let stride = 0;
  const columns = (headers as string[]).map((name, i) => {
    const dtype = parseDType(dt[i], `${where}, column "${name}"`);
    const shape = normShape(sh[i], `${where}, column "${name}"`);
    const count = shape.reduce((a, b) => a * b, 1);
    const size = DTYPE_SIZES[dtype];
    const col = { name, dtype, shape, count, size, byteOffset: stride };
    stride += size * count;
    return col;
  });
  return { columns, stride };
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Splits interleaved little-endian records into one typed array per column, written straight into
 * preallocated arrays so the table is never held twice. `push` takes any chunking of the byte stream.
 */
export class Deinterleaver {
  readonly data: SmlmColumnArray[];
  private readonly staging: Uint8Array;
  private fill = 0;
  private row = 0;
  private received = 0;

  /**
   * With `emit`, whole columns are not kept: every block of rows goes out as fresh per-column
   * arrays (progressive loading, e.g. a worker posting batches as they are inflated).
   */
  constructor(
    readonly layout: TableLayout,
    readonly rows: number,
    readonly where: string,
    stagingBytes = 1 << 22,
    readonly emit?: (row0: number, columns: SmlmColumnArray[], n: number) => void,
  ) {
    this.data = emit ? [] : layout.columns.map((c) => new DTYPE_ARRAYS[c.dtype](rows * c.count));
    const perBlock = Math.max(1, Math.floor(stagingBytes / layout.stride));
    this.blockRows = Math.min(perBlock, Math.max(rows, 1));
    this.staging = new Uint8Array(this.blockRows * layout.stride);
    this.align = layout.stride % 4 === 0 ? 4 : layout.stride % 2 === 0 ? 2 : 1;
  }

  private readonly blockRows: number;
  /** Word size the records allow (a chunk starting at such a boundary can be read in place). */
  private readonly align: number;

  get expectedBytes() {
    return this.rows * this.layout.stride;
  }

  push(chunk: Uint8Array): void {
    if (this.received + chunk.byteLength > this.expectedBytes) {
      throw new Error(
        `${this.where}: the table holds more than rows × stride = ${this.rows} × ${this.layout.stride} = ${this.expectedBytes} bytes`,
      );
    }
    this.received += chunk.byteLength;
    const stride = this.layout.stride;
    const len = chunk.byteLength;
    let pos = 0;
    while (pos < len) {
      const rest = len - pos;
      // Whole, aligned rows are de-interleaved straight from the chunk (no staging copy); progressive
      // mode keeps to staging so blocks stay large (one message per block, not per inflated chunk).
      if (!this.emit && this.fill === 0 && rest >= stride && (chunk.byteOffset + pos) % this.align === 0) {
        const n = Math.min(Math.floor(rest / stride), this.blockRows);
        deinterleave(chunk.subarray(pos, pos + n * stride), n, this.layout, this.data, this.row);
        this.row += n;
        pos += n * stride;
        continue;
      }
      // Through the aligned staging buffer: finish a partial row, or fill up when unaligned.
      const partial = this.fill % stride;
      const room = this.staging.byteLength - this.fill;
      const take = Math.min(partial && !this.emit ? stride - partial : room, room, rest);
      this.staging.set(chunk.subarray(pos, pos + take), this.fill);
      this.fill += take;
      pos += take;
      if (this.fill === this.staging.byteLength || (!this.emit && this.fill % stride === 0 && (chunk.byteOffset + pos) % this.align === 0)) this.flush();
    }
  }

  /** Call when the stream ended; checks that exactly rows × stride bytes arrived. */
  finish(): SmlmColumnArray[] {
    if (this.received !== this.expectedBytes) {
      throw new Error(
        `${this.where}: rows × stride = ${this.rows} × ${this.layout.stride} = ${this.expectedBytes} bytes, but the table has ${this.received} bytes`,
      );
    }
    this.flush();
    return this.data;
  }

  private flush(): void {
    const n = Math.floor(this.fill / this.layout.stride);
    if (n === 0) return;
    if (this.emit) {
      const batch = this.layout.columns.map((c) => new DTYPE_ARRAYS[c.dtype](n * c.count));
      deinterleave(this.staging, n, this.layout, batch, 0);
      this.emit(this.row, batch, n);
    } else deinterleave(this.staging, n, this.layout, this.data, this.row);
    this.row += n;
    this.fill = 0; // flushed only at whole rows, so nothing is left over
  }
}

/**
 * Copies `n` records from `bytes` into the column arrays starting at row `row0`. Each column's
 * per-row segment is moved as raw 4-, 2- or 1-byte words (the widest that fits the alignment), so
 * the copy is bit-exact for every dtype and each loop stays monomorphic (fast in V8).
 */
function deinterleave(bytes: Uint8Array, n: number, layout: TableLayout, out: SmlmColumnArray[], row0: number): void {
  const { stride } = layout;
  for (let ci = 0; ci < layout.columns.length; ci++) {
    const c = layout.columns[ci];
    const dst = out[ci];
    if (!LITTLE_ENDIAN_HOST) {
      deinterleaveDataView(bytes, n, stride, c, dst, row0);
      continue;
    }
    const seg = c.count * c.size;
    const w = [4, 2, 1].find((w) => seg % w === 0 && c.byteOffset % w === 0 && stride % w === 0 && bytes.byteOffset % w === 0)!;
    const words = seg / w;
    const args = [n, stride / w, c.byteOffset / w, (row0 * seg) / w, words] as const;
    if (w === 4) copy32(new Uint32Array(bytes.buffer, bytes.byteOffset, (n * stride) / 4), new Uint32Array(dst.buffer, dst.byteOffset, dst.byteLength / 4), ...args);
    else if (w === 2) copy16(new Uint16Array(bytes.buffer, bytes.byteOffset, (n * stride) / 2), new Uint16Array(dst.buffer, dst.byteOffset, dst.byteLength / 2), ...args);
    else copy8(bytes, new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength), ...args);
  }
}

// Three copies of one loop on purpose: one per array type keeps each call site monomorphic.
function copy32(src: Uint32Array, dst: Uint32Array, n: number, se: number, oe: number, base: number, words: number) {
  if (words === 1) for (let r = 0, s = oe, d = base; r < n; r++, s += se, d++) dst[d] = src[s];
  else for (let r = 0; r < n; r++) for (let k = 0, s = oe + r * se, d = base + r * words; k < words; k++) dst[d + k] = src[s + k];
}
function copy16(src: Uint16Array, dst: Uint16Array, n: number, se: number, oe: number, base: number, words: number) {
  if (words === 1) for (let r = 0, s = oe, d = base; r < n; r++, s += se, d++) dst[d] = src[s];
  else for (let r = 0; r < n; r++) for (let k = 0, s = oe + r * se, d = base + r * words; k < words; k++) dst[d + k] = src[s + k];
}
function copy8(src: Uint8Array, dst: Uint8Array, n: number, se: number, oe: number, base: number, words: number) {
  if (words === 1) for (let r = 0, s = oe, d = base; r < n; r++, s += se, d++) dst[d] = src[s];
  else for (let r = 0; r < n; r++) for (let k = 0, s = oe + r * se, d = base + r * words; k < words; k++) dst[d + k] = src[s + k];
}

function deinterleaveDataView(bytes: Uint8Array, n: number, stride: number, c: ColumnLayout, dst: SmlmColumnArray, row0: number) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, n * stride);
  const get = getter(dv, c.dtype);
  const base = row0 * c.count;
  for (let r = 0; r < n; r++) {
    const rb = r * stride + c.byteOffset;
    for (let e = 0; e < c.count; e++) dst[base + r * c.count + e] = get(rb + e * c.size);
  }
}

function getter(dv: DataView, dtype: SmlmDType): (o: number) => number {
  switch (dtype) {
    case 'uint8': return (o) => dv.getUint8(o);
    case 'uint16': return (o) => dv.getUint16(o, true);
    case 'uint32': return (o) => dv.getUint32(o, true);
    case 'float32': return (o) => dv.getFloat32(o, true);
    case 'float64': return (o) => dv.getFloat64(o, true);
  }
}

/** Interleaves rows [row0, row0+n) of the columns into little-endian records. */
export function interleave(columns: { data: ArrayLike<number> }[], layout: TableLayout, row0: number, n: number): Uint8Array {
  const out = new Uint8Array(n * layout.stride);
  const dv = new DataView(out.buffer);
  layout.columns.forEach((c, ci) => {
    const src = columns[ci].data;
    const base = row0 * c.count;
    if (LITTLE_ENDIAN_HOST && layout.stride % c.size === 0 && c.byteOffset % c.size === 0) {
      const dst = new DTYPE_ARRAYS[c.dtype](out.buffer, 0, (n * layout.stride) / c.size);
      const se = layout.stride / c.size;
      const oe = c.byteOffset / c.size;
      for (let r = 0; r < n; r++) for (let e = 0; e < c.count; e++) dst[r * se + oe + e] = src[base + r * c.count + e];
      return;
    }
    for (let r = 0; r < n; r++) {
      for (let e = 0; e < c.count; e++) {
        const o = r * layout.stride + c.byteOffset + e * c.size;
        const v = src[base + r * c.count + e];
        switch (c.dtype) {
          case 'uint8': dv.setUint8(o, v); break;
          case 'uint16': dv.setUint16(o, v, true); break;
          case 'uint32': dv.setUint32(o, v, true); break;
          case 'float32': dv.setFloat32(o, v, true); break;
          case 'float64': dv.setFloat64(o, v, true); break;
        }
      }
    }
  });
  return out;
}

/** min / max / mean over every element of a column (NaN skipped), as written into the manifest. */
export function columnStats(data: ArrayLike<number>): { min: number; max: number; avg: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    n++;
  }
  return n ? { min, max, avg: sum / n } : { min: NaN, max: NaN, avg: NaN };
}
