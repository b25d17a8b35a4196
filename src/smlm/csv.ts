/**
 * Localization tables as delimited text (ThunderSTORM and similar): streamed parsing into column
 * batches, and formatting back. Header cells look like `"x [nm]"`; the name before the bracket
 * becomes the column and the bracket its unit.
 */

export interface CsvColumn {
  /** The header cell as written (quotes removed), e.g. `x [nm]`. */
  header: string;
  /** Column name used in the .smlm, e.g. `x`. */
  name: string;
  unit?: string;
}

/** Column names every SMLM tool understands, from the common vendor spellings. */
const ALIASES: Record<string, string> = {
  x: 'x', y: 'y', z: 'z', frame: 'frame',
  position_x: 'x', position_y: 'y', position_z: 'z', first_frame: 'frame',
  'position_0_0': 'x', 'position_1_0': 'y', 'position_2_0': 'z', imagenumber_0_0: 'frame',
  uncertainty: 'uncertainty_xy',
};

export function parseHeaderCell(cell: string): CsvColumn {
  const header = cell.trim();
  const m = /^(.*?)\s*[[(]([^\])]*)[\])]\s*$/.exec(header);
  const base = m ? m[1] : header;
  const unit = m ? m[2].trim() || undefined : undefined;
  const sanitized = base.replace(/[^a-zA-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  const name = ALIASES[sanitized.toLowerCase()] ?? sanitized;
  return { header, name, unit };
}

/** Splits one line into cells; double-quoted cells may contain the delimiter and `""`. */
function splitLine(line: string, delim: string, where: string): string[] {
  if (!line.includes('"')) return line.split(delim);
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let cell = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error(`${where}: unterminated quoted field`);
        cell += line.slice(i, q);
        if (line[q + 1] === '"') {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(cell);
      if (i >= line.length) return out;
      if (line[i] !== delim) throw new Error(`${where}: unexpected text after a quoted field`);
      i++;
    } else {
      const d = line.indexOf(delim, i);
      if (d < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, d));
      i = d + 1;
    }
  }
}

function detectDelimiter(headerLine: string): string {
  const counts = ['\t', ',', ';'].map((d) => [d, headerLine.split(d).length - 1] as const);
  const best = counts.sort((a, b) => b[1] - a[1])[0];
  if (best[1] > 0) return best[0];
  return /\s+/.test(headerLine.trim()) ? ' ' : ',';
}

export interface CsvBatch {
  /** One Float64Array per column, `rows` values each. */
  columns: Float64Array[];
  rows: number;
}

export interface CsvParserOptions {
  /** Named in errors. */
  name?: string;
  delimiter?: string;
  batchRows?: number;
  /** Lines starting with this are skipped ('' for none; default '#'). */
  comment?: string;
  /** Lines to skip before the header line (the .smlm text format's `header_row`). */
  skipLines?: number;
  /** Column names when the text has no header line (`header_row: -1`). */
  headers?: string[];
  /** Header cell → column name, applied before the "name [unit]" rule (`header_transform`). */
  headerTransform?: Record<string, string>;
}

/**
 * Push-style parser: feed text chunks of any size, get column batches. Every value must be a
 * number; a bad value or a wrong field count fails with the line and column.
 */
export class CsvParser {
  columns?: CsvColumn[];
  delimiter?: string;
  private rest = '';
  private line = 0;
  private buf?: Float64Array[];
  private n = 0;
  private readonly batchRows: number;

  constructor(
    private readonly onBatch: (b: CsvBatch) => void,
    readonly opts: CsvParserOptions = {},
  ) {
    this.batchRows = opts.batchRows ?? 65536;
  }

  get name() {
    return this.opts.name ?? 'csv';
  }

  push(text: string): void {
    const s = this.rest + text;
    let start = 0;
    for (;;) {
      const nl = s.indexOf('\n', start);
      if (nl < 0) break;
      this.handleLine(s.slice(start, nl));
      start = nl + 1;
    }
    this.rest = s.slice(start);
  }

  end(): CsvColumn[] {
    if (this.rest.length) this.handleLine(this.rest);
    this.rest = '';
    if (!this.columns && this.opts.headers) this.columns = this.opts.headers.map((h) => ({ header: h, name: h }));
    if (!this.columns) throw new Error(`${this.name}: no header line (the file is empty)`);
    this.flush();
    return this.columns;
  }

  private handleLine(raw: string): void {
    this.line++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const comment = this.opts.comment ?? '#';
    if (this.line <= (this.opts.skipLines ?? 0)) return;
    if (line.trim() === '' || (comment && line.startsWith(comment))) return;
    const where = `${this.name} line ${this.line}`;
    if (!this.columns && this.opts.headers) {
      this.delimiter = this.opts.delimiter ?? detectDelimiter(line);
      this.columns = this.opts.headers.map((h) => ({ header: h, name: h }));
      this.buf = this.columns.map(() => new Float64Array(this.batchRows));
    }
    if (!this.columns) {
      const text = line.replace(/^\uFEFF/, '');
      this.delimiter = this.opts.delimiter ?? detectDelimiter(text);
      const cells = this.split(text, where);
      const tr = this.opts.headerTransform ?? {};
      this.columns = cells.map((c) => {
        const h = c.trim();
        return tr[h] !== undefined ? { header: h, name: tr[h] } : parseHeaderCell(c);
      });
      const seen = new Set<string>();
      this.columns.forEach((c, i) => {
        if (!c.name) throw new Error(`${where}, column ${i + 1}: empty column name`);
        if (seen.has(c.name)) throw new Error(`${where}, column ${i + 1} (${c.header}): duplicate column name "${c.name}"`);
        seen.add(c.name);
      });
      // Any text with a consistent number of words per line parses as numbers under some header;
      // without coordinates it is not a localization table, and saying so beats listing the words
      // of a note as float64 columns.
      if (!seen.has('x') || !seen.has('y')) {
        const list = this.columns.map((c) => c.header).join(', ');
        throw new Error(`${where}: not a localization table: the header (${list.length > 80 ? list.slice(0, 77) + '…' : list}) has no x and y columns`);
      }
      this.buf = this.columns.map(() => new Float64Array(this.batchRows));
      return;
    }
    const cells = this.split(line, where);
    const cols = this.columns;
    if (cells.length !== cols.length) {
      throw new Error(`${where}: expected ${cols.length} fields (as in the header), found ${cells.length}`);
    }
    const buf = this.buf!;
    for (let i = 0; i < cells.length; i++) {
      const t = cells[i].trim();
      const v = t === '' ? NaN : Number(t);
      if (t === '' || (v !== v && !/^[+-]?nan$/i.test(t))) {
        throw new Error(`${where}, column ${i + 1} (${cols[i].header}): ${JSON.stringify(cells[i])} is not a number`);
      }
      buf[i][this.n] = v;
    }
    if (++this.n === this.batchRows) this.flush();
  }

  private split(line: string, where: string): string[] {
    const d = this.delimiter!;
    const cells = d === ' ' ? line.trim().split(/\s+/) : splitLine(line, d, where);
    return cells;
  }

  private flush(): void {
    if (!this.n || !this.buf) return;
    this.onBatch({ columns: this.buf.map((b) => b.slice(0, this.n)), rows: this.n });
    this.n = 0;
  }
}

/** Parses decoded text chunks (a stream) into columns held in memory (float32 by default). */
export async function parseCsv(
  chunks: AsyncIterable<string> | Iterable<string>,
  opts: CsvParserOptions & { dtype?: 'float32' | 'float64' } = {},
): Promise<{ columns: CsvColumn[]; data: (Float32Array | Float64Array)[]; rows: number }> {
  const Ctor = opts.dtype === 'float64' ? Float64Array : Float32Array;
  let data: (Float32Array | Float64Array)[] = [];
  let rows = 0;
  const p = new CsvParser((b) => {
    if (!data.length) data = b.columns.map(() => new Ctor(Math.max(1024, b.rows)));
    if (rows + b.rows > data[0].length) {
      const cap = Math.max(rows + b.rows, data[0].length * 2);
      data = data.map((d) => {
        const g = new Ctor(cap);
        g.set(d.subarray(0, rows));
        return g;
      });
    }
    b.columns.forEach((c, i) => data[i].set(c, rows));
    rows += b.rows;
  }, opts);
  for await (const c of chunks) p.push(c);
  const columns = p.end();
  if (!data.length) data = columns.map(() => new Ctor(0));
  return { columns, data: data.map((d) => d.slice(0, rows)), rows };
}

/** Decodes a byte stream as UTF-8 text chunks (multi-byte characters split across chunks are kept). */
export async function* decodeText(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const dec = new TextDecoder();
  for await (const b of bytes) yield dec.decode(b, { stream: true });
  const tail = dec.decode();
  if (tail) yield tail;
}

/** Shortest decimal that reads back as the same float32 (so CSV ⇄ .smlm round-trips exactly). */
export function formatFloat32(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 2 ** 24) return String(v);
  for (let p = 6; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(Number(v.toPrecision(9)));
}

const DEFAULT_UNITS: Record<string, string> = { x: 'nm', y: 'nm', z: 'nm', uncertainty_xy: 'nm', uncertainty_z: 'nm' };

/** The header cell for a column: ThunderSTORM style `"name [unit]"`, always quoted. */
function headerCell(name: string, unit?: string): string {
  const u = unit ?? DEFAULT_UNITS[name];
  return JSON.stringify(u ? `${name} [${u}]` : name);
}

/**
 * Formats rows [row0, row0+n) of scalar columns as CSV lines. Non-scalar columns are expanded to
 * one CSV column per element (`name_0`, `name_1`, …).
 */
export function formatRows(
  columns: { name: string; dtype: string; shape: number[]; data: ArrayLike<number> }[],
  row0: number,
  n: number,
  delim = ',',
): string {
  const fmts = columns.map((c) => (c.dtype === 'float32' ? formatFloat32 : String));
  const counts = columns.map((c) => c.shape.reduce((a, b) => a * b, 1));
  const lines: string[] = new Array(n);
  const cells: string[] = [];
  for (let r = 0; r < n; r++) {
    cells.length = 0;
    for (let ci = 0; ci < columns.length; ci++) {
      const k = counts[ci];
      const d = columns[ci].data;
      for (let e = 0; e < k; e++) cells.push(fmts[ci](d[(row0 + r) * k + e]));
    }
    lines[r] = cells.join(delim);
  }
  return lines.join('\n') + (n ? '\n' : '');
}

export function csvHeaderLine(
  columns: { name: string; shape: number[] }[],
  units: Record<string, string> = {},
  delim = ',',
): string {
  const cells: string[] = [];
  for (const c of columns) {
    const k = c.shape.reduce((a, b) => a * b, 1);
    if (k === 1) cells.push(headerCell(c.name, units[c.name]));
    else for (let e = 0; e < k; e++) cells.push(headerCell(`${c.name}_${e}`, units[c.name]));
  }
  return cells.join(delim) + '\n';
}
