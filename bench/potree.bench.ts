/**
 * `npm run bench -- potree`: convert synthetic localizations (filaments + clusters + background, 8
 * columns, written by bench/py/potree_points.py with numpy; 20 M by default, POTREE_POINTS=…) with
 * `imjoy-share potree convert` on 1 and 2 threads, and with the naive in-memory builder
 * (bench/potree-naive.ts: load every column, partition row lists), each in its own process: points/s
 * per CPU-second (user + sys, steadier than wall time on a shared machine, and fair to
 * PotreeConverter, which uses every core) and peak RSS, printed as ratios. With
 * POTREE_CONVERTER=<PotreeConverter binary> (built by you from its public source, never committed)
 * it also converts the same points written as LAS, by default (Poisson) and with `-m random`.
 * Targets: ≥ 2 M points/s per core, ≥ 1.6× on 2 cores (wall time), peak RSS ≤ 0.5× PotreeConverter's.
 */
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import fs from 'node:fs';
import path from 'node:path';
import { FileSource } from '../src/io/file-source.js';
import { loadLocalizations } from '../src/smlm/load.js';
import '../src/smlm/node.js';
import { buildOctree } from './potree-naive.js';
import { HttpSource } from '../src/io/http-source.js';
import { startStaticServer } from '../src/http/static-server.js';
import { openOctreeFile } from '../src/potree/single-file.js';

const POINTS = Number(process.env.POTREE_POINTS ?? 20_000_000);
const root = process.env.IMJOY_SHARE_ROOT ?? process.cwd();
const dir = path.join(root, '.cache', 'bench', 'potree');
const smlm = path.join(dir, `points-${POINTS}.smlm`);
const las = path.join(dir, `points-${POINTS}.las`);

/** The naive builder, in this process (run as a child by the main part below). */
async function naive(file: string) {
  const t = performance.now();
  const source = new FileSource(file);
  const data = await loadLocalizations(source);
  await source.close();
  const col = (n: string) => data.tables[0]!.columns.find((c) => c.name === n)!.data as Float32Array;
  const tree = buildOctree({ x: col('x'), y: col('y'), z: col('z') }, data.tables[0]!.rows);
  process.stdout.write(JSON.stringify({ seconds: (performance.now() - t) / 1000, nodes: tree.nodes.length, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n');
}

interface Run {
  seconds: number;
  /** user + sys seconds of the process and its threads */
  cpu: number;
  peak_rss_mb: number;
}

function run(cmd: string, args: string[]): Run {
  // the previous run's output (880 MB for 20 M points) is still being written back: flush it first,
  // or its writeback competes with this run (seen: the same run 3.0–5.0 s)
  spawnSync('sync');
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %U %S %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.slice(-500)}`);
  const m = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`/usr/bin/time printed no times: ${r.stderr.slice(-300)}`);
  return { seconds: (performance.now() - t) / 1000, cpu: Number(m[1]) + Number(m[2]), peak_rss_mb: Math.round(Number(m[3]) / 1024) };
}

/**
 * What two threads can gain on this machine at all: the same streaming loop (a 16 MiB array per
 * thread, beyond the caches, as the converter's passes stream records) in one thread and split
 * over two, best of three. Virtual cores share their host's memory bandwidth and often a physical
 * core; a speed-up is judged against this ceiling, measured in the same run.
 */
async function machineScaling(): Promise<number> {
  const code = `const { parentPort, workerData } = require('node:worker_threads');
    const a = new Float32Array(1 << 22); for (let i = 0; i < a.length; i++) a[i] = i * 0.5;
    let s = 0; for (let r = 0; r < workerData; r++) for (let i = 0; i < a.length; i += 4) s += a[i] > r ? 1 : 0;
    parentPort.postMessage(s);`;
  const run = (threads: number) =>
    new Promise<number>((resolve, reject) => {
      const t = performance.now();
      let done = 0;
      for (let i = 0; i < threads; i++) {
        const w = new Worker(code, { eval: true, workerData: 240 / threads });
        w.once('error', reject);
        w.once('message', () => void w.terminate().then(() => ++done === threads && resolve(performance.now() - t)));
      }
    });
  const best = async (threads: number) => Math.min(await run(threads), await run(threads), await run(threads));
  return (await best(1)) / (await best(2));
}

/**
 * The viewer's way into a one-file cloud of all the points (src/potree/single-file.ts, which the
 * Potree Viewer runs), over HTTP: the requests before the root node's bytes arrive.
 */
async function firstNode(cli: string, out: string) {
  const zip = `${out}.zip`;
  const r = spawnSync(cli, ['potree', 'convert', smlm, '-o', zip, '--no-progress'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`potree convert -o zip failed: ${r.stderr}`);
  const server = await startStaticServer({ port: 0, mounts: { '/b/': path.dirname(zip) } });
  try {
    const ranges: string[] = [];
    const counting: typeof fetch = (input, init) => {
      ranges.push(new Headers(init?.headers).get('range') ?? '');
      return fetch(input, init);
    };
    const http = new HttpSource(`${server.url}/b/${path.basename(zip)}?X-Amz-Signature=bench`, { fetch: counting });
    const octree = await openOctreeFile(http);
    const h = await octree['hierarchy.bin'].source.read(octree['hierarchy.bin'].offset, 22);
    const dv = new DataView(h.buffer, h.byteOffset, 22);
    const [at, size] = [Number(dv.getBigUint64(6, true)), Number(dv.getBigUint64(14, true))];
    const before = ranges.length;
    await octree['octree.bin'].source.read(octree['octree.bin'].offset + at, size);
    console.log(`one-file cloud of ${POINTS.toLocaleString()} points (${(fs.statSync(zip).size / 1e6).toFixed(0)} MB zip): ${before} requests before the root node's (${ranges.join(' ')}; target ≤ 3)`);
  } finally {
    await server.close();
    fs.rmSync(zip, { force: true });
  }
}

async function main() {
  if (process.argv[2] === '--naive') return naive(process.argv[3]!);
  fs.mkdirSync(dir, { recursive: true });
  const wantLas = !!process.env.POTREE_CONVERTER;
  if (!fs.existsSync(smlm) || (wantLas && !fs.existsSync(las))) {
    console.log(`generating ${POINTS} localizations with numpy…`);
    const g = spawnSync('/usr/bin/python3', [path.join(root, 'bench/py/potree_points.py'), smlm, String(POINTS), ...(wantLas ? ['--las', las] : [])], { stdio: 'inherit' });
    if (g.status !== 0) throw new Error('generating the points failed');
  }
  const cli = path.join(root, 'bin/imjoy-share.mjs');
  const out = path.join(dir, 'out');
  const rate = (s: number) => POINTS / s / 1e6;
  const best = (f: () => Run) => [f(), f()].sort((a, b) => a.seconds - b.seconds)[0]!;
  // the command as a user runs it (its #! line sets the allocator's huge pages), 1 and 2 threads
  // taking turns, best of three each: this machine's speed drifts by a quarter from run to run
  // the previous output is removed first, untimed: freeing its 880 MB of page cache is not converting
  const convert = (threads: number) => (fs.rmSync(out, { recursive: true, force: true }), run(cli, ['potree', 'convert', smlm, '-o', out, '--threads', String(threads), '--no-progress']));
  const turns = [1, 2, 1, 2, 1, 2].map((n) => ({ n, r: convert(n) }));
  const fastest = (n: number) => turns.filter((t) => t.n === n).map((t) => t.r).sort((a, b) => a.seconds - b.seconds)[0]!;
  const one = fastest(1);
  const two = fastest(2);
  const nv = best(() => run(process.execPath, [process.argv[1]!, '--naive', smlm]));
  const row = (name: string, r: Run) =>
    console.log(`${name.padEnd(38)} ${r.seconds.toFixed(2).padStart(7)} s wall ${r.cpu.toFixed(2).padStart(7)} s CPU  ${rate(r.cpu).toFixed(2).padStart(6)} M pts per CPU-s  peak ${String(r.peak_rss_mb).padStart(6)} MB`);
  console.log(`${POINTS.toLocaleString()} points, 8 columns, ${(fs.statSync(smlm).size / 1e6).toFixed(0)} MB stored .smlm`);
  row('imjoy-share potree convert, 1 thread', one);
  row('imjoy-share potree convert, 2 threads', two);
  row('naive in-memory builder (tree only)', nv);
  const ceiling = await machineScaling();
  const speedUp = one.seconds / two.seconds;
  // a ceiling below the converter's own gain says the machine was busier while it was measured
  const share = ceiling > speedUp ? `, so ${(((speedUp - 1) / (ceiling - 1)) * 100).toFixed(0)} % of what two threads can give` : ' (less than the converter gained: the machine was busier while the loop ran)';
  console.log(`speed-up on 2 threads (wall): ${speedUp.toFixed(2)}× (target ≥ 1.6×); a plain streaming loop gains ${ceiling.toFixed(2)}× on this machine${share}`);
  console.log(`1 thread vs naive: ${(nv.cpu / one.cpu).toFixed(2)}× less CPU, peak memory ${(one.peak_rss_mb / nv.peak_rss_mb).toFixed(2)}× the naive builder's`);
  console.log(`points per CPU-second: ${rate(one.cpu).toFixed(2)} M (target ≥ 2 M)`);
  await firstNode(cli, out);
  if (wantLas) {
    const pcRun = (extra: string[]) => () => {
      const pcOut = path.join(dir, 'pc-out');
      fs.rmSync(pcOut, { recursive: true, force: true });
      return run(process.env.POTREE_CONVERTER!, [las, '-o', pcOut, ...extra]);
    };
    const pc = best(pcRun([]));
    const pcRandom = best(pcRun(['-m', 'random']));
    row('PotreeConverter 2 (default: Poisson)', pc);
    row('PotreeConverter 2 (-m random)', pcRandom);
    for (const [name, r] of [['default', pc], ['-m random', pcRandom]] as const) {
      console.log(`vs PotreeConverter ${name}: ${(r.cpu / one.cpu).toFixed(2)}× the points per CPU-second, peak memory ${(one.peak_rss_mb / r.peak_rss_mb).toFixed(2)}× its (target ≤ 0.5×)`);
    }
  } else console.log('PotreeConverter: set POTREE_CONVERTER=<binary> to compare (build it from potree/PotreeConverter; never commit it)');
}

await main();
