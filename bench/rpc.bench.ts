/**
 * `npm run bench -- rpc`: the RPC path a Python caller takes to a plugin, through the embedded server
 * of `imjoy-share serve` (run as a user runs it) and, in the same run, through a Hypha server given
 * by HYPHA_SERVER (+ HYPHA_WORKSPACE, HYPHA_TOKEN): the official Python client (HYPHA_PYTHON) calls
 * an echo service registered by the npm hypha-rpc client, the client the host page uses.
 *   - a 64 MiB float32 array Python → service → Python (chunked by the clients), median of 3
 *   - 1,000 small calls one after another: p50/p99 latency
 * Without HYPHA_PYTHON the npm client is the caller too (arrays encoded as Python encodes them).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../test/helpers/ports.js';
import { WebSocket } from 'ws';
import { hyphaWebsocketClient } from 'hypha-rpc';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket; // hypha-rpc reads the global on Node 20
// hypha-rpc logs every session it cleans up; the benchmark prints its own lines only
const print = (s: string) => process.stdout.write(`${s}\n`);
for (const k of ['log', 'info', 'debug'] as const) console[k] = () => {};

const root = process.env.IMJOY_SHARE_ROOT ?? process.cwd();
const PYTHON = process.env.HYPHA_PYTHON;
const RUNS = Number(process.env.RPC_BENCH_RUNS ?? 3);

interface Conn {
  server_url: string;
  workspace: string;
  token: string;
}
interface Result {
  big_s: number;
  big_mib_s: number;
  p50_ms: number;
  p99_ms: number;
  calls_s: number;
}

async function startServe(): Promise<{ conn: Conn; stop: () => void }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'bin', 'imjoy-share.mjs'), 'serve', '--no-demo', '--port', String(port)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stderr!.resume();
  const conn = await new Promise<Conn>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /connect_to_server\((\{.*\})\)/.exec(out);
      if (m && /Press Ctrl\+C/.test(out)) resolve(JSON.parse(m[1]));
    });
    child.once('exit', (c) => reject(new Error(`serve exited with ${c}: ${out}`)));
  });
  return { conn, stop: () => process.kill(-child.pid!, 'SIGTERM') };
}

function runPython(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

const pyArray = (a: Float32Array, shape: number[]) => ({ _rtype: 'ndarray', _rvalue: new Uint8Array(a.buffer, a.byteOffset, a.byteLength), _rshape: shape, _rdtype: 'float32' });

async function measure(label: string, conn: Conn): Promise<Result> {
  const connect = (id: string) => hyphaWebsocketClient.connectToServer({ ...conn, client_id: id, method_timeout: 300, WebSocketClass: WebSocket } as never) as Promise<any>;
  const provider = await connect(`bench-echo-${Date.now()}`);
  const svc = await provider.registerService({ id: 'bench-echo', config: { visibility: 'protected' }, echo: (x: unknown) => x, add: (a: number, b: number) => a + b });
  try {
    if (PYTHON) {
      // async: the echo service lives in this process's event loop
      const r = await runPython([path.join(root, 'bench', 'py', 'rpc_calls.py'), JSON.stringify(conn), svc.id, String(RUNS)]);
      if (r.status !== 0) throw new Error(`${label}: ${r.stderr}`);
      return JSON.parse(r.stdout.trim().split('\n').pop()!);
    }
    const caller = await connect(`bench-caller-${Date.now()}`);
    const echo = await caller.getService(svc.id);
    const a = new Float32Array((64 * 1024 * 1024) / 4).map((_, i) => i % 1000);
    const big: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const b = await echo.echo(pyArray(a, [a.length]));
      big.push((performance.now() - t) / 1000);
      if (b._rvalue.byteLength !== a.byteLength) throw new Error('echo lost bytes');
    }
    const small: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const t = performance.now();
      await echo.add(i, 1);
      small.push((performance.now() - t) / 1000);
    }
    await caller.disconnect();
    big.sort((x, y) => x - y);
    small.sort((x, y) => x - y);
    const med = big[Math.floor(big.length / 2)];
    return { big_s: med, big_mib_s: 128 / med, p50_ms: small[500] * 1000, p99_ms: small[989] * 1000, calls_s: 1000 / small.reduce((x, y) => x + y, 0) };
  } finally {
    await provider.disconnect();
  }
}

const line = (label: string, r: Result) =>
  print(`${label.padEnd(22)} 64 MiB round trip ${r.big_s.toFixed(2)} s (${r.big_mib_s.toFixed(0)} MiB/s both ways) · small calls p50 ${r.p50_ms.toFixed(2)} ms, p99 ${r.p99_ms.toFixed(2)} ms, ${r.calls_s.toFixed(0)}/s`);

async function main() {
  print(`caller: ${PYTHON ? `official Python hypha_rpc (${PYTHON})` : 'npm hypha-rpc (set HYPHA_PYTHON for the Python client)'}; service: npm hypha-rpc`);
  const serve = await startServe();
  let embedded: Result;
  try {
    embedded = await measure('embedded', serve.conn);
  } finally {
    serve.stop();
  }
  line('embedded (serve)', embedded);
  const hypha = process.env.HYPHA_SERVER;
  if (!hypha) {
    print('Hypha server: not measured (set HYPHA_SERVER=<url> HYPHA_WORKSPACE=<ws> HYPHA_TOKEN=<token> to compare in the same run)');
    return;
  }
  const real = await measure('hypha', { server_url: hypha, workspace: process.env.HYPHA_WORKSPACE ?? '', token: process.env.HYPHA_TOKEN ?? '' });
  line(`Hypha (${hypha})`, real);
  print(`ratios embedded/Hypha: throughput ${(embedded.big_mib_s / real.big_mib_s).toFixed(2)}× (target ≥ 1), p99 latency ${(embedded.p99_ms / real.p99_ms).toFixed(2)}× (target ≤ 1)`);
}

await main();
process.exit(0);
