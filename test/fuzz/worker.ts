/**
 * A fuzz worker: runs `imjoy-share` commands in-process (the CLI's own `main`, as
 * bin/imjoy-share.mjs runs it) on mutant files and reports how each ended. The parent gives it a
 * heap limit and a clock, and replaces it when it hangs or dies.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { main } from '../../src/cli/main.js';

export interface Job {
  id: number;
  /** Files to write into the work folder, by name. */
  files: Record<string, Uint8Array>;
  /** CLI calls in order; `{dir}` in an argument is the work folder. A call runs only if the one before it exited 0. */
  calls: string[][];
}

export interface CallResult {
  argv: string[];
  code: number;
  stderr: string;
  stdoutBytes: number;
}

const dir: string = workerData.dir;
fs.mkdirSync(dir, { recursive: true });

let stderr = '';
let stdoutBytes = 0;
// what the CLI prints stays here; the parent only needs the verdict
process.stdout.write = ((chunk: string | Uint8Array) => ((stdoutBytes += chunk.length), true)) as typeof process.stdout.write;
process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;

let current = -1;
// a rejection nobody awaited escapes the CLI's error handling: a crash of the current job
process.on('unhandledRejection', (e) => parentPort!.postMessage({ id: current, escaped: `unhandled rejection: ${(e as Error)?.stack ?? e}` }));
process.on('uncaughtException', (e) => parentPort!.postMessage({ id: current, escaped: `uncaught exception: ${e?.stack ?? e}` }));

parentPort!.on('message', async (job: Job) => {
  current = job.id;
  for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
  for (const [name, bytes] of Object.entries(job.files)) fs.writeFileSync(path.join(dir, name), bytes);
  const results: CallResult[] = [];
  for (const call of job.calls) {
    const argv = call.map((a) => a.replaceAll('{dir}', dir));
    stderr = '';
    stdoutBytes = 0;
    process.exitCode = undefined;
    try {
      await main(['node', 'imjoy-share', ...argv]);
    } catch (e) {
      stderr += `main rejected: ${(e as Error)?.stack ?? e}\n`;
      process.exitCode = -1;
    }
    const code = Number(process.exitCode ?? 0);
    results.push({ argv: call, code, stderr, stdoutBytes });
    if (code !== 0) break;
  }
  process.exitCode = undefined;
  parentPort!.postMessage({ id: job.id, results });
});
