/**
 * `npm run bench -- engine`: the engine's zarr chunks over HTTP, side by side with nginx (Debian)
 * serving the very same chunk bytes as files from disk, in the same run: requests per second and
 * p99 at 64 connections from wrk (Debian; C, one thread: autocannon, in JS, was what limited
 * both servers at ~500 req/s).
 * Then `/zarr-decoded/` (each chunk inflated and its predictor undone per request) for its
 * throughput. Both servers run one process (nginx `worker_processes 1`), as `serve` does.
 * Three rounds, nginx and the engine in turns; the median ratio is the result.
 * Data: a tifffile-written 2-channel 1000×1500 uint16 OME-TIFF, Deflate + predictor, 256² tiles.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { wrk, type WrkResult } from '../test/helpers/wrk.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/helpers/ports.js';

const root = process.env.IMJOY_SHARE_ROOT ?? process.cwd();
const SECONDS = Number(process.env.ENGINE_BENCH_SECONDS ?? 8);
const CONNECTIONS = 64;
const ROUNDS = 3;
const TICK = 100; // clock ticks per second of /proc/<pid>/stat on Linux

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
}

/** `f`'s result and the share of one core process `pid` used meanwhile, in %. */
function busy<T>(pid: number, f: () => T): [T, number] {
  const c = cpuSeconds(pid);
  const t = performance.now();
  const r = f();
  return [r, ((cpuSeconds(pid) - c) / ((performance.now() - t) / 1000)) * 100];
}
const IMAGE = 'pyramid-2ch-u16-deflate-pred.ome.tif';
const print = (s: string) => process.stdout.write(`${s}\n`);

function waitFor(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  let out = '';
  return new Promise((resolve, reject) => {
    const on = (d: Buffer) => {
      out += d;
      if (pattern.test(out)) resolve(out);
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (c) => reject(new Error(`${what} exited with ${c}: ${out}`)));
  });
}

type Load = WrkResult;

function load(urls: string[]): Load {
  return wrk(urls, { connections: CONNECTIONS, seconds: SECONDS });
}

const line = (label: string, r: Load) =>
  `${label.padEnd(30)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50_ms).padStart(4)} ms  p99 ${String(r.p99_ms).padStart(4)} ms  ${(r.bytes_s / 2 ** 20).toFixed(0).padStart(4)} MiB/s  errors ${r.errors + r.non2xx}`;

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-bench-'));
  fs.chmodSync(work, 0o755); // nginx's workers run as another user and must read the files
  const data = path.join(work, 'data');
  fs.mkdirSync(data);
  // the test suite's generated data (tifffile writes it), made here when absent
  const gen = path.join(root, '.cache', 'bench', 'data');
  if (!fs.existsSync(path.join(gen, 'tiff', IMAGE))) {
    fs.mkdirSync(gen, { recursive: true });
    execFileSync('/usr/bin/python3', [path.join(root, 'test/fixtures/make_data.py'), gen], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  fs.symlinkSync(path.join(gen, 'tiff', IMAGE), path.join(data, IMAGE));

  const serve = spawn(process.execPath, [path.join(root, 'bin', 'imjoy-share.mjs'), 'serve', '--no-demo', '--port', '0', '--data', data], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, IMJOY_SHARE_CACHE: path.join(work, 'cache') },
  });
  let nginx: ChildProcess | undefined;
  try {
    const banner = await waitFor(serve, /Press Ctrl\+C/, 'serve');
    const base = /imjoy-share host: (http:\/\/\S+?)\/?\s*$/m.exec(banner)![1]!;
    const meta = (await (await fetch(`${base}/zarr/${IMAGE}/0/.zarray`)).json()) as { shape: number[]; chunks: number[] };
    const grid = meta.shape.map((n, i) => Math.ceil(n / meta.chunks[i]!));
    const keys: string[] = [];
    for (let c = 0; c < grid[0]!; c++) for (let y = 0; y < grid[1]!; y++) for (let x = 0; x < grid[2]!; x++) keys.push(`0/${c}.${y}.${x}`);

    // nginx serves the same bytes: every chunk as the engine answers it, written as a file
    const www = path.join(work, 'www');
    let bytes = 0;
    for (const k of keys) {
      const b = new Uint8Array(await (await fetch(`${base}/zarr/${IMAGE}/${k}`)).arrayBuffer());
      bytes += b.length;
      fs.mkdirSync(path.join(www, 'zarr', IMAGE, path.dirname(k)), { recursive: true });
      fs.writeFileSync(path.join(www, 'zarr', IMAGE, k), b);
    }
    const nport = await freePort();
    const conf = path.join(work, 'nginx.conf');
    fs.writeFileSync(
      conf,
      `worker_processes 1;
daemon off;
pid ${work}/nginx.pid;
error_log ${work}/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path ${work}/tmp; proxy_temp_path ${work}/tmp; fastcgi_temp_path ${work}/tmp; uwsgi_temp_path ${work}/tmp; scgi_temp_path ${work}/tmp;
  server { listen 127.0.0.1:${nport}; root ${www}; default_type application/octet-stream; }
}
`,
    );
    fs.mkdirSync(path.join(work, 'tmp'));
    nginx = spawn('/usr/sbin/nginx', ['-c', conf, '-p', work], { stdio: ['ignore', 'pipe', 'pipe'] });
    for (let i = 0; i < 100; i++) {
      if (await fetch(`http://127.0.0.1:${nport}/zarr/${IMAGE}/${keys[0]}`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 50)); // polling a port that is not open yet: nothing else to wait on
    }

    // the worker process answers (the master only starts it)
    const nginxWorker = Number(fs.readFileSync(`/proc/${nginx.pid}/task/${nginx.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
    print(`${keys.length} chunks of ${IMAGE} (${(bytes / keys.length / 1024).toFixed(0)} KiB stored on average), ${CONNECTIONS} connections, ${SECONDS} s each, load from wrk`);
    const urls = (b: string, prefix: string) => keys.map((k) => `${b}/${prefix}/${IMAGE}/${k}`);
    load(urls(base, 'zarr')); // warm-up: references made, file handles open
    // nginx and the engine take turns, three rounds: this VM's speed drifts between runs (nginx
    // alone: 14,000–59,000 req/s on different days), so each round's ratio is of neighbours in time.
    // Each server's CPU share tells whether it or wrk was the limit.
    const rounds: { nginx: Load; engine: Load; nginxCpu: number; engineCpu: number }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const [nginxR, nginxCpu] = busy(nginxWorker, () => load(urls(`http://127.0.0.1:${nport}`, 'zarr')));
      const [engineR, engineCpu] = busy(serve.pid!, () => load(urls(base, 'zarr')));
      rounds.push({ nginx: nginxR, engine: engineR, nginxCpu, engineCpu });
      const perRequest = (r: Load, cpu: number) => `  server CPU ${cpu.toFixed(0).padStart(3)} %, ${((cpu / 100 / r.rps) * 1e6).toFixed(0)} µs a request`;
      print(line(`nginx (files), round ${i + 1}`, nginxR) + perRequest(nginxR, nginxCpu));
      print(line(`engine /zarr/, round ${i + 1}`, engineR) + perRequest(engineR, engineCpu));
    }
    const decodedR = load(urls(base, 'zarr-decoded'));
    print(line('engine /zarr-decoded/', decodedR));
    const ratios = rounds.map((r) => r.engine.rps / r.nginx.rps).sort((a, b) => a - b);
    const median = ratios[Math.floor(ratios.length / 2)]!;
    const mid = rounds.find((r) => r.engine.rps / r.nginx.rps === median)!;
    print(`engine / nginx: ${median.toFixed(2)}× requests/s, median of ${ratios.map((r) => r.toFixed(2)).join(', ')} (target ≥ 0.5×), p99 ${mid.engine.p99_ms} vs ${mid.nginx.p99_ms} ms`);
    print(`decoded chunks: ${(decodedR.bytes_s / 2 ** 20).toFixed(0)} MiB/s of raw pixels (${(decodedR.rps / mid.engine.rps).toFixed(2)}× the stored requests/s)`);
  } finally {
    nginx?.kill('SIGQUIT');
    try {
      process.kill(-serve.pid!, 'SIGTERM');
    } catch {
      // already gone (it failed to start: its output is in the error above)
    }
    // the data, the caches and nginx's files; retried while the stopping servers close theirs
    fs.rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}

await main();
