/**
 * The deck.gl side of the viewer: one viv MultiscaleImageLayer per image in a plain Deck with an
 * orthographic view (no React), a controlled view state, loading/idle tracking and screenshots.
 * Everything about data (sources, metadata, fetching, channels) comes from src/viewer.
 */
import { Deck, OrthographicView } from '@deck.gl/core';
import { MultiscaleImageLayer } from '@vivjs/layers';
import { openViewerImage, countingFetch, type FetchStats, type OpenViewerOptions } from '../../src/viewer/open.js';
import { dataLimits, layerProps, type TileSource, type ViewerImage } from '../../src/viewer/image.js';
import { fitView } from '../../src/viewer/lod.js';
import { parseColor, type Rgb } from '../../src/viewer/channels.js';
import { scaleBar } from '../../src/viewer/scale-bar.js';
import type { FetchingStore } from '../../src/viewer/fetching.js';

export interface ViewState {
  target: [number, number];
  zoom: number;
}

export interface Entry {
  id: string;
  image: ViewerImage;
  store: FetchingStore;
  kind: string;
  /** Per channel, a sample of recently loaded pixels (for the histogram; no extra reads). */
  samples: Map<number, ArrayLike<number>[]>;
  loaded: boolean;
}

export interface ViewerEvents {
  onChange(): void;
  onError(msg: string): void;
  onLoading(pending: number, stats: FetchStats): void;
}

let counter = 0;

export class Viewer {
  readonly deck: Deck<OrthographicView>;
  readonly images: Entry[] = [];
  readonly stats: FetchStats = { requests: 0, bytes: 0, inflight: 0 };
  private fetch = countingFetch((...a) => globalThis.fetch(...a), this.stats);
  private view: ViewState & { width?: number; height?: number } = { target: [0, 0], zoom: 0 };
  private pending = 0;
  tilesLoaded = 0;
  private renders = 0;
  /** Set when the caller chose a view before the first image arrived: then it is not refitted. */
  viewChosen = false;
  errors: string[] = [];

  constructor(
    private container: HTMLElement,
    private events: ViewerEvents,
    private makers: OpenViewerOptions['makers'] = {},
  ) {
    this.deck = new Deck<OrthographicView>({
      parent: container,
      width: '100%',
      height: '100%',
      views: [new OrthographicView({ id: 'ortho', controller: { keyboard: true, scrollZoom: true, dragPan: true, touchZoom: true, doubleClickZoom: true } })],
      viewState: this.deckViewState(),
      onViewStateChange: ({ viewState }: { viewState: unknown }) => {
        const v = viewState as { target: number[]; zoom: number };
        this.view = { target: [v.target[0], v.target[1]], zoom: v.zoom };
        this.deck.setProps({ viewState: this.deckViewState() });
        this.events.onChange();
        return viewState;
      },
      onAfterRender: () => {
        this.renders++;
      },
      deviceProps: { type: 'webgl', webgl: { preserveDrawingBuffer: true } },
      layers: [],
    } as unknown as ConstructorParameters<typeof Deck<OrthographicView>>[0]);
  }

  private deckViewState(): { target: [number, number, number]; zoom: number; minZoom: number } {
    return { target: [this.view.target[0], this.view.target[1], 0], zoom: this.view.zoom, minZoom: this.minZoom() };
  }

  private canvasSize() {
    return { width: this.container.clientWidth || 800, height: this.container.clientHeight || 600 };
  }

  /**
   * Mouse, touch and keys stop zooming out once the largest image spans a quarter of the canvas:
   * beyond that it is a dot and the scale bar reads millimetres. set_view_state is not bounded.
   */
  private minZoom(): number {
    if (!this.images.length) return -Infinity;
    return Math.min(...this.images.map((e) => fitView(e.image, this.canvasSize()).zoom)) - 2;
  }

  get viewState(): ViewState {
    return { target: [this.view.target[0], this.view.target[1]], zoom: this.view.zoom };
  }

  setViewState(v: Partial<ViewState>): void {
    if (v.target && (!Array.isArray(v.target) || v.target.length < 2 || !v.target.every(Number.isFinite))) throw new Error(`set_view_state: target must be [x, y], got ${JSON.stringify(v.target)}`);
    if (v.zoom !== undefined && !Number.isFinite(v.zoom)) throw new Error(`set_view_state: zoom must be a number, got ${JSON.stringify(v.zoom)}`);
    this.view = { target: v.target ? [v.target[0], v.target[1]] : this.view.target, zoom: v.zoom ?? this.view.zoom };
    this.deck.setProps({ viewState: this.deckViewState() });
    this.events.onChange();
  }

  fit(image: ViewerImage): void {
    const f = fitView(image, this.canvasSize());
    this.setViewState({ target: f.target, zoom: f.zoom });
  }

  /** The view a first image opens with. */
  resetView(): void {
    if (this.images.length) this.fit(this.images[0].image);
  }

  /** Contrast of every channel from the data at the current z/t, as when the image was opened without limits. */
  async autoContrast(image: string | number): Promise<void> {
    const { image: img } = this.find(image);
    // interleaved RGB is shown as its bytes are
    if (img.interleaved) return;
    const cl = img.channelAxis === undefined ? undefined : img.labels[img.channelAxis];
    const limits = await Promise.all(img.channels.map((_, c) => dataLimits(img.levels, { ...img.selection, ...(cl ? { [cl]: c } : {}) })));
    limits.forEach((l, c) => (img.channels[c].contrast = l));
    this.render();
  }

  /** Opens a source and adds it as a layer; the view is fitted to the first image. */
  async add(source: unknown, opts: OpenViewerOptions): Promise<Entry> {
    const name = opts.name;
    if (name && this.images.some((e) => e.image.name === name)) throw new Error(`add_image: an image named "${name}" is already shown; remove_image it first or pick another name`);
    const { image, store, source: resolved } = await openViewerImage(source, {
      ...opts,
      makers: this.makers,
      fetch: this.fetch,
      onTileError: (e) => this.tileError(image?.name ?? String(name), e),
    });
    const entry: Entry = { id: `img-${++counter}`, image, store, kind: resolved.kind, samples: new Map(), loaded: false };
    this.instrument(entry);
    this.images.push(entry);
    if (this.images.length === 1 && !this.viewChosen) this.fit(image);
    this.render();
    return entry;
  }

  /** Counts tiles in flight (loading indicator, idle detection) and keeps pixel samples per channel. */
  private instrument(entry: Entry): void {
    const img = entry.image;
    const cl = img.channelAxis === undefined ? undefined : img.labels[img.channelAxis];
    img.levels.forEach((level: TileSource) => {
      const getTile = level.getTile.bind(level);
      level.getTile = async (req) => {
        this.pending++;
        this.events.onLoading(this.pending, this.stats);
        try {
          const t = await getTile(req);
          this.tilesLoaded++;
          const c = cl ? (req.selection[cl] ?? 0) : 0;
          const list = entry.samples.get(c) ?? [];
          list.push(t.data);
          if (list.length > 16) list.shift();
          entry.samples.set(c, list);
          return t;
        } finally {
          this.pending--;
          this.events.onLoading(this.pending, this.stats);
        }
      };
    });
  }

  private tileError(name: string, e: Error): void {
    const msg = `${name}: ${e?.message ?? e}`;
    if (!this.errors.includes(msg)) this.errors.push(msg);
    this.events.onError(msg);
  }

  find(image: string | number): Entry {
    const e = typeof image === 'number' ? this.images[image] : this.images.find((x) => x.image.name === image);
    if (!e) throw new Error(`no image ${JSON.stringify(image)}; shown: ${this.images.map((x) => JSON.stringify(x.image.name)).join(', ') || 'none'}`);
    return e;
  }

  remove(image: string | number): void {
    const e = this.find(image);
    this.images.splice(this.images.indexOf(e), 1);
    this.errors = this.errors.filter((m) => !m.startsWith(`${e.image.name}: `));
    this.events.onError(this.errors.join('\n'));
    this.render();
  }

  setChannel(image: string | number, channel: number | string, s: { color?: unknown; contrast_limits?: [number, number]; visible?: boolean }): void {
    const e = this.find(image);
    const idx = typeof channel === 'number' ? channel : e.image.channels.findIndex((c) => c.name === channel);
    const ch = e.image.channels[idx];
    if (!ch) throw new Error(`set_channel: image "${e.image.name}" has no channel ${JSON.stringify(channel)} (it has ${e.image.channels.length})`);
    if (s.color !== undefined) ch.color = parseColor(s.color, `set_channel(${e.image.name}, ${channel})`) as Rgb;
    if (s.contrast_limits !== undefined) {
      const [a, b] = s.contrast_limits;
      if (!Number.isFinite(a) || !Number.isFinite(b) || b <= a) throw new Error(`set_channel: contrast_limits must be [min, max] with min < max, got ${JSON.stringify(s.contrast_limits)}`);
      ch.contrast = [a, b];
    }
    if (s.visible !== undefined) {
      if (s.visible && !ch.visible && e.image.channels.filter((c) => c.visible).length >= 6) throw new Error('set_channel: at most 6 channels can be shown at once; hide one first');
      ch.visible = !!s.visible;
    }
    this.render();
  }

  setSelection(image: string | number, sel: Record<string, number>): void {
    const e = this.find(image);
    for (const [k, v] of Object.entries(sel)) {
      if (!(k in e.image.selection)) throw new Error(`set_selection: image "${e.image.name}" has no axis "${k}" to select (it has ${Object.keys(e.image.selection).join(', ') || 'none'})`);
      const n = e.image.shape[e.image.labels.indexOf(k)];
      if (!Number.isInteger(v) || v < 0 || v >= n) throw new Error(`set_selection: ${k}=${v} is outside 0..${n - 1}`);
      e.image.selection[k] = v;
    }
    this.render();
  }

  setOpacity(image: string | number, opacity: number): void {
    this.find(image).image.opacity = Math.max(0, Math.min(1, opacity));
    this.render();
  }

  render(): void {
    const layers = this.images.map((e) => {
      const p = layerProps(e.image);
      e.loaded = false;
      return new MultiscaleImageLayer({
        id: e.id,
        loader: e.image.levels as never,
        selections: p.selections,
        colors: p.colors,
        contrastLimits: p.contrastLimits,
        channelsVisible: p.channelsVisible,
        opacity: e.image.opacity,
        // The background raster would read the whole lowest level on top of the visible tiles.
        excludeBackground: true,
        onViewportLoad: () => {
          e.loaded = true;
        },
        onTileError: (err: Error) => this.tileError(e.image.name, err),
      } as never);
    });
    // the zoom-out bound depends on which images are shown
    this.deck.setProps({ layers, viewState: this.deckViewState() });
    this.events.onChange();
  }

  /** Resolves when no tile is in flight, every layer reports its viewport loaded, and a frame was drawn after that. */
  async idle(timeoutMs = 30_000): Promise<void> {
    const t0 = performance.now();
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    for (;;) {
      const layers = (this.deck as unknown as { layerManager?: { getLayers(): { id: string; isLoaded: boolean }[] } }).layerManager?.getLayers() ?? [];
      const top = layers.filter((l) => this.images.some((e) => e.id === l.id));
      const ready = this.pending === 0 && top.length === this.images.length && top.every((l) => l.isLoaded);
      if (ready) {
        const r = this.renders;
        this.deck.redraw('idle check');
        await sleep(30);
        if (this.renders > r && this.pending === 0) return;
      }
      if (this.errors.length && this.pending === 0) return;
      if (performance.now() - t0 > timeoutMs) throw new Error(`the view did not finish loading within ${timeoutMs} ms (${this.pending} tiles in flight)`);
      await sleep(25);
    }
  }

  screenshot(): string {
    this.deck.redraw('screenshot');
    const canvas = this.deck.getCanvas();
    if (!canvas) throw new Error('screenshot: no canvas yet');
    return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
  }

  scaleBar() {
    const first = this.images[0];
    if (!first) return undefined;
    return scaleBar(first.image.pixelSize.size, first.image.pixelSize.unit, this.view.zoom);
  }
}
