#!/usr/bin/env node
// `npm run test:python`: every examples/python/*.py and test/python/test_*.py run with the official
// Python hypha-rpc client (HYPHA_PYTHON, default python3) against `imjoy-share serve` on a free port,
// with the host page open in Debian's chromium (it registers imjoy-host and the windows).
//
//   HYPHA_PYTHON=/path/to/python   a Python where `import hypha_rpc` works (README: "From Python")
//   HYPHA_SERVER=<url> HYPHA_WORKSPACE=<ws> HYPHA_TOKEN=<token>
//                                  use that Hypha server instead: the host page connects to it by URL
//                                  parameters, the scripts too; demo data still come from the serve
//
// Prints one line per script and `N passed, N failed`; exits non-zero when one failed.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const python = process.env.HYPHA_PYTHON || 'python3';
const check = spawnSync(python, ['-c', 'import hypha_rpc, numpy; print(hypha_rpc.__version__)'], { encoding: 'utf8' });
if (check.status !== 0) {
  console.error(`test:python: ${python} cannot import hypha_rpc and numpy (set HYPHA_PYTHON; README "From Python" says how to get one)\n${check.stderr}`);
  process.exit(2);
}
console.log(`python: ${python} (hypha_rpc ${check.stdout.trim()})`);

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** `imjoy-share serve` as a user runs it; resolves with its URL and the printed connection line. */
function startServe(port) {
  const child = spawn(process.execPath, [path.join(root, 'bin', 'imjoy-share.mjs'), 'serve', '--port', String(port)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const host = /imjoy-share host: (http:\/\/\S+?)\/?\s*$/m.exec(out);
      const conn = /connect_to_server\((\{.*\})\)/.exec(out);
      if (host && conn && /Press Ctrl\+C/.test(out)) resolve({ child, url: host[1], rpc: JSON.parse(conn[1]) });
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}\n${out}\n${err}`)));
  });
}

function run(cmd, args, opts) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeout);
    child.once('exit', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, error: signal ? `killed by ${signal} (timeout ${opts.timeout} ms?)` : undefined });
    });
  });
}

// serve rewrites .cache/rpc.json; put back what a serve the user runs wrote there
const rpcFile = path.join(root, '.cache', 'rpc.json');
const previous = fs.existsSync(rpcFile) ? fs.readFileSync(rpcFile) : undefined;
const serve = await startServe(Number(process.env.PORT) || (await freePort()));
const external = process.env.HYPHA_SERVER;
const rpc = external ? { server_url: external, workspace: process.env.HYPHA_WORKSPACE ?? '', token: process.env.HYPHA_TOKEN ?? '' } : serve.rpc;
console.log(`host: ${serve.url}; rpc: ${rpc.server_url} workspace ${rpc.workspace}${external ? ' (external Hypha server)' : ''}`);

/** On an external server the engine's services come from a worker, as users scale out. */
function startEngine() {
  const demo = path.join(root, '.cache', 'demo');
  const args = ['engine', '--server-url', rpc.server_url, '--workspace', rpc.workspace, '--token', rpc.token, '--data', demo, '--collection', path.join(demo, 'rdf')];
  const child = spawn(process.execPath, [path.join(root, 'bin', 'imjoy-share.mjs'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (/Press Ctrl\+C/.test(out)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`imjoy-share engine exited with ${code}\n${out}`)));
  });
}
const engine = external ? await startEngine() : undefined;
if (engine) console.log('engine worker registered on the external server');

let browser;
const results = [];
try {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const query = external ? `?${new URLSearchParams(rpc)}` : '';
  await page.goto(`${serve.url}/${query}`);
  const bridge = await page.evaluate(async () => {
    await window.imjoyReady;
    return window.rpcReady;
  });
  if (!bridge) throw new Error('the host page did not connect to the RPC server');
  console.log(`host page registered ${bridge.service_id}`);

  const scripts = [
    ...fs.readdirSync(path.join(root, 'examples', 'python')).filter((f) => f.endsWith('.py') && f !== 'imjoy_share_connect.py').map((f) => path.join('examples', 'python', f)),
    ...fs.readdirSync(path.join(root, 'test', 'python')).filter((f) => /^test_.*\.py$/.test(f)).map((f) => path.join('test', 'python', f)),
  ].sort();
  const env = { ...process.env, HYPHA_SERVER_URL: rpc.server_url, HYPHA_WORKSPACE: rpc.workspace, HYPHA_TOKEN: rpc.token, IMJOY_SHARE_URL: serve.url, PYTHONUNBUFFERED: '1' };
  for (const script of scripts) {
    const t = Date.now();
    // async: the serve's output pipes must keep draining while a script runs
    const r = await run(python, [path.basename(script)], { cwd: path.join(root, path.dirname(script)), env, timeout: Number(process.env.HYPHA_SCRIPT_TIMEOUT) || 300_000 });
    const ok = r.status === 0;
    results.push({ script, ok });
    // the script's own last word (hypha_rpc logs to stdout too)
    const last = (r.stdout || '').trim().split('\n').filter((l) => l && !/^(INFO|WARNING|ERROR|DEBUG):/.test(l)).pop() ?? '';
    console.log(`${ok ? 'PASS' : 'FAIL'} ${script} (${((Date.now() - t) / 1000).toFixed(1)} s) ${last}`);
    if (!ok) console.log(`${r.stdout}\n${r.stderr}${r.error ? `\n${r.error}` : ''}`.replace(/^/gm, '    '));
  }
} finally {
  await browser?.close();
  engine?.kill('SIGTERM');
  process.kill(-serve.child.pid, 'SIGTERM');
  if (previous) fs.writeFileSync(rpcFile, previous, { mode: 0o600 });
}
const passed = results.filter((r) => r.ok).length;
console.log(`${passed} passed, ${results.length - passed} failed`);
process.exit(results.length && passed === results.length ? 0 : 1);
