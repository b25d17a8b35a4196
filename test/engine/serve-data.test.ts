/**
 * The contract of `imjoy-share serve --data DIR`, through the command a user runs: every TIFF and
 * zipped Zarr of DIR is a zarr v2 store at /zarr/<file>/ (chunks as stored) and at
 * /zarr-decoded/<file>/ (decoded chunks, no codecs). Judged by Debian's Python zarr + fsspec
 * reading over HTTP, against tifffile/libtiff pixels and zarr's own ZipStore.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNodeSource } from '../../src/io/open-node.js';
import { makeReferences } from '../../src/reference/make.js';
import { testData } from '../helpers/fixtures.js';
import { serveData, type Served } from '../helpers/fresh-copy.js';
import { tmpDir } from '../helpers/host.js';
import { python, repoRoot } from '../helpers/paths.js';
import { runOracle } from '../tiff/helpers.js';

const run = promisify(execFile);
const data = testData();
const TIFFS = fs.readdirSync(path.join(data, 'tiff'));
// deflated members too (a store zipped with `zip -r`): the engine inflates them per request
const ZIPS = ['omezarr-v04-blosc-stored.zip', 'omezarr-v04-zlib-nested-zip64.zip', 'omezarr-v04-deflated-members.zip'];
/** Files whose codecs stock numcodecs decodes (no imagecodecs on Debian): readable at /zarr/ too. */
const STOCK = ['bigendian-bigtiff-u16.ome.tif', ...ZIPS];

let dir: string;
let served: Served;
beforeAll(async () => {
  dir = tmpDir('serve-data-');
  for (const f of TIFFS) fs.symlinkSync(path.join(data, 'tiff', f), path.join(dir, f));
  for (const f of ZIPS) fs.symlinkSync(path.join(data, 'zip', f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'notes.tif'), 'not an image\n');
  fs.writeFileSync(path.join(dir, 'readme.txt'), 'not served\n');
  for (const sub of ['plate/well-A1', '.hidden']) {
    fs.mkdirSync(path.join(dir, sub), { recursive: true });
    fs.symlinkSync(path.join(data, 'tiff', TIFFS[0]!), path.join(dir, sub, 'img.tif'));
  }
  served = await serveData(dir);
});
afterAll(async () => {
  await served?.stop();
});

const get = (p: string, init?: RequestInit) => fetch(served.url + p, init);

describe('serve --data DIR', () => {
  it('lists the TIFFs and zips of DIR at /zarr/ and prints where', async () => {
    expect(served.stdout()).toContain(`/zarr/<file>/`);
    const { files } = (await (await get('/zarr/')).json()) as { files: { name: string; url: string }[] };
    expect(files.map((f) => f.name).sort()).toEqual([...TIFFS, ...ZIPS, 'notes.tif', 'plate/well-A1/img.tif'].sort());
    expect(files.find((f) => f.name === TIFFS[0])!.url).toBe(`/zarr/${TIFFS[0]}/`);
    // an image in a sub-folder is rooted at /zarr/<folder>/<file>/
    const sub = await get('/zarr/plate/well-A1/img.tif/.zattrs');
    expect(sub.status).toBe(200);
    expect(await sub.text()).toBe(await (await get(`/zarr/${TIFFS[0]}/.zattrs`)).text());
  });

  it('Python zarr + fsspec read every level of every file pixel-exact, decoded and (stock codecs) as stored', async () => {
    const jobs: object[] = [];
    for (const f of TIFFS) {
      const file = path.join(data, 'tiff', f);
      const source = openNodeSource(file);
      const refs = await makeReferences(source, { url: file }).finally(() => (source as { close?: () => Promise<void> }).close?.());
      // tifffile's (libtiff's for LZW) pixels of each level, in the axes order of the store
      const oracle = await runOracle(file, refs);
      const expected = Object.fromEntries(oracle.levels.map((l) => [String(l.level), path.join(oracle.dir, `${l.level}.npy`)]));
      for (const mode of ['zarr', 'zarr-decoded']) jobs.push({ url: `${served.url}/${mode}/${f}`, expected });
    }
    for (const f of ZIPS) for (const mode of ['zarr', 'zarr-decoded']) jobs.push({ url: `${served.url}/${mode}/${f}`, zip: path.join(data, 'zip', f) });
    const jobsFile = path.join(dir, 'jobs.json');
    fs.writeFileSync(jobsFile, JSON.stringify(jobs));
    const { stdout } = await run(python, [path.join(repoRoot, 'test/engine/py/read_served.py'), jobsFile], { maxBuffer: 1 << 26 });
    const results = JSON.parse(stdout) as { url: string; level?: string; equal?: boolean; dtype?: string; error?: string }[];
    for (const f of [...TIFFS, ...ZIPS]) {
      const decoded = results.filter((r) => r.url.endsWith(`/zarr-decoded/${f}`));
      expect(decoded.length, f).toBeGreaterThan(0);
      for (const r of decoded) expect(r, `${f} decoded`).toMatchObject({ equal: true });
      const stored = results.filter((r) => r.url.endsWith(`/zarr/${f}`));
      if (STOCK.includes(f)) for (const r of stored) expect(r, `${f} stored`).toMatchObject({ equal: true });
      // codecs as in the references: imagecodecs ids, which stock numcodecs does not know
      else expect(stored, f).toEqual([expect.objectContaining({ error: expect.stringMatching(/codec not available: 'imagecodecs_/) })]);
    }
    // the big-endian file stays big-endian: the bytes are the file's, the dtype says so
    expect(results.find((r) => r.url.endsWith('/zarr/bigendian-bigtiff-u16.ome.tif'))!.dtype).toBe('>u2');
    // every level of a pyramid: the vips file has several
    expect(results.filter((r) => r.url.endsWith('/zarr-decoded/vips-rgb-subifd-pyramid-deflate.tif')).length).toBeGreaterThan(2);
  });

  it('answers a missing file or key with 404, never 500; an unreadable file with 422 naming the problem', async () => {
    const f = 'pyramid-2ch-u16-deflate-pred.ome.tif';
    for (const p of [`/zarr/absent.tif/.zattrs`, `/zarr-decoded/absent.tif/0/.zarray`, `/zarr/${f}/0/99.99.99`, `/zarr/${f}/7/.zarray`, `/zarr/${f}/nothing`, `/zarr/readme.txt/.zattrs`, '/zarr/.hidden/img.tif/.zattrs', '/zarr/plate/%2E%2E/.hidden/img.tif/.zattrs']) {
      const r = await get(p);
      expect(r.status, p).toBe(404);
    }
    // path traversal out of DIR is no file of DIR
    for (const p of [`/zarr/..%2F..%2Fetc%2Fpasswd/.zattrs`, `/zarr/%2E%2E/${path.basename(dir)}/notes.tif/.zattrs`, `/zarr/${f}/../../notes.tif`]) {
      expect((await get(p)).status, p).toBe(404);
    }
    const bad = await get('/zarr/notes.tif/.zattrs');
    expect(bad.status).toBe(422);
    const why = await bad.text();
    expect(why).toMatch(/^notes\.tif: .*not a TIFF or ZIP/);
    expect(why).not.toContain(dir); // the server's folders are nobody's business
    expect((await get(`/zarr/${f}/.zattrs`, { method: 'POST' })).status).toBe(405);
  });

  it('serves each image\'s references (reading from /raw/<file>) with a content id, for fsspec', async () => {
    const f = 'bigendian-bigtiff-u16.ome.tif';
    const res = await get(`/refs/${f}`);
    expect(res.status).toBe(200);
    const cid = res.headers.get('x-content-cid')!;
    const bytes = new Uint8Array(await res.arrayBuffer());
    const refs = JSON.parse(new TextDecoder().decode(bytes)) as { templates: { u: string } };
    expect(refs.templates.u).toBe(`${served.url}/raw/${f}`);
    // the id names these bytes (Python's hashlib and the CID byte layout), and /ipfs/ serves them
    const code = `import hashlib,base64,sys
print('b'+base64.b32encode(bytes([1,0x55,0x12,0x20])+hashlib.sha256(sys.stdin.buffer.read()).digest()).decode().lower().rstrip('='))`;
    const py = await new Promise<string>((resolve, reject) => {
      const child = execFile(python, ['-c', code], (e, out) => (e ? reject(e) : resolve(out.trim())));
      child.stdin!.end(Buffer.from(bytes));
    });
    expect(cid).toBe(py);
    expect(Buffer.compare(new Uint8Array(await (await get(`/ipfs/${cid}`)).arrayBuffer()), bytes)).toBe(0);
    // fsspec's ReferenceFileSystem + zarr read the image through them, from the engine's /raw/
    const refsFile = path.join(dir, 'served-refs.json');
    fs.writeFileSync(refsFile, bytes);
    const read = `import fsspec, zarr, numpy as np, tifffile, sys
m = fsspec.get_mapper('reference://', fo=sys.argv[1], remote_protocol='http')
got = zarr.open(m, mode='r')['0'][:]
want = tifffile.imread(sys.argv[2])
print(got.shape, bool(np.array_equal(got, want)))`;
    const { stdout } = await run(python, ['-c', read, refsFile, path.join(data, 'tiff', f)]);
    expect(stdout.trim()).toBe('(700, 900) True');
    const part = await get(`/raw/${f}`, { headers: { Range: 'bytes=0-3' } });
    expect(part.status).toBe(206);
    expect([...new Uint8Array(await part.arrayBuffer())]).toEqual([0x4d, 0x4d, 0, 0x2b]); // big-endian BigTIFF
    // a zip whose chunks are deflated members has no references others can read
    const z = await get('/refs/omezarr-v04-deflated-members.zip');
    expect(z.status).toBe(422);
    expect(await z.text()).toMatch(/DEFLATE-compressed/);
    expect((await get('/refs/absent.tif')).status).toBe(404);
    expect((await get('/raw/readme.txt')).status).toBe(404);
  });

  it('serves the decoded store without codecs, a chunk of its full size, and byte ranges of a key', async () => {
    const f = 'tczyx-u8-lzw.ome.tif';
    const stored = (await (await get(`/zarr/${f}/0/.zarray`)).json()) as { compressor: { id: string }; chunks: number[]; dtype: string };
    const decoded = (await (await get(`/zarr-decoded/${f}/0/.zarray`)).json()) as typeof stored & { filters: unknown };
    expect(stored.compressor.id).toBe('imagecodecs_lzw');
    expect(decoded).toMatchObject({ compressor: null, filters: null, chunks: stored.chunks, dtype: stored.dtype });
    const chunk = new Uint8Array(await (await get(`/zarr-decoded/${f}/0/0.0.0.0.0`)).arrayBuffer());
    expect(chunk.length).toBe(stored.chunks.reduce((a, x) => a * x, 1));
    const part = await get(`/zarr-decoded/${f}/0/0.0.0.0.0`, { headers: { Range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${chunk.length}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(chunk.subarray(100, 200));
  });
});
