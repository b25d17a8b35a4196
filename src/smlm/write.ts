import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { columnStats, DTYPE_ARRAYS, interleave, parseDType, tableLayout, type TableLayout } from './layout.js';
import { bytesToBase64 } from './manifest.js';
import type { SmlmDType, SmlmFileEntry, SmlmFormat, SmlmManifest, SmlmTable, Stats } from './types.js';
import { concatBytes } from '../io/bytes.js';

interface ColumnSpec {
  name: string;
  /** Default float32, what ShareLoc writes (its reader assumes 4-byte columns). */
  dtype?: SmlmDType;
  shape?: number[];
}

export interface TableSpec {
  /** Member name without extension; ".bin" is appended. */
  name: string;
  channel?: string;
  columns: ColumnSpec[];
  pixelSize?: number;
  offset?: Record<string, number>;
  metadata?: Record<string, unknown>;
  units?: Record<string, string>;
  tags?: string[];
}

export interface WriterOptions {
  /** The dataset name written into the manifest (ShareLoc uses the file name). */
  name?: string;
  /** DEFLATE level 0–9 (ShareLoc uses 9; 6 is several times faster for ~1% larger files). */
  level?: number;
  /** Extra top-level manifest fields (description, tags, license, citeAs, …). */
  manifest?: Record<string, unknown>;
  /** PNG bytes stored as the manifest thumbnail data-URL, as ShareLoc does. */
  thumbnail?: Uint8Array;
  /**
   * fflate writes ZIP without ZIP64, so members and the archive must stay below 4 GiB; past this
   * the writer stops with an error instead of writing wrapped 32-bit sizes (lowered in tests).
   */
  zip32Limit?: number;
}

type Sink = (chunk: Uint8Array, final: boolean) => void;

/** Incremental per-column stats (merged batch by batch so a streamed table needs no second pass). */
class StatsAcc {
  min = Infinity;
  max = -Infinity;
  sum = 0;
  n = 0;
  add(data: ArrayLike<number>) {
    const s = columnStats(data);
    if (s.min !== s.min) return;
    this.min = Math.min(this.min, s.min);
    this.max = Math.max(this.max, s.max);
    let n = 0;
    for (let i = 0; i < data.length; i++) if (data[i] === data[i]) n++;
    this.sum += s.avg * n;
    this.n += n;
  }
}

/** A table being written: push rows as column batches; `end()` before starting the next table. */
export interface TableStream {
  readonly layout: TableLayout;
  /** One array per column (rows × count elements each, all columns the same number of rows). */
  writeColumns(columns: ArrayLike<number>[]): void;
  end(): void;
}

/**
 * Writes a .smlm the way ShareLoc's writer does (JSZip layout: tables first, then manifest.json;
 * one "smlm-table(binary)-<i>" format per table; min/max/avg dicts keyed by header; thumbnail as a
 * data-URL) but streamed: records are deflated as they are pushed and stats accumulate on the way.
 */
export class SmlmWriter {
  private zip: Zip;
  private formats: Record<string, SmlmFormat> = {};
  private files: SmlmFileEntry[] = [];
  private open = false;
  private names = new Set<string>();

  private written = 0;
  private readonly limit: number;

  constructor(
    sink: Sink,
    readonly opts: WriterOptions = {},
  ) {
    this.limit = opts.zip32Limit ?? 0xffffffff;
    this.zip = new Zip((err, data, final) => {
      if (err) throw err;
      this.written += data.byteLength;
      if (this.written > this.limit) throw this.tooBig('the archive');
      sink(data, final);
    });
  }

  private tooBig(what: string): Error {
    return new Error(`SmlmWriter: ${what} would exceed ${this.limit} bytes; writing ZIP64 (.smlm > 4 GiB) is not supported — split the data into several files`);
  }

  beginTable(spec: TableSpec): TableStream {
    if (this.open) throw new Error('SmlmWriter: end() the previous table before starting another');
    const index = this.files.length;
    const file = `${spec.name}.bin`;
    if (this.names.has(file)) throw new Error(`SmlmWriter: two tables named ${file}`);
    this.names.add(file);
    const layout = tableLayout(
      spec.columns.map((c) => c.name),
      spec.columns.map((c) => parseDType(c.dtype ?? 'float32', `column ${c.name}`)),
      spec.columns.map((c) => c.shape ?? [1]),
      `table ${spec.name}`,
    );
    const entry = new ZipDeflate(file, { level: (this.opts.level ?? 6) as 6 });
    this.zip.add(entry);
    this.open = true;
    const acc = layout.columns.map(() => new StatsAcc());
    let rows = 0;
    const headers = layout.columns.map((c) => c.name);
    const formatKey = `smlm-table(binary)-${index}`;
    const units = spec.units ?? {};
    return {
      layout,
      writeColumns: (cols) => {
        if (cols.length !== layout.columns.length) throw new Error(`table ${spec.name}: ${cols.length} columns given, ${layout.columns.length} declared`);
        const n = cols[0].length / layout.columns[0].count;
        layout.columns.forEach((c, i) => {
          if (cols[i].length !== n * c.count) throw new Error(`table ${spec.name}: column ${c.name} has ${cols[i].length} values, expected ${n * c.count}`);
        });
        // Stats are taken from the values as stored (after the cast to the column dtype).
        const stored = layout.columns.map((c, i) => (cols[i] instanceof DTYPE_ARRAYS[c.dtype] ? cols[i] : DTYPE_ARRAYS[c.dtype].from(cols[i])));
        const batch = 1 << 16;
        if ((rows + n) * layout.stride > this.limit) throw this.tooBig(`table ${spec.name}`);
        for (let r = 0; r < n; r += batch) {
          const m = Math.min(batch, n - r);
          entry.push(interleave(stored.map((data) => ({ data })), layout, r, m), false);
        }
        stored.forEach((d, i) => acc[i].add(d));
        rows += n;
      },
      end: () => {
        entry.push(new Uint8Array(0), true);
        this.open = false;
        const stat = (f: (a: StatsAcc) => number): Stats => Object.fromEntries(headers.map((h, i) => [h, acc[i].n ? f(acc[i]) : NaN]));
        this.formats[formatKey] = {
          name: formatKey,
          type: 'table',
          mode: 'binary',
          extension: '.bin',
          columns: headers.length,
          headers,
          dtype: layout.columns.map((c) => c.dtype),
          shape: layout.columns.map((c) => (c.shape.length === 1 ? c.shape[0] : c.shape)) as number[],
          units,
          description: 'the default smlm format for localization tables',
        };
        this.files.push({
          name: file,
          format: formatKey,
          channel: spec.channel ?? 'default',
          rows,
          offset: spec.offset ?? { x: 0, y: 0 },
          metadata: spec.metadata ?? {},
          exposure: -1,
          type: 'table',
          min: stat((a) => a.min),
          max: stat((a) => a.max),
          avg: stat((a) => a.sum / a.n),
          tags: spec.tags ?? [],
          ...(spec.pixelSize !== undefined ? { pixel_size: spec.pixelSize } : {}),
        });
      },
    };
  }

  /** Adds an image attachment (png/jpg bytes) as its own member with an image format entry. */
  addImage(name: string, bytes: Uint8Array, channel = 'default'): void {
    if (this.open) throw new Error('SmlmWriter: end() the table before adding an image');
    const ext = name.toLowerCase().replace(/^.*\./, '');
    const key = `smlm-image(${ext})`;
    this.formats[key] ??= { name: key, type: 'image', mode: 'binary', extension: `.${ext}` };
    const entry = new ZipPassThrough(name);
    this.zip.add(entry);
    entry.push(bytes, true);
    this.files.push({ name, format: key, type: 'image', channel, offset: { x: 0, y: 0 }, exposure: -1 });
  }

  /** Writes manifest.json and the central directory. */
  finish(): SmlmManifest {
    if (this.open) throw new Error('SmlmWriter: end() the last table before finish()');
    const manifest: SmlmManifest = {
      format_version: '0.2',
      formats: this.formats,
      files: this.files,
      tags: [],
      name: this.opts.name ?? 'untitled.smlm',
      description: '',
      ...(this.opts.thumbnail ? { thumbnail: `data:image/png;base64,${bytesToBase64(this.opts.thumbnail)}` } : {}),
      ...this.opts.manifest,
    };
    const m = new ZipDeflate('manifest.json', { level: 6 });
    this.zip.add(m);
    m.push(new TextEncoder().encode(JSON.stringify(manifest, null, 1)), true);
    this.zip.end();
    return manifest;
  }
}

export type TableInput = Omit<TableSpec, 'columns'> & {
  columns: { name: string; dtype?: SmlmDType; shape?: number[]; data: ArrayLike<number> }[];
};

/** Writes whole tables into one .smlm in memory (tests, the browser, small data). */
export function writeSmlm(tables: TableInput[], opts: WriterOptions = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  const w = new SmlmWriter((c) => chunks.push(c), opts);
  for (const t of tables) {
    const s = w.beginTable({ ...t, columns: t.columns.map(({ name, dtype, shape }) => ({ name, dtype: dtype ?? dtypeOfData(t.columns.find((c) => c.name === name)!.data), shape })) });
    if (t.columns.length) s.writeColumns(t.columns.map((c) => c.data));
    s.end();
  }
  w.finish();
  return concatBytes(chunks);
}

/** An existing table (e.g. read from a file) as writer input, keeping dtypes and shapes. */
export function tableInput(t: SmlmTable): TableInput {
  return {
    name: t.name.replace(/\.bin$/, ''),
    channel: t.channel,
    pixelSize: t.pixelSize,
    offset: t.offset,
    metadata: t.metadata,
    units: t.units,
    columns: t.columns.map((c) => ({ name: c.name, dtype: c.dtype, shape: c.shape, data: c.data })),
  };
}

export function dtypeOfData(d: ArrayLike<number>): SmlmDType {
  if (d instanceof Float64Array) return 'float64';
  if (d instanceof Uint32Array) return 'uint32';
  if (d instanceof Uint16Array) return 'uint16';
  if (d instanceof Uint8Array) return 'uint8';
  return 'float32';
}
