/**
 * The viewer's toolbar: colour attribute, colormap, range (numbers and sliders over the attribute's
 * extent), point size and its mode, frames, blending, channels and a screenshot, wired to set_view.
 */
import { $, el } from '../_shared/ui.js';
import { COLORMAPS } from '../../src/smlm/colormaps.js';
import { colourable, extent, type Attribute, type View } from './view.js';

type Change = Record<string, unknown>;
let shownFor: unknown;
/** The colour attribute's extent, which the sliders span. */
let span: [number, number] = [0, 1];
const SLIDER = 1000;
const toSlider = (v: number) => String(Math.round(((v - span[0]) / (span[1] - span[0] || 1)) * SLIDER));
const fromSlider = (s: string) => span[0] + (Number(s) / SLIDER) * (span[1] - span[0]);

export function initToolbar(change: (c: Change) => void, screenshot: () => Promise<string>) {
  const cmap = $<HTMLSelectElement>('pv-cmap');
  cmap.replaceChildren(...Object.keys(COLORMAPS).map((n) => el('option', { value: n, textContent: n })));
  $<HTMLSelectElement>('pv-color').onchange = (e) => change({ color_by: (e.target as HTMLSelectElement).value });
  cmap.onchange = () => change({ colormap: cmap.value });
  const range = () => change({ range: [Number($<HTMLInputElement>('pv-lo').value), Number($<HTMLInputElement>('pv-hi').value)] });
  $<HTMLInputElement>('pv-lo').onchange = range;
  $<HTMLInputElement>('pv-hi').onchange = range;
  // sliders: live while dragged, kept in order
  const slide = () => {
    const [a, b] = [fromSlider($<HTMLInputElement>('pv-lo-slider').value), fromSlider($<HTMLInputElement>('pv-hi-slider').value)];
    if (a < b) change({ range: [a, b] });
  };
  $<HTMLInputElement>('pv-lo-slider').oninput = slide;
  $<HTMLInputElement>('pv-hi-slider').oninput = slide;
  $<HTMLInputElement>('pv-size').onchange = (e) => change({ point_size: Number((e.target as HTMLInputElement).value) });
  $<HTMLSelectElement>('pv-size-type').onchange = (e) => change({ point_size_type: (e.target as HTMLSelectElement).value });
  const frames = () => {
    const [a, b] = [$<HTMLInputElement>('pv-f0').value, $<HTMLInputElement>('pv-f1').value];
    change({ frame_range: a === '' && b === '' ? null : [a === '' ? -3e38 : Number(a), b === '' ? 3e38 : Number(b)] });
  };
  $<HTMLInputElement>('pv-f0').onchange = frames;
  $<HTMLInputElement>('pv-f1').onchange = frames;
  $<HTMLSelectElement>('pv-blend').onchange = (e) => change({ blending: (e.target as HTMLSelectElement).value });
  $('pv-shot').onclick = async () => {
    const a = el('a', { href: `data:image/png;base64,${await screenshot()}`, download: 'potree-view.png' }) as HTMLAnchorElement;
    a.click();
  };
  $('pv-channels').onchange = () => {
    const boxes = [...$('pv-channels').querySelectorAll<HTMLInputElement>('input')];
    change({ channels: boxes.filter((b) => b.checked).map((b) => Number(b.value)) });
  };
}

/** Shows `view`; the attribute list and channel boxes are rebuilt only for another cloud. */
export function syncToolbar(view: View, cloud: { attributes: Attribute[]; channel_names: string[] }) {
  if (shownFor !== cloud) {
    shownFor = cloud;
    $('pv-color').replaceChildren(...colourable(cloud.attributes).map((n) => el('option', { value: n, textContent: n })));
    const many = cloud.channel_names.length > 1;
    $('pv-channels').replaceChildren(
      ...(many ? cloud.channel_names.map((name, i) => el('label', {}, el('input', { type: 'checkbox', value: String(i) }), name)) : []),
    );
    $('pv-frames').hidden = !cloud.attributes.some((a) => a.name === 'frame');
    $('pv-tools').hidden = false;
  }
  span = extent(cloud.attributes, view.color_by);
  // a range set beyond the attribute's extent widens what the sliders span
  span = [Math.min(span[0], view.range[0]), Math.max(span[1], view.range[1])];
  $<HTMLSelectElement>('pv-color').value = view.color_by;
  $<HTMLSelectElement>('pv-cmap').value = view.colormap;
  $<HTMLInputElement>('pv-lo').value = String(view.range[0]);
  $<HTMLInputElement>('pv-hi').value = String(view.range[1]);
  $<HTMLInputElement>('pv-lo-slider').value = toSlider(view.range[0]);
  $<HTMLInputElement>('pv-hi-slider').value = toSlider(view.range[1]);
  $<HTMLInputElement>('pv-size').value = String(view.point_size);
  $<HTMLSelectElement>('pv-size-type').value = view.point_size_type;
  const big = (v: number) => (Math.abs(v) >= 1e30 ? '' : String(v));
  $<HTMLInputElement>('pv-f0').value = view.frame_range ? big(view.frame_range[0]) : '';
  $<HTMLInputElement>('pv-f1').value = view.frame_range ? big(view.frame_range[1]) : '';
  $<HTMLSelectElement>('pv-blend').value = view.blending;
  for (const b of $('pv-channels').querySelectorAll<HTMLInputElement>('input')) b.checked = !view.channels || view.channels.includes(Number(b.value));
}
