/**
 * `npm run bench -- refs-read`: read a 4096×4096 full-resolution region (uint16, 512² chunks,
 * stored in a zipped OME-Zarr, served over HTTP by a local Range server) through kerchunk
 * references — ours (ReferenceStore + zarrita, in Node) vs Debian's Python fsspec
 * ReferenceFileSystem + zarr 2 — side by side, for blosc-lz4 and zlib chunks. Each side reads the
 * region N times from a fresh store (no chunk cache); best times and the throughput ratio are
 * printed. Target: ours ≥ 2× Python's throughput. Both must produce the same pixels (SHA-256).
 *
 * Measured (2026-11, 2 shared cores, load ~10): both sides fetch the region in one coalesced Range
 * request; the time is decoding. numcodecs.js blosc (wasm, one thread) decodes ~120 MB/s warm vs
 * c-blosc 0.8–2 GB/s in Python, and zarrita's zlib (DecompressionStream) ~50 MB/s vs Node's native
 * inflate ~150 MB/s — so the target is not met; a native/async zlib codec in Node and worker
 * decoding are the levers.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as zarr from 'zarrita';
import { registerCodecs } from '../src/codecs/index.js';
import { FileSource } from '../src/io/file-source.js';
import { zipReferences } from '../src/reference/from-zip.js';
import { openReferences } from '../src/reference/open.js';
import { startStaticServer } from '../src/server/static-server.js';

const root = process.env.IMJOY_SHARE_ROOT ?? process.cwd();
const dir = path.join(root, '.cache', 'bench', 'refs-read');
const py = path.join(root, 'bench', 'py', 'refs_read.py');
const N = Number(process.env.REFS_BENCH_RUNS ?? 3);
const MB = (4096 * 4096 * 2) / 1e6;

registerCodecs();
fs.mkdirSync(dir, { recursive: true });
const server = await startStaticServer({ port: 0, mounts: { '/b/': dir } });
let requests = 0;
const countingFetch: typeof fetch = (i, init) => {
  requests++;
  return fetch(i, init);
};

console.log(`4096×4096 uint16 region (${MB.toFixed(1)} MB decoded), best of ${N}, HTTP on 127.0.0.1`);
console.log('codec   ours ms  (MB/s, requests)   python ms  (MB/s)   throughput ratio (ours/python)   same pixels');
try {
  for (const codec of ['blosc', 'zlib']) {
    const zip = path.join(dir, `image-${codec}.zip`);
    if (!fs.existsSync(zip)) execFileSync('/usr/bin/python3', [py, 'make', zip, codec]);
    const url = `${server.url}/b/${path.basename(zip)}`;
    const src = new FileSource(zip);
    const refs = await zipReferences(src, { url });
    await src.close();
    const refsPath = path.join(dir, `image-${codec}.refs.json`);
    fs.writeFileSync(refsPath, JSON.stringify(refs));

    let best = Infinity;
    let sha = '';
    let reqs = 0;
    for (let i = 0; i < N; i++) {
      requests = 0;
      const t = performance.now();
      const store = await openReferences(refs, { fetch: countingFetch });
      const arr = await zarr.open(zarr.root(store).resolve('0'), { kind: 'array' });
      const chunk = await zarr.get(arr, [0, zarr.slice(0, 4096), zarr.slice(0, 4096)]);
      const ms = performance.now() - t;
      if (ms < best) {
        best = ms;
        reqs = requests;
      }
      const d = chunk.data as Uint16Array;
      sha = createHash('sha256').update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)).digest('hex');
    }
    // Async: the HTTP server lives in this process and must keep serving while Python reads.
    const pyOut = JSON.parse((await promisify(execFile)('/usr/bin/python3', [py, 'read', refsPath, String(N)], { maxBuffer: 1 << 20 })).stdout) as { times: number[]; sha256: string };
    const pyBest = Math.min(...pyOut.times) * 1000;
    const ratio = pyBest / best;
    console.log(
      `${codec.padEnd(6)}  ${best.toFixed(0).padStart(7)}  (${(MB / (best / 1000)).toFixed(0).padStart(4)} MB/s, ${String(reqs).padStart(3)})   ${pyBest.toFixed(0).padStart(9)}  (${(MB / (pyBest / 1000)).toFixed(0).padStart(4)} MB/s)   ${ratio.toFixed(2)}× ${ratio >= 2 ? '(target ≥ 2× met)' : '(target ≥ 2× NOT met)'}   ${sha === pyOut.sha256}`,
    );
  }
} finally {
  await server.close();
}
