import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { BytesSource } from '../../src/io/byte-source.js';
import { listArchive, streamEntry } from '../../src/smlm/archive.js';
import { readSmlm, writeSmlm } from '../../src/smlm/index.js';
import { dataSummary, testData } from '../helpers/fixtures.js';
import { pyReadSmlm } from './pyreader.js';
import { readSmlmFile, smlmReadSuite } from './read.suite.js';

const { dir: DATA, smlm: GEN } = { dir: testData(), smlm: dataSummary().smlm };
const TOWER = path.join(DATA, 'smlm', GEN.file);

// The same checks run on the real ShareLoc file in shareloc.corpus.test.ts.
smlmReadSuite(TOWER);

describe('writing', () => {
  const rows = 1000;
  const mk = <T extends { length: number; [i: number]: number }>(a: T, f: (i: number) => number) => {
    for (let i = 0; i < a.length; i++) a[i] = f(i);
    return a;
  };
  const tables = [
    {
      name: 'ch0',
      channel: 'red',
      pixelSize: 100,
      columns: [
        { name: 'frame', dtype: 'uint32' as const, data: mk(new Uint32Array(rows), (i) => i * 7 + 4_000_000_000 - 7000) },
        { name: 'x', dtype: 'float64' as const, data: mk(new Float64Array(rows), (i) => Math.PI * i + 1e-9) },
        { name: 'y', dtype: 'float32' as const, data: mk(new Float32Array(rows), (i) => Math.sqrt(i) * 1000.1) },
        { name: 'flag', dtype: 'uint8' as const, data: mk(new Uint8Array(rows), (i) => i % 251) },
        { name: 'photons', dtype: 'uint16' as const, data: mk(new Uint16Array(rows), (i) => (i * 65) % 65536) },
        { name: 'patch', dtype: 'uint16' as const, shape: [2, 3], data: mk(new Uint16Array(rows * 6), (i) => (i * 13) % 65536) },
      ],
    },
    {
      name: 'ch1',
      channel: 'green',
      columns: [
        { name: 'x', dtype: 'float32' as const, data: mk(new Float32Array(17), (i) => i - 8.5) },
        { name: 'y', dtype: 'float32' as const, data: mk(new Float32Array(17), (i) => i * 2) },
      ],
    },
  ];

  it('mixed dtypes, a [2,3] column and two tables round-trip exactly through our reader', async () => {
    const bytes = writeSmlm(tables, { name: 'mixed.smlm' });
    const d = await readSmlm(new BytesSource(bytes, 'mixed.smlm'));
    expect(d.tables.map((t) => [t.name, t.channel, t.rows])).toEqual([['ch0.bin', 'red', rows], ['ch1.bin', 'green', 17]]);
    d.tables.forEach((t, ti) =>
      t.columns.forEach((c, ci) => {
        const want = tables[ti].columns[ci];
        expect([c.name, c.dtype, c.shape]).toEqual([want.name, want.dtype, (want as { shape?: number[] }).shape ?? [1]]);
        expect(c.data).toEqual(want.data);
      }),
    );
    // stride = 4 + 8 + 4 + 1 + 2 + 12 = 31 bytes: unaligned columns go through the DataView path.
    expect(d.tables[0].info.rows).toBe(rows);
    expect(d.tables[0].pixelSize).toBe(100);
  });

  it('progressive mode: rows arrive in blocks of fresh arrays that assemble into the same columns', async () => {
    const bytes = writeSmlm(tables, { name: 'mixed.smlm' });
    const seen: string[] = [];
    const got = tables.map((t) => t.columns.map((c) => new (c.data.constructor as Uint8ArrayConstructor)(c.data.length)));
    const d = await readSmlm(new BytesSource(bytes), {
      blockBytes: 31 * 64, // 64 rows of the 31-byte table per block
      onTable: (t, i) => seen.push(`table ${i} ${t.name} ${t.rows} ${t.columns[0].data.length}`),
      onRows: (i, row0, cols, n) => {
        seen.push(`rows ${i} ${row0} ${n}`);
        cols.forEach((c, k) => got[i][k].set(c, row0 * (c.length / n)));
      },
    });
    expect(seen.filter((x) => x.startsWith('rows 0')).length).toBe(Math.ceil(rows / 64));
    expect(seen[0]).toBe(`table 0 ch0.bin ${rows} 0`);
    expect(seen[1]).toBe('rows 0 0 64');
    expect(d.tables[0].columns[0].data.length).toBe(0); // nothing kept twice
    tables.forEach((t, ti) => t.columns.forEach((c, ci) => expect(got[ti][ci]).toEqual(c.data)));
  });

  it('Python (zipfile + numpy) reads our file with the same columns, sizes and stats', () => {
    const file = path.join(os.tmpdir(), `mixed-${process.pid}.smlm`);
    fs.writeFileSync(file, writeSmlm(tables, { name: 'mixed.smlm' }));
    const py = pyReadSmlm(file);
    expect(py.manifest.format_version).toBe('0.2');
    expect(py.tables[0].itemsize).toBe(31);
    expect(py.tables[0].bytes).toBe(rows * 31);
    tables.forEach((t, ti) => t.columns.forEach((c) => expect(py.tables[ti].columns[c.name]).toEqual(Array.from(c.data))));
    // Stats as ShareLoc writes them: dicts keyed by header, computed from the stored values.
    const f0 = py.manifest.files[0];
    expect(f0.min.frame).toBe(4_000_000_000 - 7000);
    expect(f0.max.frame).toBe(4_000_000_000 - 7000 + 7 * (rows - 1));
    expect(f0.max.flag).toBe(250);
    expect(f0.avg.x).toBeCloseTo((Math.PI * (rows - 1)) / 2 + 1e-9, 6);
    fs.rmSync(file);
  });

  it('refuses to write past the 32-bit ZIP limits instead of writing a corrupt file', () => {
    const cols = [{ name: 'x', data: new Float32Array(300) }, { name: 'y', data: new Float32Array(300) }];
    expect(() => writeSmlm([{ name: 'big', columns: cols }], { zip32Limit: 2000 })).toThrow(/table big would exceed 2000 bytes; writing ZIP64 \(\.smlm > 4 GiB\) is not supported/);
    expect(() => writeSmlm([{ name: 'big', columns: cols }], { zip32Limit: 2500, level: 0 })).toThrow(/the archive would exceed 2500 bytes/);
  });
});

describe('text tables inside an .smlm (mode "text")', () => {
  const manifest = (fmt: object, rows?: number) => ({
    format_version: '0.2',
    formats: { t: { type: 'table', mode: 'text', extension: '.csv', dtype: 'float32', ...fmt } },
    files: [{ name: 't.csv', format: 't', type: 'table', channel: 'c', ...(rows === undefined ? {} : { rows }) }],
  });
  const zip = (m: object, text: string) => zipSync({ 'manifest.json': strToU8(JSON.stringify(m)), 't.csv': strToU8(text) });

  it('honours delimiter, comments, header_row and header_transform', async () => {
    const text = 'exported by SomeTool v1\n"First Frame";"Position X [nm]";"Y pos [nm]"\n% a comment\n1;10.5;20\n2;11.25;21\n';
    const m = manifest({ delimiter: ';', comments: '%', header_row: 1, header_transform: { 'Y pos [nm]': 'y' } }, 2);
    const d = await readSmlm(new BytesSource(zip(m, text), 'text.smlm'));
    const t = d.tables[0];
    expect([t.name, t.channel, t.rows]).toEqual(['t.csv', 'c', 2]);
    expect(t.columns.map((c) => [c.name, c.dtype, Array.from(c.data)])).toEqual([['frame', 'float32', [1, 2]], ['x', 'float32', [10.5, 11.25]], ['y', 'float32', [20, 21]]]);
  });

  it('header_row -1 takes the names from "headers"; wrong row counts and bad values are errors', async () => {
    const d = await readSmlm(new BytesSource(zip(manifest({ delimiter: ',', header_row: -1, headers: ['x', 'y'] }), '1,2\n3,4\n'), 'nohdr.smlm'));
    expect(d.tables[0].columns.map((c) => Array.from(c.data))).toEqual([[1, 3], [2, 4]]);
    await expect(readSmlm(new BytesSource(zip(manifest({ delimiter: ',' }, 5), 'x,y\n1,2\n'), 'rows.smlm'))).rejects.toThrow('rows.smlm: table t.csv: the manifest says 5 rows, the text has 1');
    await expect(readSmlm(new BytesSource(zip(manifest({ delimiter: ',' }), 'x,y\n1,2\n3,zz\n'), 'val.smlm'))).rejects.toThrow('val.smlm: table t.csv line 3, column 2 (y): "zz" is not a number');
  });
});

describe('bad input', () => {
  const manifestZip = (manifest: unknown, members: Record<string, Uint8Array> = {}) =>
    zipSync({ 'manifest.json': strToU8(JSON.stringify(manifest)), ...members });
  const table = (dtype: unknown, rows: number, bin: Uint8Array, extra: object = {}) =>
    manifestZip(
      {
        format_version: '0.2',
        formats: { t: { type: 'table', mode: 'binary', headers: ['x', 'y'], dtype, shape: [1, 1], ...extra } },
        files: [{ name: 't.bin', format: 't', type: 'table', rows }],
      },
      { 't.bin': bin },
    );
  const read = (bytes: Uint8Array, name = 'bad.smlm') => readSmlm(new BytesSource(bytes, name));

  it('not a zip', async () => {
    await expect(read(strToU8('x,y\n1,2\n'.repeat(10)), 'table.csv')).rejects.toThrow(/table\.csv: not an \.smlm file: it is not a ZIP archive/);
  });
  it('no manifest', async () => {
    await expect(read(zipSync({ 'data.bin': new Uint8Array(8) }))).rejects.toThrow(/bad\.smlm: not an \.smlm file: no manifest\.json.*data\.bin/);
  });
  it('wrong format_version and broken JSON', async () => {
    await expect(read(manifestZip({ format_version: '1', formats: {}, files: [] }))).rejects.toThrow(/unsupported format_version "1"/);
    await expect(read(zipSync({ 'manifest.json': strToU8('{"format_version": ') }))).rejects.toThrow(/manifest\.json is not valid JSON/);
  });
  it('unknown dtype', async () => {
    await expect(read(table(['float32', 'int24'], 1, new Uint8Array(8)))).rejects.toThrow(/column "y": unknown dtype "int24"/);
  });
  it('big-endian dtype is refused (the format is little-endian)', async () => {
    await expect(read(table(['>f4', '>f4'], 1, new Uint8Array(8)))).rejects.toThrow(/big-endian dtype ">f4" is not allowed/);
  });
  it('rows × stride ≠ byte length', async () => {
    await expect(read(table(['float32', 'float64'], 3, new Uint8Array(30)))).rejects.toThrow(/rows × stride = 3 × 12 = 36 bytes, but the member holds 30 bytes/);
  });
  it('a table member the manifest names but the archive lacks', async () => {
    const z = manifestZip({ format_version: '0.2', formats: { t: { type: 'table', headers: ['x'], dtype: 'float32' } }, files: [{ name: 'gone.bin', format: 't', type: 'table', rows: 1 }] });
    await expect(read(z)).rejects.toThrow(/lists "gone\.bin" but the archive has no such member/);
  });
  it('truncated zip (cut in half) and corrupt deflate data', async () => {
    const bytes = new Uint8Array(fs.readFileSync(TOWER));
    await expect(read(bytes.subarray(0, bytes.length >> 1))).rejects.toThrow(/not an \.smlm file: it is not a ZIP archive/);
    const broken = bytes.slice();
    broken.fill(0xff, 1000, 60000); // inside the table's deflate stream
    await expect(read(broken)).rejects.toThrow(/bad\.smlm: ZIP member tower-df\.bin: (corrupt or truncated deflate data|inflated to)/);
  });
  it('a deflate stream that stops early fails with every inflater (no hang)', async () => {
    const src = new BytesSource(new Uint8Array(fs.readFileSync(TOWER)), 'cut.smlm');
    const entry = (await listArchive(src)).get(GEN.table)!;
    const cut = { ...entry, compressedSize: entry.compressedSize - 5000 };
    for (const inflater of ['native', 'fflate'] as const) {
      await expect(streamEntry(src, cut, () => {}, { inflater })).rejects.toThrow(/cut\.smlm: ZIP member tower-df\.bin: (corrupt or truncated deflate data|inflated to)/);
    }
  });
  it('a file that is not there', async () => {
    await expect(readSmlmFile('/nonexistent/a.smlm')).rejects.toThrow(/\/nonexistent\/a\.smlm: no such file/);
  });
});
