/**
 * Reading a ShareLoc-layout .smlm (one float32 frame/x/y table, deflated), checked against Python
 * (zipfile + numpy). Runs on the generated file (read.test.ts) and on the real ShareLoc file
 * eiffel_tower.smlm (shareloc.corpus.test.ts).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BytesSource } from '../../src/io/byte-source.js';
import { withNodeSource } from '../../src/io/open-node.js';
import { registerInflater } from '../../src/smlm/inflate.js';
import { readSmlm, tableInput, writeSmlm } from '../../src/smlm/index.js';
import { zlibInflater } from '../../src/smlm/node.js';
import { pyReadSmlm } from './pyreader.js';
import { readLikeShareLoc } from './shareloc-reader.js';

/** Reads a local .smlm and closes its file handle (not left to the garbage collector). */
export const readSmlmFile = (file: string, opts?: Parameters<typeof readSmlm>[1]) => withNodeSource(file, (s) => readSmlm(s, opts));

/** Python zipfile's view of one member: where its local header starts and its compressed size. */
function pyMember(file: string, name: string): { offset: number; compressed: number } {
  const code = 'import sys, zipfile, json; i = zipfile.ZipFile(sys.argv[1]).getinfo(sys.argv[2]); print(json.dumps({"offset": i.header_offset, "compressed": i.compress_size}))';
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', code, file, name]).toString());
}

export function smlmReadSuite(file: string): void {
  describe(`reading ${path.basename(file)}`, () => {
    it('one float32 frame/x/y table; every column equals what Python (zipfile + numpy) reads', async () => {
      const d = await readSmlmFile(file);
      const py = pyReadSmlm(file);
      expect(d.tables).toHaveLength(1);
      expect(d.tables[0].rows).toBe(py.tables[0].rows);
      expect(d.tables[0].columns.map((c) => [c.name, c.dtype])).toEqual([['frame', 'float32'], ['x', 'float32'], ['y', 'float32']]);
      for (const c of d.tables[0].columns) expect(Array.from(c.data)).toEqual(py.tables[0].columns[c.name]);
    });

    it('zlib, DecompressionStream and fflate inflaters give the same columns; progress reaches the compressed size', async () => {
      const seen: number[] = [];
      const a = await readSmlmFile(file, { inflater: 'fflate', onProgress: (d, t) => seen.push(d, t) });
      const b = await readSmlmFile(file, { inflater: 'native' }); // Node zlib (src/smlm/node.ts)
      registerInflater(undefined);
      const c = await readSmlmFile(file, { inflater: 'native' }); // DecompressionStream
      registerInflater(zlibInflater);
      a.tables[0].columns.forEach((col, i) => expect(col.data).toEqual(b.tables[0].columns[i].data));
      a.tables[0].columns.forEach((col, i) => expect(col.data).toEqual(c.tables[0].columns[i].data));
      expect(seen.at(-1)).toBe(seen.at(-2));
      expect(seen.at(-1)).toBe(pyMember(file, a.tables[0].name).compressed);
    });

    it('streams a table in small reads: 1 KiB chunks give identical columns', async () => {
      const src = new BytesSource(new Uint8Array(fs.readFileSync(file)), 'smlm');
      const reads: [number, number][] = [];
      const counting = { name: 'smlm', size: () => src.size(), read: (o: number, l: number) => (reads.push([o, l]), src.read(o, l)) };
      const whole = await readSmlm(src, { images: false });
      const chunked = await readSmlm(counting, { chunkSize: 1024, images: false });
      chunked.tables[0].columns.forEach((c, i) => expect(c.data).toEqual(whole.tables[0].columns[i].data));
      // The table's compressed bytes are streamed in ≤ 1 KiB reads (the ZIP listing itself reads
      // headers separately).
      const m = pyMember(file, whole.tables[0].name);
      const end = m.offset + 30 + whole.tables[0].name.length + m.compressed; // no extra field in either writer's local header
      const small = reads.filter(([o, l]) => l <= 1024 && l > 30 && o >= m.offset && o + l <= end);
      expect(small.length).toBe(Math.ceil(m.compressed / 1024));
      expect(small.reduce((s, [, l]) => s + l, 0)).toBe(m.compressed);
    });

    it('read, written and read again is identical (and Python and a ShareLoc-style reader agree)', async () => {
      const d = await readSmlmFile(file);
      const bytes = writeSmlm(d.tables.map(tableInput), { name: d.manifest.name as string, thumbnail: d.thumbnail?.bytes });
      const again = await readSmlm(new BytesSource(bytes));
      again.tables[0].columns.forEach((c, i) => expect(c.data).toEqual(d.tables[0].columns[i].data));
      // the writer computes the stats from the float32 data: the manifest's values, as float32
      expect(again.tables[0].min).toEqual(Object.fromEntries(Object.entries(d.tables[0].min).map(([k, v]) => [k, Math.fround(v as number)])));
      expect(again.thumbnail?.bytes).toEqual(d.thumbnail?.bytes);
      // ShareLoc's JS reader requires float32 tables of rows × columns × 4 bytes; ours keeps that.
      const out = path.join(os.tmpdir(), `smlm-rt-${process.pid}.smlm`);
      fs.writeFileSync(out, bytes);
      const py = pyReadSmlm(out);
      expect(py.tables[0].bytes).toBe(d.tables[0].rows * 3 * 4);
      // …and a reader written like ShareLoc's (JSZip, 4-byte columns) reads our file.
      const sl = await readLikeShareLoc(bytes);
      for (const c of d.tables[0].columns) expect(sl.tables[0].columns[c.name]).toEqual(c.data);
      expect(py.tables[0].columns.y.slice(0, 3)).toEqual(Array.from(d.tables[0].columns[2].data.subarray(0, 3)));
      fs.rmSync(out);
    });
  });
}
