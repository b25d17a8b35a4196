/** The viewer's toolbar: colour attribute, colormap, range, point size and channels, wired to set_view. */
import { $, el } from '../_shared/ui.js';
import { COLORMAPS } from '../../src/smlm/colormaps.js';
import { colourable, type Attribute, type View } from './view.js';

type Change = Record<string, unknown>;
let shownFor: unknown;

export function initToolbar(change: (c: Change) => void) {
  const cmap = $<HTMLSelectElement>('pv-cmap');
  cmap.replaceChildren(...Object.keys(COLORMAPS).map((n) => el('option', { value: n, textContent: n })));
  $<HTMLSelectElement>('pv-color').onchange = (e) => change({ color_by: (e.target as HTMLSelectElement).value });
  cmap.onchange = () => change({ colormap: cmap.value });
  const range = () => change({ range: [Number($<HTMLInputElement>('pv-lo').value), Number($<HTMLInputElement>('pv-hi').value)] });
  $<HTMLInputElement>('pv-lo').onchange = range;
  $<HTMLInputElement>('pv-hi').onchange = range;
  $<HTMLInputElement>('pv-size').onchange = (e) => change({ point_size: Number((e.target as HTMLInputElement).value) });
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
    $('pv-tools').hidden = false;
  }
  $<HTMLSelectElement>('pv-color').value = view.color_by;
  $<HTMLSelectElement>('pv-cmap').value = view.colormap;
  $<HTMLInputElement>('pv-lo').value = String(view.range[0]);
  $<HTMLInputElement>('pv-hi').value = String(view.range[1]);
  $<HTMLInputElement>('pv-size').value = String(view.point_size);
  for (const b of $('pv-channels').querySelectorAll<HTMLInputElement>('input')) b.checked = !view.channels || view.channels.includes(Number(b.value));
}
