/**
 * `npm run bench -- refs-index`: index a pyramidal OME-TIFF into kerchunk references, ours vs
 * tifffile `write_fsspec` (Debian python3), on two generated files (both into .cache/bench/,
 * gitignored; see bench/py/refs_index.py for how they are written):
 *   large: what users share — 3 channels uint16 40960², 256² zlib tiles, 8 SubIFD levels,
 *          102,417 tiles, 4.5 GB (sparse on disk), written by tifffile in ~12 s;
 *   small: 2 channels uint8 3584², 16² tiles, 133,376 tiles in 21 MB (a stress case for CPU:
 *          the same number of keys, but tile tables are most of the file).
 * (1) local file: ours (tiffReferenceBuilder over FileSource + the JSON text, as `imjoy-share ref`
 *     writes it) vs tifffile
 *     `TiffFile(path).series[0].aszarr().write_fsspec(...)`, each in a fresh process, alternating,
 *     median of 3: in-process wall and CPU time, and whole-process time. Target ≤ 0.5× tifffile's.
 * (2) over HTTP from our static server adding 20 ms per request (requests and socket bytes counted
 *     at the server), once answering multi-range requests (nginx-like) and once not (S3-like: 200
 *     and the whole file): ours (HttpSource) vs tifffile on `fsspec.open(url)` with fsspec's
 *     default block size (and, for reference, 64 KiB blocks). Median of 3. Target ≤ 0.25× the
 *     requests — met only with multi-range: with one range per request the far-apart IFDs of a
 *     pyramid cost ~one request each (16 on the large file).
 * `REFS_INDEX=large|small` runs one variant only.
 */
import '../src/node.js'; // the socket transport and zlib, as the CLI has them
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSource } from '../src/io/file-source.js';
import { forgetMultiRange, HttpSource } from '../src/io/http-source.js';
import { tiffReferenceBuilder, tiffReferences } from '../src/reference/from-tiff.js';
import { startStaticServer } from '../src/http/static-server.js';

const root = process.env.IMJOY_SHARE_ROOT ?? process.cwd();
const python = '/usr/bin/python3';
const helper = path.join(root, 'bench/py/refs_index.py');
const LATENCY = 20;
const RUNS = 3;

const variants = [
  { name: 'large', file: '.cache/bench/refs-index-3x40960-t256-u16.ome.tif', make: 'make-large' },
  { name: 'small', file: '.cache/bench/refs-index-2x3584-t16.ome.tif', make: 'make' },
].filter((v) => !process.env.REFS_INDEX || v.name === process.env.REFS_INDEX);

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const fmt = (a: number[]) => a.map((t) => t.toFixed(3)).join(' ');
const countRefs = (refs: { refs: Record<string, unknown> }) => Object.values(refs.refs).filter(Array.isArray).length;
/** Count and offset/length sums of the chunk refs: both sides must reference the same bytes. */
const digest = (refs: { refs: Record<string, unknown> }) => {
  let refsN = 0, osum = 0, lsum = 0;
  for (const v of Object.values(refs.refs)) if (Array.isArray(v)) { refsN++; osum += v[1]; lsum += v[2]; }
  return { refs: refsN, osum, lsum };
};
const sameBytes = (a: { refs: number; osum: number; lsum: number }, b: { refs: number; osum: number; lsum: number }, what: string) => {
  if (a.refs !== b.refs || a.osum !== b.osum || a.lsum !== b.lsum) throw new Error(`${what}: our chunk refs differ from tifffile's (${JSON.stringify(a)} vs ${JSON.stringify(b)})`);
};
const python$ = (args: string[]) =>
  // async child: the HTTP server lives in this process's event loop
  new Promise<string>((resolve, reject) => execFile(python, [helper, ...args], { maxBuffer: 1 << 26 }, (err, o, e) => (err ? reject(new Error(`${err.message}\n${e}`)) : resolve(o))));

/** One local index + JSON, timed in-process (used by the child process and the warm repeat). */
async function indexOnce(file: string) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const src = new FileSource(file);
  const built = await tiffReferenceBuilder(src, { url: file });
  const json = built.toJsonBytes(); // the text `imjoy-share ref` writes (tifffile writes its text too)
  await src.close();
  const c = process.cpuUsage(c0);
  const time = (performance.now() - t0) / 1000;
  return { time, cpu: (c.user + c.system) / 1e6, ...digest(JSON.parse(new TextDecoder().decode(json))) };
}

const self = fileURLToPath(import.meta.url);
if (process.env.REFS_INDEX_CHILD) {
  console.log(JSON.stringify(await indexOnce(process.env.REFS_INDEX_CHILD)));
  process.exit(0);
}

for (const v of variants) {
  const file = path.join(root, v.file);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    console.log('generating', file);
    const partial = file.replace(/\.ome\.tif$/, '.partial.ome.tif'); // tifffile writes OME-XML only for *.ome.tif
    execFileSync(python, [helper, v.make, partial], { stdio: 'inherit' });
    fs.renameSync(partial, file);
  }
  const fileSize = fs.statSync(file).size;

  // ---- (1) local ---------------------------------------------------------------------------------
  // Each run indexes in a FRESH process on both sides (cold JIT for us, as a CLI run is; Python has
  // no JIT), timed in-process after imports, plus the whole process as a user waits for it
  // (interpreter start, imports): for us the real CLI, `imjoy-share ref FILE -o OUT`. Ours and tifffile alternate run by run so both see the same
  // machine load; CPU time (process user+system) is reported because wall time on a shared 2-core
  // machine is noisy. A warm in-process repeat of ours is shown for reference only.
  type LocalRun = { time: number; cpu: number; proc: number };
  const ours: LocalRun[] = [], py: LocalRun[] = [], warm: number[] = [];
  let nRefs = 0, pyRefs = 0;
  const run$ = (cmd: string, args: string[], env = process.env) =>
    new Promise<string>((resolve, reject) => execFile(cmd, args, { env, maxBuffer: 1 << 20 }, (err, out, e) => (err ? reject(new Error(`${err.message}\n${e}`)) : resolve(out))));
  const cliOut = path.join(path.dirname(file), 'refs-index-cli.json');
  for (let i = 0; i < RUNS; i++) {
    const o1 = JSON.parse(await run$(process.execPath, [self], { ...process.env, REFS_INDEX_CHILD: file }));
    // whole process: what a user waits for, the real CLI (`imjoy-share ref FILE -o OUT`)
    let t = performance.now();
    await run$(process.execPath, [path.join(root, 'bin/imjoy-share.mjs'), 'ref', file, '-o', cliOut]);
    ours.push({ time: o1.time, cpu: o1.cpu, proc: (performance.now() - t) / 1000 });
    sameBytes(digest(JSON.parse(fs.readFileSync(cliOut, 'utf8'))), o1, `${v.name} CLI`);
    t = performance.now();
    const py1 = JSON.parse(await python$(['local', file, '1']));
    py.push({ time: py1.times[0], cpu: py1.cpu[0], proc: (performance.now() - t) / 1000 });
    sameBytes(o1, py1, `${v.name} local`);
    nRefs = o1.refs;
    pyRefs = py1.refs;
    warm.push((await indexOnce(file)).time);
  }
  const col = (runs: LocalRun[], k: keyof LocalRun) => median(runs.map((r) => r[k]));
  console.log(`== ${v.name}: ${path.basename(file)}, ${(fileSize / 1e9).toFixed(2)} GB, tiles (chunk refs): ours ${nRefs}, tifffile ${pyRefs}`);
  console.log(`(1) local index, fresh process per run, median of ${RUNS} (alternating)`);
  for (const [label, r] of [['ours', ours], ['tifffile', py]] as const) {
    console.log(`    ${label.padEnd(9)} in-process wall ${col(r, 'time').toFixed(3)} s (${fmt(r.map((x) => x.time))}), cpu ${col(r, 'cpu').toFixed(3)} s; whole process ${col(r, 'proc').toFixed(3)} s`);
  }
  console.log(`    ours warm (repeat in one process, reference only): ${median(warm).toFixed(3)} s`);
  console.log(`    ratio ours/tifffile: in-process wall ${(col(ours, 'time') / col(py, 'time')).toFixed(2)}, cpu ${(col(ours, 'cpu') / col(py, 'cpu')).toFixed(2)}, whole process ${(col(ours, 'proc') / col(py, 'proc')).toFixed(2)}  (target ≤ 0.5)`);

  // ---- (2) HTTP with latency -----------------------------------------------------------------------
  // Our static server (what `npm start` serves) with 20 ms added per request, in two set-ups:
  // "multi-range" answers `Range: bytes=a-b,c-d` with 206 multipart/byteranges as nginx, Apache
  // and Go do; "single-range" (maxRanges 1) answers such requests with 200 and the whole file, as
  // S3 does. Requests counted at the server, bytes as written to its sockets (headers included,
  // and whatever a cancelled 200 pushed out before the client closed the connection).
  type HttpRun = { time: number; requests: number; bytes: number; heads: number; refs: number };
  const medianRun = (runs: HttpRun[]): HttpRun => ({ ...runs[0], time: median(runs.map((r) => r.time)), requests: median(runs.map((r) => r.requests)), bytes: median(runs.map((r) => r.bytes)) });
  console.log(`(2) over HTTP, ${LATENCY} ms per request, median of ${RUNS} (times in-process)`);
  for (const [label, maxRanges] of [['multi-range server (nginx-like)', 200], ['single-range server (S3-like: 200 + whole file on multi-range)', 1]] as const) {
    const stats = { requests: 0, bytes: 0, heads: 0 };
    const server = await startStaticServer({
      mounts: { '/': path.dirname(file) },
      maxRanges,
      onRequest: (req) => {
        stats.requests++;
        if (req.method === 'HEAD') stats.heads++;
      },
      handlers: [async () => (await new Promise((r) => setTimeout(r, LATENCY)), false)],
    });
    const sockets = new Set<Socket>();
    let closedBytes = 0;
    server.server.on('connection', (sock: Socket) => {
      sockets.add(sock);
      sock.on('close', () => ((closedBytes += sock.bytesWritten), sockets.delete(sock)));
    });
    const url = `${server.url}/${path.basename(file)}`;
    const reset = () => {
      Object.assign(stats, { requests: 0, heads: 0 });
      closedBytes = 0;
      for (const sk of sockets) (sk as Socket & { base?: number }).base = sk.bytesWritten;
    };
    const sent = () => closedBytes + [...sockets].reduce((n, sk) => n + sk.bytesWritten - ((sk as Socket & { base?: number }).base ?? 0), 0);

    const oursRuns: HttpRun[] = [], pyRuns: HttpRun[] = [], py64Runs: HttpRun[] = [];
    for (let i = 0; i < RUNS; i++) {
      reset();
      forgetMultiRange(); // each run detects multi-range support as a new process would
      const t0 = performance.now();
      const r = await tiffReferences(new HttpSource(url), { url });
      JSON.stringify(r);
      const time = (performance.now() - t0) / 1000;
      await new Promise((res) => setTimeout(res, 50)); // let a cancelled body's socket close
      oursRuns.push({ time, ...stats, bytes: sent(), refs: countRefs(r) });
      for (const [runs, block] of [[pyRuns, undefined], [py64Runs, 65536]] as const) {
        reset();
        const out = JSON.parse(await python$(['http', url, ...(block ? [String(block)] : [])]));
        if (i === 0) sameBytes(digest(r), out, `${v.name} over HTTP`);
        runs.push({ time: out.time, refs: out.refs, ...stats, bytes: sent() });
      }
    }
    await server.close();
    const o = medianRun(oursRuns);
    console.log(`  ${label}`);
    console.log(`    ours                            ${o.requests} requests (${o.heads} HEAD), ${(o.bytes / 1e6).toFixed(2)} MB, ${o.time.toFixed(2)} s, ${o.refs} refs`);
    for (const [name, r] of [['tifffile+fsspec (default block)', medianRun(pyRuns)], ['tifffile+fsspec (64 KiB blocks)', medianRun(py64Runs)]] as const) {
      console.log(`    ${name.padEnd(31)} ${r.requests} requests (${r.heads} HEAD), ${(r.bytes / 1e6).toFixed(2)} MB, ${r.time.toFixed(2)} s, ${r.refs} refs`);
      console.log(`      ratio ours/that: requests ${(o.requests / r.requests).toFixed(2)} (target ≤ 0.25), bytes ${(o.bytes / r.bytes).toFixed(2)}, wall ${(o.time / r.time).toFixed(2)}`);
    }
  }
}
