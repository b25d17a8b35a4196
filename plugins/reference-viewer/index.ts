/**
 * Reference Viewer (ImJoy window plugin): a thin adapter exporting a Vizarr-compatible API over
 * the viewer in ./viewer.ts (deck.gl + viv) and the data logic in src/viewer/.
 */
import { Viewer } from './viewer.js';
import { Panel } from './panel.js';
import type { OpenViewerOptions } from '../../src/viewer/open.js';
import { MAKERS } from './makers.js';
import { $, imjoy, errorBox } from '../_shared/ui.js';



let viewer: Viewer;
let panel: Panel;

const showError = errorBox('rv-error');

function messageOf(e: unknown): string {
  return String((e as Error)?.message ?? e);
}

function updateOverlay(): void {
  $('rv-empty').hidden = viewer.images.length > 0;
  const bar = viewer.scaleBar();
  const sb = $('rv-scalebar');
  sb.hidden = !bar;
  if (bar) {
    (sb.querySelector('.bar') as HTMLElement).style.width = `${bar.pixels}px`;
    (sb.querySelector('.label') as HTMLElement).textContent = bar.label;
  }
}

function init(): void {
  if (viewer) return;
  viewer = new Viewer(
    $('rv-view'),
    {
    onChange: updateOverlay,
    onError: () => showError(viewer.errors.join('\n') || undefined),
    onLoading: (pending, stats) => {
      const box = $('rv-loading');
      box.hidden = pending === 0;
      (box.querySelector('.text') as HTMLElement).textContent = `loading ${pending} tile${pending === 1 ? '' : 's'} · ${stats.requests} requests · ${(stats.bytes / 1e6).toFixed(1)} MB`;
      if (pending === 0) panel?.refreshHistograms();
    },
    },
    MAKERS,
  );
  panel = new Panel($('rv-images'), viewer, (e) => showError(messageOf(e)));
  // add_image shows its own errors; the UI callers have nothing more to do with them
  const open = (source: unknown, name?: string) => void add_image({ source, name }).catch(() => {});
  const file = $<HTMLInputElement>('rv-file');
  file.onchange = () => {
    const f = file.files?.[0];
    if (f) open(f, f.name);
    file.value = '';
  };
  const url = $<HTMLInputElement>('rv-url');
  $<HTMLFormElement>('rv-url-form').onsubmit = (ev) => {
    ev.preventDefault();
    if (url.value.trim()) open(url.value.trim());
  };
  $('rv-fit').onclick = () => viewer.resetView();
  acceptDrops($('rv-app'), open);
  updateOverlay();
}

/** Files dropped on the window open like "Open file"; a dropped link opens like the URL box. */
function acceptDrops(target: HTMLElement, open: (source: unknown, name?: string) => void): void {
  target.ondragover = (ev) => {
    ev.preventDefault();
    target.classList.add('dropping');
  };
  target.ondragleave = () => target.classList.remove('dropping');
  target.ondrop = (ev) => {
    ev.preventDefault();
    target.classList.remove('dropping');
    const files = [...(ev.dataTransfer?.files ?? [])];
    for (const f of files) open(f, f.name);
    const link = ev.dataTransfer?.getData('text/uri-list')?.split(/\r?\n/).find((l) => l && !l.startsWith('#'));
    if (!files.length && link) open(link);
  };
}

interface AddImageConfig extends OpenViewerOptions {
  source?: unknown;
  url?: string;
  /** Vizarr's single-channel spellings. */
  color?: unknown;
  contrast_limits?: [number, number][];
  visibility?: boolean;
  /** Called with the expired URL after a 403; returns a fresh pre-signed URL. */
  refresh_url?: (oldUrl: string) => Promise<string> | string;
  /** Benchmarks only: turn off read coalescing / the chunk cache. */
  cache_bytes?: number;
  /** run(ctx) may list several images. */
  images?: AddImageConfig[];
}

async function add_image(config: AddImageConfig) {
  init();
  if (!config || typeof config !== 'object') throw new Error('add_image: pass an object such as {source: "https://…/image.zarr"}');
  const source = config.source ?? config.url;
  if (source === undefined) throw new Error('add_image: "source" is missing');
  const opts: OpenViewerOptions = {
    name: config.name,
    channel_axis: config.channel_axis,
    colors: config.colors ?? (config.color !== undefined ? [config.color] : undefined),
    contrast_limits:
      config.contrast_limits && config.contrast_limits.length === 2 && typeof config.contrast_limits[0] === 'number'
        ? [config.contrast_limits as unknown as [number, number]]
        : config.contrast_limits,
    names: config.names,
    visibilities: config.visibilities ?? (config.visibility !== undefined ? [config.visibility] : undefined),
    opacity: config.opacity,
    refreshUrl: config.refresh_url ? async (u: string) => String(await config.refresh_url!(u)) : undefined,
    coalesce: config.coalesce,
    cacheBytes: config.cache_bytes ?? config.cacheBytes,
  };
  // a new attempt: earlier open failures are no longer relevant (tile errors of shown images stay)
  viewer.errors = viewer.errors.filter((m) => viewer.images.some((e) => m.startsWith(`${e.image.name}: `)));
  showError(viewer.errors.join('\n') || undefined);
  const box = $('rv-loading');
  box.hidden = false;
  (box.querySelector('.text') as HTMLElement).textContent = 'opening…';
  try {
    const e = await viewer.add(source, opts);
    panel.rebuild();
    return { name: e.image.name, kind: e.kind, shape: e.image.shape, labels: e.image.labels, dtype: e.image.dtype, levels: e.image.levels.length, tileSize: e.image.levels[0].tileSize, channels: e.image.channels };
  } catch (e) {
    const msg = messageOf(e);
    viewer.errors.push(msg);
    showError(msg);
    throw new Error(msg);
  } finally {
    box.hidden = true;
  }
}

imjoy().export({
  async setup() {
    init();
  },
  async run(ctx: { data?: AddImageConfig; config?: AddImageConfig }) {
    init();
    // ImJoy passes window options as ctx.data and URL parameters (?start=…&source=…) as ctx.config
    const data = [ctx?.data, ctx?.config].find((d) => d && (d.source || d.url || d.images));
    if (!data) return;
    for (const img of data.images ?? [data]) if (img.source ?? img.url) await add_image(img);
  },
  add_image,
  async set_view_state(v: { target?: [number, number]; zoom?: number }) {
    init();
    viewer.setViewState(v);
    // a view chosen before the first image is kept (no fit), so its tiles are the first ones read
    if (!viewer.images.length) viewer.viewChosen = true;
  },
  async get_view_state() {
    init();
    return viewer.viewState;
  },
  async remove_image(name: string | number) {
    viewer.remove(name);
    if (!viewer.images.length) viewer.viewChosen = false;
    panel.rebuild();
  },
  async set_channel(image: string | number, channel: number | string, settings: { color?: unknown; contrast_limits?: [number, number]; visible?: boolean }) {
    viewer.setChannel(image, channel, settings ?? {});
    panel.rebuild();
  },
  async set_selection(image: string | number, selection: Record<string, number>) {
    viewer.setSelection(image, selection);
    panel.rebuild();
  },
  /** Waits until the visible tiles are loaded and drawn, then returns the canvas as base64 PNG. */
  async screenshot() {
    init();
    await viewer.idle();
    return viewer.screenshot();
  },
  /** Resolves when the current view is completely drawn; returns what it took. */
  async wait_for_frame(timeoutMs?: number) {
    init();
    await viewer.idle(timeoutMs);
    return this_stats();
  },
  async get_stats() {
    init();
    return this_stats();
  },
  async get_errors() {
    init();
    return { errors: [...viewer.errors], shown: $('rv-error').hidden ? '' : $('rv-error').textContent };
  },
});

function this_stats() {
  return {
    requests: viewer.stats.requests,
    bytes: viewer.stats.bytes,
    tiles: viewer.tilesLoaded,
    errors: [...viewer.errors],
    cache: viewer.images.map((e) => ({ name: e.image.name, bytes: e.store.cache?.bytes ?? 0, hits: e.store.cache?.hits ?? 0, cancelled: e.store.limiter.cancelled })),
  };
}
