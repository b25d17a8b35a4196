/**
 * The model runner behind one object, for the plugin's web worker (and any other host): load a
 * model from a URL, a zip Blob or bytes; describe it; run the spec test; predict arrays or image
 * files. Browser-safe; the ORT module and PNG decoder are injected.
 */
import { BlobSource, BytesSource } from '../io/byte-source.js';
import type { NdArray } from '../ndarray/ndarray.js';
import type { ProgressCallback } from '../progress.js';
import type { FetchFn } from '../rdf/load.js';
import { fitToInput, mapAxes } from './fit-axes.js';
import { decodeImage, encodeImage, type PngDecoder } from './image-io.js';
import type { OrtModule } from './onnx.js';
import { openModelPackage, openZipPackage } from './package.js';
import { ModelRunner, type TestReport } from './runner.js';
import type { TensorSpec } from './spec.js';
import { openNgffLevels, openZarrStoreUrl, readZarrRegion, type Selection } from './region.js';
import { regionForView, type ViewRegion, type ViewState } from './view-region.js';

interface TensorInfo {
  id: string;
  description?: string;
  dtype: string;
  axes: { id: string; type: string; size: string; halo: number }[];
  /** Processing steps as "id(kwargs)". */
  processing: string[];
  graphShape?: (number | string)[];
}

export interface ModelInfo {
  name: string;
  location: string;
  formatVersion: string;
  weights: string[];
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

export type ModelSource = string | Blob | Uint8Array | ArrayBuffer;

export class ModelService {
  private runner?: ModelRunner;
  constructor(
    private readonly ort: OrtModule,
    private readonly opts: { fetch?: FetchFn; decodePng?: PngDecoder; executionProviders?: string[]; maxInputBytes?: number } = {},
  ) {}

  async load(source: ModelSource, signal?: AbortSignal): Promise<ModelInfo> {
    const pkg =
      typeof source === 'string'
        ? await openModelPackage(source, { fetch: this.opts.fetch, signal })
        : await openZipPackage(source instanceof Blob ? new BlobSource(source) : new BytesSource(source instanceof Uint8Array ? source : new Uint8Array(source), 'model.zip'), { signal });
    const runner = await ModelRunner.create(pkg, this.ort, { signal, executionProviders: this.opts.executionProviders });
    await this.runner?.release();
    this.runner = runner;
    return this.info();
  }

  info(): ModelInfo {
    const r = this.need();
    const d = r.describe();
    const tinfo = (t: TensorSpec, axes: TensorInfo['axes'], graph?: (number | string)[]): TensorInfo => ({
      id: t.id,
      description: t.description,
      dtype: t.dtype,
      axes,
      processing: t.processing.map((p) => `${p.id}(${Object.entries(p.kwargs).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')})`),
      graphShape: graph,
    });
    return {
      name: r.spec.name,
      location: r.pkg.location,
      formatVersion: r.spec.formatVersion,
      weights: Object.keys(r.spec.weights),
      inputs: r.spec.inputs.map((t, i) => tinfo(t, d.inputs[i].axes, r.session.inputs[i]?.shape)),
      outputs: r.spec.outputs.map((t, i) => tinfo(t, d.outputs[i].axes)),
    };
  }

  test(signal?: AbortSignal, onProgress?: ProgressCallback): Promise<TestReport> {
    return this.need().test({ signal, onProgress });
  }

  predict(
    inputs: NdArray[] | Record<string, NdArray>,
    opts: { block?: Record<string, number>; signal?: AbortSignal; onProgress?: ProgressCallback } = {},
  ): Promise<Record<string, NdArray>> {
    return this.need().predict(inputs, opts);
  }

  /** Decodes an image file (npy/TIFF/PNG) and predicts it as the (single) input, its axes fitted to the model's. */
  async predictFile(bytes: Uint8Array, name: string, opts: { block?: Record<string, number>; signal?: AbortSignal; onProgress?: ProgressCallback } = {}) {
    const input = this.need().spec.inputs[0];
    const check = (axes: string[], shape: number[]) => void mapAxes(axes, shape, input, name);
    const img = await decodeImage(bytes, name, this.opts.decodePng, { maxBytes: this.opts.maxInputBytes, check });
    return this.predict([fitToInput(img, input, name)], opts);
  }

  /** Predicts a region of a Zarr array given by URL (kerchunk references .json or a Zarr URL). */
  async predictRegion(
    url: string,
    path: string,
    selection: Selection,
    opts: { block?: Record<string, number>; signal?: AbortSignal; onProgress?: ProgressCallback } = {},
  ): Promise<Record<string, NdArray>> {
    const store = await openZarrStoreUrl(url, this.opts.fetch as typeof fetch | undefined);
    const img = await readZarrRegion(store, path, selection, url, { maxBytes: this.opts.maxInputBytes });
    return this.predict([img], opts);
  }

  /** The region of an OME-Zarr image that a viewer with this view state and canvas shows. */
  async viewRegion(url: string, view: ViewState, canvas: { width: number; height: number }, pick?: Record<string, number>): Promise<ViewRegion & { scale: [number, number] }> {
    const store = await openZarrStoreUrl(url, this.opts.fetch as typeof fetch | undefined);
    const { multiscale, shapes } = await openNgffLevels(store, url);
    const r = regionForView(multiscale, shapes, view, canvas, pick);
    const names = multiscale.axes.map((a) => a.name.toLowerCase());
    const yi = names.indexOf('y');
    const xi = names.indexOf('x');
    const s = multiscale.scales;
    return { ...r, scale: [s[r.level][yi] / s[0][yi], s[r.level][xi] / s[0][xi]] };
  }

  encode(a: NdArray, format: 'npy' | 'tif', name?: string): Uint8Array {
    return encodeImage(a, format, name);
  }

  private need(): ModelRunner {
    if (!this.runner) throw new Error('no model loaded: call load_model({source}) first');
    return this.runner;
  }
}
