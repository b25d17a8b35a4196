import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { ByteSource } from '../../io/byte-source.js';
import { withNodeSource } from '../../io/open-node.js';
import '../../smlm/node.js';
import { csvToSmlm, decodeText, parseCsv, planTables, readSmlm, readSmlmManifest, tableInput, tableToCsv, SmlmWriter } from '../../smlm/index.js';
import { statsOf } from '../../smlm/manifest.js';
import type { SmlmTable } from '../../smlm/types.js';
import { progressBar } from '../progress.js';

export interface InfoColumn {
  name: string;
  dtype: string;
  shape?: number[];
  min: number | null;
  max: number | null;
}
export interface InfoTable {
  name: string;
  channel: string;
  rows: number;
  columns: InfoColumn[];
  head?: number[][];
}

const isCsv = (p: string) => /\.(csv|tsv|txt)$/i.test(p);
const num = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? null : v);

function headOf(t: SmlmTable, n: number): number[][] {
  const rows: number[][] = [];
  for (let r = 0; r < Math.min(n, t.rows); r++) {
    const row: number[] = [];
    for (const c of t.columns) {
      const k = c.data.length / Math.max(t.rows, 1);
      for (let e = 0; e < k; e++) row.push(c.data[r * k + e]);
    }
    rows.push(row);
  }
  return rows;
}

async function* fileText(file: string, onBytes?: (n: number) => void): AsyncGenerator<string> {
  let n = 0;
  const bytes = (async function* () {
    for await (const b of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
      n += (b as Buffer).byteLength;
      onBytes?.(n);
      yield b as Uint8Array;
    }
  })();
  yield* decodeText(bytes);
}

/** `smlm info`: tables, columns with dtype and min/max (from the manifest), optionally the first rows. */
export async function smlmInfo(file: string, head = 0): Promise<{ tables: InfoTable[] }> {
  if (isCsv(file)) {
    const r = await parseCsv(fileText(file), { name: file, dtype: 'float64' });
    const t: SmlmTable = {
      name: path.basename(file), channel: 'default', rows: r.rows, offset: {}, min: {}, max: {}, avg: {}, units: {}, metadata: {}, info: {},
      columns: r.columns.map((c, i) => ({ name: c.name, dtype: 'float64', shape: [1], data: r.data[i] as Float64Array })),
    };
    return { tables: [describe(t, head, true)] };
  }
  // the file handle is closed whatever happens (it used to be left to the garbage collector)
  return withNodeSource(file, (source) => smlmZipInfo(source, head));
}

async function smlmZipInfo(source: ByteSource, head: number): Promise<{ tables: InfoTable[] }> {
  if (!head) {
    // Rows and stats from the manifest, with every table's size checked against the ZIP directory;
    // no table is inflated unless the manifest lacks its min/max, which are then computed.
    const { manifest, entries } = await readSmlmManifest(source);
    const plans = planTables(source, manifest, entries);
    if (plans.every((p) => p.layout?.columns.every((c) => typeof (p.f.min as Record<string, unknown>)?.[c.name] === 'number' && typeof (p.f.max as Record<string, unknown>)?.[c.name] === 'number'))) {
      return {
        tables: plans.map(({ f, layout }) => {
          const headers = layout!.columns.map((c) => c.name);
          const min = statsOf(f.min, headers);
          const max = statsOf(f.max, headers);
          return {
            name: f.name,
            channel: String(f.channel ?? 'default'),
            rows: Number(f.rows),
            columns: layout!.columns.map((c) => ({ name: c.name, dtype: c.dtype, ...(c.count > 1 ? { shape: c.shape } : {}), min: num(min[c.name]), max: num(max[c.name]) })),
          };
        }),
      };
    }
    const { tables } = await readSmlm(source, { images: false });
    return { tables: tables.map((t) => describe(t, 0, true)) };
  }
  // Only the first block of each table is inflated: the read stops once `head` rows arrived.
  const { manifest } = await readSmlmManifest(source);
  const count = manifest.files.filter((f) => (f.type ?? manifest.formats[f.format].type) === 'table').length;
  const tables: InfoTable[] = [];
  for (let k = 0; k < count; k++) {
    let table: SmlmTable | undefined;
    let rows: number[][] = [];
    const stop = new AbortController();
    let seen = -1;
    await readSmlm(source, {
      images: false,
      signal: stop.signal,
      blockBytes: 1 << 16,
      tables: (f) => (f.type ?? manifest.formats[f.format].type) === 'table' && ++seen === k,
      onTable: (t) => (table = t),
      onRows: (_i, _row0, cols, n) => {
        const t = { ...table!, rows: n, columns: table!.columns.map((c, j) => ({ ...c, data: cols[j] })) };
        rows = rows.concat(headOf(t, head - rows.length));
        if (rows.length >= head) stop.abort();
      },
    }).catch((e) => {
      if (!stop.signal.aborted) throw e;
    });
    const info = describe({ ...table!, columns: table!.columns }, 0, false);
    tables.push({ ...info, head: rows });
  }
  return { tables };
}

function describe(t: SmlmTable, head: number, compute: boolean): InfoTable {
  const columns = t.columns.map((c) => {
    let min = t.min[c.name];
    let max = t.max[c.name];
    if (compute || min === undefined || max === undefined) {
      min = Infinity;
      max = -Infinity;
      for (let i = 0; i < c.data.length; i++) {
        const v = c.data[i];
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    return { name: c.name, dtype: c.dtype, ...(c.shape.length > 1 || c.shape[0] > 1 ? { shape: c.shape } : {}), min: num(Number.isFinite(min) ? min : NaN), max: num(Number.isFinite(max) ? max : NaN) };
  });
  return { name: t.name, channel: t.channel, rows: t.rows, columns, ...(head ? { head: headOf(t, head) } : {}) };
}

/** Writes to a file descriptor synchronously: the writer's callbacks are synchronous, and this keeps memory flat. */
const fdSink = (fd: number) => (chunk: Uint8Array) => {
  let off = 0;
  while (off < chunk.byteLength) off += fs.writeSync(fd, chunk, off);
};

/** `smlm convert`: csv → smlm, smlm → csv (one file per table when there are several), smlm → smlm. */
export async function smlmConvert(input: string, output: string, opts: { level?: number; pixelSize?: number } = {}): Promise<string[]> {
  const bar = progressBar(`convert ${path.basename(input)}`);
  try {
    if (isCsv(input) && isCsv(output)) throw new Error(`${output}: converting CSV to CSV is not supported; write an .smlm`);
    if (isCsv(input)) {
      const total = fs.statSync(input).size;
      const tmp = `${output}.partial`;
      const fd = fs.openSync(tmp, 'w');
      try {
        await csvToSmlm(fileText(input, (n) => bar.update(n, total)), fdSink(fd), {
          sourceName: input,
          name: path.basename(output),
          tableName: path.basename(input).replace(/\.[^.]*$/, ''),
          level: opts.level,
          pixelSize: opts.pixelSize,
        });
      } catch (e) {
        fs.closeSync(fd);
        fs.rmSync(tmp, { force: true });
        throw e;
      }
      fs.closeSync(fd);
      fs.renameSync(tmp, output);
      return [output];
    }
    const d = await withNodeSource(input, (src) => readSmlm(src, { onProgress: (a, b) => bar.update(a, b) }));
    if (isCsv(output)) {
      const outs = d.tables.length === 1 ? [output] : d.tables.map((t, i) => output.replace(/(\.[^.]*)$/, `-${t.channel !== 'default' ? t.channel.replace(/[^\w.-]+/g, '_') : i}$1`));
      for (const [i, t] of d.tables.entries()) {
        const fd = fs.openSync(outs[i], 'w');
        const write = fdSink(fd);
        await tableToCsv(t, (s) => write(Buffer.from(s)), { delimiter: /\.tsv$/i.test(output) ? '\t' : ',', onProgress: (a, b) => bar.update(a, b) });
        fs.closeSync(fd);
      }
      return outs;
    }
    const fd = fs.openSync(output, 'w');
    const w = new SmlmWriter(fdSink(fd), { name: path.basename(output), level: opts.level, thumbnail: d.thumbnail?.mime === 'image/png' ? d.thumbnail.bytes : undefined });
    for (const t of d.tables) {
      const inp = tableInput(t);
      const s = w.beginTable({ ...inp, columns: inp.columns.map(({ name, dtype, shape }) => ({ name, dtype, shape })) });
      s.writeColumns(inp.columns.map((c) => c.data));
      s.end();
    }
    for (const im of d.images) w.addImage(im.name, im.bytes, im.channel);
    w.finish();
    fs.closeSync(fd);
    return [output];
  } finally {
    bar.stop();
  }
}

export function registerSmlm(program: Command) {
  const smlm = program.command('smlm').description('SMLM localization tables: .smlm (ShareLoc) and CSV (ThunderSTORM …)');
  smlm
    .command('info <file>')
    .description('list the tables of an .smlm (or a CSV): rows, columns with dtype and min/max')
    .option('--json', 'print JSON: {"tables":[{"name","channel","rows","columns":[{"name","dtype","min","max"}],"head":[…]}]}')
    .option('--head <n>', 'also print the first n rows of each table', (v) => Number(v), 0)
    .action(async (file: string, o: { json?: boolean; head: number }) => {
      if (!Number.isInteger(o.head) || o.head < 0) throw new Error(`--head must be a non-negative integer`);
      const info = await smlmInfo(file, o.head);
      if (o.json) {
        process.stdout.write(JSON.stringify(info) + '\n');
        return;
      }
      for (const t of info.tables) {
        console.log(`${t.name}  channel=${t.channel}  rows=${t.rows}`);
        for (const c of t.columns) console.log(`  ${c.name.padEnd(20)} ${c.dtype.padEnd(8)} min=${c.min} max=${c.max}`);
        for (const r of t.head ?? []) console.log(`  ${r.join('\t')}`);
      }
    });
  smlm
    .command('convert <input>')
    .description('convert between .smlm and CSV (csv → smlm streams; float32 columns like ShareLoc)')
    .requiredOption('-o, --output <file>', 'output .smlm or .csv/.tsv')
    .option('--level <n>', 'DEFLATE level 0-9 for .smlm output', (v) => Number(v), 6)
    .option('--pixel-size <nm>', 'camera pixel size in nm, recorded in the manifest', (v) => Number(v))
    .action(async (input: string, o: { output: string; level: number; pixelSize?: number }) => {
      const outs = await smlmConvert(input, o.output, { level: o.level, pixelSize: o.pixelSize });
      for (const f of outs) console.error(`wrote ${f}`);
    });
}
