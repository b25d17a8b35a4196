/**
 * Model Runner (ImJoy window plugin): UI and ImJoy API over src/model, which runs in a web worker
 * (model.worker.ts) so inference never blocks the page.
 */
import { assetUrl } from '../_shared/assets.js';
import { openViewer, viewerWindow } from '../_shared/viewer.js';
import { fromRpc, isRpcNdArray, toRpc, type NdArray, type RpcNdArray } from '../../src/ndarray/ndarray.js';
import { toGreyRgba } from '../../src/model/render.js';
import { resultToReferences } from '../../src/model/result-refs.js';
import type { ModelInfo } from '../../src/model/service.js';
import type { TestReport } from '../../src/model/runner.js';
import { $, el, errorBox, imjoy, withErrors } from '../_shared/ui.js';
import { workerClient, workerFromUrl } from '../_shared/worker-rpc.js';



// ---- worker RPC ---------------------------------------------------------------------------------

let client: Promise<ReturnType<typeof workerClient>> | undefined;

/** The worker script lives next to the plugin on the host origin; the plugin frame is another
 *  origin, and workers must be same-origin, so it is started from a Blob of its text. */
function getClient(): Promise<ReturnType<typeof workerClient>> {
  return (client ??= (async () => {
    const c = workerClient(await workerFromUrl(await assetUrl(imjoy(), 'model.worker.js')));
    await c.call('init', { wasm: await assetUrl(imjoy(), 'ort-wasm-simd-threaded.wasm') }).result;
    return c;
  })().catch((e) => {
    client = undefined;
    throw e;
  }));
}

let running: { cancel(): void } | undefined;

async function call<T>(method: string, args: unknown = {}, transfer: Transferable[] = []): Promise<T> {
  const c = await getClient();
  const progress = $('mr-progress');
  const bar = $<HTMLProgressElement>('mr-bar');
  const status = $('mr-status');
  const onEvent = ([done, total]: [number, number]) => {
    bar.max = total || 1;
    bar.value = done;
    status.textContent = `${method}: block ${Math.min(done + 1, total)} of ${total}`;
  };
  const job = c.call<T>(method, args, { transfer, onEvent });
  running = job;
  progress.hidden = false;
  bar.removeAttribute('value');
  status.textContent = `${method}…`;
  try {
    return await job.result;
  } finally {
    if (running === job) running = undefined;
    progress.hidden = true;
  }
}

// ---- state and rendering ------------------------------------------------------------------------

let info: ModelInfo | undefined;
let lastResult: { id: string; array: NdArray; name: string } | undefined;

const showError = errorBox('mr-error');

/** Lines with <br> between them (a table cell of several facts). */
const lines = (items: (Node | string)[][]) => items.flatMap((parts, i) => (i ? [el('br'), ...parts] : parts));

function renderInfo(m: ModelInfo) {
  const tensorRows = (kind: string, ts: ModelInfo['inputs']) =>
    ts.map((t) =>
      el(
        'tr',
        {},
        el('td', {}, kind),
        el('td', {}, el('b', {}, t.id), el('br'), t.description ?? ''),
        el(
          'td',
          {},
          ...lines([
            ...t.axes.map((a) => [`${a.id}: ${a.size}${a.halo ? ` (halo ${a.halo})` : ''}`]),
            ...(t.graphShape ? [[el('i', {}, `graph: [${t.graphShape.join(', ')}]`)]] : []),
          ]),
        ),
        el('td', {}, ...lines(t.processing.map((p) => [el('code', {}, p)]))),
      ),
    );
  const box = $('mr-info');
  box.replaceChildren(
    el('h3', {}, m.name),
    el('div', {}, `format ${m.formatVersion} · weights: ${m.weights.join(', ')} · `, el('span', { class: 'loc' }, m.location)),
    el('table', {}, el('tr', {}, ...['', 'tensor', 'axes', 'processing'].map((h) => el('th', {}, h))), ...tensorRows('input', m.inputs), ...tensorRows('output', m.outputs)),
  );
  box.hidden = false;
  for (const id of ['mr-test', 'mr-image', 'mr-view']) ($(id) as HTMLButtonElement).disabled = false;
}

function renderTest(r: TestReport) {
  const verdict = (ok: boolean, yes: string, no: string) => el('div', { class: ok ? 'pass' : 'fail' }, ok ? yes : no);
  const box = $('mr-test-result');
  box.replaceChildren(
    verdict(r.passed, 'test passed', 'test FAILED'),
    el(
      'table',
      {},
      el('tr', {}, ...['output', 'max |Δ|', 'mismatched', 'total', 'result', 'tolerance'].map((h) => el('th', {}, h))),
      ...r.outputs.map((o) =>
        el(
          'tr',
          {},
          el('td', {}, o.name),
          el('td', {}, o.max_abs_diff.toExponential(3)),
          el('td', {}, String(o.mismatched)),
          el('td', {}, String(o.total)),
          el('td', { class: o.passed ? 'pass' : 'fail' }, o.passed ? 'pass' : 'fail'),
          el('td', {}, o.detail),
        ),
      ),
    ),
    ...r.shapeChecks.map((c) =>
      verdict(
        c.passed,
        `shapes ok: [${c.inputs.join('] [')}] → ${c.outputs.map((o) => `${o.name} [${o.shape}]`).join(', ')}`,
        `shapes WRONG: [${c.inputs.join('] [')}] → ${c.outputs.map((o) => `${o.name} [${o.shape}] expected [${o.expected}]`).join(', ')}`,
      ),
    ),
  );
  box.hidden = false;
}

type Place = { scale: [number, number]; translation: [number, number] };

/**
 * Shows the first output here and, only when `viewer` is given, as a layer of that Reference
 * Viewer (a result pasted into whatever viewer happens to be open lands on unrelated images).
 */
async function showResult(outputs: Record<string, NdArray>, name: string, viewer?: any, place?: Place) {
  const [id, array] = Object.entries(outputs)[0];
  lastResult = { id, array, name };
  const img = toGreyRgba(array);
  const canvas = $<HTMLCanvasElement>('mr-canvas');
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.getContext('2d')!.putImageData(new ImageData(img.rgba as Uint8ClampedArray<ArrayBuffer>, img.width, img.height), 0, 0);
  $('mr-result-info').textContent = `${id}: [${array.shape.join(', ')}] ${array.dtype}, range ${img.min.toPrecision(4)}…${img.max.toPrecision(4)}`;
  $('mr-result').hidden = false;
  // the window may be shorter than its content (a slide embeds it at 380 px): bring the result in
  $('mr-result').scrollIntoView({ block: 'nearest' });
  if (viewer) await viewer.add_image({ source: resultToReferences(array, `${name} → ${id}`, place), name: `${name} → ${id}` });
}

const getViewer = () => openViewer(imjoy());

/**
 * Where a caller asked for the result to be shown: a viewer's API object (`show_in: viewer`),
 * `true` for the open Reference Viewer, or — from this window's own buttons — the checkbox.
 */
async function showIn(showInArg: unknown, fromUi = false): Promise<any> {
  if (showInArg && typeof showInArg === 'object' && typeof (showInArg as { add_image?: unknown }).add_image === 'function') return showInArg;
  if (showInArg === true || (fromUi && $<HTMLInputElement>('mr-show-in-viewer').checked)) {
    const v = await getViewer();
    if (!v) throw new Error('no Reference Viewer is open to show the result in');
    return v;
  }
  return undefined;
}

/** Width and height of a base64 PNG (the viewer's screenshot = its canvas in device pixels). */
function pngSize(b64: string): { width: number; height: number } {
  const bin = atob(b64.replace(/^data:image\/png;base64,/, '').slice(0, 44));
  const u32 = (o: number) => ((bin.charCodeAt(o) << 24) | (bin.charCodeAt(o + 1) << 16) | (bin.charCodeAt(o + 2) << 8) | bin.charCodeAt(o + 3)) >>> 0;
  return { width: u32(16), height: u32(20) };
}

async function download(format: 'npy' | 'tif') {
  if (!lastResult) return;
  const copy = { ...lastResult.array, data: lastResult.array.data.slice() };
  const bytes = await call<Uint8Array>('encode', { array: copy, format, name: lastResult.id }, [copy.data.buffer as ArrayBuffer]);
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  a.download = `${lastResult.name.replace(/\.[^.]+$/, '')}_${lastResult.id}.${format}`;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

function blockOf(text: string | undefined): Record<string, number> | undefined {
  const t = (text ?? '').trim();
  if (!t) return undefined;
  const m = /^(\d+)\s*,\s*(\d+)$/.exec(t);
  if (!m) throw new Error(`block "${t}": expected Y,X (two positive integers)`);
  return { y: Number(m[1]), x: Number(m[2]) };
}

// ---- API ----------------------------------------------------------------------------------------

async function load_model(config: { source?: unknown; url?: string } | string) {
  const source = typeof config === 'string' ? config : (config?.source ?? config?.url);
  if (!source) throw new Error('load_model: pass {source: "<RDF or model zip URL>"} (or a File/Blob/bytes)');
  return withErrors(showError, async () => {
      const src = typeof source === 'string' ? new URL(source, location.href).href : source;
      if (typeof src === 'string') $<HTMLInputElement>('mr-url').value = src;
      info = await call<ModelInfo>('load', { source: src });
      renderInfo(info);
      return info;
  });
}

async function test() {
  return withErrors(showError, async () => {
      const r = await call<TestReport>('test');
      renderTest(r);
      return r;
  });
}

type InputsArg = RpcNdArray | NdArray | (RpcNdArray | NdArray)[] | Record<string, RpcNdArray | NdArray>;

function toNd(x: RpcNdArray | NdArray): NdArray {
  const a = isRpcNdArray(x) ? fromRpc(x) : x;
  // a private copy, transferred to the worker
  return { data: a.data.slice(), shape: [...a.shape], dtype: a.dtype };
}

async function predict(config: { inputs: InputsArg; block?: Record<string, number> | string; show?: boolean; show_in?: unknown }) {
  if (!config?.inputs) throw new Error('predict: pass {inputs: ndarray | [ndarray…] | {tensor_id: ndarray}}');
  return withErrors(showError, async () => {
    const raw = config.inputs;
    const inputs = isRpcNdArray(raw) || (raw as NdArray).data ? [toNd(raw as NdArray)] : Array.isArray(raw) ? raw.map(toNd) : Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, toNd(v)]));
    const arrays = Array.isArray(inputs) ? inputs : Object.values(inputs);
    const block = typeof config.block === 'string' ? blockOf(config.block) : config.block;
    const out = await call<Record<string, NdArray>>('predict', { inputs, block }, arrays.map((a) => a.data.buffer as ArrayBuffer));
    if (config.show !== false) await showResult(out, 'input', await showIn(config.show_in));
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, toRpc(v)]));
  });
}

/** Predicts an image file (.npy/.tif/.png) given as a File/Blob, bytes or a URL; shows the result. */
async function predict_file(config: { source: Blob | Uint8Array | string; name?: string; block?: string | Record<string, number>; show_in?: unknown }, fromUi = false) {
  return withErrors(showError, async () => {
      const src = config?.source;
      if (!src) throw new Error('predict_file: pass {source: URL | File | bytes}');
      let bytes: Uint8Array;
      let name = config.name;
      if (typeof src === 'string') {
        const url = new URL(src, location.href).href;
        const res = await fetch(url);
        if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
        bytes = new Uint8Array(await res.arrayBuffer());
        name ??= url.split('?')[0].split('/').pop();
      } else if (src instanceof Blob) {
        bytes = new Uint8Array(await src.arrayBuffer());
        name ??= (src as File).name;
      } else bytes = new Uint8Array(src).slice();
      name ??= 'image';
      const block = typeof config.block === 'string' ? blockOf(config.block) : (config.block ?? blockOf($<HTMLInputElement>('mr-block').value));
      const out = await call<Record<string, NdArray>>('predictFile', { bytes, name, block }, [bytes.buffer as ArrayBuffer]);
      await showResult(out, name, await showIn(config.show_in, fromUi));
      const first = Object.values(out)[0];
      return { name, shape: first.shape, dtype: first.dtype };
  });
}

const imageUrl = (src?: string) => {
  const s = (src ?? $<HTMLInputElement>('mr-img-url').value).trim();
  if (!s) throw new Error('give the URL of the image (OME-Zarr or references .json)');
  return new URL(s, location.href).href;
};

/** Predicts a region of a Zarr array (kerchunk references .json or Zarr URL), e.g. part of a huge shared image. */
async function predict_region(config: { source: string; array?: string; region: string | (number | [number, number] | null)[]; block?: string | Record<string, number>; show_in?: unknown }) {
  return withErrors(showError, async () => {
      const { parseSelection } = await import('../../src/model/region.js');
      const selection = typeof config.region === 'string' ? parseSelection(config.region) : config.region;
      const source = imageUrl(config.source);
      const block = typeof config.block === 'string' ? blockOf(config.block) : config.block;
      const out = await call<Record<string, NdArray>>('predictRegion', { source, path: config.array ?? '0', selection, block });
      await showResult(out, source.split('?')[0].split('/').filter(Boolean).pop() ?? 'region', await showIn(config.show_in));
      const first = Object.values(out)[0];
      return { shape: first.shape, dtype: first.dtype };
  });
}

/** Predicts what the Reference Viewer currently shows of `source` (its level and visible area). */
async function predict_view(config: { source?: string; pick?: Record<string, number>; block?: string | Record<string, number> } = {}) {
  return withErrors(showError, async () => {
      const viewer = await getViewer();
      if (!viewer) throw new Error('open the Reference Viewer first (the "Open in Reference Viewer" button)');
      const source = imageUrl(config.source);
      const view = await viewer.get_view_state();
      const canvas = pngSize(await viewer.screenshot());
      const pick = config.pick ?? { c: Number($<HTMLInputElement>('mr-channel').value) || 0 };
      const r = await call<{ level: number; path: string; selection: (number | [number, number] | null)[]; y: [number, number]; x: [number, number]; scale: [number, number] }>(
        'viewRegion',
        { source, view, canvas, pick },
      );
      const block = typeof config.block === 'string' ? blockOf(config.block) : (config.block ?? blockOf($<HTMLInputElement>('mr-block').value));
      const out = await call<Record<string, NdArray>>('predictRegion', { source, path: r.path, selection: r.selection, block });
      // the input is the viewer's own view: the result belongs over it, in place
      await showResult(out, `view L${r.level} y${r.y[0]}-${r.y[1]} x${r.x[0]}-${r.x[1]}`, viewer, { scale: r.scale, translation: [r.y[0] * r.scale[0], r.x[0] * r.scale[1]] });
      const first = Object.values(out)[0];
      return { level: r.level, y: r.y, x: r.x, shape: first.shape };
  });
}

async function openInViewer() {
  const source = imageUrl();
  const viewer = await viewerWindow(imjoy());
  await viewer.add_image({ source });
}

function wire() {
  $('mr-load').onclick = () => load_model({ source: $<HTMLInputElement>('mr-url').value.trim() }).catch(() => {});
  $<HTMLInputElement>('mr-zip').onchange = (ev) => {
    const f = (ev.target as HTMLInputElement).files?.[0];
    if (f) load_model({ source: f }).catch(() => {});
  };
  $('mr-test').onclick = () => test().catch(() => {});
  $<HTMLInputElement>('mr-image').onchange = (ev) => {
    const f = (ev.target as HTMLInputElement).files?.[0];
    if (f) predict_file({ source: f }, true).catch(() => {});
  };
  $('mr-view').onclick = () => predict_view().catch(() => {});
  $('mr-open-viewer').onclick = () => openInViewer().catch(showError);
  $('mr-cancel').onclick = () => running?.cancel();
  $('mr-dl-npy').onclick = () => download('npy').catch(showError);
  $('mr-dl-tif').onclick = () => download('tif').catch(showError);
}

imjoy().export({
  async setup() {
    wire();
  },
  async run(ctx: { data?: { source?: unknown } }) {
    const source = ctx?.data?.source;
    if (source) await load_model({ source });
  },
  load_model,
  test,
  predict,
  predict_file,
  predict_region,
  predict_view,
  async get_info() {
    return info ?? null;
  },
  /** The last result shown (first output) as an ImJoy ndarray. */
  async get_result() {
    return lastResult ? toRpc(lastResult.array) : null;
  },
  /** For tests and the UI: cancel the running call. */
  async cancel() {
    running?.cancel();
  },
});
