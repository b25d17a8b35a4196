/**
 * The Model Runner's web worker: onnxruntime-web (wasm build) + src/model's ModelService.
 * Calls through plugins/_shared/worker-rpc.ts; progress events are [done, total]; a cancelled
 * call stops between blocks.
 */
import * as ort from 'onnxruntime-web/wasm';
import { ModelService } from '../../src/model/service.js';
import type { NdArray } from '../../src/ndarray/ndarray.js';
import { serveWorker, transferred } from '../_shared/worker-rpc.js';
import { decodePngBrowser } from './png-browser.js';

let service: ModelService | undefined;

const buffersOf = (arrays: NdArray[]) => arrays.map((a) => a.data.buffer as ArrayBuffer);
const svc = () => {
  if (!service) throw new Error('worker not initialised');
  return service;
};
const outputs = (out: Record<string, NdArray>) => transferred(out, buffersOf(Object.values(out)));

serveWorker({
  init: (args: { wasm: string }) => {
    // IIFE bundles cannot infer the wasm URL (import.meta is empty), so it is given explicitly;
    // ImJoy frames are not cross-origin isolated, so threads are unavailable anyway.
    ort.env.wasm.wasmPaths = { wasm: args.wasm };
    ort.env.wasm.numThreads = 1;
    service = new ModelService(ort, { decodePng: decodePngBrowser });
    return true;
  },
  load: (args, { signal }) => svc().load(args.source, signal),
  info: () => svc().info(),
  test: (_args, { signal, emit }) => svc().test(signal, (done, total) => emit([done, total])),
  predict: async (args, { signal, emit }) => outputs(await svc().predict(args.inputs, { block: args.block, signal, onProgress: (d, t) => emit([d, t]) })),
  predictFile: async (args, { signal, emit }) => outputs(await svc().predictFile(args.bytes, args.name, { block: args.block, signal, onProgress: (d, t) => emit([d, t]) })),
  predictRegion: async (args, { signal, emit }) =>
    outputs(await svc().predictRegion(args.source, args.path, args.selection, { block: args.block, signal, onProgress: (d, t) => emit([d, t]) })),
  viewRegion: (args) => svc().viewRegion(args.source, args.view, args.canvas, args.pick),
  encode: (args) => {
    const bytes = svc().encode(args.array, args.format, args.name);
    return transferred(bytes, [bytes.buffer as ArrayBuffer]);
  },
});
