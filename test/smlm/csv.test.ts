import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BytesSource } from '../../src/io/byte-source.js';
import { withNodeSource } from '../../src/io/open-node.js';
import { csvToSmlm, formatFloat32, parseCsv, parseHeaderCell, readSmlm, tableToCsv } from '../../src/smlm/index.js';
import { dataSummary, testData } from '../helpers/fixtures.js';
import { pyReadSmlm } from './pyreader.js';

/** Reads a local .smlm and closes its file handle (not left to the garbage collector). */
const readSmlmFile = (file: string, opts?: Parameters<typeof readSmlm>[1]) => withNodeSource(file, (s) => readSmlm(s, opts));

// A ShareLoc-layout .smlm written by Python (test/fixtures/make_data.py).
const GEN = dataSummary().smlm;
const TOWER = path.join(testData(), 'smlm', GEN.file);

const THUNDERSTORM = [
  '"id","frame","x [nm]","y [nm]","sigma [nm]","intensity [photon]","offset [photon]","bkgstd [photon]","uncertainty_xy [nm]"',
  '1.0,1.0,3092.63,20595.38,120.5,1500.0,10.0,5.5,12.25',
  '2.0,1.0,3100.1,20600.2,130.5,1700.0,11.0,5.25,10.5',
  '3.0,2.0,-5.5e2,1E3,99,0,0,0,7',
].join('\n');

const collect = async (text: string, chunk = text.length) => {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += chunk) parts.push(text.slice(i, i + chunk));
  return parseCsv(parts, { name: 'locs.csv', dtype: 'float64' });
};

describe('CSV import', () => {
  it('ThunderSTORM headers: names and units split, quoted or not', () => {
    expect(parseHeaderCell('x [nm]')).toEqual({ header: 'x [nm]', name: 'x', unit: 'nm' });
    expect(parseHeaderCell('intensity [photon]')).toEqual({ header: 'intensity [photon]', name: 'intensity', unit: 'photon' });
    expect(parseHeaderCell('uncertainty [nm]').name).toBe('uncertainty_xy');
    expect(parseHeaderCell('Position X [nm]').name).toBe('x');
    expect(parseHeaderCell('First Frame').name).toBe('frame');
    expect(parseHeaderCell('sigma1 (nm)')).toEqual({ header: 'sigma1 (nm)', name: 'sigma1', unit: 'nm' });
  });

  it('parses a ThunderSTORM CSV, the same whatever the chunking (one char at a time)', async () => {
    const whole = await collect(THUNDERSTORM);
    expect(whole.columns.map((c) => c.name)).toEqual(['id', 'frame', 'x', 'y', 'sigma', 'intensity', 'offset', 'bkgstd', 'uncertainty_xy']);
    expect(whole.rows).toBe(3);
    expect(Array.from(whole.data[2])).toEqual([3092.63, 3100.1, -550]);
    expect(Array.from(whole.data[3])).toEqual([20595.38, 20600.2, 1000]);
    const bytewise = await collect(THUNDERSTORM, 1);
    bytewise.data.forEach((d, i) => expect(d).toEqual(whole.data[i]));
  });

  it('tab-separated, unquoted, CRLF, BOM, comments and blank lines', async () => {
    const text = '\uFEFFframe\tx [nm]\ty [nm]\r\n# a comment\r\n1\t10.5\t20\r\n\r\n2\t11\t21.25\r\n';
    const r = await collect(text);
    expect(r.columns.map((c) => c.name)).toEqual(['frame', 'x', 'y']);
    expect(Array.from(r.data[1])).toEqual([10.5, 11]);
    expect(Array.from(r.data[2])).toEqual([20, 21.25]);
  });

  it('semicolon-separated (ZEISS) and quoted cells that contain the delimiter', async () => {
    const r = await collect('"First Frame";"Position X [nm]";"Position Y [nm]"\n1;2;3\n"4";"5";"6"\n');
    expect(r.columns.map((c) => c.name)).toEqual(['frame', 'x', 'y']);
    expect(Array.from(r.data[0])).toEqual([1, 4]);
    const q = await collect('"a, b [nm]",x,y\n1,2,3\n');
    expect(q.columns[0]).toEqual({ header: 'a, b [nm]', name: 'a_b', unit: 'nm' });
  });

  it('a bad value names the file, line and column', async () => {
    const bad = 'frame,x [nm],y [nm]\n1,2,3\n\n4,abc,6\n';
    await expect(collect(bad)).rejects.toThrow('locs.csv line 4, column 2 (x [nm]): "abc" is not a number');
    await expect(collect('frame,x,y\n1,,3\n')).rejects.toThrow('locs.csv line 2, column 2 (x): "" is not a number');
  });

  it('a row with the wrong number of fields, an empty file, a duplicate header', async () => {
    await expect(collect('frame,x,y\n1,2,3\n1,2\n')).rejects.toThrow('locs.csv line 3: expected 3 fields (as in the header), found 2');
    await expect(collect('')).rejects.toThrow('locs.csv: no header line (the file is empty)');
    await expect(collect('x [nm],x [um]\n1,2\n')).rejects.toThrow(/line 1, column 2 \(x \[um\]\): duplicate column name "x"/);
    await expect(collect('"x,y\n1,2\n')).rejects.toThrow(/line 1: unterminated quoted field/);
  });

  it('a header with no rows gives empty columns', async () => {
    const r = await collect('x,y\n');
    expect(r.rows).toBe(0);
    expect(r.data.map((d) => d.length)).toEqual([0, 0]);
  });
});

describe('CSV ⇄ .smlm', () => {
  it('formatFloat32 prints the shortest text that reads back as the same float32', () => {
    for (const v of [0.1, 3092.63, 20595.38, 1e-7, 123456.789, -0.5, 16777217, 1e30]) {
      const f = Math.fround(v);
      const s = formatFloat32(f);
      expect(Math.fround(Number(s))).toBe(f);
      expect(s.length).toBeLessThanOrEqual(String(f).length);
    }
    expect(formatFloat32(Math.fround(3092.63))).toBe('3092.63');
  });

  it('CSV → .smlm streams into a file Python reads with the same float32 columns', async () => {
    const chunks: Uint8Array[] = [];
    const { rows } = await csvToSmlm([THUNDERSTORM.slice(0, 50), THUNDERSTORM.slice(50)], (c) => chunks.push(c), { sourceName: 'locs.csv', name: 'locs.smlm' });
    expect(rows).toBe(3);
    const file = path.join(os.tmpdir(), `locs-${process.pid}.smlm`);
    fs.writeFileSync(file, Buffer.concat(chunks));
    const py = pyReadSmlm(file);
    expect(py.tables[0].columns.x).toEqual([3092.63, 3100.1, -550].map(Math.fround));
    expect(py.tables[0].columns.uncertainty_xy).toEqual([12.25, 10.5, 7]);
    expect(py.manifest.formats[py.manifest.files[0].format].units).toMatchObject({ x: 'nm', intensity: 'photon' });
    expect(py.tables[0].bytes).toBe(3 * 9 * 4); // float32 × 9 columns: what ShareLoc's reader expects
    fs.rmSync(file);
  });

  it('a ShareLoc-layout file → CSV → .smlm gives back identical columns', async () => {
    const d = await readSmlmFile(TOWER);
    let csv = '';
    await tableToCsv(d.tables[0], (t) => void (csv += t));
    expect(csv.split('\n')[0]).toBe('"frame","x [nm]","y [nm]"');
    expect(csv.split('\n')[1]).toBe(`1,${formatFloat32(d.tables[0].columns[1].data[0])},${formatFloat32(d.tables[0].columns[2].data[0])}`);
    const chunks: Uint8Array[] = [];
    await csvToSmlm([csv], (c) => chunks.push(c));
    const back = await readSmlm(new BytesSource(Buffer.concat(chunks)));
    expect(back.tables[0].rows).toBe(GEN.rows);
    back.tables[0].columns.forEach((c, i) => expect(c.data).toEqual(d.tables[0].columns[i].data));
  });
});
