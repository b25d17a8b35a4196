/**
 * `npm run bench -- refs-index`: index a generated pyramidal OME-TIFF (2 channels, 16×16 tiles,
 * 100,352 tiles at level 0, 133,376 in all) into kerchunk references.
 * (1) local file: ours (tiffReferences over FileSource) vs tifffile `write_fsspec` (Debian
 *     python3), in-process times, best of N. Target ≤ 0.5× tifffile's time.
 * (2) over HTTP from a local Range server adding 20 ms per request: requests, bytes and wall
 *     time, ours (HttpSource) vs tifffile through fsspec's HTTP filesystem. Target ≤ 0.25× the requests.
 * The TIFF is generated into .cache/bench/ (gitignored).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { FileSource } from '../src/io/file-source.js';
import { HttpSource } from '../src/io/http-source.js';
import { tiffReferences } from '../src/reference/from-tiff.js';

const root = process.env.IMJOY_SHARE_ROOT ?? process.cwd();
const python = '/usr/bin/python3';
const helper = path.join(root, 'bench/py/refs_index.py');
const file = path.join(root, '.cache/bench/refs-index-2x3584-t16.ome.tif');
const LATENCY = 20;
const RUNS = 7;

if (!fs.existsSync(file)) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  console.log('generating', file);
  const partial = file.replace(/\.ome\.tif$/, '.partial.ome.tif'); // tifffile writes OME-XML only for *.ome.tif
  execFileSync(python, [helper, 'make', partial], { stdio: 'inherit' });
  fs.renameSync(partial, file);
}
const fileSize = fs.statSync(file).size;
const countRefs = (refs: { refs: Record<string, unknown> }) => Object.values(refs.refs).filter(Array.isArray).length;

// ---- (1) local -----------------------------------------------------------------------------------
// ours and tifffile alternate run by run so both see the same machine load; CPU time (process
// user+system) is reported too because wall time on a shared 2-core machine is noisy
const ours: number[] = [];
const oursCpu: number[] = [];
const pyTimes: number[] = [];
const pyCpu: number[] = [];
let nRefs = 0;
let pyRefs = 0;
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const src = new FileSource(file);
  const refs = await tiffReferences(src, { url: file });
  const json = JSON.stringify(refs);
  await src.close();
  const c = process.cpuUsage(c0);
  ours.push((performance.now() - t0) / 1000);
  oursCpu.push((c.user + c.system) / 1e6);
  nRefs = countRefs(refs);
  if (i === 0) console.log(`reference JSON ${(json.length / 1e6).toFixed(1)} MB`);
  const py1 = JSON.parse(execFileSync(python, [helper, 'local', file, '1'], { encoding: 'utf8' }));
  pyTimes.push(py1.times[0]);
  pyCpu.push(py1.cpu[0]);
  pyRefs = py1.refs;
}
const best = (a: number[]) => Math.min(...a);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const fmt = (a: number[]) => a.map((t) => t.toFixed(3)).join(' ');
console.log(`(1) local index, ${(fileSize / 1e6).toFixed(1)} MB file, chunk refs: ours ${nRefs}, tifffile ${pyRefs} (in-process, best of ${RUNS}, alternating)`);
console.log(`    ours      wall best ${best(ours).toFixed(3)} s median ${median(ours).toFixed(3)} (${fmt(ours)}); cpu best ${best(oursCpu).toFixed(3)} s median ${median(oursCpu).toFixed(3)}`);
console.log(`    tifffile  wall best ${best(pyTimes).toFixed(3)} s median ${median(pyTimes).toFixed(3)} (${fmt(pyTimes)}); cpu best ${best(pyCpu).toFixed(3)} s median ${median(pyCpu).toFixed(3)}`);
console.log(`    ratio ours/tifffile: wall best ${(best(ours) / best(pyTimes)).toFixed(2)}, wall median ${(median(ours) / median(pyTimes)).toFixed(2)}, cpu median ${(median(oursCpu) / median(pyCpu)).toFixed(2)}  (target ≤ 0.5)`);

// ---- (2) HTTP with latency -----------------------------------------------------------------------
const stats = { requests: 0, bytes: 0, heads: 0 };
const server = http.createServer((req, res) => {
  stats.requests++;
  setTimeout(() => {
    const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    const headers: Record<string, string | number> = { 'Accept-Ranges': 'bytes' };
    if (req.method === 'HEAD') {
      stats.heads++;
      res.writeHead(200, { ...headers, 'Content-Length': fileSize });
      res.end();
      return;
    }
    let start = 0, end = fileSize - 1, status = 200;
    if (range) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), fileSize - 1) : fileSize - 1;
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${fileSize}`;
    }
    stats.bytes += end - start + 1;
    res.writeHead(status, { ...headers, 'Content-Length': end - start + 1 });
    fs.createReadStream(file, { start, end }).pipe(res);
  }, LATENCY);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/big.ome.tif`;

let t0 = performance.now();
const httpRefs = await tiffReferences(new HttpSource(url), { url });
const oursHttp = { time: (performance.now() - t0) / 1000, ...stats, refs: countRefs(httpRefs) };
Object.assign(stats, { requests: 0, bytes: 0, heads: 0 });

async function tifffileHttp(block?: number) {
  Object.assign(stats, { requests: 0, bytes: 0, heads: 0 });
  const t = performance.now();
  const out = await new Promise<string>((resolve, reject) => {
    // async child: the server lives in this process's event loop
    import('node:child_process').then(({ execFile }) =>
      execFile(python, [helper, 'http', url, ...(block ? [String(block)] : [])], { maxBuffer: 1 << 26 }, (err, o) => (err ? reject(err) : resolve(o))));
  });
  return { ...JSON.parse(out), wall: (performance.now() - t) / 1000, ...stats };
}
const pyHttp = await tifffileHttp();
const pyHttp64k = await tifffileHttp(65536);
server.close();

console.log(`(2) over HTTP, ${LATENCY} ms per request`);
console.log(`    ours                         ${oursHttp.requests} requests (${oursHttp.heads} HEAD), ${(oursHttp.bytes / 1e6).toFixed(2)} MB, ${oursHttp.time.toFixed(2)} s, ${oursHttp.refs} refs`);
for (const [label, r] of [['tifffile+fsspec (5 MiB blocks)', pyHttp], ['tifffile+fsspec (64 KiB blocks)', pyHttp64k]] as const) {
  console.log(`    ${label.padEnd(28)} ${r.requests} requests (${r.heads} HEAD), ${(r.bytes / 1e6).toFixed(2)} MB, ${r.time.toFixed(2)} s in-process (${r.wall.toFixed(2)} s with python start), ${r.refs} refs`);
  console.log(`      ratio ours/${label}: requests ${(oursHttp.requests / r.requests).toFixed(2)} (target ≤ 0.25), bytes ${(oursHttp.bytes / r.bytes).toFixed(2)}, time ${(oursHttp.time / r.time).toFixed(2)}`);
}
