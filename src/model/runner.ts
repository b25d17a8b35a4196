/**
 * Runs a BioImage.IO model's ONNX weights: input shape checks, processing with whole-sample
 * statistics, optional tiling with halo, and the spec's test (compare with the test tensors).
 */
import { DTYPE_CTORS, sizeOf, type NdArray } from '../ndarray/ndarray.js';
import type { ProgressCallback } from '../progress.js';
import { compareOutput, toleranceFor, type OutputComparison } from './compare.js';
import { CancelledError, ModelError } from './errors.js';
import { conformRank, conformTestTensor, expectedOutputShape, inputHalo, outputAxisMap, planInput, sizeText } from './shapes.js';
import { readNpy } from '../ndarray/npy.js';
import { createOnnxSession, type ModelSession, type OrtModule } from './onnx.js';
import type { ModelPackage } from './package.js';
import { applyProcessing, type Tensor } from './processing.js';
import type { ModelSpec, TensorSpec } from './spec.js';
import { gatherBlock, planBlocks, scatter, type Block } from './tiling.js';

const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  // never skip a hash check silently: without WebCrypto (plain-http pages) say why it cannot run
  if (!subtle) throw new ModelError('sha256', 'cannot check file hashes: WebCrypto is unavailable (the page is not a secure context; serve it over https or from localhost)');
  const d = await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function checkedFile(pkg: ModelPackage, rel: string, sha256: string | undefined, signal?: AbortSignal): Promise<Uint8Array> {
  const bytes = await pkg.readFile(rel, signal);
  if (sha256) {
    const got = await sha256Hex(bytes);
    if (got.toLowerCase() !== sha256.toLowerCase()) {
      throw new ModelError(rel, `sha256 mismatch: the RDF says ${sha256}, the file has ${got}; the file is corrupt or was replaced`);
    }
  }
  return bytes;
}

export interface RunnerOptions {
  executionProviders?: string[];
  signal?: AbortSignal;
}

export interface PredictOptions {
  /** Block size per input axis id (e.g. {y: 256, x: 256}); forces tiling. */
  block?: Record<string, number>;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface ShapeCheck {
  /** Input shapes fed (min + n·step on parameterized axes). */
  inputs: number[][];
  outputs: { name: string; shape: number[]; expected: number[] }[];
  passed: boolean;
}

export interface TestReport {
  passed: boolean;
  outputs: OutputComparison[];
  /** 0.5 models with parameterized inputs: output shapes for n = 0, 1, 2 (as core's parametrized test). */
  shapeChecks: ShapeCheck[];
}

export interface ShapeInfo {
  id: string;
  axes: { id: string; type: string; size: string; halo: number }[];
}

export class ModelRunner {
  private constructor(
    readonly pkg: ModelPackage,
    readonly session: ModelSession,
  ) {}

  get spec(): ModelSpec {
    return this.pkg.spec;
  }

  /** Loads and hash-checks the ONNX weights and opens a session. */
  static async create(pkg: ModelPackage, ort: OrtModule, opts: RunnerOptions = {}): Promise<ModelRunner> {
    const w = pkg.spec.weights.onnx;
    if (!w) {
      const formats = Object.keys(pkg.spec.weights).join(', ') || 'none';
      throw new ModelError(pkg.location, `no ONNX weights: this model is not runnable here (weights available: ${formats}; only onnx runs in the browser/Node)`);
    }
    if (!w.source) throw new ModelError(pkg.location, 'weights.onnx.source is missing');
    const bytes = await checkedFile(pkg, w.source, w.sha256, opts.signal);
    const session = await createOnnxSession(ort, bytes, w.source, opts.executionProviders);
    if (session.inputs.length !== pkg.spec.inputs.length) {
      throw new ModelError(pkg.location, `the ONNX graph has ${session.inputs.length} inputs but the RDF describes ${pkg.spec.inputs.length}`);
    }
    return new ModelRunner(pkg, session);
  }

  /** Human-readable axes and sizes, with the graph's static dims applied. */
  describe(): { inputs: ShapeInfo[]; outputs: ShapeInfo[] } {
    const info = (t: TensorSpec): ShapeInfo => ({
      id: t.id,
      axes: t.axes.map((a) => ({ id: a.id, type: a.type, size: sizeText(a), halo: a.halo })),
    });
    return { inputs: this.spec.inputs.map(info), outputs: this.spec.outputs.map(info) };
  }

  /** Predicts; inputs by tensor id (or in order when given as an array). */
  async predict(inputs: Record<string, NdArray> | NdArray[], opts: PredictOptions = {}): Promise<Record<string, NdArray>> {
    const spec = this.spec;
    const list = Array.isArray(inputs) ? inputs : spec.inputs.map((t) => inputs[t.id]);
    spec.inputs.forEach((t, i) => {
      if (!list[i]) throw new ModelError(t.id, 'input missing');
    });
    const raw = new Map<string, Tensor>();
    spec.inputs.forEach((t, i) => raw.set(t.id, { array: conformRank(list[i], t, `input ${t.id}`), axes: t.axes.map((a) => a.id) }));
    const rawOf = (id: string) => raw.get(id);
    const pre = spec.inputs.map((t) => applyProcessing(t.id, raw.get(t.id)!, t.processing, rawOf).array);
    const modelOut = await this.runModel(pre, opts);
    const rawOut = new Map<string, Tensor>();
    spec.outputs.forEach((t, i) => rawOut.set(t.id, { array: conformRank(modelOut[i], t, `output ${t.id}`), axes: t.axes.map((a) => a.id) }));
    const statsOf = (id: string) => rawOut.get(id) ?? raw.get(id);
    const result: Record<string, NdArray> = {};
    for (const t of spec.outputs) result[t.id] = applyProcessing(t.id, rawOut.get(t.id)!, t.processing, statsOf).array;
    return result;
  }

  /** Runs the model on preprocessed inputs: in one go when the shapes are valid, else in blocks. */
  private async runModel(pre: NdArray[], opts: PredictOptions): Promise<NdArray[]> {
    const spec = this.spec;
    const plan = spec.inputs.map((t, i) => planInput(t, pre[i].shape, this.session.inputs[i]?.shape, spec, pre, opts.block));
    const tiled = plan.some((p) => p.tiled);
    if (opts.signal?.aborted) throw new CancelledError();
    if (!tiled) {
      opts.onProgress?.(0, 1, 'blocks');
      const out = await this.session.run(pre);
      opts.onProgress?.(1, 1, 'blocks');
      return out;
    }
    if (spec.inputs.length !== 1) {
      throw new ModelError(spec.inputs.map((t) => t.id).join(', '), 'tiling a model with several inputs is not supported; give inputs of a valid shape');
    }
    const input = spec.inputs[0];
    const p = plan[0];
    const halo = inputHalo(input, spec);
    const effHalo = p.blockShape.map((B, k) => (B >= pre[0].shape[k] ? 0 : halo[k]));
    let blocks: Block[];
    try {
      blocks = planBlocks(pre[0].shape, p.blockShape, effHalo);
    } catch (e) {
      throw new ModelError(`input ${input.id}`, (e as Error).message);
    }
    const outs: NdArray[] = [];
    const outMaps = spec.outputs.map((o) => outputAxisMap(o, input, spec));
    for (let bi = 0; bi < blocks.length; bi++) {
      // let queued messages (a cancel request in a worker) run: awaiting resolved promises alone
      // never yields to the task queue
      await yieldToEventLoop();
      if (opts.signal?.aborted) throw new CancelledError();
      opts.onProgress?.(bi, blocks.length, 'blocks');
      const block = blocks[bi];
      const res = await this.session.run([gatherBlock(pre[0], block)]);
      res.forEach((r, oi) => {
        const map = outMaps[oi];
        if (r.shape.length !== map.length) {
          throw new ModelError(`output ${spec.outputs[oi].id}`, `the model returned rank ${r.shape.length}, the RDF describes ${map.length} axes`);
        }
        if (!outs[oi]) {
          const full = map.map((m, k) => (m.inputAxis < 0 ? r.shape[k] : Math.round(pre[0].shape[m.inputAxis] * m.factor)));
          outs[oi] = { data: new DTYPE_CTORS[r.dtype](sizeOf(full)), shape: full, dtype: r.dtype };
        }
        const dstStart: number[] = [];
        const crop: number[] = [];
        const len: number[] = [];
        map.forEach((m, k) => {
          if (m.inputAxis < 0) {
            dstStart.push(0);
            crop.push(0);
            len.push(r.shape[k]);
          } else {
            const b = block[m.inputAxis];
            dstStart.push(Math.round(b.start * m.factor));
            crop.push(Math.round(b.halo * m.factor));
            len.push(Math.round((b.stop - b.start) * m.factor));
          }
        });
        scatter(outs[oi], dstStart, r, crop, len);
      });
    }
    opts.onProgress?.(blocks.length, blocks.length, 'blocks');
    return outs;
  }

  /** The spec's test: every test input through the whole pipeline (no tiling), compared with the test outputs. */
  async test(opts: { signal?: AbortSignal; onProgress?: ProgressCallback } = {}): Promise<TestReport> {
    const spec = this.spec;
    const inputs: NdArray[] = [];
    for (const t of spec.inputs) {
      if (!t.testTensor) throw new ModelError(`input ${t.id}`, 'no test tensor in the RDF');
      inputs.push(conformTestTensor(readNpy(await checkedFile(this.pkg, t.testTensor, t.testSha256, opts.signal), t.testTensor), t, `test input ${t.id}`));
    }
    const out = await this.predict(inputs, { signal: opts.signal, onProgress: opts.onProgress });
    const outputs: OutputComparison[] = [];
    for (const t of spec.outputs) {
      if (!t.testTensor) throw new ModelError(`output ${t.id}`, 'no test tensor in the RDF');
      const expected = conformTestTensor(readNpy(await checkedFile(this.pkg, t.testTensor, t.testSha256, opts.signal), t.testTensor), t, `test output ${t.id}`);
      outputs.push(compareOutput(t.id, out[t.id], expected, toleranceFor(spec, t.id)));
    }
    const shapeChecks = spec.major === '0.5' ? await this.parametrizedShapes(opts.signal) : [];
    return { passed: outputs.every((o) => o.passed) && shapeChecks.every((c) => c.passed), outputs, shapeChecks };
  }

  /** Inputs of size min + n·step (n = 0, 1, 2) on parameterized axes; output shapes must follow the RDF. */
  private async parametrizedShapes(signal?: AbortSignal): Promise<ShapeCheck[]> {
    const spec = this.spec;
    if (!spec.inputs.some((t) => t.axes.some((a) => a.size.kind === 'param'))) return [];
    const checks: ShapeCheck[] = [];
    for (const n of [0, 1, 2]) {
      if (signal?.aborted) throw new CancelledError();
      const shapes: number[][] = [];
      for (const t of spec.inputs) {
        shapes.push(
          t.axes.map((a, k) => {
            const g = this.session.inputs[spec.inputs.indexOf(t)]?.shape?.[k];
            if (a.size.kind === 'fixed') return a.size.value;
            if (a.size.kind === 'param') return a.size.min + n * a.size.step;
            if (a.size.kind === 'ref') {
              const size = a.size;
              const ri = spec.inputs.findIndex((x) => x.id === size.tensor);
              const rk = spec.inputs[ri]?.axes.findIndex((x) => x.id === size.axis) ?? -1;
              if (ri >= 0 && ri < shapes.length && rk >= 0) return Math.floor(shapes[ri][rk] * size.factor + size.offset);
            }
            return typeof g === 'number' && g > 0 ? g : 1;
          }),
        );
      }
      // deterministic non-constant data, so normalization steps have something to normalize
      const inputs = shapes.map((shape) => {
        const len = sizeOf(shape);
        return { data: Float32Array.from({ length: len }, (_, i) => ((i * 2654435761) % 1000) / 10), shape, dtype: 'float32' as const };
      });
      const out = await this.predict(inputs);
      const outputs = spec.outputs.map((t) => ({ name: t.id, shape: out[t.id].shape, expected: expectedOutputShape(spec, t, shapes) }));
      checks.push({ inputs: shapes, outputs, passed: outputs.every((o) => o.shape.join() === o.expected.map((e, k) => (e < 0 ? o.shape[k] : e)).join()) });
    }
    return checks;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

export { compareOutput, toleranceFor } from './compare.js';
export { expectedOutputShape } from './shapes.js';
