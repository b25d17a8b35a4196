/**
 * The worker threads of `potree convert --threads N` (worker-node.ts), which the CLI may start
 * before it has loaded the command: a worker needs ~80 ms to boot, and one started when the
 * conversion starts missed that much of the first pass (seen here: pass 1 gained 1.2× on two
 * threads while the others gained 1.6–1.7×). Workers started early and not yet taken do not keep
 * the process alive (unref), so a command that fails before converting exits as before.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../package-root.js';

/** Workers started early and not taken yet, each with its error listener until it is taken. */
const early = new Map<Worker, () => void>();

const workerFile = () => path.join(packageRoot(), 'dist', 'potree-worker.mjs');

/** Starts `n` workers now, to be taken by the conversion; none if the bundle is not built (the conversion says so). */
function startWorkers(n: number): void {
  const file = workerFile();
  if (!fs.existsSync(file)) return;
  for (let i = 0; i < n; i++) {
    const w = new Worker(file);
    w.unref();
    // a worker that fails before it is taken is simply not taken
    const forget = () => early.delete(w);
    w.once('error', forget);
    early.set(w, forget);
  }
}

/** Stops the workers started early and not taken (the conversion failed first, or wanted fewer). */
export function stopEarlyWorkers(): void {
  for (const w of early.keys()) void w.terminate();
  early.clear();
}

/** `n` workers: those started early first, new ones for the rest; early ones beyond `n` are stopped. */
export function takeWorkers(n: number): Worker[] {
  const taken: Worker[] = [];
  for (const [w, forget] of early) {
    if (taken.length === n) break;
    // the pool listens for its errors from here on
    w.off('error', forget);
    w.ref();
    taken.push(w);
    early.delete(w);
  }
  stopEarlyWorkers();
  if (taken.length < n) {
    const file = workerFile();
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`node build.mjs\` (or use --threads 1)`);
    while (taken.length < n) taken.push(new Worker(file));
  }
  return taken;
}

/** The threads `potree convert <args>` will use by default, as the conversion counts them. */
export const defaultThreads = (): number => Math.min(os.availableParallelism(), 8);

/**
 * For the CLI, before it loads the command: the workers `potree convert <args>` will ask for
 * (--threads, else the default), unless the arguments ask for help or give no thread count it
 * could use (the command then says what is wrong).
 */
export function startWorkersFor(args: string[]): void {
  if (args[0] !== 'convert' || args.includes('--help') || args.includes('-h')) return;
  const at = args.findIndex((a) => a === '--threads' || a.startsWith('--threads='));
  const n = at < 0 ? defaultThreads() : Number(args[at] === '--threads' ? args[at + 1] : args[at]!.slice('--threads='.length));
  if (Number.isSafeInteger(n) && n > 1) startWorkers(Math.min(n, 64) - 1);
}
