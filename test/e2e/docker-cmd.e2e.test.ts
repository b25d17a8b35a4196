/**
 * deploy/Dockerfile replayed without Docker (none here), instruction by instruction, on a fresh
 * copy of the repo: the build stage's `npm pack` and unpacking run as written (its `npm ci` is the
 * copy's linked node_modules); the final stage's COPY, `npm ci --omit=dev` and directories are
 * replayed into a folder standing for the image's filesystem. Then the image's ENTRYPOINT + CMD
 * run there with plain Node — port swapped for a free one, /data empty — and must answer /health
 * and /metrics; the HEALTHCHECK command must tell a live server from none; and the workers
 * overlay's container (rendered by kubectl kustomize), given the serve's RPC connection as its
 * Secret, must register the engine on the serve's embedded Hypha server.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePortPair, freshCopy, type Served, serve } from '../helpers/fresh-copy.js';
import { tmpDir } from '../helpers/host.js';
import { connect } from '../rpc/helpers.js';
import { envOf, flagValue, last, madeDirs, readDockerfile, runSegments, type Stage } from '../deploy/dockerfile.js';
import { expandArgs, only, render, resolveEnv } from '../deploy/k8s.js';

const run = promisify(execFile);

const [build, final] = readDockerfile() as [Stage, Stage];
let work: string;
let src: string;
/** The image's filesystem: `/app` of the image is `${root}/app`. */
let root: string;
const inImage = (p: string) => path.join(root, p);
/** Every absolute path of the image in `args` moved into `root`. */
const mapPaths = (args: string[], map = inImage) => args.map((a) => (a.startsWith('/') ? map(a) : a));
const imageEnv: Record<string, string> = {};
let entrypoint: string[];
let cmd: string[];
let port: number;
let served: Served;
let before: Map<string, string>;
let worker: ChildProcess | undefined;

/** Every file under `dir` but the skipped folders, with size and mtime (what a write would change). */
function listFiles(dir: string, skip: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = path.join(e.parentPath, e.name);
    if (skip.some((s) => p === s || p.startsWith(s + path.sep))) continue;
    const st = fs.lstatSync(p);
    out.set(path.relative(dir, p), `${st.size} ${st.mtimeMs}`);
  }
  return out;
}

/** Replays the build stage in the fresh copy: its WORKDIR is the copy, its context COPYs are the copy itself. */
async function replayBuild(): Promise<(imagePath: string) => string> {
  const workdir = last(build, 'WORKDIR')!.rest;
  const env: Record<string, string> = {};
  for (const ins of build.instructions) {
    if (ins.cmd === 'ENV') Object.assign(env, envOf(ins));
    else if (ins.cmd === 'WORKDIR') expect(ins.rest, 'one WORKDIR in the build stage').toBe(workdir);
    else if (ins.cmd === 'COPY') expect(path.posix.resolve(workdir, ins.rest.split(/\s+/).at(-1)!), 'build-stage COPY into WORKDIR').toBe(workdir);
    else if (ins.cmd === 'RUN') {
      // `npm ci` is the fresh copy's linked node_modules (test/helpers/fresh-copy.ts); the rest runs as written
      const rest = runSegments(ins).filter((seg) => !(seg[0] === 'npm' && seg[1] === 'ci'));
      if (!rest.length) continue;
      for (const seg of rest) expect(seg.filter((w) => w.startsWith('/')), `absolute paths in RUN ${seg.join(' ')}`).toEqual([]);
      await run('sh', ['-c', rest.map((s) => s.join(' ')).join(' && ')], { cwd: src, env: { ...process.env, ...env }, maxBuffer: 64 << 20, timeout: 300_000 });
    } else throw new Error(`build stage: ${ins.cmd} is not replayed by this test (line ${ins.line})`);
  }
  return (p) => path.resolve(src, path.posix.relative(workdir, p));
}

/** Replays the final stage into `root`. */
async function replayFinal(fromBuild: (p: string) => string) {
  let cwd = '/';
  for (const ins of final.instructions) {
    if (ins.cmd === 'ENV') Object.assign(imageEnv, envOf(ins));
    else if (ins.cmd === 'WORKDIR') {
      cwd = path.posix.resolve(cwd, ins.rest);
      fs.mkdirSync(inImage(cwd), { recursive: true });
    } else if (ins.cmd === 'COPY') {
      const words = ins.rest.split(/\s+/);
      const dest = path.posix.resolve(cwd, words.at(-1)!);
      for (const s of words.slice(0, -1)) {
        const from = ins.flags.from ? fromBuild(s) : path.join(src, s);
        expect(fs.existsSync(from), `COPY ${ins.flags.from ? `--from=${ins.flags.from} ` : ''}${s}`).toBe(true);
        // a directory's contents go into dest; a file goes into dest/ (or becomes dest)
        const to = fs.statSync(from).isDirectory() || !words.at(-1)!.endsWith('/') ? inImage(dest) : path.join(inImage(dest), path.basename(s));
        fs.cpSync(from, to, { recursive: true });
      }
    } else if (ins.cmd === 'RUN') {
      for (const seg of runSegments(ins)) {
        const dirs = madeDirs(seg);
        if (dirs) for (const d of dirs) fs.mkdirSync(inImage(d.dir), { recursive: true });
        else if (seg[0] === 'npm')
          // --prefer-offline: the packages come from npm's cache when `npm ci` already fetched them
          await run('npm', [...seg.slice(1), '--prefer-offline'], { cwd: inImage(cwd), env: { ...process.env, ...imageEnv }, maxBuffer: 64 << 20, timeout: 300_000 });
        else throw new Error(`final stage: RUN ${seg.join(' ')} is not replayed by this test (line ${ins.line})`);
      }
    } else if (!['USER', 'EXPOSE', 'HEALTHCHECK', 'ENTRYPOINT', 'CMD'].includes(ins.cmd)) throw new Error(`final stage: ${ins.cmd} is not replayed by this test (line ${ins.line})`);
  }
}

beforeAll(async () => {
  src = freshCopy();
  work = tmpDir('imjoy-share-docker-');
  root = path.join(work, 'image');
  await replayFinal(await replayBuild());
  entrypoint = last(final, 'ENTRYPOINT')!.exec!;
  cmd = last(final, 'CMD')!.exec!;
  expect(entrypoint[0]).toBe('node');
  fs.mkdirSync(inImage('/tmp'), { recursive: true });
  port = await freePortPair();
  const args = mapPaths([...entrypoint.slice(1), ...cmd]);
  args[args.indexOf('--port') + 1] = String(port);
  before = listFiles(root, [inImage(imageEnv.IMJOY_SHARE_CACHE!), inImage('/tmp')]);
  served = await serve(process.execPath, args, {
    cwd: inImage(last(final, 'WORKDIR')!.rest),
    // HOME does not exist: a write there would fail under the pods' read-only root filesystem
    env: { ...Object.fromEntries(Object.entries(imageEnv).map(([k, v]) => [k, v.startsWith('/') ? inImage(v) : v])), HOME: path.join(work, 'no-home'), TMPDIR: inImage('/tmp') },
    timeoutMs: 120_000,
  });
}, 600_000);

afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await served?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
  if (src) fs.rmSync(path.dirname(src), { recursive: true, force: true });
});

describe('the Docker image command in a plain Node install of the packed package', () => {
  it('has the packed CLI where ENTRYPOINT runs it, and runtime dependencies only', () => {
    for (const f of [entrypoint[1]!, '/app/dist/cli.mjs', '/app/dist/host/index.html', '/app/node_modules/commander/package.json']) expect(fs.existsSync(inImage(f)), f).toBe(true);
    for (const dev of ['esbuild', 'vitest', 'typescript', 'kubernetes-models']) expect(fs.existsSync(inImage(`/app/node_modules/${dev}`)), dev).toBe(false);
    // the image's /data is empty: the test serves nothing but the engine itself
    expect(fs.readdirSync(inImage(flagValue(cmd, '--data')!))).toEqual([]);
  });

  it('answers GET /health with 200 {"status":"ok"} and /metrics with Prometheus text', async () => {
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toMatch(/^imjoy_share_http_requests_total\{[^}]*route="health"[^}]*\} [1-9]/m);
  });

  it('its HEALTHCHECK command exits 0 against it and non-zero when nothing listens', async () => {
    const hc = last(final, 'HEALTHCHECK')!.exec!;
    const imagePort = flagValue(cmd, '--port')!;
    const check = (p: number) =>
      run(process.execPath, hc.slice(1).map((a) => a.replaceAll(`127.0.0.1:${imagePort}/`, `127.0.0.1:${p}/`)), { timeout: 30_000 }).then(
        () => 0,
        (e) => e.code as number,
      );
    expect(hc[0]).toBe('node');
    expect(await check(port)).toBe(0);
    const nobody = await freePortPair();
    expect(await check(nobody)).not.toBe(0);
  });

  it('the workers overlay’s container, with the serve’s RPC as its Secret, registers the engine there', async () => {
    const conn = JSON.parse(fs.readFileSync(path.join(inImage(imageEnv.IMJOY_SHARE_CACHE!), 'rpc.json'), 'utf8')) as { workspace: string; token: string };
    const server_url = `http://127.0.0.1:${port}`;
    const d = only(render('workers'), 'Deployment');
    const c = d.spec.template.spec.containers[0];
    expect(c.command).toBeUndefined(); // the image's ENTRYPOINT
    const podName = `${d.metadata.name}-5f7c9d-x2k4q`;
    const env = resolveEnv(c, { 'imjoy-share-hypha': { HYPHA_SERVER_URL: server_url, HYPHA_WORKSPACE: conn.workspace, HYPHA_TOKEN: conn.token } }, podName);
    // the pod's volumes over the image: an empty data claim, fresh emptyDirs
    const mounts = new Map<string, string>((c.volumeMounts as { mountPath: string }[]).map((m) => [m.mountPath, fs.mkdtempSync(path.join(work, 'volume-'))]));
    const inPod = (p: string) => {
      for (const [at, dir] of mounts) if (p === at || p.startsWith(at + '/')) return path.join(dir, path.posix.relative(at, p));
      return inImage(p);
    };
    const args = mapPaths([...entrypoint.slice(1), ...expandArgs(c.args, env)], inPod);
    const podEnv = Object.fromEntries(Object.entries({ ...imageEnv, ...env }).map(([k, v]) => [k, v.startsWith('/') ? inPod(v) : v]));
    const child = spawn(process.execPath, args, { cwd: inImage('/app'), env: { PATH: process.env.PATH, ...podEnv, HOME: path.join(work, 'no-home'), TMPDIR: inPod('/tmp') }, stdio: ['ignore', 'pipe', 'pipe'] });
    worker = child;
    let out = '';
    child.stderr!.on('data', (b) => (out += b));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (b) => {
        out += b;
        if (out.includes('Press Ctrl+C to stop.')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`engine exited with ${code}:\n${out}`)));
    });
    expect(out).toContain(`engine ${podName}:`);
    const client = await connect({ server_url, workspace: conn.workspace, token: conn.token });
    try {
      const ids = ((await client.listServices()) as { id: string }[]).map((s) => s.id).filter((id) => id.includes(`/${podName}:`));
      expect(ids).toContain(`${conn.workspace}/${podName}:imjoy-share-zarr`);
    } finally {
      await client.disconnect();
    }
    // a pod stopped by Kubernetes gets SIGTERM: the worker leaves cleanly
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('writes nothing outside the cache and /tmp (the pods run on a read-only root filesystem)', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/zarr/`)).status).toBeLessThan(500);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    const after = listFiles(root, [inImage(imageEnv.IMJOY_SHARE_CACHE!), inImage('/tmp')]);
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((f) => before.get(f) !== after.get(f));
    expect(changed).toEqual([]);
    expect(fs.existsSync(path.join(work, 'no-home'))).toBe(false);
    // and what it does write lands in the cache
    expect(fs.existsSync(path.join(inImage(imageEnv.IMJOY_SHARE_CACHE!), 'rpc.json'))).toBe(true);
  });
});
