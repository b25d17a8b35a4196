import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSmlmDemo } from '../../src/demo/smlm.js';
import { tmpDir } from '../helpers/host.js';
import { pyReadSmlm } from './pyreader.js';

describe('SMLM demo data', () => {
  it('writes two filament channels that Python reads, with localizations near smooth curves', async () => {
    const dir = tmpDir('smlm-demo-');
    await generateSmlmDemo(dir);
    const py = pyReadSmlm(path.join(dir, 'filaments.smlm'));
    expect(py.tables.map((t) => [t.name, t.rows])).toEqual([['microtubules.bin', 144000], ['actin.bin', 100000]]);
    expect(py.manifest.files.map((f: { channel: string }) => f.channel)).toEqual(['microtubules', 'actin']);
    const mt = py.tables[0].columns;
    expect(Object.keys(mt)).toEqual(['frame', 'x', 'y', 'z', 'intensity', 'uncertainty_xy']);
    expect(Object.keys(py.tables[1].columns)).not.toContain('z');
    const min = (a: number[]) => a.reduce((m, v) => Math.min(m, v), Infinity);
    const max = (a: number[]) => a.reduce((m, v) => Math.max(m, v), -Infinity);
    expect(min(mt.frame)).toBeGreaterThanOrEqual(1);
    expect(max(mt.frame)).toBeLessThanOrEqual(5000);
    expect(min(mt.uncertainty_xy)).toBeGreaterThan(5);
    expect(max(mt.uncertainty_xy)).toBeLessThan(30);
    // Filaments, not a uniform cloud: most cells of a 100 nm grid stay empty (144k uniform points
    // would hit ~97% of the 40,000 cells).
    const cells = new Set(mt.x.map((x, i) => `${Math.floor(x / 100)},${Math.floor(mt.y[i] / 100)}`));
    expect(cells.size).toBeLessThan(0.4 * 200 * 200);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
