/**
 * A worker process of the engine's model pool: loads model packages and runs them, so inference
 * (onnxruntime-web's wasm, which holds its thread while a graph runs) never stalls the server's
 * event loop. A process, not a worker thread: onnxruntime-web's Emscripten build takes any
 * non-main thread for one of its own pthreads. One call at a time; the pool kills the process
 * when a call overruns its time.
 * Files are read under the collection's rules: local ones inside its folder, remote ones from
 * allowed origins only.
 */
import path from 'node:path';
import '../node.js';
import { openNodeSource } from '../io/open-node.js';
import { fitToInput, type InputImage } from '../model/fit-axes.js';
import { loadOrtNode } from '../model/node.js';
import { openModelPackage, type ModelPackage } from '../model/package.js';
import { ModelRunner } from '../model/runner.js';
import { nodeReadFile } from '../rdf/node.js';
import { guardedFetch, OriginPolicy } from './origins.js';

export interface ModelRef {
  /** Cache key (the model id). */
  key: string;
  /** The RDF: a local path or an allowed URL. */
  location: string;
  /** Local files must lie below this folder. */
  root?: string;
  /** Origin allowlist patterns. */
  origins: string[];
}

export type WorkerRequest =
  | { n: number; op: 'predict'; model: ModelRef; image: InputImage; block?: Record<string, number>; name: string }
  | { n: number; op: 'test'; model: ModelRef };

export type WorkerReply = { n: number; ok: true; value: unknown } | { n: number; ok: false; message: string };

const loaded = new Map<string, Promise<{ pkg: ModelPackage; runner: ModelRunner }>>();

function open(m: ModelRef) {
  let p = loaded.get(m.key);
  if (!p) {
    const policy = new OriginPolicy(m.origins);
    const fetchFn = guardedFetch(policy);
    const inside = (loc: string) => {
      if (/^https?:\/\//i.test(loc)) return policy.check(loc);
      const abs = path.resolve(loc.startsWith('file://') ? new URL(loc).pathname : loc);
      if (!m.root || !(abs === m.root || abs.startsWith(m.root + path.sep))) throw new Error(`${loc}: outside the collection folder`);
    };
    p = (async () => {
      const pkg = await openModelPackage(m.location, {
        fetch: fetchFn,
        readFile: (loc, max) => (inside(loc), nodeReadFile(loc, max)),
        openSource: (loc) => (inside(loc), /^https?:/i.test(loc) ? openNodeSource(loc, { fetch: fetchFn }) : openNodeSource(loc)),
      });
      try {
        return { pkg, runner: await ModelRunner.create(pkg, await loadOrtNode()) };
      } catch (e) {
        await pkg.close?.();
        throw e;
      }
    })();
    loaded.set(m.key, p);
    p.catch(() => loaded.delete(m.key));
  }
  return p;
}

async function handle(req: WorkerRequest): Promise<unknown> {
  const { runner } = await open(req.model);
  if (req.op === 'test') return runner.test();
  const x = fitToInput(req.image, runner.spec.inputs[0]!, req.name);
  const outputs = await runner.predict([x], { block: req.block });
  return { first: runner.spec.outputs[0]!.id, outputs };
}

// the pool talks over the IPC channel (advanced serialization: typed arrays travel as they are)
process.on('message', (req: WorkerRequest) => {
  handle(req).then(
    (value) => process.send!({ n: req.n, ok: true, value } satisfies WorkerReply),
    (e: unknown) => process.send!({ n: req.n, ok: false, message: (e as Error)?.message ?? String(e) } satisfies WorkerReply),
  );
});
// the server went away (killed, or closed the pool): so does this process
process.on('disconnect', () => process.exit(0));
