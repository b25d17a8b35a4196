/**
 * `npm run fuzz`: seeded mutants of valid files of every format the CLI reads, each run through
 * the CLI's own entry point in a worker with a clock and a memory limit. Every mutant must end in
 * a verdict or a clear one-line error — never a crash (an error JavaScript threw at us, a stack
 * trace, an escaped rejection), a hang or a memory blow-up.
 *
 *   npm run fuzz                         20 000 mutants per format
 *   npm run fuzz -- --mutants 500 --format tiff,smlm --seed 7 --workers 2 --save .cache/fuzz/found
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as esbuild from 'esbuild';
import { generateDemoModel } from '../../src/demo/model.js';
import { generateDemoRdfs } from '../../src/demo/rdfs.js';
import { mutate, type Kind } from './mutate.js';
import type { CallResult, Job } from './worker.js';

const here = path.dirname(new URL(import.meta.url).pathname);

export interface FuzzOptions {
  root: string;
  mutants: number;
  seed?: number;
  formats?: string[];
  workers?: number;
  /** Per CLI call (default 2 s). */
  timeoutMs?: number;
  /** Heap limit of a worker and the limit on array buffers (default 512 MiB). */
  memoryMb?: number;
  /** Folder to save mutants that crashed, hung or were killed. */
  save?: string;
  log?: (line: string) => void;
}

export type Outcome = 'ok' | 'clear' | 'unnamed' | 'crash' | 'hang' | 'kill';

export interface Finding {
  format: string;
  seedFile: string;
  seed: number;
  how: string;
  outcome: Outcome;
  detail: string;
}

export interface FormatRow {
  format: string;
  counts: Record<Outcome, number>;
}

interface Format {
  name: string;
  kind: Kind;
  /** Seed files, by path. */
  seeds: string[];
  /** Name of the mutant in the work folder. */
  file: (seed: string) => string;
  calls: (file: string) => string[][];
}

const refCalls = (f: string) => [
  ['ref', `{dir}/${f}`, '-o', '{dir}/out.json'],
  ['ref', 'check', '{dir}/out.json'],
];

function formats(seeds: string, demo: string): Format[] {
  const list = (d: string) => fs.readdirSync(path.join(seeds, d)).map((f) => path.join(seeds, d, f));
  const keepExt = (s: string) => `mutant${path.basename(s).slice(path.basename(s).indexOf('.'))}`;
  return [
    { name: 'tiff', kind: 'tiff', seeds: list('tiff'), file: keepExt, calls: refCalls },
    { name: 'bigtiff', kind: 'binary', seeds: list('bigtiff'), file: keepExt, calls: refCalls },
    { name: 'zip', kind: 'binary', seeds: list('zip'), file: keepExt, calls: refCalls },
    {
      name: 'smlm',
      kind: 'binary',
      seeds: list('smlm'),
      file: keepExt,
      calls: (f) => [['smlm', 'info', `{dir}/${f}`, '--json'], ['smlm', 'info', `{dir}/${f}`, '--json', '--head', '3']],
    },
    { name: 'csv', kind: 'text', seeds: list('csv'), file: keepExt, calls: (f) => [['smlm', 'info', `{dir}/${f}`, '--json']] },
    // a mutated .smlm converted to an octree in one file, which potree info then reads and checks
    {
      name: 'potree-convert',
      kind: 'binary',
      seeds: list('smlm'),
      file: keepExt,
      calls: (f) => [['potree', 'convert', `{dir}/${f}`, '-o', '{dir}/out.zip', '--threads', '1', '--node-points', '100', '--no-progress'], ['potree', 'info', '{dir}/out.zip', '--json']],
    },
    { name: 'potree', kind: 'binary', seeds: list('potree'), file: keepExt, calls: (f) => [['potree', 'info', `{dir}/${f}`, '--json']] },
    {
      name: 'rdf',
      kind: 'text',
      seeds: [path.join(demo, 'rdf', 'model', 'bioimageio.yaml'), path.join(demo, 'rdf', 'hostile', 'rdf.yaml'), path.join(demo, 'model', 'bioimageio.yaml')],
      file: () => 'rdf.yaml',
      calls: (f) => [['rdf', 'validate', `{dir}/${f}`, '--json']],
    },
    {
      name: 'npy',
      kind: 'binary',
      seeds: list('npy'),
      file: keepExt,
      calls: (f) => [['model', 'predict', path.join(demo, 'model', 'bioimageio.yaml'), `{dir}/${f}`, '-o', '{dir}/out.npy']],
    },
    { name: 'kerchunk', kind: 'text', seeds: [path.join(seeds, 'kerchunk', 'refs.json')], file: () => 'refs.json', calls: (f) => [['ref', 'check', `{dir}/${f}`]] },
  ];
}

/** Seeds from seeds.py (independent writers) and the demo model/RDFs, cached by the script's hash. */
async function prepare(root: string): Promise<{ seeds: string; demo: string; worker: string }> {
  const script = path.join(here, 'seeds.py');
  const hash = crypto.createHash('sha256').update(fs.readFileSync(script)).digest('hex').slice(0, 12);
  const cache = path.join(root, '.cache', 'fuzz');
  const seeds = path.join(cache, `seeds-${hash}`);
  if (!fs.existsSync(path.join(seeds, 'done'))) {
    fs.rmSync(seeds, { recursive: true, force: true });
    execFileSync('/usr/bin/python3', [script, seeds]);
    fs.writeFileSync(path.join(seeds, 'done'), '');
  }
  const demo = path.join(cache, 'demo');
  if (!fs.existsSync(path.join(demo, 'done'))) {
    for (const d of ['model', 'rdf']) fs.mkdirSync(path.join(demo, d), { recursive: true });
    await generateDemoModel(path.join(demo, 'model'));
    await generateDemoRdfs(path.join(demo, 'rdf'));
    fs.writeFileSync(path.join(demo, 'done'), '');
  }
  // the worker runs the CLI's TypeScript: bundled once per run (dependencies stay external)
  const worker = path.join(cache, `worker-${process.pid}.mjs`);
  await esbuild.build({ entryPoints: [path.join(here, 'worker.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: worker, logLevel: 'warning', loader: { '.md': 'text', '.html': 'text' } });
  return { seeds, demo, worker };
}

function classify(results: CallResult[], name: string): { outcome: Outcome; detail: string } {
  const last = results[results.length - 1];
  if (!last) return { outcome: 'crash', detail: 'no result' };
  const line = last.stderr.trim();
  if (last.code === 0 || last.code === 1) return { outcome: 'ok', detail: '' };
  if (last.code !== 2 || line.includes('\n') || /\n\s+at |node:internal|main rejected/.test(last.stderr)) {
    return { outcome: 'crash', detail: `${last.argv.join(' ')} → exit ${last.code}: ${line.slice(0, 400)}` };
  }
  return { outcome: line.includes(name) ? 'clear' : 'unnamed', detail: `${last.argv[0]}: ${line.slice(0, 200)}` };
}

class Runner {
  private worker!: Worker;
  private n = 0;
  constructor(
    private file: string,
    private dir: string,
    private memoryMb: number,
  ) {
    this.spawn();
  }

  private spawn() {
    this.worker = new Worker(this.file, {
      workerData: { dir: this.dir },
      resourceLimits: { maxOldGenerationSizeMb: this.memoryMb, maxYoungGenerationSizeMb: 64 },
      stdout: true,
      stderr: true,
    });
    this.worker.unref();
  }

  /** Runs a job; resolves with the CLI results, or with how it died. */
  run(job: Job, timeoutMs: number): Promise<{ results?: CallResult[]; died?: Outcome; detail?: string; escaped?: string }> {
    const w = this.worker;
    const id = ++this.n;
    job.id = id;
    return new Promise((resolve) => {
      let escaped: string | undefined;
      const base = process.memoryUsage().arrayBuffers;
      const finish = (r: { results?: CallResult[]; died?: Outcome; detail?: string }) => {
        clearTimeout(timer);
        clearInterval(poll);
        w.off('message', onMessage);
        w.off('exit', onExit);
        w.off('error', onError);
        if (r.died) {
          void w.terminate();
          this.spawn();
        }
        resolve({ ...r, escaped });
      };
      const onMessage = (m: { id: number; results?: CallResult[]; escaped?: string }) => {
        if (m.escaped) escaped ??= m.escaped;
        else if (m.id === id) finish({ results: m.results });
      };
      const onError = (e: Error) => finish({ died: 'kill', detail: String(e?.message ?? e) });
      const onExit = (code: number) => finish({ died: 'kill', detail: `worker exited (${code}): heap limit of ${this.memoryMb} MiB` });
      const timer = setTimeout(() => finish({ died: 'hang', detail: `no answer in ${timeoutMs} ms` }), timeoutMs);
      // array buffers live outside the V8 heap limit: watch them from here
      const poll = setInterval(() => {
        const ab = process.memoryUsage().arrayBuffers - base;
        if (ab > this.memoryMb * 2 ** 20) finish({ died: 'kill', detail: `array buffers reached ${(ab / 2 ** 20).toFixed(0)} MiB` });
      }, 10);
      w.on('message', onMessage);
      w.once('exit', onExit);
      w.once('error', onError);
      w.postMessage(job);
    });
  }

  /** Stops the worker and removes its folder (the mutants of the last job). */
  async close() {
    await this.worker.terminate();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function runFuzz(opts: FuzzOptions): Promise<{ rows: FormatRow[]; findings: Finding[] }> {
  const log = opts.log ?? (() => {});
  const { seeds, demo, worker } = await prepare(opts.root);
  const memoryMb = opts.memoryMb ?? 512;
  const timeoutMs = opts.timeoutMs ?? 2000;
  const all = formats(seeds, demo).filter((f) => !opts.formats?.length || opts.formats.includes(f.name));
  const unknown = (opts.formats ?? []).filter((n) => !all.some((f) => f.name === n));
  if (unknown.length) throw new Error(`unknown format(s) ${unknown.join(', ')}; known: ${formats(seeds, demo).map((f) => f.name).join(', ')}`);
  const nWorkers = Math.max(1, opts.workers ?? 1);
  const runners = Array.from({ length: nWorkers }, (_, i) => new Runner(worker, fs.mkdtempSync(path.join(os.tmpdir(), `imjoy-share-fuzz-${i}-`)), memoryMb));
  const rows: FormatRow[] = [];
  const findings: Finding[] = [];
  const base = opts.seed ?? 1;
  try {
    for (const fmt of all) {
      const counts: Record<Outcome, number> = { ok: 0, clear: 0, unnamed: 0, crash: 0, hang: 0, kill: 0 };
      const seedBytes = fmt.seeds.map((s) => new Uint8Array(fs.readFileSync(s)));
      // every seed must pass unmutated (it also warms each worker up, off the clock)
      for (const r of runners) {
        for (const [k, s] of fmt.seeds.entries()) {
          const file = fmt.file(s);
          const got = await r.run({ id: 0, files: { [file]: seedBytes[k] }, calls: fmt.calls(file) }, 60_000);
          const c = got.results ? classify(got.results, file) : { outcome: got.died!, detail: got.detail ?? '' };
          if (c.outcome !== 'ok') throw new Error(`fuzz seed ${s} does not pass unmutated: ${c.outcome} ${c.detail} ${got.escaped ?? ''}`);
        }
      }
      let next = 0;
      const t0 = Date.now();
      const work = async (runner: Runner) => {
        while (next < opts.mutants) {
          const i = next++;
          const k = i % fmt.seeds.length;
          const seed = base * 1_000_003 + i;
          const { bytes, how } = mutate(seedBytes[k], seed, fmt.kind);
          const file = fmt.file(fmt.seeds[k]);
          const calls = fmt.calls(file);
          const got = await runner.run({ id: 0, files: { [file]: bytes }, calls }, timeoutMs * calls.length);
          let c = got.results ? classify(got.results, file) : { outcome: got.died!, detail: got.detail ?? '' };
          if (got.escaped) c = { outcome: 'crash', detail: got.escaped.split('\n').slice(0, 4).join(' | ') };
          counts[c.outcome]++;
          if (c.outcome === 'unnamed') findings.push({ format: fmt.name, seedFile: path.basename(fmt.seeds[k]), seed, how, outcome: c.outcome, detail: c.detail });
          if (c.outcome === 'crash' || c.outcome === 'hang' || c.outcome === 'kill') {
            findings.push({ format: fmt.name, seedFile: path.basename(fmt.seeds[k]), seed, how, outcome: c.outcome, detail: c.detail });
            if (opts.save) {
              fs.mkdirSync(opts.save, { recursive: true });
              fs.writeFileSync(path.join(opts.save, `${fmt.name}-${seed}-${c.outcome}-${file}`), bytes);
            }
          }
        }
      };
      await Promise.all(runners.map(work));
      rows.push({ format: fmt.name, counts });
      log(`${fmt.name}: ${opts.mutants} mutants in ${((Date.now() - t0) / 1000).toFixed(0)} s — ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    }
  } finally {
    await Promise.all(runners.map((r) => r.close()));
    fs.rmSync(worker, { force: true });
  }
  return { rows, findings };
}

export function formatTable(rows: FormatRow[]): string {
  const head = ['format', 'mutants', 'verdict', 'clear error', 'unnamed', 'crash', 'hang', 'kill'];
  const lines = rows.map((r) => {
    const c = r.counts;
    return [r.format, String(Object.values(c).reduce((a, b) => a + b, 0)), String(c.ok), String(c.clear), String(c.unnamed), String(c.crash), String(c.hang), String(c.kill)];
  });
  const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (l: string[]) => `| ${l.map((v, i) => (i ? v.padStart(w[i]) : v.padEnd(w[i]))).join(' | ')} |`;
  return [fmt(head), `|${w.map((n, i) => (i ? '-'.repeat(n + 1) + ':' : '-'.repeat(n + 2))).join('|')}|`, ...lines.map(fmt)].join('\n');
}
