import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { repoRoot } from './paths.js';
import { freePort } from './ports.js';
import { tmpDir } from './host.js';

/**
 * What `git clone` of this working tree would hold: tracked files plus new ones git does not
 * ignore (so uncommitted work is tested too), and no dist/, .cache/ or other build output. The
 * repo's node_modules is linked in, standing for the `npm ci` a user runs.
 */
export function freshCopy(): string {
  const dir = path.join(tmpDir('imjoy-share-clone-'), 'imjoy-share');
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: repoRoot, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    const from = path.join(repoRoot, f);
    if (!fs.existsSync(from)) continue; // deleted in the working tree, not yet in the index
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(from, path.join(dir, f));
  }
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

export const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.createServer().once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/** A port p with p + 1 free too (the host serves plugin frames on the next port). */
export async function freePortPair(): Promise<number> {
  for (;;) {
    const p = await freePort();
    if (p < 65535 && (await portFree(p + 1))) return p;
  }
}

export interface Served {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** Stops the whole process group (npm, its shell, node) by pid and waits until every process of it has exited. */
  stop(): Promise<number | null>;
}

/**
 * Runs a serving command as a user would and waits for the banner (`imjoy-share host: <url>` …
 * `Press Ctrl+C to stop.`) it prints when ready (or fails with its output when it exits first).
 */
export function serve(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Served> {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code, signal) => r(code ?? (signal ? null : 0))));
  /** The group is gone when signal 0 to it fails: npm exits before the serve it started. */
  const groupGone = async () => {
    for (const end = Date.now() + 15_000; Date.now() < end; ) {
      try {
        process.kill(-child.pid!, 0);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 25)); // polling a condition (the kernel's process table), with a deadline
    }
    throw new Error(`${cmd} ${args.join(' ')}: its processes did not exit within 15 s of SIGTERM`);
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM');
    const code = await exited;
    await groupGone();
    return code;
  };
  return new Promise<Served>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${cmd} ${args.join(' ')}: no URL printed in ${opts.timeoutMs ?? 180_000} ms\n${out}\n${err}`));
    }, opts.timeoutMs ?? 180_000);
    const onData = () => {
      // the last line of the banner: everything before it is printed
      const m = /imjoy-share host: (http:\/\/\S+?)\/?\s*$[\s\S]*Press Ctrl\+C/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({ child, url: m[1], stdout: () => out, stderr: () => err, stop });
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} ${args.join(' ')} exited with ${code} before serving\n${out}\n${err}`));
    });
  });
}

/**
 * `imjoy-share serve --port 0 --no-demo --data <dataDir> …extra` from this checkout, as the engine
 * tests run it, its cache in a folder of its own; resolves when it printed its banner.
 */
export function serveData(dataDir: string, extra: string[] = []): Promise<Served> {
  return serve(process.execPath, ['bin/imjoy-share.mjs', 'serve', '--port', '0', '--no-demo', '--data', dataDir, ...extra], {
    cwd: repoRoot,
    env: { IMJOY_SHARE_CACHE: tmpDir('serve-cache-') },
    timeoutMs: 60_000,
  });
}

/** The Hypha connection `serve` printed (`connect_to_server({...})`). */
export function connectionOf(s: Served): { server_url: string; workspace: string; token: string } {
  return JSON.parse(/connect_to_server\((\{.*\})\)/.exec(s.stdout())![1]!);
}
