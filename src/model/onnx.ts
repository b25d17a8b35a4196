/**
 * The ONNX seam: a session over onnxruntime's common API, injected as a module so Node uses
 * onnxruntime-web's node build (or onnxruntime-node in the benchmark) and the browser bundle uses
 * 'onnxruntime-web/wasm' with wasmPaths set from the plugin URL.
 */
import type * as OrtTypes from 'onnxruntime-web'; // its types are onnxruntime-common's API
import type { NdArray, TypedArray } from '../ndarray/ndarray.js';
import { ModelError } from './errors.js';

export type OrtModule = Pick<typeof OrtTypes, 'InferenceSession' | 'Tensor' | 'env'>;

interface GraphInput {
  name: string;
  /** Static dims as numbers, symbolic/unknown dims as strings (or undefined when no shape is known). */
  shape?: (number | string)[];
}

export interface ModelSession {
  inputs: GraphInput[];
  outputNames: string[];
  /** Runs once; feeds and results are in graph input/output order. */
  run(feeds: NdArray[]): Promise<NdArray[]>;
  release(): Promise<void>;
}

/** Thrown with the file or tensor it is about first, like every ModelError. */
class OnnxError extends ModelError {
  override name = 'OnnxError';
}

const ORT_TYPES: Record<string, NdArray['dtype']> = {
  float32: 'float32', float64: 'float64', int8: 'int8', uint8: 'uint8', int16: 'int16', uint16: 'uint16',
  int32: 'int32', uint32: 'uint32', int64: 'int64', uint64: 'uint64', bool: 'bool',
};

export async function createOnnxSession(
  ort: OrtModule,
  bytes: Uint8Array,
  where: string,
  executionProviders: string[] = ['wasm'],
): Promise<ModelSession> {
  let session: OrtTypes.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders });
  } catch (e) {
    throw new OnnxError(where, `cannot load the ONNX model: ${(e as Error).message}`);
  }
  const meta = (session as unknown as { inputMetadata?: OrtTypes.InferenceSession.ValueMetadata[] }).inputMetadata;
  const inputs: GraphInput[] = session.inputNames.map((name, i) => {
    const m = meta?.[i];
    return { name, shape: m?.isTensor ? [...m.shape] : undefined };
  });
  return {
    inputs,
    outputNames: [...session.outputNames],
    async run(feeds) {
      if (feeds.length !== inputs.length) throw new OnnxError(where, `the graph has ${inputs.length} inputs, got ${feeds.length} tensors`);
      const f: Record<string, OrtTypes.Tensor> = {};
      feeds.forEach((a, i) => {
        const data = a.dtype === 'bool' ? Uint8Array.from(a.data as Uint8Array) : a.data;
        f[inputs[i].name] = new ort.Tensor(a.dtype === 'bool' ? 'bool' : (a.dtype as 'float32'), data as never, a.shape);
      });
      let res: OrtTypes.InferenceSession.ReturnType;
      try {
        res = await session.run(f);
      } catch (e) {
        throw new OnnxError(where, `inference failed: ${(e as Error).message}`);
      }
      return session.outputNames.map((n) => {
        const t = res[n] as OrtTypes.Tensor;
        const dtype = ORT_TYPES[t.type];
        if (!dtype) throw new OnnxError(where, `output ${n} has unsupported type ${t.type}`);
        const data = (dtype === 'bool' ? Uint8Array.from(t.data as unknown as ArrayLike<number>, (v) => (v ? 1 : 0)) : t.data) as TypedArray;
        return { data, shape: [...t.dims], dtype };
      });
    },
    release: () => session.release(),
  };
}
