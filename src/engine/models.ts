/**
 * The collection's ONNX models as inference endpoints. Inference runs in worker processes
 * (model-worker.ts: onnxruntime-web holds its thread while a graph runs, which in the server's
 * process would stall every other request), `concurrency` of them, one call each; calls beyond
 * them wait in a bounded queue, and a call beyond the queue is refused at once (HTTP 429, a clear
 * RPC error) rather than left to pile up. A call that overruns its time limit has its process killed.
 */
import path from 'node:path';
import { type ChildProcess, fork } from 'node:child_process';
import { packageRoot } from '../package-root.js';
import type { InputImage } from '../model/fit-axes.js';
import type { TestReport } from '../model/runner.js';
import type { NdArray } from '../ndarray/ndarray.js';
import type { ModelRef, WorkerReply, WorkerRequest } from './model-worker.js';
import type { ResourceCollection } from './resources.js';

export class QueueFull extends Error {}
export class TimedOut extends Error {}
/** The model or its input is wrong (the worker's message): the caller's problem, not the server's. */
export class ModelError extends Error {}

export interface ModelPoolOptions {
  /** Worker processes, each running one call at a time (default 1). */
  concurrency?: number;
  /** Calls waiting for a thread (default 8). */
  queueLimit?: number;
  /** Per-call time limit, waiting included (default 120 s). */
  timeoutMs?: number;
  /** The worker script (default: dist/model-worker.mjs of the package: `node build.mjs` makes it). */
  workerFile?: string;
}

export interface Prediction {
  /** The first output's id (the one returned), and every output. */
  first: string;
  outputs: Record<string, NdArray>;
  ms: number;
}

/** Planes above this many pixels are predicted in tiles (with the model's halo) unless a block is given. */
const AUTO_TILE_PIXELS = 2048 * 2048;

/**
 * A server takes inputs of any size: a big plane in one ONNX run needs many times its size in
 * memory, so above AUTO_TILE_PIXELS it runs in 1024² blocks (the runner adds the halo and keeps
 * the sizes the model allows).
 */
function autoBlock(image: InputImage): Record<string, number> | undefined {
  const shape = image.array.shape;
  const plane = shape.length >= 2 ? shape[shape.length - 1]! * shape[shape.length - 2]! : 0;
  return plane > AUTO_TILE_PIXELS ? { y: 1024, x: 1024 } : undefined;
}

type WithoutN<T> = T extends unknown ? Omit<T, 'n'> : never;

interface Slot {
  worker?: ChildProcess;
  busy: boolean;
}

export class ModelPool {
  private slots: Slot[];
  private waiting: ((slot: Slot) => void)[] = [];
  private seq = 0;
  readonly concurrency: number;
  readonly queueLimit: number;
  readonly timeoutMs: number;
  private readonly workerFile: string;
  /** Calls refused because the queue was full (a metric). */
  refused = 0;

  constructor(
    private collection: ResourceCollection,
    opts: ModelPoolOptions = {},
  ) {
    this.concurrency = Math.max(1, opts.concurrency ?? 1);
    this.queueLimit = Math.max(0, opts.queueLimit ?? 8);
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.workerFile = opts.workerFile ?? path.join(packageRoot(), 'dist', 'model-worker.mjs');
    this.slots = Array.from({ length: this.concurrency }, () => ({ busy: false }));
  }

  /** Calls running plus calls waiting. */
  get depth(): number {
    return this.slots.filter((s) => s.busy).length + this.waiting.length;
  }

  async list(): Promise<{ id: string; name: string; description: string }[]> {
    const entries = await this.collection.publicEntries();
    return entries.filter((e) => e.type === 'model').map((e) => ({ id: e.id, name: e.name, description: e.description }));
  }

  /** A free thread, after waiting in the queue; refused at once when the queue is full. */
  private acquire(what: string, signal: AbortSignal): Promise<Slot> {
    const free = this.slots.find((s) => !s.busy);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    if (this.waiting.length >= this.queueLimit) {
      this.refused++;
      return Promise.reject(new QueueFull(`${what}: the engine is busy (${this.concurrency} running, ${this.waiting.length} waiting); try again shortly`));
    }
    return new Promise((resolve, reject) => {
      const take = (slot: Slot) => {
        signal.removeEventListener('abort', drop);
        resolve(slot);
      };
      const drop = () => {
        this.waiting.splice(this.waiting.indexOf(take), 1);
        reject(new TimedOut(`${what}: waited ${this.timeoutMs / 1000} s for a free slot`));
      };
      this.waiting.push(take);
      signal.addEventListener('abort', drop, { once: true });
    });
  }

  private release(slot: Slot) {
    const next = this.waiting.shift();
    if (next) next(slot);
    else slot.busy = false;
  }

  private async call(what: string, req: WithoutN<WorkerRequest>): Promise<unknown> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const slot = await this.acquire(what, signal);
    try {
      // advanced serialization: typed arrays cross the IPC channel as they are
      slot.worker ??= fork(this.workerFile, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const worker = slot.worker;
      const n = ++this.seq;
      return await new Promise((resolve, reject) => {
        const done = () => {
          worker.off('message', onMessage);
          worker.off('exit', onExit);
          signal.removeEventListener('abort', onAbort);
        };
        const onMessage = (r: WorkerReply) => {
          if (r.n !== n) return;
          done();
          if (r.ok) resolve(r.value);
          else reject(new ModelError(r.message));
        };
        const onExit = (code: number | null, sig: string | null) => {
          done();
          slot.worker = undefined; // a crashed process is replaced at the next call
          reject(new Error(`${what}: the model process ended (${sig ?? `exit code ${code}`})`));
        };
        const onAbort = () => {
          done();
          // the only way to stop a graph mid-run: the process goes, a fresh one comes next time
          worker.kill('SIGKILL');
          slot.worker = undefined;
          reject(new TimedOut(`${what}: took longer than ${this.timeoutMs / 1000} s`));
        };
        worker.on('message', onMessage);
        worker.on('exit', onExit);
        signal.addEventListener('abort', onAbort, { once: true });
        worker.send({ ...req, n });
      });
    } finally {
      this.release(slot);
    }
  }

  /** Predicts the model's first input from `image` (axes mapped as `model predict` maps them). */
  async predict(id: string, image: InputImage, opts: { block?: Record<string, number>; name?: string } = {}): Promise<Prediction> {
    const model: ModelRef = await this.collection.modelRef(id);
    const t = Date.now();
    const block = opts.block ?? autoBlock(image);
    const value = (await this.call(`predict ${id}`, { op: 'predict', model, image, block, name: opts.name ?? 'input' })) as Omit<Prediction, 'ms'>;
    return { ...value, ms: Date.now() - t };
  }

  async test(id: string): Promise<TestReport> {
    const model = await this.collection.modelRef(id);
    return (await this.call(`test ${id}`, { op: 'test', model })) as TestReport;
  }

  async close(): Promise<void> {
    for (const s of this.slots) {
      s.worker?.kill();
      s.worker = undefined;
    }
  }
}
