/**
 * The Model Runner's web worker: onnxruntime-web (wasm build) + src/model's ModelService.
 * Messages: {id, method, args} → {id, result} | {id, error} | {id, progress: [done, total]};
 * {method: 'cancel', args: {target}} aborts a running call between blocks.
 */
import * as ort from 'onnxruntime-web/wasm';
import { ModelService } from '../../src/model/service.js';
import type { NdArray } from '../../src/ndarray/ndarray.js';
import { decodePngBrowser } from './png-browser.js';

declare const self: { postMessage(message: unknown, transfer?: Transferable[]): void; onmessage: ((ev: MessageEvent) => void) | null };

let service: ModelService | undefined;
const aborts = new Map<number, AbortController>();

const buffersOf = (arrays: NdArray[]) => arrays.map((a) => a.data.buffer as ArrayBuffer);

self.onmessage = async (ev: MessageEvent) => {
  const { id, method, args } = ev.data as { id: number; method: string; args: any };
  if (method === 'cancel') {
    aborts.get(args.target)?.abort();
    return;
  }
  const ac = new AbortController();
  aborts.set(id, ac);
  const onProgress = (done: number, total: number) => self.postMessage({ id, progress: [done, total] });
  try {
    let result: unknown;
    let transfer: Transferable[] = [];
    const svc = () => {
      if (!service) throw new Error('worker not initialised');
      return service;
    };
    switch (method) {
      case 'init':
        // IIFE bundles cannot infer the wasm URL (import.meta is empty), so it is given explicitly;
        // ImJoy frames are not cross-origin isolated, so threads are unavailable anyway.
        ort.env.wasm.wasmPaths = { wasm: args.wasm };
        ort.env.wasm.numThreads = 1;
        service = new ModelService(ort, { decodePng: decodePngBrowser });
        result = true;
        break;
      case 'load':
        result = await svc().load(args.source, ac.signal);
        break;
      case 'info':
        result = svc().info();
        break;
      case 'test':
        result = await svc().test(ac.signal, onProgress);
        break;
      case 'predict': {
        const out = await svc().predict(args.inputs, { block: args.block, signal: ac.signal, onProgress });
        result = out;
        transfer = buffersOf(Object.values(out));
        break;
      }
      case 'predictFile': {
        const out = await svc().predictFile(args.bytes, args.name, { block: args.block, signal: ac.signal, onProgress });
        result = out;
        transfer = buffersOf(Object.values(out));
        break;
      }
      case 'predictRegion': {
        const out = await svc().predictRegion(args.source, args.path, args.selection, { block: args.block, signal: ac.signal, onProgress });
        result = out;
        transfer = buffersOf(Object.values(out));
        break;
      }
      case 'viewRegion':
        result = await svc().viewRegion(args.source, args.view, args.canvas, args.pick);
        break;
      case 'encode': {
        const bytes = svc().encode(args.array, args.format, args.name);
        result = bytes;
        transfer = [bytes.buffer as ArrayBuffer];
        break;
      }
      default:
        throw new Error(`unknown method ${method}`);
    }
    self.postMessage({ id, result }, transfer);
  } catch (e) {
    self.postMessage({ id, error: String((e as Error)?.message ?? e), name: (e as Error)?.name });
  } finally {
    aborts.delete(id);
  }
};
