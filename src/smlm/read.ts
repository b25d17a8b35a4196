import { SourceError, type ByteSource } from '../io/byte-source.js';
import type { ProgressCallback } from '../progress.js';
import { listArchive, readEntry, streamEntry, type ZipEntry } from './archive.js';
import { Deinterleaver, tableLayout } from './layout.js';
import { decodeDataUrl, fileType, mimeOf, parseManifest, statsOf, unitsOf } from './manifest.js';
import type { SmlmColumnArray, SmlmDataset, SmlmFileEntry, SmlmFormat, SmlmImage, SmlmManifest, SmlmTable } from './types.js';
import { DTYPE_ARRAYS, parseDType } from './layout.js';
import { parseCsv } from './csv.js';

export interface ReadSmlmOptions {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Which tables to load (default: all). */
  tables?: (entry: SmlmFileEntry, index: number) => boolean;
  /** Read image attachments (default true). */
  images?: boolean;
  inflater?: 'native' | 'fflate';
  /** Compressed bytes per read while streaming a table (default 4 MiB). */
  chunkSize?: number;
  /** Called once per table before its rows are read (with empty column arrays when `onRows` is set). */
  onTable?: (table: SmlmTable, index: number) => void;
  /**
   * Progressive mode: rows arrive in blocks as they are inflated, as fresh per-column arrays, and
   * the returned tables keep no data (the caller assembles or renders the blocks).
   */
  onRows?: (index: number, row0: number, columns: SmlmColumnArray[], rows: number) => void;
  /** Bytes of records de-interleaved at a time, i.e. the block size of onRows (default 4 MiB). */
  blockBytes?: number;
}

const fail = (source: ByteSource, msg: string): never => {
  throw new SourceError(source.name, msg);
};

/** Lists the archive and parses its manifest, without reading any table. */
export async function readSmlmManifest(source: ByteSource): Promise<{ manifest: SmlmManifest; entries: Map<string, ZipEntry> }> {
  let entries: Map<string, ZipEntry>;
  try {
    entries = await listArchive(source);
  } catch (e) {
    if (e instanceof SourceError && /not a ZIP/i.test(e.message)) {
      throw new SourceError(source.name, 'not an .smlm file: it is not a ZIP archive (no end-of-central-directory record)');
    }
    throw e;
  }
  const me = entries.get('manifest.json');
  if (!me) fail(source, `not an .smlm file: no manifest.json at the archive root (members: ${[...entries.keys()].slice(0, 5).join(', ') || 'none'})`);
  const text = new TextDecoder().decode(await readEntry(source, me!));
  let manifest: SmlmManifest;
  try {
    manifest = parseManifest(text, 'manifest.json');
  } catch (e) {
    throw new SourceError(source.name, (e as Error).message);
  }
  return { manifest, entries };
}

export interface TablePlan {
  f: SmlmFileEntry;
  fmt: SmlmFormat;
  layout: ReturnType<typeof tableLayout> | undefined;
  rows: number;
  entry: ZipEntry;
}

/**
 * The tables of a manifest, each checked against the archive before anything is inflated: the
 * member exists, and for binary tables rows × record size equals the member's uncompressed size
 * in the ZIP directory (a table one row short is an error naming it, not a table with a bogus
 * last row). `smlm info` relies on this to report rows it has verified without reading them.
 */
function memberOf(source: ByteSource, entries: Map<string, ZipEntry>, f: SmlmFileEntry): ZipEntry {
  const e = entries.get(f.name) ?? entries.get(f.name.replace(/^\.?\//, ''));
  if (!e) fail(source, `manifest.json lists "${f.name}" but the archive has no such member`);
  return e!;
}

export function planTables(source: ByteSource, manifest: SmlmManifest, entries: Map<string, ZipEntry>, want?: (entry: SmlmFileEntry, index: number) => boolean): TablePlan[] {
  const entryOf = (f: SmlmFileEntry) => memberOf(source, entries, f);
  const wanted = manifest.files
    .map((f, i) => ({ f, i, fmt: manifest.formats[f.format] }))
    .filter(({ f, fmt }) => fileType(f, fmt) === 'table')
    .filter(({ f, i }) => !want || want(f, i));

  // Every table is validated before any is inflated, so a bad manifest fails fast.
  return wanted.map(({ f, fmt }) => {
    const where = `table ${f.name}`;
    const mode = fmt.mode ?? 'binary';
    if (mode === 'text') return { f, fmt, layout: undefined, rows: typeof f.rows === 'number' ? f.rows : -1, entry: entryOf(f) };
    if (mode !== 'binary') fail(source, `${where}: mode "${fmt.mode}" tables are not supported (binary and text are)`);
    let layout;
    try {
      layout = tableLayout(fmt.headers, fmt.dtype, fmt.shape, `format "${f.format}"`);
    } catch (e) {
      return fail(source, `${where}: ${(e as Error).message}`);
    }
    const rows = f.rows;
    if (!Number.isSafeInteger(rows) || (rows as number) < 0) fail(source, `${where}: "rows" must be a non-negative integer, found ${JSON.stringify(rows)}`);
    const entry = entryOf(f);
    const expected = (rows as number) * layout.stride;
    if (entry.size !== expected) {
      fail(source, `${where}: rows × stride = ${rows} × ${layout.stride} = ${expected} bytes, but the member holds ${entry.size} bytes`);
    }
    return { f, fmt, layout, rows: rows as number, entry };
  });
}

/**
 * Reads a `.smlm` archive: every binary table is inflated as a stream straight into per-column
 * typed arrays (the records are never held whole), images and the thumbnail come out as bytes.
 */
export async function readSmlm(source: ByteSource, opts: ReadSmlmOptions = {}): Promise<SmlmDataset> {
  const { manifest, entries } = await readSmlmManifest(source);
  const plans = planTables(source, manifest, entries, opts.tables);

  const total = plans.reduce((a, p) => a + p.entry.compressedSize, 0);
  let doneBefore = 0;
  const tables: SmlmTable[] = [];
  for (const [ti, p] of plans.entries()) {
    const where = `${source.name}: table ${p.f.name}`;
    if (!p.layout) {
      const table = await readTextTable(source, p.f, p.fmt, p.entry, opts);
      if (p.rows >= 0 && table.rows !== p.rows) fail(source, `table ${p.f.name}: the manifest says ${p.rows} rows, the text has ${table.rows}`);
      doneBefore += p.entry.compressedSize;
      opts.onTable?.(table, ti);
      if (opts.onRows && table.rows) opts.onRows(ti, 0, table.columns.map((c) => c.data), table.rows);
      tables.push(table);
      continue;
    }
    const headers = p.layout.columns.map((c) => c.name);
    const offset: Record<string, number> = {};
    if (p.f.offset && typeof p.f.offset === 'object') {
      for (const [k, v] of Object.entries(p.f.offset as object)) if (typeof v === 'number') offset[k] = v;
    }
    const table: SmlmTable = {
      name: p.f.name,
      channel: typeof p.f.channel === 'string' ? p.f.channel : 'default',
      rows: p.rows,
      columns: p.layout.columns.map((c) => ({ name: c.name, dtype: c.dtype, shape: c.shape, data: new DTYPE_ARRAYS[c.dtype](0) })),
      offset,
      min: statsOf(p.f.min, headers),
      max: statsOf(p.f.max, headers),
      avg: statsOf(p.f.avg, headers),
      pixelSize: typeof p.f.pixel_size === 'number' ? p.f.pixel_size : undefined,
      units: unitsOf(p.fmt.units, headers),
      metadata: p.f.metadata && typeof p.f.metadata === 'object' ? (p.f.metadata as Record<string, unknown>) : {},
      info: { ...p.f },
    };
    opts.onTable?.(table, ti);
    const onRows = opts.onRows;
    const sink = new Deinterleaver(p.layout, p.rows, where, opts.blockBytes, onRows && ((row0, cols, n) => onRows(ti, row0, cols, n)));
    await streamEntry(source, p.entry, (c) => sink.push(c), {
      signal: opts.signal,
      inflater: opts.inflater,
      chunkSize: opts.chunkSize,
      onRead: (n) => opts.onProgress?.(doneBefore + n, total, p.f.name),
    });
    let data;
    try {
      data = sink.finish();
    } catch (e) {
      return fail(source, `table ${p.f.name}: ${(e as Error).message.replace(`${where}: `, '')}`);
    }
    doneBefore += p.entry.compressedSize;
    if (!onRows) table.columns.forEach((c, i) => (c.data = data[i]));
    tables.push(table);
  }

  const images: SmlmImage[] = [];
  if (opts.images !== false) {
    for (const f of manifest.files) {
      const fmt = manifest.formats[f.format];
      if (fileType(f, fmt) !== 'image') continue;
      images.push({
        name: f.name,
        channel: typeof f.channel === 'string' ? f.channel : undefined,
        mime: mimeOf(String(fmt.extension ?? f.name)),
        bytes: await readEntry(source, memberOf(source, entries, f), opts.signal),
      });
    }
  }

  let thumbnail: SmlmImage | undefined;
  if (typeof manifest.thumbnail === 'string') {
    const d = decodeDataUrl(manifest.thumbnail);
    if (d) thumbnail = { name: 'thumbnail', mime: d.mime, bytes: d.bytes };
    else if (entries.has(manifest.thumbnail)) {
      thumbnail = { name: manifest.thumbnail, mime: mimeOf(manifest.thumbnail), bytes: await readEntry(source, entries.get(manifest.thumbnail)!) };
    }
  }
  return { manifest, tables, images, thumbnail };
}

/** A `mode: "text"` table member (delimited text with the format's delimiter, comments, header row). */
async function readTextTable(source: ByteSource, f: SmlmFileEntry, fmt: SmlmFormat, entry: ZipEntry, opts: ReadSmlmOptions): Promise<SmlmTable> {
  const dtype = parseDType(Array.isArray(fmt.dtype) ? fmt.dtype[0] ?? 'float32' : fmt.dtype ?? 'float32', `format "${f.format}"`);
  const headerRow = typeof fmt.header_row === 'number' ? fmt.header_row : 0;
  const chunks: string[] = [];
  const dec = new TextDecoder();
  await streamEntry(source, entry, (c) => chunks.push(dec.decode(c, { stream: true })), { signal: opts.signal, inflater: opts.inflater });
  chunks.push(dec.decode());
  let r;
  try {
    r = await parseCsv(chunks, {
      name: `${source.name}: table ${f.name}`,
      delimiter: typeof fmt.delimiter === 'string' && fmt.delimiter ? fmt.delimiter : undefined,
      comment: typeof fmt.comments === 'string' ? fmt.comments : '#',
      skipLines: Math.max(headerRow, 0),
      headers: headerRow < 0 ? (fmt.headers as string[] | undefined) : undefined,
      headerTransform: (fmt.header_transform as Record<string, string> | undefined) ?? undefined,
      dtype: dtype === 'float64' ? 'float64' : 'float32',
    });
  } catch (e) {
    throw new SourceError(source.name, (e as Error).message.replace(`${source.name}: `, ''));
  }
  const headers = r.columns.map((c) => c.name);
  return {
    name: f.name,
    channel: typeof f.channel === 'string' ? f.channel : 'default',
    rows: r.rows,
    columns: r.columns.map((c, i) => ({ name: c.name, dtype: dtype === 'float64' ? 'float64' : 'float32', shape: [1], data: r.data[i] })),
    offset: {},
    min: statsOf(f.min, headers),
    max: statsOf(f.max, headers),
    avg: statsOf(f.avg, headers),
    pixelSize: typeof f.pixel_size === 'number' ? f.pixel_size : undefined,
    units: Object.fromEntries(r.columns.filter((c) => c.unit).map((c) => [c.name, c.unit!])),
    metadata: f.metadata && typeof f.metadata === 'object' ? (f.metadata as Record<string, unknown>) : {},
    info: { ...f },
  };
}
