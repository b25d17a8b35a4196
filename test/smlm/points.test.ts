import { strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { BytesSource } from '../../src/io/byte-source.js';
import { colormapLut } from '../../src/smlm/colormaps.js';
import { loadLocalizations, tableFromColumns } from '../../src/smlm/load.js';
import { boundsFromStats, boundsOf, fitView, positionsOf, robustRange, scaleBar } from '../../src/smlm/points.js';
import { writeSmlm } from '../../src/smlm/write.js';

describe('viewer helpers', () => {
  it('tables from API columns: typed arrays, ImJoy ndarrays, plain lists; clear errors', () => {
    const t = tableFromColumns('api', {
      x: Float32Array.of(1, 2, 3),
      y: { _rtype: 'ndarray', _rvalue: new Float64Array([4, 5, 6]).buffer, _rshape: [3], _rdtype: 'float64' },
      frame: [7, 8, 9],
    });
    expect(t.columns.map((c) => [c.name, c.dtype, Array.from(c.data)])).toEqual([['x', 'float32', [1, 2, 3]], ['y', 'float64', [4, 5, 6]], ['frame', 'float64', [7, 8, 9]]]);
    expect(() => tableFromColumns('api', { x: [1, 2], y: [1] })).toThrow('api: column "y" has 1 values, "x" has 2');
    expect(() => tableFromColumns('api', { x: [1], z: [1] })).toThrow('api: columns "x" and "y" are required (got x, z)');
    expect(() => tableFromColumns('api', { x: { _rtype: 'ndarray', _rvalue: new Float32Array(4), _rshape: [2, 2], _rdtype: 'float32' }, y: [1, 2] })).toThrow('column "x": expected a 1-D array, got shape [2,2]');
  });

  it('loadLocalizations tells .smlm from CSV by the bytes, not the name', async () => {
    const zip = writeSmlm([{ name: 't', columns: [{ name: 'x', data: Float32Array.of(1) }, { name: 'y', data: Float32Array.of(2) }] }]);
    const a = await loadLocalizations(new BytesSource(zip, 'data.csv'));
    expect(a.tables[0].name).toBe('t.bin');
    const b = await loadLocalizations(new BytesSource(strToU8('"x [nm]","y [nm]"\n1,2\n3,4\n'), 'locs.smlm'));
    expect([b.tables[0].name, b.tables[0].rows, b.tables[0].units]).toEqual(['locs.smlm', 2, { x: 'nm', y: 'nm' }]);
  });

  it('positions are float32 relative to the centre, with per-column offsets; missing z is 0', () => {
    const t = tableFromColumns('t', { x: Uint16Array.of(100, 300), y: Float32Array.of(10, 30) });
    t.offset = { x: -50 };
    const b = boundsOf([t]);
    expect(b).toEqual({ min: [50, 10, 0], max: [250, 30, 0] });
    expect(Array.from(positionsOf(t, [150, 20, 0]), (v) => v + 0)).toEqual([-100, -10, 0, 100, 10, 0]);
    t.min = { x: 100, y: 10 };
    t.max = { x: 300, y: 30 };
    expect(boundsFromStats(t)).toEqual({ min: [50, 10, 0], max: [250, 30, 0] });
  });

  it('fitView shows the whole extent with a 5% margin; scale bars are 1/2/5 × 10ⁿ', () => {
    const v = fitView({ min: [0, 0, 0], max: [9000, 1000, 0] }, 1000, 500);
    expect(v.center).toEqual([4500, 500]);
    expect(v.nmPerPx).toBeCloseTo(10, 10); // 9000 nm over 900 px (x limits)
    expect(scaleBar(10, 120)).toEqual({ nm: 1000, px: 100, label: '1 µm' });
    expect(scaleBar(0.5, 100)).toEqual({ nm: 50, px: 100, label: '50 nm' });
    expect(scaleBar(190, 100).label).toBe('20 µm');
  });

  it('robust colour range ignores outliers; colormaps end at their stops', () => {
    const d = Float32Array.from({ length: 1000 }, (_, i) => i);
    d[0] = -1e9;
    d[999] = 1e9;
    const [lo, hi] = robustRange(d);
    expect(lo).toBe(19); // sorted[floor(0.02 × 999)]
    expect(hi).toBe(980); // sorted[ceil(0.98 × 999)]
    const lut = colormapLut('viridis');
    expect(Array.from(lut.subarray(0, 4))).toEqual([0x44, 0x01, 0x54, 255]);
    expect(Array.from(lut.subarray(255 * 4))).toEqual([0xfd, 0xe7, 0x25, 255]);
    expect(() => colormapLut('nope')).toThrow(/unknown colormap "nope"/);
  });

  it('robust colour range of the rows a frame filter shows (colour by frame, frames 1–1000 of 100 000)', () => {
    const frames = Float32Array.from({ length: 100_000 }, (_, i) => i + 1);
    expect(robustRange(frames)).toEqual([2000, 98001]); // sorted[floor(0.02 × 99 999)], sorted[ceil(0.98 × 99 999)]
    // 1000 visible rows with frames 1…1000: the 2nd and 98th percentiles of those, not of all
    expect(robustRange(frames, 0.02, 0.98, { values: frames, range: [1, 1000] })).toEqual([20, 981]);
    // a range no row falls in leaves the default
    expect(robustRange(frames, 0.02, 0.98, { values: frames, range: [-5, -1] })).toEqual([0, 1]);
  });
});
