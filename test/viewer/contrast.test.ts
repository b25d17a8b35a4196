import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { python } from '../helpers/paths.js';
import { channelSettings, channelsNeedingData, omeroWindow, percentileLimits } from '../../src/viewer/channels.js';
import { dataLimits, SAMPLE_PIXELS, type Tile, type TileRequest, type TileSource } from '../../src/viewer/image.js';
import type { Omero } from '../../src/ngff/read.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('percentileLimits', () => {
  it('equals numpy’s percentile (method="inverted_cdf"; nanpercentile for data with NaN)', () => {
    const sets: { name: string; values: (number | null)[]; qs: [number, number][]; expected: [number, number][] }[] = JSON.parse(
      execFileSync(python, [path.join(here, 'fixtures', 'percentiles.py')], { maxBuffer: 64 << 20 }).toString(),
    );
    expect(sets.length).toBe(5);
    for (const s of sets) {
      const values = s.values.map((v) => v ?? NaN);
      s.qs.forEach(([lo, hi], i) => expect(percentileLimits(values, lo, hi), `${s.name} at ${lo}, ${hi}`).toEqual(s.expected[i]));
    }
    // the default is the 0.1th–99.9th percentiles
    const cam = sets[0].values as number[];
    expect(percentileLimits(cam)).toEqual(sets[0].expected[0]);
  });

  it('flat or empty data still gives a window viv can draw', () => {
    expect(percentileLimits([7, 7, 7])).toEqual([7, 8]);
    expect(percentileLimits([])).toEqual([0, 1]);
    expect(percentileLimits([NaN, NaN])).toEqual([0, 1]);
  });
});

describe('which omero windows are honoured', () => {
  const omero = (...windows: ({ start: number; end: number } | undefined)[]): Omero => ({
    channels: windows.map((w) => ({ window: w && { min: 0, max: 65535, ...w } })),
  });

  it('a window over the whole integer range is a writer’s placeholder; a narrower one is a choice', () => {
    expect(omeroWindow({ window: { start: 0, end: 65535 } }, 'Uint16')).toBeUndefined();
    expect(omeroWindow({ window: { start: 0, end: 255 } }, 'Uint8')).toBeUndefined();
    expect(omeroWindow({ window: { start: -32768, end: 32767 } }, 'Int16')).toBeUndefined();
    expect(omeroWindow({ window: { start: 0, end: 4095 } }, 'Uint16')).toEqual([0, 4095]);
    expect(omeroWindow({ window: { start: 0, end: 65535 } }, 'Uint32')).toEqual([0, 65535]);
    // floats have no full range: any window is kept
    expect(omeroWindow({ window: { start: 0, end: 1 } }, 'Float32')).toEqual([0, 1]);
    expect(omeroWindow({ window: { min: 0, max: 10 } }, 'Uint16')).toBeUndefined();
  });

  it('only channels without explicit limits or a chosen window are computed from data', () => {
    const om = omero({ start: 0, end: 65535 }, { start: 100, end: 3000 }, undefined);
    expect(channelsNeedingData(3, {}, om, 'Uint16')).toEqual([0, 2]);
    expect(channelsNeedingData(3, { contrast_limits: [[0, 1], [0, 1], [0, 1]] }, om, 'Uint16')).toEqual([]);
    const data = new Map([
      [0, [12, 4000] as [number, number]],
      [2, [5, 900] as [number, number]],
    ]);
    const s = channelSettings(3, {}, om, (c) => data.get(c)!, 'x', 'Uint16');
    expect(s.map((c) => c.contrast)).toEqual([
      [12, 4000],
      [100, 3000],
      [5, 900],
    ]);
    // when the data could not be read the image still opens (its tiles report the failure)
    expect(channelSettings(1, {}, undefined, () => undefined, 'x', 'Uint16')[0].contrast).toEqual([0, 65535]);
    // explicit limits win over everything, also over a full-range window
    expect(channelSettings(1, { contrast_limits: [[0, 65535]] }, omero({ start: 0, end: 65535 }), undefined, 'x', 'Uint16')[0].contrast).toEqual([0, 65535]);
  });
});

describe('dataLimits', () => {
  /** A level whose pixel value is its flat index (y·w + x), recording what is read. */
  function level(h: number, w: number, tileSize: number, reads: string[]): TileSource {
    const plane = (y0: number, y1: number, x0: number, x1: number): Tile => {
      const data = new Float64Array((y1 - y0) * (x1 - x0));
      let i = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[i++] = y * w + x;
      return { data, width: x1 - x0, height: y1 - y0 };
    };
    return {
      shape: [h, w],
      labels: ['y', 'x'],
      tileSize,
      dtype: 'Float32',
      meta: {},
      onTileError: () => {},
      async getTile({ x, y }: TileRequest) {
        reads.push(`tile ${x},${y}`);
        return plane(y * tileSize, Math.min(h, (y + 1) * tileSize), x * tileSize, Math.min(w, (x + 1) * tileSize));
      },
      async getRaster() {
        reads.push('raster');
        return plane(0, h, 0, w);
      },
    };
  }

  it('reads the whole lowest level of a pyramid and nothing of the others', async () => {
    const reads: string[] = [];
    const top: string[] = [];
    const limits = await dataLimits([level(4000, 4000, 512, top), level(100, 100, 512, reads)], {});
    expect(top).toEqual([]);
    expect(reads).toEqual(['raster']);
    expect(limits).toEqual(percentileLimits(Array.from({ length: 10_000 }, (_, i) => i)));
  });

  it('a single big level: only its central tiles (at most SAMPLE_PIXELS)', async () => {
    const reads: string[] = [];
    await dataLimits([level(5000, 6000, 256, reads)], {});
    expect(reads).not.toContain('raster');
    expect(reads.length * 256 * 256).toBeLessThanOrEqual(SAMPLE_PIXELS);
    // 4×4 tiles of 256 px centred as near as tiles allow on (3000, 2500): x 2560..3584, y 2048..3072
    expect(reads.sort()).toEqual([10, 11, 12, 13].flatMap((x) => [8, 9, 10, 11].map((y) => `tile ${x},${y}`)).sort());
  });
});
