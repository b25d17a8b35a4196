/**
 * The layer/channel panel: per image a title with remove, an opacity slider, z/t/… sliders;
 * per channel visibility, colour picker, name, contrast sliders over a histogram of the pixels
 * already loaded for display (so the histogram costs no extra reads).
 */
import { DTYPE_RANGE, histogram, toHex } from '../../src/viewer/channels.js';
import { el } from '../_shared/ui.js';
import type { Entry, Viewer } from './viewer.js';


/** The range a contrast slider spans: omero window min/max, else the dtype range, else around the limits. */
function sliderDomain(entry: Entry, c: number): [number, number] {
  const w = entry.image.multiscale.omero?.channels[c]?.window;
  if (w && typeof w.min === 'number' && typeof w.max === 'number' && w.max > w.min) return [w.min, w.max];
  const [a, b] = entry.image.channels[c].contrast;
  const full = DTYPE_RANGE[entry.image.dtype];
  // a slider over 32-bit ranges cannot select anything
  if (full && full[1] - full[0] <= 65535) return [Math.min(full[0], a), Math.max(full[1], b)];
  const span = b - a || 1;
  return [a - span, b + span];
}

/** Float limits (percentiles of float data, slider steps) would print 17 digits and crowd out the channel name. */
const fmt = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))));

function drawHistogram(canvas: HTMLCanvasElement, entry: Entry, c: number): void {
  const samples = entry.samples.get(c);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const W = (canvas.width = 200);
  const H = (canvas.height = 24);
  ctx.clearRect(0, 0, W, H);
  const [lo, hi] = sliderDomain(entry, c);
  const ch = entry.image.channels[c];
  if (samples?.length) {
    const h = new Array(64).fill(0);
    for (const s of samples) histogram(s, lo, hi, 64).forEach((v, i) => (h[i] += v));
    const peak = Math.max(...h.map((v) => Math.log1p(v))) || 1;
    ctx.fillStyle = toHex(ch.color);
    h.forEach((v, i) => {
      const bh = (Math.log1p(v) / peak) * H;
      ctx.fillRect((i * W) / 64, H - bh, W / 64 - 0.5, bh);
    });
  }
  // the contrast window
  const x0 = ((ch.contrast[0] - lo) / (hi - lo)) * W;
  const x1 = ((ch.contrast[1] - lo) / (hi - lo)) * W;
  ctx.strokeStyle = '#fff';
  ctx.strokeRect(x0, 0.5, Math.max(1, x1 - x0), H - 1);
}

export class Panel {
  private histograms: { canvas: HTMLCanvasElement; entry: Entry; c: number }[] = [];
  constructor(
    private root: HTMLElement,
    private viewer: Viewer,
    private report: (e: unknown) => void,
  ) {}

  private guard(fn: () => void) {
    return () => {
      try {
        fn();
      } catch (e) {
        this.report(e);
      }
    };
  }

  rebuild(): void {
    this.root.replaceChildren();
    this.histograms = [];
    for (const entry of this.viewer.images) this.root.append(this.imageBlock(entry));
  }

  refreshHistograms(): void {
    for (const h of this.histograms) drawHistogram(h.canvas, h.entry, h.c);
  }

  private imageBlock(entry: Entry): HTMLElement {
    const img = entry.image;
    const remove = el('button', { textContent: '×', title: 'Remove image' });
    remove.onclick = this.guard(() => {
      this.viewer.remove(img.name);
      this.rebuild();
    });
    const block = el('div', { className: 'rv-image' }, el('h3', {}, el('span', { textContent: img.name, title: `${entry.kind}: ${img.labels.join(',')} ${img.shape.join('×')} ${img.dtype}` }), remove));
    const opacity = el('input', { type: 'range', min: '0', max: '1', step: '0.01', value: String(img.opacity) });
    opacity.oninput = this.guard(() => this.viewer.setOpacity(img.name, Number(opacity.value)));
    block.append(el('div', { className: 'rv-row' }, el('label', { textContent: 'opacity' }), opacity));
    if (!img.interleaved) {
      const auto = el('button', { type: 'button', className: 'rv-auto', textContent: 'Auto contrast', title: 'Contrast of every channel from the 0.1–99.9th percentiles of the lowest-resolution level at this z/t' });
      auto.onclick = () => this.viewer.autoContrast(img.name).then(() => this.rebuild(), this.report);
      block.append(el('div', { className: 'rv-row' }, auto));
    }
    for (const [axis, value] of Object.entries(img.selection)) {
      const n = img.shape[img.labels.indexOf(axis)];
      if (n <= 1) continue;
      const out = el('span', { textContent: `${value}` });
      const s = el('input', { type: 'range', min: '0', max: String(n - 1), step: '1', value: String(value) });
      s.dataset.axis = axis;
      s.oninput = this.guard(() => {
        out.textContent = s.value;
        this.viewer.setSelection(img.name, { [axis]: Number(s.value) });
      });
      block.append(el('div', { className: 'rv-row' }, el('label', { textContent: axis }), s, out));
    }
    img.channels.forEach((_ch, c) => block.append(this.channelBlock(entry, c)));
    return block;
  }

  private channelBlock(entry: Entry, c: number): HTMLElement {
    const img = entry.image;
    const ch = img.channels[c];
    const vis = el('input', { type: 'checkbox', checked: ch.visible, title: 'visible' });
    vis.onchange = this.guard(() => {
      try {
        this.viewer.setChannel(img.name, c, { visible: vis.checked });
      } finally {
        vis.checked = ch.visible;
      }
    });
    const color = el('input', { type: 'color', value: toHex(ch.color), title: 'colour' });
    color.oninput = this.guard(() => {
      this.viewer.setChannel(img.name, c, { color: color.value });
      this.refreshHistograms();
    });
    const [lo, hi] = sliderDomain(entry, c);
    const step = img.dtype.startsWith('Float') ? String((hi - lo) / 1000) : '1';
    const min = el('input', { type: 'range', min: String(lo), max: String(hi), step, value: String(ch.contrast[0]), title: 'contrast minimum' });
    const max = el('input', { type: 'range', min: String(lo), max: String(hi), step, value: String(ch.contrast[1]), title: 'contrast maximum' });
    const limits = el('span', { className: 'limits', textContent: `${fmt(ch.contrast[0])}–${fmt(ch.contrast[1])}` });
    const canvas = el('canvas');
    const onContrast = this.guard(() => {
      const a = Number(min.value);
      let b = Number(max.value);
      if (b <= a) b = a + Number(step);
      this.viewer.setChannel(img.name, c, { contrast_limits: [a, b] });
      limits.textContent = `${fmt(a)}–${fmt(b)}`;
      drawHistogram(canvas, entry, c);
    });
    min.oninput = onContrast;
    max.oninput = onContrast;
    this.histograms.push({ canvas, entry, c });
    drawHistogram(canvas, entry, c);
    return el(
      'div',
      { className: 'rv-channel' },
      el('div', { className: 'rv-row' }, vis, color, el('span', { className: 'name', textContent: ch.name, title: ch.name }), limits),
      canvas,
      el('div', { className: 'rv-row' }, el('label', { textContent: 'min' }), min),
      el('div', { className: 'rv-row' }, el('label', { textContent: 'max' }), max),
    );
  }
}
