import { describe, expect, it } from 'vitest';
import { levelForZoom, visibleTiles, fitView } from '../../src/viewer/lod.js';
import { scaleBar } from '../../src/viewer/scale-bar.js';
import { parseColor, percentileLimits, histogram, channelSettings } from '../../src/viewer/channels.js';
import { readMultiscale } from '../../src/ngff/read.js';

describe('level of detail', () => {
  it('picks the level deck.gl TileLayer picks (ceil of zoom, clamped)', () => {
    expect(levelForZoom(0, 5)).toBe(0);
    expect(levelForZoom(2, 5)).toBe(0);
    expect(levelForZoom(-0.5, 5)).toBe(0);
    expect(levelForZoom(-1, 5)).toBe(1);
    expect(levelForZoom(-1.2, 5)).toBe(1);
    expect(levelForZoom(-2.01, 5)).toBe(2);
    expect(levelForZoom(-10, 5)).toBe(4);
  });

  it('lists only the tiles in view, clipped to the image', () => {
    const image = { width: 20000, height: 20000, levels: 7, tileSize: 512 };
    // 1024×768 canvas at zoom 0 centred at (1000,1000): x 488..1512, y 616..1384 → tiles x 0..2, y 1..2
    const t = visibleTiles({ target: [1000, 1000], zoom: 0, width: 1024, height: 768 }, image);
    expect(t.map((i) => `${i.x},${i.y}`).sort()).toEqual(['0,1', '0,2', '1,1', '1,2', '2,1', '2,2']);
    // whole image fitted into 1000×1000: zoom log2(1/20) ≈ -4.32 → ceil -4 → level 4 (tile = 512·16 = 8192 px), 3×3 tiles
    const fit = fitView(image, { width: 1000, height: 1000 });
    const all = visibleTiles(fit, image);
    expect(all.every((i) => i.level === 4)).toBe(true);
    expect(all.length).toBe(9);
    // a view past the corner sees nothing
    expect(visibleTiles({ target: [-5000, -5000], zoom: 0, width: 100, height: 100 }, image)).toEqual([]);
  });
});

describe('scale bar', () => {
  it('picks 1/2/5 lengths in readable units', () => {
    // 0.5 µm per pixel at zoom 0: 150 px = 75 µm → 50 µm = 100 px
    expect(scaleBar(0.5, 'micrometer', 0)).toEqual({ pixels: 100, label: '50 µm' });
    // zoomed out 4 levels: 150 screen px = 2400 px = 1.2 mm → 1 mm = 2000 px = 125 screen px
    const b = scaleBar(0.5, 'micrometer', -4);
    expect(b.label).toBe('1 mm');
    expect(b.pixels).toBeCloseTo(125, 9);
    expect(scaleBar(1, undefined, 1)).toEqual({ pixels: 100, label: '50 px' });
    expect(scaleBar(200, 'nanometer', 0).label).toBe('20 µm');
  });
});

describe('channels', () => {
  it('parses colours, computes nearest-rank percentiles and histograms', () => {
    expect(parseColor('FF8000', 'x')).toEqual([255, 128, 0]);
    expect(parseColor('#00ff00', 'x')).toEqual([0, 255, 0]);
    expect(() => parseColor('red', 'img')).toThrow(/img: colour "red"/);
    const v = Array.from({ length: 1000 }, (_, i) => i);
    expect(percentileLimits(v)).toEqual([0, 999]);
    expect(percentileLimits(v, 0.5, 99.5)).toEqual([4, 994]);
    expect(percentileLimits([7, 7, 7])).toEqual([7, 8]);
    expect(histogram([0, 1, 2, 3], 0, 4, 2)).toEqual([2, 2]);
  });

  it('defaults: one channel is white; more get the palette; ≤6 visible', () => {
    expect(channelSettings(1, {}, undefined, () => [0, 9], 'x')[0]).toEqual({ name: 'channel 0', color: [255, 255, 255], contrast: [0, 9], visible: true });
    const s = channelSettings(8, {}, undefined, () => [0, 1], 'x');
    expect(s.filter((c) => c.visible).length).toBe(6);
    expect(new Set(s.slice(0, 6).map((c) => c.color.join())).size).toBe(6);
  });
});

describe('NGFF metadata', () => {
  it('rejects groups without multiscales and fills axes for pre-0.4 metadata', () => {
    expect(() => readMultiscale({ foo: 1 }, 'g')).toThrow(/g: no "multiscales"/);
    const m = readMultiscale({ multiscales: [{ version: '0.3', datasets: [{ path: '0' }] }] }, 'g', 3);
    expect(m.axes.map((a) => a.name)).toEqual(['z', 'y', 'x']);
    const top = readMultiscale(
      {
        multiscales: [
          {
            axes: ['y', 'x'],
            datasets: [{ path: 'a', coordinateTransformations: [{ type: 'scale', scale: [2, 2] }] }],
            coordinateTransformations: [{ type: 'scale', scale: [0.5, 0.25] }],
          },
        ],
      },
      'g',
    );
    expect(top.scales).toEqual([[1, 0.5]]);
  });
});
