/**
 * readRegion against numpy: arrays written by Debian zarr 2.13 / numcodecs (raw, zlib, Blosc LZ4
 * with and without shuffle, Blosc frames our decoder leaves to c-blosc, missing chunks with fill
 * values, '/' keys, partial edge chunks, v3 layouts) read with selections of every kind must
 * give numpy's pixels and zarrita's shape and strides; layouts outside the fast path (F order,
 * filters, big-endian) go through zarrita with the same result; broken chunks are errors that
 * name the chunk; through a ReferenceStore the requests stay coalesced, and uncompressed chunks
 * served over HTTP (our static server) stream into the output with numpy's pixels — also with
 * missing chunks, inline chunks and a reference of the wrong size (an error naming the chunk).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as zarr from 'zarrita';
import { registerCodecs } from '../../src/codecs/index.js';
import { BytesSource } from '../../src/io/byte-source.js';
import { planReads } from '../../src/io/coalesce.js';
import { startStaticServer } from '../../src/http/static-server.js';
import { toCOrder, type TypedArray } from '../../src/ndarray/ndarray.js';
import { ReferenceStore } from '../../src/reference/open.js';
import { planFor, readRegion } from '../../src/reference/read-region.js';
import { python, repoRoot } from '../helpers/paths.js';

type Sel = (number | [number, number] | null)[];
interface ArraySpec {
  dtype: string;
  shape: number[];
  chunks: number[];
  compressor?: Record<string, unknown> | null;
  v3codec?: Record<string, unknown>;
  fill_value?: number | 'NaN';
  order?: 'C' | 'F';
  filters?: Record<string, unknown>[];
  dimension_separator?: string;
  format?: 2 | 3;
  write?: 'all' | 'some';
  selections: Sel[];
}

const lz4 = (shuffle: number, extra = {}) => ({ id: 'blosc', cname: 'lz4', clevel: 5, shuffle, ...extra });
const SEL3: Sel[] = [[1, [100, 900], [50, 1050]], [null, [0, 300], 1099], [2, null, null], [0, [256, 512], [300, 600]], [[0, 3], 5, [7, 8]], [null, [999, 1000], null]];
const SEL2: Sel[] = [[null, null], [[3, 97], [10, 211]], [42, null], [[0, 64], [64, 128]]];

const SPECS: Record<string, ArraySpec> = {
  'u2-blosc-shuffle': { dtype: '<u2', shape: [3, 1000, 1100], chunks: [1, 256, 300], compressor: lz4(1), selections: SEL3 },
  'u2-zlib': { dtype: '<u2', shape: [3, 1000, 1100], chunks: [1, 256, 300], compressor: { id: 'zlib', level: 1 }, selections: SEL3 },
  'u2-raw-slash': { dtype: '<u2', shape: [3, 1000, 1100], chunks: [1, 256, 300], compressor: null, dimension_separator: '/', selections: SEL3 },
  'u1-blosc-noshuffle': { dtype: '|u1', shape: [150, 230], chunks: [64, 64], compressor: lz4(0), selections: SEL2 },
  'i4-blosc-smallblocks': { dtype: '<i4', shape: [150, 230], chunks: [64, 64], compressor: lz4(1, { blocksize: 4096 }), selections: SEL2 },
  'f8-blosc-shuffle': { dtype: '<f8', shape: [150, 230], chunks: [64, 64], compressor: lz4(1), selections: SEL2 },
  // frames our decoder leaves to numcodecs' wasm c-blosc
  'f4-blosc-bitshuffle': { dtype: '<f4', shape: [150, 230], chunks: [64, 64], compressor: lz4(2), selections: SEL2 },
  'i2-blosc-zstd': { dtype: '<i2', shape: [150, 230], chunks: [64, 64], compressor: { id: 'blosc', cname: 'zstd', clevel: 3, shuffle: 1 }, selections: SEL2 },
  'u2-gzip': { dtype: '<u2', shape: [150, 230], chunks: [64, 64], compressor: { id: 'gzip', level: 1 }, selections: SEL2 },
  // missing chunks read as the fill value
  'i8-missing-fill': { dtype: '<i8', shape: [150, 230], chunks: [64, 64], compressor: lz4(1), fill_value: -5, write: 'some', selections: SEL2 },
  'f4-missing-nan': { dtype: '<f4', shape: [150, 230], chunks: [64, 64], compressor: { id: 'zlib', level: 1 }, fill_value: 'NaN', write: 'some', selections: SEL2 },
  'u2-missing-zero': { dtype: '<u2', shape: [150, 230], chunks: [64, 64], compressor: null, write: 'some', selections: SEL2 },
  // outside the fast path: zarrita reads them
  'u2-order-f': { dtype: '<u2', shape: [150, 230], chunks: [64, 64], compressor: lz4(1), order: 'F', selections: SEL2 },
  'i2-delta-filter': { dtype: '<i2', shape: [150, 230], chunks: [64, 64], compressor: { id: 'zlib', level: 1 }, filters: [{ id: 'delta', dtype: '<i2' }], selections: SEL2 },
  'u2-big-endian': { dtype: '>u2', shape: [150, 230], chunks: [64, 64], compressor: lz4(1), selections: SEL2 },
  // zarr v3 layouts
  'v3-u2-blosc': { dtype: '<u2', shape: [150, 230], chunks: [64, 64], format: 3, compressor: lz4(1), v3codec: { name: 'blosc', configuration: { cname: 'lz4', clevel: 5, shuffle: 'shuffle', typesize: 2, blocksize: 0 } }, selections: SEL2 },
  'v3-f4-gzip': { dtype: '<f4', shape: [150, 230], chunks: [64, 64], format: 3, compressor: { id: 'gzip', level: 1 }, v3codec: { name: 'gzip', configuration: { level: 1 } }, selections: SEL2 },
  'v3-i2-raw': { dtype: '<i2', shape: [150, 230], chunks: [64, 64], format: 3, compressor: null, selections: SEL2 },
};

let dir = '';
let answers: Record<string, { shape: number[]; sha256: string }[]> = {};

/** A zarrita store over a Zarr folder; counts chunk reads. */
function folderStore(root: string) {
  const store = {
    reads: 0,
    async get(key: string) {
      const p = path.join(root, key);
      if (!fs.existsSync(p)) return undefined;
      if (!/\.z|zarr\.json$/.test(key)) store.reads++;
      return new Uint8Array(fs.readFileSync(p));
    },
  };
  return store;
}

const sha = (d: ArrayBufferView) => createHash('sha256').update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)).digest('hex');
const toZarr = (sel: Sel) => sel.map((s) => (Array.isArray(s) ? zarr.slice(s[0], s[1]) : s));

beforeAll(() => {
  registerCodecs();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'region-'));
  const spec = Object.fromEntries(Object.entries(SPECS).map(([k, v]) => [k, { ...v }]));
  answers = JSON.parse(execFileSync(python, [path.join(repoRoot, 'test/codecs/py/make_arrays.py'), dir, JSON.stringify(spec)], { encoding: 'utf8', maxBuffer: 1 << 24 }));
}, 120_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('readRegion', () => {
  for (const [name, spec] of Object.entries(SPECS)) {
    it(`${name}: numpy's pixels, zarrita's shape and strides`, async () => {
      const store = folderStore(path.join(dir, name));
      const arr = await zarr.open(zarr.root(store), { kind: 'array' });
      for (const [i, sel] of spec.selections.entries()) {
        const r = await readRegion(arr, toZarr(sel));
        const z = await zarr.get(arr, toZarr(sel));
        expect(r.shape, `${JSON.stringify(sel)}`).toEqual(answers[name][i].shape);
        expect(r.stride).toEqual(z.stride);
        expect(Object.getPrototypeOf(r.data)).toBe(Object.getPrototypeOf(z.data));
        // zarrita keeps an F-order array's layout (strides say so): compare in C order
        const c = toCOrder(r.data as TypedArray, r.shape, r.stride);
        expect(sha(c), `${name} ${JSON.stringify(sel)}`).toBe(answers[name][i].sha256);
      }
    });
  }

  it('takes the fast path for exactly the layouts it covers', async () => {
    const zarritaOnly = ['u2-order-f', 'i2-delta-filter', 'u2-big-endian'];
    for (const name of Object.keys(SPECS)) {
      const root = path.join(dir, name);
      const file = fs.existsSync(path.join(root, '.zarray')) ? '.zarray' : 'zarr.json';
      const arr = await zarr.open(zarr.root(folderStore(root)), { kind: 'array' });
      const plan = planFor(JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')), arr.dtype, arr.shape, arr.chunks);
      expect(plan !== null, name).toBe(!zarritaOnly.includes(name));
    }
    // the arrays with missing chunks really miss some
    for (const name of ['i8-missing-fill', 'f4-missing-nan', 'u2-missing-zero']) {
      expect(fs.readdirSync(path.join(dir, name)).filter((f) => /^\d/.test(f)).length, name).toBeLessThan(12);
    }
  });

  it('reads each chunk once, and no chunk outside the selection', async () => {
    const store = folderStore(path.join(dir, 'u2-blosc-shuffle'));
    const arr = await zarr.open(zarr.root(store), { kind: 'array' });
    store.reads = 0;
    await readRegion(arr, [1, zarr.slice(100, 900), zarr.slice(50, 1050)]);
    // rows 100..900 → chunks 0..3, columns 50..1050 → chunks 0..3
    expect(store.reads).toBe(16);
  });

  it('leaves steps, negative indices and whole-array scalars to zarrita, with its results', async () => {
    const store = folderStore(path.join(dir, 'u2-zlib'));
    const arr = await zarr.open(zarr.root(store), { kind: 'array' });
    for (const sel of [[0, zarr.slice(0, 500, 3), zarr.slice(null, null)], [-1, zarr.slice(-20, null), zarr.slice(5, 9)]]) {
      const r = await readRegion(arr, sel);
      const z = await zarr.get(arr, sel);
      expect(r.shape).toEqual(z.shape);
      expect(sha(r.data as ArrayBufferView)).toBe(sha(z.data as ArrayBufferView));
    }
    expect(await readRegion(arr, [2, 999, 1099])).toBe(await zarr.get(arr, [2, 999, 1099]));
  });

  it('a broken chunk is an error that names the chunk and its codec', async () => {
    for (const [name, key, codec] of [['u2-blosc-shuffle', '1.1.1', 'numcodecs.blosc'], ['u2-zlib', '1.1.1', 'numcodecs.zlib']]) {
      const inner = folderStore(path.join(dir, name));
      const store = {
        async get(k: string) {
          const b = await inner.get(k);
          if (k !== `/${key}` || !b) return b;
          const bad = b.slice();
          for (let i = 16; i < bad.length; i++) bad[i] ^= 0x5a; // keep a Blosc header, break the body
          return bad;
        },
      };
      const arr = await zarr.open(zarr.root(store), { kind: 'array' });
      await expect(readRegion(arr, [1, zarr.slice(200, 600), zarr.slice(200, 700)])).rejects.toThrow(new RegExp(`chunk /${key.replace(/\./g, '\\.')} \\(${codec}\\): `));
    }
  });

  it('through a ReferenceStore: one coalesced request for neighbouring chunks, misaligned bytes decode', async () => {
    // the chunk files of one array packed back to back at odd offsets in one "file", as in a ZIP
    const root = path.join(dir, 'u2-blosc-shuffle');
    const refs: Record<string, unknown> = { '.zarray': fs.readFileSync(path.join(root, '.zarray'), 'utf8') };
    const parts: Uint8Array[] = [];
    let off = 3;
    for (const f of fs.readdirSync(root).filter((x) => /^\d/.test(x))) {
      const b = fs.readFileSync(path.join(root, f));
      refs[f] = ['data.bin', off, b.length];
      parts.push(b);
      off += b.length;
    }
    const file = new Uint8Array(off);
    off = 3;
    for (const p of parts) file.set(p, off), (off += p.length);
    let requests = 0;
    const src = new BytesSource(file, 'data.bin');
    const store = new ReferenceStore(refs as never, { openSource: () => ({ name: 'data.bin', size: () => src.size(), read: (o: number, l: number) => (requests++, src.read(o, l)) }) });
    const arr = await zarr.open.v2(zarr.root(store), { kind: 'array', attrs: false });
    const r = await readRegion(arr, toZarr(SEL3[0]));
    expect(sha(r.data as ArrayBufferView)).toBe(answers['u2-blosc-shuffle'][0].sha256);
    expect(requests).toBe(1);
  });

  it('a large output is pre-faulted while chunks are in flight, without erasing chunks that came early', async () => {
    // 3 × 1000 × 1100 uint16 = 6.6 MB: large enough for the pre-faulting; the first chunk comes at
    // once, the rest 40 ms later (a slow network), or all of them late
    const inner = folderStore(path.join(dir, 'u2-blosc-shuffle'));
    const want = sha((await zarr.get(await zarr.open(zarr.root(inner), { kind: 'array' }), [null, null, null])).data as ArrayBufferView);
    for (const early of [1, 0]) {
      let served = 0;
      const store = {
        async get(key: string) {
          const b = await inner.get(key);
          if (/\.z/.test(key)) return b;
          if (served++ >= early) await new Promise((r) => setTimeout(r, 40));
          return b;
        },
      };
      const arr = await zarr.open(zarr.root(store), { kind: 'array' });
      const r = await readRegion(arr, [null, null, null]);
      expect(sha(r.data as ArrayBufferView), `early ${early}`).toBe(want);
    }
  });

  it('a store error while reading the metadata is reported, not hidden by a fallback to zarrita', async () => {
    // zarrita opens the array (first .zarray get); the network then fails for readRegion's own get.
    const inner = folderStore(path.join(dir, 'u2-zlib'));
    let metadataGets = 0;
    const store = {
      async get(key: string) {
        if (/\.zarray$/.test(key) && ++metadataGets > 1) throw new Error('connection reset by peer');
        return inner.get(key);
      },
    };
    const arr = await zarr.open.v2(zarr.root(store), { kind: 'array' });
    await expect(readRegion(arr, [null, null, null])).rejects.toThrow(/connection reset by peer/);
    expect(metadataGets).toBe(2);
  });

  it('an abort rejects with an AbortError (the viewer drops such tiles quietly)', async () => {
    const inner = folderStore(path.join(dir, 'u2-zlib'));
    const ac = new AbortController();
    const store = {
      async get(key: string, o?: { signal?: AbortSignal }) {
        if (!/\.z/.test(key)) {
          ac.abort(); // while the first chunk is in flight (30 ms of simulated network)
          await new Promise((r) => setTimeout(r, 30));
        }
        o?.signal?.throwIfAborted();
        return inner.get(key);
      },
    };
    const arr = await zarr.open(zarr.root(store), { kind: 'array' });
    const p = readRegion(arr, [null, null, null], { signal: ac.signal });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    await expect(readRegion(arr, [0, null, null], { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('uncompressed chunks over HTTP stream into the output: numpy pixels, coalesced requests, missing and inline chunks', async () => {
    for (const name of ['u2-raw-slash', 'v3-i2-raw', 'u2-missing-zero']) {
      const { refs, file } = packChunks(path.join(dir, name));
      const served = path.join(dir, `${name}.bin`);
      fs.writeFileSync(served, file);
      const ranges: string[] = [];
      const srv = await startStaticServer({ mounts: { '/': dir }, onRequest: (r) => ranges.push(r.headers.range ?? '') });
      try {
        const url = `${srv.url}/${name}.bin`;
        // one chunk inline (base64), as kerchunk writes small chunks
        const inline = Object.keys(refs).find((k) => Array.isArray(refs[k]))!;
        const [, o, l] = refs[inline] as [string, number, number];
        refs[inline] = 'base64:' + Buffer.from(file.subarray(o, o + l)).toString('base64');
        for (const [i, sel] of SPECS[name].selections.entries()) {
          ranges.length = 0;
          const store = new ReferenceStore({ version: 1, templates: { u: url }, refs } as never);
          const arr = await zarr.open(zarr.root(store), { kind: 'array' });
          const located: { offset: number; length: number }[] = [];
          const locate = store.locate.bind(store);
          store.locate = (k) => {
            const loc = locate(k);
            if (loc && 'offset' in loc) located.push({ offset: loc.offset!, length: loc.length! });
            return loc;
          };
          // chunks are located and streamed, never fetched one by one through get()
          const get = store.get.bind(store);
          let chunkGets = 0;
          store.get = (k) => (/(\.z|zarr\.json)/.test(k) || chunkGets++, get(k));
          const before = ranges.length;
          const r = await readRegion(arr, toZarr(sel));
          expect(chunkGets).toBe(0);
          await store.close();
          expect(sha(r.data as ArrayBufferView), `${name} ${JSON.stringify(sel)}`).toBe(answers[name][i].sha256);
          expect(r.shape).toEqual(answers[name][i].shape);
          // neighbouring chunks share a request: at most one per coalesced group
          expect(ranges.length - before, `${name} ${JSON.stringify(sel)} requests`).toBeLessThanOrEqual(planReads(located).length);
          if (name === 'u2-raw-slash' && i === 0) expect(ranges.length - before).toBeLessThan(located.length);
        }
      } finally {
        await srv.close();
      }
    }
  });

  it('an uncompressed chunk whose reference has the wrong size is an error naming the chunk', async () => {
    const { refs, file } = packChunks(path.join(dir, 'u2-raw-slash'));
    const key = Object.keys(refs).find((k) => Array.isArray(refs[k]))!;
    const [u, o, l] = refs[key] as [string, number, number];
    refs[key] = [u, o, l - 2];
    const store = new ReferenceStore({ version: 1, templates: { u: 'data.bin' }, refs } as never, { openSource: () => new BytesSource(file, 'data.bin') });
    const arr = await zarr.open(zarr.root(store), { kind: 'array' });
    await expect(readRegion(arr, [null, null, null])).rejects.toThrow(new RegExp(`chunk /${key.replace(/\./g, '\\.')} \\(raw\\): ${l - 2} bytes, but a chunk of 1×256×300 uint16 has ${l}`));
  });
});

/** A Zarr folder's chunk files packed back to back (37-byte gaps, as in a ZIP) into one file, with references to it. */
function packChunks(root: string): { refs: Record<string, unknown>; file: Uint8Array } {
  const refs: Record<string, unknown> = {};
  const parts: [string, Buffer][] = [];
  const walk = (rel: string) => {
    for (const f of fs.readdirSync(path.join(root, rel)).sort()) {
      const r = rel ? `${rel}/${f}` : f;
      if (fs.statSync(path.join(root, r)).isDirectory()) walk(r);
      else if (/^(\.z|zarr\.json)/.test(f)) refs[r] = fs.readFileSync(path.join(root, r), 'utf8');
      else parts.push([r, fs.readFileSync(path.join(root, r))]);
    }
  };
  walk('');
  let off = 11;
  for (const [r, b] of parts) (refs[r] = ['{{u}}', off, b.length]), (off += b.length + 37);
  const file = new Uint8Array(off);
  for (const [r, b] of parts) file.set(b, (refs[r] as [string, number])[1]);
  return { refs, file };
}
