/**
 * SMLM Viewer (ImJoy window plugin): a thin adapter between the ImJoy API / the panel and
 * src/smlm (parsing, in a worker) + ./renderer.ts (three.js).
 */
import { assetUrl, pluginUrl } from '../_shared/assets.js';
import { openSource } from '../../src/io/open.js';
import { COLORMAPS, colormapLut } from '../../src/smlm/colormaps.js';
import { loadLocalizations, tableFromColumns, type ColumnInput } from '../../src/smlm/load.js';
import { boundsOf, scaleBar } from '../../src/smlm/points.js';
import type { SmlmColumnArray, SmlmTable } from '../../src/smlm/types.js';
import { DTYPE_ARRAYS } from '../../src/smlm/layout.js';
import { SmlmRenderer, type LayerStyle, type ViewSettings } from './renderer.js';
import { $, el, errorBox, imjoy } from '../_shared/ui.js';
import { workerClient, workerFromUrl } from '../_shared/worker-rpc.js';
import { viewerWindow } from '../_shared/viewer.js';
import { HttpSource } from '../../src/io/http-source.js';
import { BlobSource } from '../../src/io/byte-source.js';
import { openSingleFile } from '../../src/potree/single-file.js';



let view: SmlmRenderer;
let tables: SmlmTable[] = [];
let worker: Promise<ReturnType<typeof workerClient> | undefined> | undefined;

const showError = errorBox('sv-error');

function progress(done: number, total: number, label = 'loading') {
  const box = $('sv-progress');
  box.hidden = done >= total;
  ($('sv-progress').querySelector('.fill') as HTMLElement).style.width = `${total ? (100 * done) / total : 0}%`;
  ($('sv-progress').querySelector('.text') as HTMLElement).textContent = `${label} ${(done / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB`;
}

/** The parsing worker, started from our bundled script (as a Blob URL: the plugin frame is on another origin). */
function getWorker(): Promise<ReturnType<typeof workerClient> | undefined> {
  return (worker ??= (async () => {
    try {
      return workerClient(await workerFromUrl(await assetUrl(imjoy(), 'smlm.worker.js')));
    } catch (e) {
      console.warn(`SMLM Viewer: no worker (${(e as Error).message}); parsing on the main thread`);
      return undefined;
    }
  })());
}

interface Progressive {
  onTable(table: SmlmTable, index: number): void;
  onRows(index: number, row0: number, columns: SmlmColumnArray[], n: number): void;
}

/** Parses in the worker (or here when there is none); .smlm tables arrive progressively. */
async function parse(input: { url?: string; blob?: Blob; bytes?: Uint8Array; name?: string }, handlers: Progressive): Promise<{ tables: SmlmTable[]; streamed: boolean }> {
  const w = await getWorker();
  const onProgress = (d: number, t: number) => progress(d, t, input.name ?? 'loading');
  if (!w) {
    const src = input.url ? openSource(input.url) : openSource((input.blob ?? input.bytes)!, { name: input.name });
    return loadLocalizations(src, { onProgress, ...handlers });
  }
  type Event = { progress?: [number, number]; table?: { table: SmlmTable; index: number }; rows?: { index: number; row0: number; n: number; columns: SmlmColumnArray[] } };
  const onEvent = (m: Event) => {
    if (m.progress) onProgress(m.progress[0], m.progress[1]);
    else if (m.table) handlers.onTable(m.table.table, m.table.index);
    else if (m.rows) handlers.onRows(m.rows.index, m.rows.row0, m.rows.columns, m.rows.n);
  };
  return w.call<{ tables: SmlmTable[]; streamed: boolean }>('parse', input, { onEvent }).result;
}

async function resolveUrl(url: string): Promise<string> {
  if (/^(https?|blob|data):/i.test(url)) return url;
  const base = (await pluginUrl(imjoy())) ?? location.href;
  return new URL(url, base).href;
}

export interface LoadOptions {
  url?: string;
  data?: Uint8Array | ArrayBuffer | Blob | { columns: Record<string, ColumnInput> };
  columns?: Record<string, ColumnInput>;
  name?: string;
  /** Add to the tables already shown instead of replacing them. */
  append?: boolean;
  /**
   * Bytes above which a .smlm is not loaded whole: one that carries an octree (`imjoy-share potree
   * convert x.smlm --into x.smlm`) opens in the Potree Viewer instead; default 1 GiB.
   */
  octree_above?: number;
}

const OCTREE_ABOVE = 2 ** 30;
/** The .smlm (or .zip) shown, by URL or File: "Open as octree" opens the octree it may carry. */
let archive: { url?: string; file?: Blob; name: string } | undefined;
const size = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : `${(n / 1e6).toFixed(1)} MB`);
const sourceOf = (a: { url?: string; file?: Blob; name: string }) => (a.url ? new HttpSource(a.url) : new BlobSource(a.file!, a.name));

/** "Open as octree" is offered for an archive shown (its octree, if it has one) and for any tables (converted then). */
const offerOctree = () => void ($('sv-octree').hidden = !(archive || tables.length));

/**
 * A .smlm (a URL or a File) bigger than `above` is not loaded whole: it opens as an octree when it
 * carries one, and is refused with the command that makes one otherwise. True when it was opened as
 * an octree. Smaller ones cost only their size (a File's is known; a URL's is one 1-byte request):
 * whether they carry an octree is looked at when "Open as octree" is asked for.
 */
async function octreeInstead(input: { url?: string; blob?: Blob; name: string }, above: number): Promise<boolean> {
  archive = undefined;
  $('sv-note').hidden = true;
  const name = input.name;
  if (!/\.(smlm|zip)$/i.test((input.url ?? name).split('?')[0]!)) return false;
  archive = { url: input.url, file: input.url ? undefined : input.blob, name };
  // errors (403, 404, a broken archive) are for the table reader to report, in its words
  const bytes = input.blob ? input.blob.size : await new HttpSource(input.url!).size().catch(() => 0);
  if (bytes <= above) return false;
  const file = await openSingleFile(sourceOf(archive)).catch(() => undefined);
  if (!file) return false;
  if (!file.octree) {
    throw new Error(`${name} is ${size(file.size)}, more than this viewer loads at once (${size(above)}): make an octree inside it with \`imjoy-share potree convert ${name} --into ${name}\` and open it again`);
  }
  await open_as_octree();
  const note = $('sv-note');
  note.textContent = `${name} is ${size(file.size)}: opened as an octree in the Potree Viewer, which streams only the points in view.`;
  note.hidden = false;
  return true;
}

/**
 * The data shown, in the Potree Viewer: the octree the .smlm carries (by URL or File: only the
 * points in view are read), else the tables converted there. Its get_info().
 */
async function open_as_octree() {
  const w = await viewerWindow(imjoy(), { name: 'Potree Viewer' });
  const carried = archive && (await openSingleFile(sourceOf(archive)).catch(() => undefined))?.octree;
  if (archive && carried) return w.load(archive.url ? { url: archive.url, name: archive.name } : { file: archive.file, name: archive.name });
  if (!tables.length) throw new Error('open_as_octree: nothing is shown; load a .smlm, a CSV or columns first');
  return w.load({ name: tables[0]!.name, tables: tables.map((t) => ({ name: t.name, channel: t.channel, columns: t.columns.map((c) => ({ name: c.name, data: c.data })) })) });
}

async function load(opts: LoadOptions = {}) {
  init();
  showError();
  try {
    const keep = opts.append ? tables : [];
    if (!opts.append) archive = undefined;
    const styles = opts.append ? view.layers.map((l) => l.style) : [];
    const cols = opts.columns ?? (opts.data && !(opts.data instanceof Blob) && !ArrayBuffer.isView(opts.data) && !(opts.data instanceof ArrayBuffer) ? (opts.data as { columns: Record<string, ColumnInput> }).columns : undefined);
    if (cols) {
      tables = [...keep, tableFromColumns(opts.name ?? 'columns', cols)];
      view.setTables(tables, styles);
    } else {
      let input: { url?: string; blob?: Blob; bytes?: Uint8Array; name?: string };
      if (opts.url) {
        input = { url: await resolveUrl(opts.url), name: opts.name ?? opts.url.replace(/[?#].*$/, '').replace(/^.*\//, '') };
      } else if (opts.data instanceof Blob) input = { blob: opts.data, name: opts.name ?? (opts.data as File).name };
      else if (opts.data) {
        const d = opts.data as Uint8Array | ArrayBuffer;
        input = { bytes: d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength), name: opts.name ?? 'data' };
      } else throw new Error('load() needs {url}, {data} or {columns}');
      if (!opts.append && (input.url || input.blob) && (await octreeInstead({ ...input, name: input.name ?? 'data' }, opts.octree_above ?? OCTREE_ABOVE))) {
        tables = [];
        view.setTables(tables, []);
        refreshPanel();
        offerOctree();
        return get_tables();
      }
      // Progressive display: tables appear as soon as their metadata arrives and fill in block by block.
      view.begin(styles, keep.length ? boundsOf(keep) : undefined);
      keep.forEach((t) => view.addTable(t));
      keep.forEach((t, i) => view.rowsArrived(i, 0, t.rows));
      const assembled: SmlmTable[] = [];
      const r = await parse(input, {
        onTable(t) {
          for (const c of t.columns) c.data = new DTYPE_ARRAYS[c.dtype](t.rows * c.shape.reduce((a, b) => a * b, 1));
          assembled.push(t);
          view.addTable(t);
          refreshPanel();
        },
        onRows(i, row0, columns, n) {
          const t = assembled[i];
          t.columns.forEach((c, k) => c.data.set(columns[k], row0 * (columns[k].length / n)));
          view.rowsArrived(keep.length + i, row0, n);
        },
      });
      tables = [...keep, ...(r.streamed ? assembled : r.tables)];
      if (r.streamed) view.finish();
      else view.setTables(tables, styles);
    }
    refreshPanel();
    offerOctree();
    return get_tables();
  } catch (e) {
    showError(String((e as Error).message ?? e));
    throw e;
  } finally {
    $('sv-progress').hidden = true;
  }
}

function get_tables() {
  return tables.map((t) => ({ name: t.name, channel: t.channel, rows: t.rows, columns: t.columns.map((c) => c.name) }));
}

function get_view() {
  return {
    mode: view.settings.mode,
    center: [...view.view2d.center],
    nm_per_px: view.nmPerPx(),
    width: view.width,
    height: view.height,
    device_pixel_ratio: view.renderer.getPixelRatio(),
    y_down: true,
    color_by: view.settings.colorBy,
    value_range: view.valueRange,
  };
}

interface SetViewOptions {
  mode?: '2d' | '3d';
  color_by?: string | null;
  colormap?: string;
  value_range?: [number, number] | null;
  point_size?: number;
  size_unit?: 'px' | 'nm';
  render?: 'points' | 'splats';
  frame_range?: [number, number] | null;
  precision_max?: number | null;
  center?: [number, number];
  nm_per_px?: number;
  fit?: boolean;
  tables?: Partial<LayerStyle>[];
}

function set_view(o: SetViewOptions = {}) {
  init();
  const s: Partial<ViewSettings> = {};
  if (o.mode !== undefined) s.mode = String(o.mode).toLowerCase() as ViewSettings['mode'];
  if (o.color_by !== undefined) s.colorBy = o.color_by || null;
  if (o.colormap !== undefined) s.colormap = o.colormap;
  if (o.value_range !== undefined) s.valueRange = o.value_range;
  if (o.point_size !== undefined) {
    if (!(o.point_size > 0)) throw new Error(`point_size must be > 0, not ${o.point_size}`);
    s.pointSize = o.point_size;
  }
  if (o.size_unit !== undefined) s.sizeUnit = o.size_unit;
  if (o.render !== undefined) s.render = o.render;
  if (o.frame_range !== undefined) s.frameRange = o.frame_range;
  if (o.precision_max !== undefined) s.precisionMax = o.precision_max;
  view.update(s);
  if (o.fit) view.fit();
  if (o.center) view.view2d.center = [o.center[0], o.center[1]];
  if (o.nm_per_px) view.view2d.nmPerPx = o.nm_per_px;
  o.tables?.forEach((t, i) => t && view.setLayerStyle(i, t));
  syncPanel();
  view.requestRender();
  return get_view();
}

/** Base64 PNG of the view (no data: prefix); with overlays, the scale bar and colorbar are drawn in. */
function screenshot(o: { overlays?: boolean } = {}): string {
  init();
  const url = view.screenshot();
  if (!o.overlays) return url.replace(/^data:image\/png;base64,/, '');
  const src = view.renderer.domElement;
  const c = document.createElement('canvas');
  c.width = src.width;
  c.height = src.height;
  const g = c.getContext('2d')!;
  g.drawImage(src, 0, 0);
  const dpr = view.renderer.getPixelRatio();
  const bar = scaleBar(view.nmPerPx());
  g.fillStyle = '#fff';
  g.fillRect(12 * dpr, c.height - 20 * dpr, bar.px * dpr, 4 * dpr);
  g.font = `${12 * dpr}px sans-serif`;
  g.fillText(bar.label, 12 * dpr, c.height - 24 * dpr);
  return c.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}

function updateOverlays() {
  const bar = scaleBar(view.nmPerPx());
  const sb = $('sv-scalebar');
  sb.hidden = !tables.length;
  (sb.querySelector('.bar') as HTMLElement).style.width = `${bar.px}px`;
  (sb.querySelector('.label') as HTMLElement).textContent = bar.label;
  const cb = $('sv-colorbar');
  cb.hidden = !view.settings.colorBy || !tables.length;
  if (!cb.hidden) {
    const canvas = cb.querySelector('canvas') as HTMLCanvasElement;
    const lut = colormapLut(view.settings.colormap, 256);
    canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(Array.from({ length: 10 }, () => Array.from(lut)).flat()), 256, 10), 0, 0);
    const [lo, hi] = view.valueRange;
    (cb.querySelector('.name') as HTMLElement).textContent = view.settings.colorBy!;
    (cb.querySelector('.lo') as HTMLElement).textContent = lo.toPrecision(4);
    (cb.querySelector('.hi') as HTMLElement).textContent = hi.toPrecision(4);
  }
}

function refreshPanel() {
  const sel = $<HTMLSelectElement>('sv-colorby');
  sel.replaceChildren(el('option', { value: '' }, 'table colour'), ...view.columns().map((c) => el('option', {}, c)));
  const box = $('sv-tables');
  box.replaceChildren();
  view.layers.forEach((l, i) => {
    const vis = el('input', { type: 'checkbox', checked: l.style.visible });
    const color = el('input', { type: 'color', value: l.style.color });
    const range = el('input', { type: 'range', min: '0', max: '1', step: '0.01', value: String(l.style.opacity) });
    const name = `${l.table.channel !== 'default' ? l.table.channel + ' · ' : ''}${l.table.name} (${l.table.rows.toLocaleString()})`;
    const row = el('div', { class: 'sv-table' }, el('div', { class: 'sv-row' }, vis, color, el('span', { class: 'name' }, name)), el('div', { class: 'sv-row' }, el('label', {}, 'opacity'), range));
    vis.onchange = () => view.setLayerStyle(i, { visible: vis.checked });
    color.oninput = () => view.setLayerStyle(i, { color: color.value });
    range.oninput = () => view.setLayerStyle(i, { opacity: Number(range.value) });
    box.appendChild(row);
  });
  syncPanel();
}

function syncPanel() {
  const s = view.settings;
  $<HTMLSelectElement>('sv-mode').value = s.mode;
  $<HTMLSelectElement>('sv-render').value = s.render;
  $<HTMLInputElement>('sv-size').value = String(s.pointSize);
  $<HTMLSelectElement>('sv-unit').value = s.sizeUnit;
  $<HTMLSelectElement>('sv-colorby').value = s.colorBy ?? '';
  $<HTMLSelectElement>('sv-cmap').value = s.colormap;
  const big = (v: number) => (Math.abs(v) >= 1e30 ? '' : String(v));
  $<HTMLInputElement>('sv-f0').value = s.frameRange ? big(s.frameRange[0]) : '';
  $<HTMLInputElement>('sv-f1').value = s.frameRange ? big(s.frameRange[1]) : '';
  $<HTMLInputElement>('sv-prec').value = s.precisionMax === null ? '' : String(s.precisionMax);
}

let started = false;
function init() {
  if (started) return;
  started = true;
  view = new SmlmRenderer($('sv-view'), updateOverlays);
  $<HTMLSelectElement>('sv-cmap').replaceChildren(...Object.keys(COLORMAPS).map((c) => el('option', {}, c)));
  const num = (id: string) => {
    const v = $<HTMLInputElement>(id).value;
    return v === '' ? undefined : Number(v);
  };
  const wrap = (f: () => unknown) => () => {
    try {
      showError();
      f();
    } catch (e) {
      showError((e as Error).message);
    }
  };
  $('sv-mode').onchange = wrap(() => set_view({ mode: $<HTMLSelectElement>('sv-mode').value as '2d' }));
  $('sv-render').onchange = wrap(() => set_view({ render: $<HTMLSelectElement>('sv-render').value as 'points' }));
  $('sv-size').onchange = wrap(() => set_view({ point_size: num('sv-size') }));
  $('sv-unit').onchange = wrap(() => set_view({ size_unit: $<HTMLSelectElement>('sv-unit').value as 'px' }));
  $('sv-colorby').onchange = wrap(() => set_view({ color_by: $<HTMLSelectElement>('sv-colorby').value || null }));
  $('sv-cmap').onchange = wrap(() => set_view({ colormap: $<HTMLSelectElement>('sv-cmap').value }));
  const frames = wrap(() => {
    const a = num('sv-f0');
    const b = num('sv-f1');
    set_view({ frame_range: a === undefined && b === undefined ? null : [a ?? -3e38, b ?? 3e38] });
  });
  $('sv-f0').onchange = frames;
  $('sv-f1').onchange = frames;
  $('sv-prec').onchange = wrap(() => set_view({ precision_max: num('sv-prec') ?? null }));
  $('sv-fit').onclick = wrap(() => set_view({ fit: true }));
  $('sv-open').onclick = () => {
    const url = $<HTMLInputElement>('sv-url').value.trim();
    if (url) load({ url }).catch(() => {});
  };
  $('sv-file').onchange = () => {
    const f = $<HTMLInputElement>('sv-file').files?.[0];
    if (f) load({ data: f, name: f.name }).catch(() => {});
  };
  $('sv-octree').onclick = () => void open_as_octree().catch((e) => showError(String((e as Error).message ?? e)));
  $('sv-shot').onclick = () => {
    const a = document.createElement('a');
    a.href = `data:image/png;base64,${screenshot({ overlays: true })}`;
    a.download = `${tables[0]?.name.replace(/\.[^.]*$/, '') ?? 'smlm'}.png`;
    a.click();
  };
  const app = $('sv-app');
  const drop = $('sv-drop');
  app.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.hidden = false;
  });
  app.addEventListener('dragleave', () => (drop.hidden = true));
  app.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.hidden = true;
    const f = e.dataTransfer?.files?.[0];
    if (f) load({ data: f, name: f.name }).catch(() => {});
  });
}

imjoy().export({
  setup() {
    init();
  },
  async run(ctx: { config?: LoadOptions; data?: LoadOptions }) {
    init();
    const o = ctx?.data ?? ctx?.config;
    if (o && (o.url || o.data || o.columns)) await load(o);
  },
  load,
  set_view,
  screenshot,
  get_tables,
  get_view,
  open_as_octree,
});

