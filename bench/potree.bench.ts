/**
 * `npm run bench -- potree`: convert synthetic localizations (filaments + clusters + background, 8
 * columns, written by bench/py/potree_points.py with numpy; 20 M by default, POTREE_POINTS=…) with
 * `imjoy-share potree convert` on 1 and 2 threads, and with the naive in-memory builder
 * (bench/potree-naive.ts: load every column, partition row lists), each in its own process: points/s
 * per CPU-second (user + sys, steadier than wall time on a shared machine, and fair to
 * PotreeConverter, which uses every core) and peak RSS, printed as ratios. With
 * POTREE_CONVERTER=<PotreeConverter binary> (built by you from its public source, never committed)
 * it also converts the same points written as LAS, by default (Poisson) and with `-m random`.
 * Targets: ≥ 2 M points/s per core, ≥ 1.6× on 2 cores (wall time, 1 and 2 threads in pairs run back
 * to back while the two CPUs are about as fast), peak RSS ≤ 0.5× PotreeConverter's.
 */
import { spawn, spawnSync } from 'node:child_process';
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
  /** `potree convert --json`'s own seconds: from the command's start, without Node's start-up and module loading */
  converting?: number;
  /** its seconds in each pass (column ranges, counts, placing the records) */
  passes?: number[];
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
  // `potree convert --json` prints its summary as the last line; other commands (PotreeConverter) print none
  const last = r.stdout.trim().split('\n').pop() ?? '';
  const summary: { seconds?: number; pass_seconds?: number[] } = last.startsWith('{') ? JSON.parse(last) : {};
  return { seconds: (performance.now() - t) / 1000, cpu: Number(m[1]) + Number(m[2]), peak_rss_mb: Math.round(Number(m[3]) / 1024), converting: summary.seconds, passes: summary.pass_seconds };
}

/**
 * How fast the first two CPUs are, now: the same compute loop pinned to each (taskset), best of
 * two, in ms. The two virtual CPUs of this machine need not be equally fast (seen: either one
 * 1.2–1.5× slower than the other, which one changing within the hour). Two threads then gain at
 * most 1 + slow/fast on the passes, less the conversion's serial start. Measured before each pair
 * and printed with it; undefined without taskset or a second CPU.
 */
function cpuSpeeds(): [number, number] | undefined {
  const loop = 'const a = new Float64Array(1 << 16); let s = 0; const t = performance.now(); for (let k = 0; k < 1500; k++) for (let i = 0; i < a.length; i++) s += (a[i] = a[i] * 0.5 + i); console.log(performance.now() - t, s > 0)';
  const on = (cpu: number) => {
    const r = spawnSync('taskset', ['-c', String(cpu), process.execPath, '-e', loop], { encoding: 'utf8' });
    return r.status === 0 ? Number.parseFloat(r.stdout) : Number.NaN;
  };
  const ms = [0, 1].map((cpu) => Math.min(on(cpu), on(cpu)));
  return ms.every((v) => v > 0) ? (ms as [number, number]) : undefined;
}

/**
 * Two 1-thread conversions at once, each its own process, nothing shared: seconds of each. Their
 * combined rate over one conversion's alone is what this machine gives the workload on two cores
 * (generous: the later one runs alone once the other is done); no threading of the same work can
 * gain more.
 */
async function sideBySide(cli: string, out: string): Promise<number[]> {
  spawnSync('sync');
  const outs = [`${out}-a`, `${out}-b`];
  for (const o of outs) fs.rmSync(o, { recursive: true, force: true });
  const one = (o: string) =>
    new Promise<number>((resolve, reject) => {
      const t = performance.now();
      const child = spawn(cli, ['potree', 'convert', smlm, '-o', o, '--threads', '1', '--no-progress'], { stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve((performance.now() - t) / 1000) : reject(new Error(`potree convert -o ${o} exited ${code}`))));
    });
  try {
    return await Promise.all(outs.map(one));
  } finally {
    for (const o of outs) fs.rmSync(o, { recursive: true, force: true });
  }
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
  // the command as a user runs it (its #! line tunes the allocator: huge pages, freed heap kept), in pairs: the
  // CPUs' speeds, then 1 and 2 threads back to back, in alternating order. The speed-up is judged
  // per pair, never across minutes: this machine's speed drifts by a quarter from run to run, and
  // its two CPUs' relative speed by more (seen: equal, then one 1.8× slower, within the hour).
  // The previous output is removed first, untimed: freeing its 880 MB of page cache is not converting.
  const convert = (threads: number) => (fs.rmSync(out, { recursive: true, force: true }), run(cli, ['potree', 'convert', smlm, '-o', out, '--threads', String(threads), '--no-progress', '--json']));
  // The speed-up is judged on pairs run while the two CPUs are about as fast and stay so (a pinned
  // loop within 12 % on each, before and after the pair): "2 cores" means two alike. With one
  // 1.5–2× slower (seen for minutes at a time), a one-thread run takes 2.5 or 3.6 s by the CPU it
  // lands on, and a pair measures that (seen: 1.26× to 1.92× in one run), not the converter; nor
  // does one during which both CPUs got 2× faster (seen: 1.69×, and 2.01× for two independent
  // conversions). A pair is skipped when the CPUs differ before it; one that began alike is kept
  // and printed, judged only if the four speeds still agree after it.
  const wanted = Number(process.env.POTREE_PAIRS ?? 5);
  // loop times (ms) within 12 % of each other; none measured (no taskset): nothing to judge by
  const alike = (...ms: number[]) => Math.max(...ms) / Math.min(...ms) <= 1.12;
  const pairs: { cpus?: [number, number]; after?: [number, number]; one: Run; two: Run; side: number[]; workload: number; speedUp: number }[] = [];
  const steady = (p: (typeof pairs)[number]) => !p.cpus || !p.after || alike(...p.cpus, ...p.after);
  const judged = () => pairs.filter(steady);
  let skipped = 0;
  for (let i = 0; judged().length < wanted && i < wanted * 4; i++) {
    const cpus = cpuSpeeds();
    if (cpus && !alike(...cpus)) {
      console.log(`  (cpu0 ${cpus[0].toFixed(0)} ms and cpu1 ${cpus[1].toFixed(0)} ms on one loop: no pair now)`);
      skipped++;
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      continue;
    }
    const k = pairs.length;
    const first = convert(k % 2 ? 2 : 1);
    const second = convert(k % 2 ? 1 : 2);
    const [one, two] = k % 2 ? [second, first] : [first, second];
    const side = await sideBySide(cli, out);
    const workload = one.seconds * side.reduce((a, s) => a + 1 / s, 0);
    pairs.push({ cpus, after: cpuSpeeds(), one, two, side, workload, speedUp: one.seconds / two.seconds });
  }
  if (!pairs.length) throw new Error(`the two CPUs differed by more than 12 % at each of ${skipped} tries: no pair to judge`);
  const fastest = (k: 'one' | 'two') => pairs.map((p) => p[k]).sort((a, b) => a.seconds - b.seconds)[0]!;
  const one = fastest('one');
  const two = fastest('two');
  const nv = best(() => run(process.execPath, [process.argv[1]!, '--naive', smlm]));
  const row = (name: string, r: Run) =>
    console.log(`${name.padEnd(38)} ${r.seconds.toFixed(2).padStart(7)} s wall ${r.cpu.toFixed(2).padStart(7)} s CPU  ${rate(r.cpu).toFixed(2).padStart(6)} M pts per CPU-s  peak ${String(r.peak_rss_mb).padStart(6)} MB`);
  console.log(`${POINTS.toLocaleString()} points, 8 columns, ${(fs.statSync(smlm).size / 1e6).toFixed(0)} MB stored .smlm`);
  row('imjoy-share potree convert, 1 thread', one);
  row('imjoy-share potree convert, 2 threads', two);
  row('naive in-memory builder (tree only)', nv);
  const median = (v: number[]) => v.sort((a, b) => a - b)[v.length >> 1]!;
  pairs.forEach((p, i) => {
    const after = p.after ? `, after it ${p.after[0].toFixed(0)} and ${p.after[1].toFixed(0)} ms${steady(p) ? '' : ': not judged'}` : '';
    const cpus = p.cpus ? `cpu0 ${p.cpus[0].toFixed(0)} ms and cpu1 ${p.cpus[1].toFixed(0)} ms on one loop (at most ${(1 + Math.min(...p.cpus) / Math.max(...p.cpus)).toFixed(2)}×)${after}; ` : '';
    console.log(
      `  pair ${i + 1}: ${cpus}1 thread ${p.one.seconds.toFixed(2)} s, 2 threads ${p.two.seconds.toFixed(2)} s: ${p.speedUp.toFixed(2)}×; ` +
        `two 1-thread conversions at once ${p.side.map((s) => s.toFixed(2)).join(' s and ')} s: the machine gave this work ${p.workload.toFixed(2)}× on two cores`,
    );
  });
  const fair = judged().length ? judged() : pairs;
  const speedUp = median(fair.map((p) => p.speedUp));
  const workload = median(fair.map((p) => p.workload));
  const which = judged().length ? `${fair.length} pairs with the CPUs alike and steady` : `${pairs.length} pairs, during each of which the CPUs' speeds changed: not a verdict`;
  console.log(`speed-up on 2 threads (wall, median of ${which}): ${speedUp.toFixed(2)}× (target ≥ 1.6×)`);
  // the same pairs timed from the command's start: what threads can act on, without the ~0.2 s
  // of Node's start-up and module loading that both runs pay alike
  const converting = fair.filter((p) => p.one.converting && p.two.converting).map((p) => p.one.converting! / p.two.converting!);
  if (converting.length) console.log(`  the conversion itself (the command's own seconds, without Node's start-up): ${median(converting).toFixed(2)}× (median; pairs ${converting.map((v) => v.toFixed(2)).join(', ')})`);
  // each pass alone: where the threads work, and the time around and between the passes that they cannot share
  const withPasses = fair.filter((p) => p.one.passes?.length === 3 && p.two.passes?.length === 3);
  if (withPasses.length) {
    const ratios = ['column ranges', 'counts', 'placing'].map((name, k) => `${name} ${median(withPasses.map((p) => p.one.passes![k]! / p.two.passes![k]!)).toFixed(2)}×`);
    const outside = (r: Run) => Math.round((r.seconds - r.passes!.reduce((a, b) => a + b, 0)) * 1000);
    console.log(`  each pass (median): ${ratios.join(', ')}; outside the passes (Node's start-up, loading, the merges between passes, the end): ${median(withPasses.map((p) => outside(p.one)))} ms on 1 thread, ${median(withPasses.map((p) => outside(p.two)))} ms on 2`);
  }
  console.log(`  two independent 1-thread conversions at once ran at ${workload.toFixed(2)}× one's rate (median): the most any threading of this work could gain here; the converter got ${(((speedUp - 1) / (workload - 1)) * 100).toFixed(0)} % of that gain`);
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
