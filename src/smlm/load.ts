import type { ByteSource } from '../io/byte-source.js';
import { fromRpc, isRpcNdArray, type RpcNdArray } from '../ndarray/ndarray.js';
import { parseCsv } from './csv.js';
import { readSmlm, type ReadSmlmOptions } from './read.js';
import type { SmlmColumnArray, SmlmDataset, SmlmDType, SmlmTable } from './types.js';

/** True when the bytes start like a ZIP archive (local header or empty-archive end record). */
const looksLikeZip = (head: Uint8Array) => head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) ;

/**
 * Opens a `.smlm` or a localization CSV from any byte source (a URL, a File, bytes), deciding by
 * the first bytes rather than the name. CSV text is read in chunks and parsed as a stream.
 */
export async function loadLocalizations(
  source: ByteSource,
  opts: Pick<ReadSmlmOptions, 'onProgress' | 'signal' | 'onTable' | 'onRows'> = {},
): Promise<SmlmDataset & { streamed: boolean }> {
  const size = await source.size();
  const head = size >= 4 ? await source.read(0, 4, opts.signal) : new Uint8Array(0);
  // .smlm tables stream block by block when onRows is given; CSV comes back whole.
  if (looksLikeZip(head)) return { ...(await readSmlm(source, { ...opts, images: false })), streamed: !!opts.onRows };
  const chunk = 1 << 22;
  async function* text() {
    const dec = new TextDecoder();
    for (let pos = 0; pos < size; pos += chunk) {
      const len = Math.min(chunk, size - pos);
      yield dec.decode(await source.read(pos, len, opts.signal), { stream: true });
      opts.onProgress?.(pos + len, size, source.name);
    }
    yield dec.decode();
  }
  const r = await parseCsv(text(), { name: source.name });
  return {
    manifest: { format_version: '0.2', formats: {}, files: [], name: source.name },
    tables: [
      tableOf(
        source.name.replace(/^.*\//, ''),
        r.columns.map((c, i) => ({ name: c.name, data: r.data[i] })),
        Object.fromEntries(r.columns.filter((c) => c.unit).map((c) => [c.name, c.unit!])),
      ),
    ],
    images: [],
    streamed: false,
  };
}

export type ColumnInput = SmlmColumnArray | RpcNdArray | ArrayLike<number> | { data: ArrayLike<number> };

const DTYPE_OF = (a: unknown): SmlmDType | undefined =>
  a instanceof Float32Array ? 'float32' : a instanceof Float64Array ? 'float64' : a instanceof Uint32Array ? 'uint32' : a instanceof Uint16Array ? 'uint16' : a instanceof Uint8Array ? 'uint8' : undefined;

/** A table from named columns: typed arrays, ImJoy ndarrays (numpy over RPC) or plain number lists. */
export function tableFromColumns(name: string, columns: Record<string, ColumnInput>): SmlmTable {
  const cols = Object.entries(columns).map(([k, v]) => {
    let data: ArrayLike<number>;
    if (isRpcNdArray(v)) {
      const nd = fromRpc(v);
      if (nd.shape.length > 1 && nd.shape.slice(1).some((d) => d !== 1)) throw new Error(`column "${k}": expected a 1-D array, got shape [${nd.shape}]`);
      data = nd.data as unknown as ArrayLike<number>;
    } else if (v && typeof v === 'object' && 'data' in (v as object) && !ArrayBuffer.isView(v)) data = (v as { data: ArrayLike<number> }).data;
    else data = v as ArrayLike<number>;
    return { name: k, data };
  });
  return tableOf(name, cols);
}

function tableOf(name: string, cols: { name: string; data: ArrayLike<number> }[], units: Record<string, string> = {}): SmlmTable {
  if (!cols.length) throw new Error(`${name}: no columns`);
  const rows = cols[0].data.length;
  for (const c of cols) if (c.data.length !== rows) throw new Error(`${name}: column "${c.name}" has ${c.data.length} values, "${cols[0].name}" has ${rows}`);
  if (!cols.some((c) => c.name === 'x') || !cols.some((c) => c.name === 'y')) {
    throw new Error(`${name}: columns "x" and "y" are required (got ${cols.map((c) => c.name).join(', ')})`);
  }
  return {
    name,
    channel: 'default',
    rows,
    columns: cols.map((c) => {
      const dtype = DTYPE_OF(c.data);
      // Other typed arrays (int32, int16, plain lists) become float64, which holds them exactly.
      const data = dtype ? (c.data as SmlmColumnArray) : Float64Array.from(c.data as ArrayLike<number>);
      return { name: c.name, dtype: dtype ?? 'float64', shape: [1], data };
    }),
    offset: {},
    min: {},
    max: {},
    avg: {},
    units,
    metadata: {},
    info: {},
  };
}
