/**
 * Standard colormaps as evenly spaced stops (matplotlib's viridis/magma/inferno/plasma sampled at
 * 9 points, Google's turbo, MATLAB-style jet and hot, gray), expanded to a lookup table by linear
 * interpolation — the usual way shaders sample them.
 */
export const COLORMAPS: Record<string, string[]> = {
  viridis: ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'],
  magma: ['#000004', '#1c1044', '#4f127b', '#812581', '#b5367a', '#e55064', '#fb8761', '#fec287', '#fcfdbf'],
  inferno: ['#000004', '#1f0c48', '#550f6d', '#88226a', '#ba3655', '#e35933', '#f98e09', '#f8c932', '#fcffa4'],
  plasma: ['#0d0887', '#4c02a1', '#7e03a8', '#a92395', '#cc4778', '#e56b5d', '#f89540', '#fdc527', '#f0f921'],
  turbo: ['#30123b', '#4662d7', '#36aaf9', '#1ae4b6', '#72fe5e', '#c8ef34', '#faba39', '#f66b19', '#7a0403'],
  jet: ['#00007f', '#0000ff', '#007fff', '#00ffff', '#7fff7f', '#ffff00', '#ff7f00', '#ff0000', '#7f0000'],
  hot: ['#0b0000', '#600000', '#b50000', '#ff0b00', '#ff6000', '#ffb500', '#ffff0f', '#ffff87', '#ffffff'],
  gray: ['#000000', '#ffffff'],
};

export const hexToRgb = (hex: string): [number, number, number] => {
  const h = hex.replace('#', '');
  const v = parseInt(h.length === 3 ? h.replace(/./g, '$&$&') : h, 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
};

/** An n × RGBA8 lookup table for a named colormap. */
export function colormapLut(name: string, n = 256): Uint8Array {
  const stops = COLORMAPS[name];
  if (!stops) throw new Error(`unknown colormap "${name}" (available: ${Object.keys(COLORMAPS).join(', ')})`);
  const rgb = stops.map(hexToRgb);
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const t = (i / (n - 1)) * (rgb.length - 1);
    const k = Math.min(Math.floor(t), rgb.length - 2);
    const f = t - k;
    for (let c = 0; c < 3; c++) out[i * 4 + c] = Math.round(rgb[k][c] * (1 - f) + rgb[k + 1][c] * f);
    out[i * 4 + 3] = 255;
  }
  return out;
}
